"""Recording an event in the ledger: the one writer of releases, and in-memory syncing where none can be written.

`release_event` records the next revision and renders it once into the
release folder, under the ledger lock; `sync_ledger` records a revision for a
process that serves from memory (a read-only release folder). Both read the
ledger through a `LedgerCache`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from ..cache import BoundedCache
from ..config import Settings
from ..ledger import Change, Ledger, LedgerError, LedgerFile, LedgerReadOnlyError, advance
from ..model import Event
from .parts import PartCache
from .publication import Publication
from .release import Release
from .review import Hold
from .store import release_folder


class LedgerCache:
    """The ledger this process last read or wrote, to skip parsing the file again while it is unchanged.

    The files are recognized by their stat (device, inode, size, modification
    and change times): the snapshot is always replaced by a rename and the log
    only grows or is replaced, so any write by any process gives them a new
    identity.
    """

    def __init__(self) -> None:
        self._ledgers: BoundedCache[tuple[int, ...], Ledger] = BoundedCache(1)

    @staticmethod
    def _stat(store: LedgerFile) -> tuple[int, ...] | None:
        try:
            info = store.path.stat()
        except OSError:
            return None
        try:
            log = store.log_path.stat()
            appended: tuple[int, ...] = (log.st_ino, log.st_size, log.st_mtime_ns, log.st_ctime_ns)
        except OSError:
            appended = ()
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, *appended)

    def read(self, store: LedgerFile, event_id: str) -> Ledger | None:
        """Return the ledger on disk, parsing the file only when it changed since the last read or write."""
        before = self._stat(store)
        cached = self._ledgers.get(before) if before is not None else None
        if cached is not None and cached.event == event_id:
            return cached
        ledger = store.read(event_id)
        if ledger is not None and before is not None and self._stat(store) == before:
            self._ledgers.put(before, ledger)
        return ledger

    def remember(self, store: LedgerFile, ledger: Ledger) -> None:
        """Note the ledger just written to the file (call with the write lock held)."""
        identity = self._stat(store)
        if identity is None:
            self._ledgers.clear()
        else:
            self._ledgers.put(identity, ledger)


def fallback_time(ledger: Ledger | None, event: Event) -> datetime:
    """Return the revision time used when the ledger cannot be written: the same on every replica."""
    if ledger is not None:
        return ledger.revised
    return datetime.combine(event.info.first_day, clock_time(0), UTC)


def sync_ledger(
    event: Event,
    settings: Settings,
    source_check: Callable[[], bool] = lambda: True,
    cache: LedgerCache | None = None,
) -> tuple[Ledger, str]:
    """Return the ledger brought up to date with event, writing it when it changed; and a warning."""
    store = LedgerFile(settings.ledger_file)
    cache = cache or LedgerCache()
    ledger = cache.read(store, event.info.id)
    now = settings.clock()
    updated, changed = advance(ledger, event, now, settings.tombstone_days)
    if not changed:
        return updated, ""
    try:
        with store.locked():
            fresh = cache.read(store, event.info.id)
            if fresh is not ledger:
                # Another process wrote the ledger meanwhile: advance from what it wrote.
                ledger = fresh
                updated, changed = advance(ledger, event, now, settings.tombstone_days)
            if changed:
                if not source_check():
                    raise LedgerError("the event file changed while its revision was being recorded; retrying")
                store.write(updated, ledger)
                cache.remember(store, updated)
    except LedgerReadOnlyError as err:
        moment = fallback_time(ledger, event)
        updated, _ = advance(ledger, event, moment, settings.tombstone_days)
        return updated, (
            f"{err}; serving the changes in {settings.event_file} with revision time {moment:%Y-%m-%d %H:%M:%S} UTC. "
            f"Run 'feeds publish {settings.event_file}' where the ledger is writable and deploy the ledger with the event file"
        )
    return updated, ""


def next_expiry(ledger: Ledger, tombstone_days: int) -> datetime | None:
    """Return when the next tombstone is due to be dropped, if any."""
    lefts = [
        stay.left for entry in ledger.sessions.values() for stay in entry.feeds.values() if stay.tombstone and stay.left
    ]
    return min(lefts) + timedelta(days=tombstone_days) if lefts else None


@dataclass(frozen=True, slots=True)
class Released:
    """What releasing an event did."""

    release: Release | None  # None when held (and nothing was released before)
    publication: Publication | None  # None when nothing had to be rendered
    changed: bool
    changes: tuple[Change, ...] = ()
    held: tuple[Hold, ...] = ()


def release_event(
    settings: Settings,
    event: Event,
    name: str = "",
    previous: Publication | None = None,
    parts: PartCache | None = None,
    cache: LedgerCache | None = None,
    review: Callable[[Ledger | None, list[Change]], list[Hold]] | None = None,
) -> Released:
    """Record event as the next release (when anything changed), render it once, and point every server at it.

    The order keeps every crash safe: the release folder first (not yet served),
    then the ledger, then the pointer. A writer killed before the ledger leaves
    an unserved folder that the next writer replaces; one killed after it
    leaves a complete folder that the next check points at. With review, a
    release it finds holds for is not made (the holds are returned instead).
    """
    store = release_folder(settings)
    ledger_file = LedgerFile(settings.ledger_file)
    cache = cache or LedgerCache()
    with ledger_file.locked():
        ledger = cache.read(ledger_file, event.info.id)
        updated, changed = advance(ledger, event, settings.clock(), settings.tombstone_days, name)
        changes = tuple(updated.revisions[-1].changes) if changed else ()
        newest = store.newest()
        held = tuple(review(ledger, list(changes))) if review is not None and changes else ()
        if held:
            return Released(newest, None, False, changes, held)
        if (
            not changed
            and newest is not None
            and newest.number == updated.release
            and newest.base_url == settings.base_url
        ):
            store.point(newest.number)
            return Released(newest, None, False, changes)
        publication = Publication(event, updated, settings, parts, previous=previous)
        release = store.write_tree(publication, settings.base_url, newest)
        if changed:
            ledger_file.write(updated, ledger)
            cache.remember(ledger_file, updated)
        store.point(release.number)
    return Released(release, publication, changed, changes)
