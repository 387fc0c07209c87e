"""The ledger on disk: a snapshot and an append-only log, written atomically under an exclusive lock."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codec import VERSION, apply_step, dump_ledger, dump_step, key_position, parse_ledger
from .errors import READ_ONLY_ERRORS, RESTORE, LedgerError, LedgerReadOnlyError
from .records import Ledger

# Lines in the ledger's log before the next release rewrites the snapshot instead.
COMPACT_AFTER = 100


@dataclass(frozen=True, slots=True)
class FileState:
    """What a cheap stat says about a file, to notice changes."""

    exists: bool
    mtime_ns: int = 0
    size: int = 0
    inode: int = 0

    @classmethod
    def of(cls, path: Path) -> FileState:
        """Return the state of path now."""
        try:
            info = path.stat()
        except OSError:
            return cls(False)
        return cls(True, info.st_mtime_ns, info.st_size, info.st_ino)


def _open_for_writing(path: Path, named: Path, flags: int) -> int:
    """Open path for writing; a read-only place is LedgerReadOnlyError naming named, anything else LedgerError."""
    try:
        return os.open(path, flags, 0o644)
    except OSError as err:
        if err.errno in READ_ONLY_ERRORS:
            raise LedgerReadOnlyError(f"{named}: cannot be written here ({err.strerror})") from None
        raise LedgerError(f"{path}: cannot be written ({err.strerror})") from None


class LedgerFile:
    """The ledger on disk: a snapshot and an append-only log of the releases since, written under an exclusive lock.

    `event.ledger.json` is a whole ledger; `event.ledger.log` has one line per
    release recorded after it (only the entries and feed records that release
    changed). A release appends one line, in time proportional to what
    changed; every COMPACT_AFTER lines the snapshot is rewritten and the log
    emptied. A line cut off by a killed writer is not yet part of the ledger:
    readers pass over it and the next writer removes it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.log_path = path.with_name(path.name.removesuffix(".json") + ".log")

    def read(self, event_id: str) -> Ledger | None:
        """Return the ledger on disk, None when there is none yet."""
        found = self._read()
        if found is None:
            return None
        ledger, data = found
        if ledger.event != event_id:
            raise LedgerError(
                f"{self.path}:{key_position(data, 'event')}: belongs to event '{ledger.event}', "
                f"but the event file is '{event_id}'; "
                "point FEEDS_LEDGER_FILE at this event's ledger (the file was left unchanged)"
            )
        return ledger

    def read_any(self) -> Ledger | None:
        """Return the ledger on disk whatever event it belongs to, None when there is none yet."""
        found = self._read()
        return found[0] if found is not None else None

    def _read(self) -> tuple[Ledger, bytes] | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise LedgerError(f"{self.path}: cannot be read ({err.strerror}); {RESTORE}") from None
        ledger = parse_ledger(data, str(self.path))
        for number, step in enumerate(self._steps()[0], start=1):
            if step["release"] <= ledger.release:
                continue  # a line the snapshot already holds (written before a compaction finished)
            try:
                ledger = apply_step(ledger, step)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                what = f"missing field {err}" if isinstance(err, KeyError) else str(err)
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged ({what}); {RESTORE}") from None
        return ledger, data

    def _snapshot_is_current(self) -> bool:
        """Return whether the snapshot on disk is of this VERSION (an older one is written anew, not appended to)."""
        try:
            with self.path.open("rb") as handle:
                head = handle.read(200)
        except OSError:
            return False
        found = re.search(rb'"version":\s*(\d+)', head)
        return found is not None and int(found[1]) == VERSION

    def _steps(self) -> tuple[list[dict[str, Any]], int]:
        """Return the complete lines of the log, parsed, and the length in bytes that they take."""
        try:
            data = self.log_path.read_bytes()
        except FileNotFoundError:
            return [], 0
        except OSError as err:
            raise LedgerError(f"{self.log_path}: cannot be read ({err.strerror}); {RESTORE}") from None
        complete = data.rfind(b"\n") + 1  # a last line without its newline was cut off by a killed writer
        steps = []
        for number, line in enumerate(data[:complete].splitlines(), start=1):
            try:
                step = json.loads(line)
            except (ValueError, UnicodeDecodeError) as err:
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged ({err}); {RESTORE}") from None
            if not isinstance(step, dict) or not isinstance(step.get("release"), int):
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged (not a release line); {RESTORE}")
            steps.append(step)
        return steps, complete

    def write(self, ledger: Ledger, base: Ledger | None = None) -> None:
        """Record ledger. Hold the lock. With base (the ledger on disk), append only what changed since it."""
        steps, complete = self._steps()
        for target in (self.path, self.log_path):  # what a killed writer left, also when this one only appends
            self._clear_temporaries(target)
        on_disk = base is not None and base.release == ledger.release - 1 and self._snapshot_is_current()
        if not on_disk or len(steps) >= COMPACT_AFTER or base is None:
            self._replace(self.path, dump_ledger(ledger))
            if steps or complete or self.log_path.exists():
                self._replace(self.log_path, b"")
            return
        line = dump_step(base, ledger)
        handle = _open_for_writing(self.log_path, self.log_path, os.O_WRONLY | os.O_CREAT)
        try:
            os.ftruncate(handle, complete)  # drop a line a killed writer left half written
            os.lseek(handle, complete, os.SEEK_SET)
            view = memoryview(line)
            while view:
                view = view[os.write(handle, view) :]
            os.fsync(handle)
        except OSError as err:
            raise LedgerError(f"{self.log_path}: cannot be written ({err.strerror}); the ledger was kept") from None
        finally:
            os.close(handle)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive lock that serializes ledger writers."""
        handle = _open_for_writing(self.lock_path, self.path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)

    @staticmethod
    def _clear_temporaries(target: Path) -> None:
        """Remove the temporary files of target that killed writers left (only the lock holder writes). Hold the lock."""
        for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def _replace(self, target: Path, data: bytes) -> None:
        """Replace target atomically: temporary file, fsync, rename, fsync of the folder."""
        folder = target.parent
        self._clear_temporaries(target)
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        except OSError as err:
            if err.errno in READ_ONLY_ERRORS:
                raise LedgerReadOnlyError(f"{target}: cannot be written here ({err.strerror})") from None
            raise LedgerError(f"{target}: cannot be written ({err.strerror})") from None
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise LedgerError(f"{target}: cannot be written ({err.strerror}); the old file was kept") from None
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
