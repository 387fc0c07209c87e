"""What is wrong with an event file: problems at positions, and the error that carries them."""

from __future__ import annotations

from ..model import Problem
from ..text import plural

MAX_REPORTED = 200

__all__ = ["MAX_REPORTED", "EventFileError", "Problem", "byte_position", "file_error", "text_position"]


class EventFileError(Exception):
    """event.yaml cannot be published; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__(self.report())

    def report(self) -> str:
        """Return the problems as lines for an organizer, with a count."""
        shown = [str(p) for p in self.problems[:MAX_REPORTED]]
        if len(self.problems) > MAX_REPORTED:
            shown.append(f"... and {len(self.problems) - MAX_REPORTED} more problems")
        shown.append(f"{plural(len(self.problems), 'problem')} found; nothing was published from this file.")
        return "\n".join(shown)


def file_error(name: str, message: str, line: int = 1, column: int = 1) -> EventFileError:
    """Return the error for one problem with the whole file."""
    return EventFileError([Problem(name, line, column, "", message)])


def text_position(text: str, index: int) -> tuple[int, int]:
    """Return the 1-based line and column of text[index]."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column (in characters) of a byte offset in UTF-8 data, such as a bad byte's."""
    before = data[:offset]
    return before.count(b"\n") + 1, len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
