"""The watcher's share with the other workers: who watches event.yaml, and what it concluded.

One process per machine holds the watch lock and reads event.yaml; its verdict
on the file (problems, holds, a draft) is written beside the releases, so that
every worker reports the same thing in /healthz.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the watcher concluded about one state of the event file (shared by every worker)."""

    state: tuple[int, ...]
    release: int
    problems: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    draft: tuple[str, ...] = ()
    warning: str = ""

    def to_json(self) -> bytes:
        """Return the verdict as JSON bytes."""
        data = {
            "state": list(self.state),
            "release": self.release,
            "problems": list(self.problems),
            "held": list(self.held),
            "draft": list(self.draft),
            "warning": self.warning,
        }
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> Verdict:
        """Return the verdict in data; raise ValueError when it is not one."""
        raw = json.loads(data)
        return cls(
            state=tuple(int(part) for part in raw["state"]),
            release=int(raw["release"]),
            problems=tuple(str(line) for line in raw["problems"]),
            held=tuple(str(line) for line in raw["held"]),
            draft=tuple(str(line) for line in raw["draft"]),
            warning=str(raw.get("warning", "")),
        )


class WatchLock:
    """One watcher per machine: the process that holds this lock reads event.yaml; the others only follow releases.

    The lock is held for the life of the process (its file stays open); when
    the process dies the kernel frees it and another worker takes it on its
    next check. Every Publisher of one process shares the one lock.
    """

    MINE = "mine"
    THEIRS = "theirs"
    NONE = "none"  # the release folder cannot be made or locked here (a read-only deployment)

    _held: ClassVar[dict[str, tuple[int, int]]] = {}  # lock path -> (pid, file descriptor)
    _guard = threading.Lock()

    @classmethod
    def take(cls, folder: Path) -> str:
        """Return MINE when this process holds the watch lock of folder (taking it if free), THEIRS or NONE."""
        path = str(folder / "watch.lock")
        with cls._guard:
            held = cls._held.get(path)
            if held is not None and held[0] == os.getpid():
                return cls.MINE
            try:
                folder.mkdir(parents=True, exist_ok=True)
                handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                return cls.NONE
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(handle)
                return cls.THEIRS
            cls._held[path] = (os.getpid(), handle)
            return cls.MINE
