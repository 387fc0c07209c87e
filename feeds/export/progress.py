"""Report an export's progress: a bar on a terminal, a line every tenth on a log."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[int, int], None]


class TerminalProgress:
    """A progress bar on a terminal; on a log, a line every tenth, and only for large exports."""

    def __init__(self, stream: TextIO = sys.stderr, minimum: int = 1000, width: int = 30) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.minimum = minimum
        self.width = width
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        """Show that done of total files are fetched."""
        if self.tty:
            if done < total and done % max(1, total // 200):
                return
            filled = self.width * done // max(total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\rexporting [{bar}] {done}/{total}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif total >= self.minimum:
            tenth = 10 * done // max(total, 1)
            if tenth > self._shown:
                self._shown = tenth
                self.stream.write(f"exporting: {done}/{total} files\n")
                self.stream.flush()
