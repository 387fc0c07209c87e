"""Serving the newest release, and the one watcher that turns a settled, valid event.yaml into the next release.

Every process follows the release folder's `current` pointer (a throttled
readlink) and serves that release: feeds and schedule documents from its
files, pages and custom feeds from the state it was rendered from. It never
goes back to an older release. One process per machine, the holder of the
watch lock, also reads event.yaml: a valid change is released (FEEDS_PUBLISH=
auto) unless it looks like a costly mistake (a hold), or kept as a draft
(FEEDS_PUBLISH=manual); its verdict is written beside the releases, so every
worker reports the same thing in /healthz.

Where no release can be written (a read-only deployment without a release
folder), each process renders the event in memory, as `sync_ledger` allows.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..config import MANUAL, Settings
from ..ledger import Change, FileState, Ledger, LedgerError, LedgerFile, LedgerReadOnlyError, advance, pending
from ..load import EventFileError, IncrementalParser, read_source
from ..model import Event
from ..text import plural
from .publication import (
    FeedBody,
    LedgerCache,
    PartCache,
    Publication,
    next_expiry,
    sync_ledger,
)
from .release import (
    MAX_PAGE_SESSIONS,
    META,
    PAGES,
    Release,
    ReleaseStore,
    default_release_dir,
)
from .review import Hold, describe, find_holds
from .watch import Verdict, WatchLock

log = logging.getLogger("feeds")

# How long a worker that starts before any release exists waits for the watcher's first one.
FIRST_RELEASE_WAIT = 20.0
# The shortest interval of the background check (FEEDS_RELOAD_SECONDS may be 0 in tests).
MIN_BACKGROUND_SECONDS = 0.1


@dataclass
class Status:
    """What /healthz reports: the problems, holds or draft of the event file now on disk."""

    errors: list[str] = field(default_factory=list)
    error_since: datetime | None = None
    warning: str = ""
    loaded_at: datetime | None = None
    held: list[str] = field(default_factory=list)
    draft: list[str] = field(default_factory=list)


def release_folder(settings: Settings) -> ReleaseStore:
    """Return the release store the settings name."""
    return ReleaseStore(settings.release_dir or default_release_dir(settings.ledger_file))


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


class Publisher:
    """Serve the newest release; in the watcher process, also release event.yaml when it changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = release_folder(settings)
        self.parts = PartCache()
        self.ledgers = LedgerCache()
        self.parser = IncrementalParser()  # a reload composes again only the parts of event.yaml that changed
        self.status = Status()
        self.release: Release | None = None
        self._publication: Publication | None = None  # of self.release, built when first asked
        self._working: Publication | None = None  # the watcher's newest rendered publication, reused when it releases
        self._memory: Publication | None = None  # served when no release can be written
        self._looked: tuple[FileState, int] | None = None  # event file state and release the watcher last judged
        self._pending: tuple[FileState, float] | None = None
        self._verdict_state: tuple[int, ...] | None = None
        self._verdict_file = FileState(False)
        self._expiry: datetime | None = None
        self._last_check = float("-inf")
        self._lock = threading.Lock()
        self._build = threading.Lock()
        self.read_only = False
        self.draft_changes: list[Change] = []  # in preview: what releasing the draft would change
        self.draft_holds: list[str] = []
        # Set by create_app; called by the watcher to write each release's pages as files (see write_pages).
        self.page_renderer: Callable[[], Mapping[str, tuple[bytes, str]]] | None = None
        self.write_pages = False  # gunicorn's workers turn it on (feeds/gunicorn_conf.py)
        self.check(force=True)

    # -- what is served ---------------------------------------------------------------------------

    @property
    def current(self) -> Publication | None:
        """Return the publication of the release served now."""
        self._maybe_check()
        return self._publication_of(self.release)

    def served(self) -> Release | None:
        """Return the release served now."""
        self._maybe_check()
        return self.release

    def feed(self, path: str, base_url: str) -> tuple[str, FeedBody] | None:
        """Return (key, body) of the feed at a URL path in the served release, None when there is no such feed."""
        self._maybe_check()
        release = self.release
        publication = self._publication_of(release) if release is None or release.base_url != base_url else None
        if release is not None and publication is None:
            body = release.body(path)
            if body is not None:
                key = release.key(path)
                if key is not None:
                    return key, body
            publication = self._publication_of(release)
        if publication is None:
            return None
        key = publication.lookup(path)
        return None if key is None else (key, publication.body(key, base_url))

    def document(self, path: str, base_url: str) -> FeedBody | None:
        """Return a schedule document (DOCUMENTS) of the served release from its file, None to render it."""
        release = self.served()
        if release is None or release.base_url != base_url:
            return None
        return release.body(path)

    def _publication_of(self, release: Release | None) -> Publication | None:
        if release is None:
            return self._memory
        publication = self._publication
        if publication is not None and publication.ledger.release == release.number:
            return publication
        with self._build:
            publication = self._publication
            if publication is None or publication.ledger.release != release.number:
                working = self._working
                if working is not None and working.ledger.release == release.number:
                    publication = working
                else:
                    event, ledger = release.state()
                    self.parts.adopt(release.parts())  # custom feeds assemble the release's parts, rendering none
                    publication = Publication(event, ledger, self.settings, self.parts)
                self._publication = publication
        return publication

    # -- following releases -----------------------------------------------------------------------

    def watch_in_background(self) -> None:
        """Check every reload interval without waiting for a request: a quiet server still releases a save.

        gunicorn's workers start this (feeds/gunicorn_conf.py); the thread ends
        with the publisher, and requests keep checking as they always do.
        """
        owner = weakref.ref(self)
        interval = max(self.settings.reload_seconds, MIN_BACKGROUND_SECONDS)

        def loop() -> None:
            while True:
                time.sleep(interval)
                publisher = owner()
                if publisher is None:
                    return
                publisher.check()
                del publisher

        threading.Thread(target=loop, name="feeds-watch", daemon=True).start()

    def _maybe_check(self) -> None:
        """Follow `current` on every request (one readlink); look at event.yaml once per reload interval.

        Reading the pointer each time is what makes reads monotonic across
        workers: a request that starts after another worker answered from
        release N reads a pointer at N or later, so it never answers older.
        """
        if time.monotonic() - self._last_check >= self.settings.reload_seconds:
            self.check()
        elif not self.read_only and not self.settings.preview:
            served = self.release.number if self.release is not None else 0
            if self.store.current_number() > served:
                with self._lock:
                    self._follow()

    def check(self, force: bool = False) -> None:
        """Follow the newest release; in the watcher, judge event.yaml when it changed. Never raises."""
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._last_check = time.monotonic()
            if self.settings.preview:
                self._serve_draft(force)
                return
            self._follow()
            watch = WatchLock.NONE if self.read_only else WatchLock.take(self.store.folder)
            if watch == WatchLock.MINE:
                if self.release is None:
                    self._repair_pointer()
                self._watch(force)
                self._add_pages()
            elif watch == WatchLock.NONE and self.release is None:
                self.read_only = True  # no release folder can be made here: render in this process
                self._serve_from_memory(force)
            elif watch == WatchLock.NONE:
                self._watch(force)  # no watcher can run on a read-only release folder: say why a save is not released
            else:
                if force and self.release is None:
                    self._wait_for_first_release()
                self._adopt_verdict()
        except Exception:
            log.exception("checking for a new release failed; still serving %s", self._describe_served())
        finally:
            self._lock.release()

    def _follow(self) -> None:
        """Switch to the newest complete release when it is newer than the one served."""
        number = self.store.current_number()
        served = self.release.number if self.release is not None else 0
        if number <= served:
            return
        found = self.store.load(number)
        if found is None:
            return
        self.release = found
        self._publication = None  # built again from the new release (or taken from the watcher's) when asked
        log.info("serving %s (revision %s)", found.describe(), found.revision)

    def _add_pages(self) -> None:
        """Write the served release's pages into its folder once (the watcher; events of up to MAX_PAGE_SESSIONS)."""
        release = self.release
        if not self.write_pages or self.page_renderer is None or release is None or not release.base_url:
            return
        if release.base_url != self.settings.base_url or (release.folder / META / PAGES).exists():
            return
        if int(release.summary.get("counts", {}).get("sessions", 0)) > MAX_PAGE_SESSIONS:
            return
        try:
            self.store.add_pages(release, self.page_renderer())
        except OSError as err:
            log.warning("%s: the pages cannot be written (%s); the service answers them", release.folder, err.strerror)

    def _repair_pointer(self) -> None:
        """Restore a missing `current` link from the ledger, when there are releases to point at."""
        if not self.store.trees.is_dir():
            return
        ledger_file = LedgerFile(self.settings.ledger_file)
        try:
            with ledger_file.locked():
                self.store.repair(ledger_file.read_any())
        except LedgerError as err:
            log.warning("cannot restore %s: %s", self.store.pointer, err)
            return
        self._follow()

    def _wait_for_first_release(self) -> None:
        """Give the watcher time to write the very first release, unless it has already said it cannot."""
        deadline = time.monotonic() + FIRST_RELEASE_WAIT
        while self.release is None and time.monotonic() < deadline:
            verdict = self.store.read_verdict()
            if verdict is not None and verdict.problems:
                return
            if not self.store.folder.exists() and time.monotonic() > deadline - FIRST_RELEASE_WAIT + 2:
                return
            time.sleep(0.05)
            self._follow()

    def _adopt_verdict(self) -> None:
        """Report what the watcher concluded (every worker then says the same in /healthz)."""
        seen = FileState.of(self.store.verdict_path)
        if seen == self._verdict_file:
            return  # unchanged since last read: a stat, not a parse, on every check
        self._verdict_file = seen
        verdict = self.store.read_verdict()
        if verdict is None or verdict.state == self._verdict_state:
            return
        self._verdict_state = verdict.state
        self._set_status(list(verdict.problems), list(verdict.held), list(verdict.draft), verdict.warning)

    def _describe_served(self) -> str:
        return self.release.describe() if self.release is not None else "nothing"

    # -- the watcher ------------------------------------------------------------------------------

    def _watch(self, force: bool) -> None:
        path = self.settings.event_file
        state = FileState.of(path)
        served = self.release.number if self.release is not None else 0
        due = self._expiry is not None and self.settings.clock() >= self._expiry
        if not force and not due and self._looked == (state, served):
            return
        if not state.exists:
            self._looked = (state, served)
            self._judge(state, [f"{path}: the file is missing; {self._still_serving()}"])
            return
        if not force and not self._settled(state):
            return  # still being written: look again on the next check
        self._looked = (state, served)
        try:
            data = read_source(path, self.settings.max_event_bytes)
            event = self._parse(data)
        except EventFileError as err:
            self._judge(state, [str(problem) for problem in err.problems])
            return
        try:
            self._consider(state, event, due)
        except LedgerReadOnlyError as err:
            if self.release is None:
                log.warning("%s; every process renders the event itself", err)
                self.read_only = True
                self._serve_from_memory(True)
                return
            self._judge(
                state,
                [],
                warning=(
                    f"{err}; the changes saved in {path} are not released and {self._still_serving()}. "
                    f"Run 'feeds publish {path}' where the ledger is writable and deploy the release folder with it"
                ),
            )
        except LedgerError as err:
            self._judge(state, [str(err)])

    def _parse(self, data: bytes) -> Event:
        digest = hashlib.sha256(data).hexdigest()
        for known in (self._working, self._publication):
            if known is not None and known.event.source_sha256 == digest:
                return known.event
        return self.parser.parse(data, str(self.settings.event_file))

    def _consider(self, state: FileState, event: Event, due: bool) -> None:
        """Release a valid draft, or hold it, or keep it as a draft (manual mode)."""
        store = LedgerFile(self.settings.ledger_file)
        ledger = self.ledgers.read(store, event.info.id)
        if self.settings.publish_mode == MANUAL:
            changed, changes = pending(ledger, event)
            if changed:
                self._judge(state, [], draft=self._draft_lines(changes))
                self._release_expiries(due)
                return

        def review(before: Ledger | None, changes: list[Change]) -> list[Hold]:
            return find_holds(event, before, changes, self.settings.hold_removals)

        held = self._release(event, review)
        if held:
            for hold in held:
                log.warning("held, not released: %s", hold)
            self._judge(state, [], held=[str(hold) for hold in held])
            self._release_expiries(due)
            return
        self._looked = (state, self.release.number if self.release is not None else 0)
        self._judge(state, [])

    def _release_expiries(self, due: bool) -> None:
        """Drop tombstones that are due from the released event, leaving the draft a draft."""
        if due and self.release is not None:
            event, _ = self.release.state()
            self._release(event)

    def _release(
        self, event: Event, review: Callable[[Ledger | None, list[Change]], list[Hold]] | None = None
    ) -> tuple[Hold, ...]:
        """Release event unless review holds it; return the holds."""
        previous = self._working
        if previous is None and self.release is not None:
            # A watcher new to this release: take its feeds as rendered, so the next release renders only changes.
            previous = self._publication_of(self.release)
            if previous is not None and self.release.base_url == self.settings.base_url:
                previous.adopt(self.release.base_url, self.release.feed_bodies(previous.paths))
        released = release_event(self.settings, event, "", previous, self.parts, self.ledgers, review)
        if released.held:
            return released.held
        if released.publication is not None:
            self._working = released.publication
        self._follow()
        if released.changed and released.release is not None:
            log.info("released %s", released.release.describe())
        ledger = self._working.ledger if self._working is not None else self._served_ledger()
        self._expiry = next_expiry(ledger, self.settings.tombstone_days) if ledger is not None else None
        return ()

    def _served_ledger(self) -> Ledger | None:
        return self.release.state()[1] if self.release is not None else None

    def _draft_lines(self, changes: list[Change]) -> list[str]:
        path = self.settings.event_file
        return [
            f"{path}: {plural(len(changes), 'change')} not yet released (FEEDS_PUBLISH=manual); "
            f"review them with 'feeds diff {path}' or 'feeds preview {path}', then run 'feeds publish {path}'"
        ] + [describe(change) for change in changes[:20]]

    def _still_serving(self) -> str:
        if self.release is None:
            return "nothing is served until the problems are fixed"
        return f"still serving {self.release.describe()}"

    def _judge(
        self,
        state: FileState,
        problems: list[str],
        held: list[str] | None = None,
        draft: list[str] | None = None,
        warning: str = "",
    ) -> None:
        """Set this process's status and share it with the other workers."""
        held, draft = held or [], draft or []
        self._set_status(problems, held, draft, warning)
        served = self.release.number if self.release is not None else 0
        identity = (int(state.exists), state.mtime_ns, state.size, state.inode, served)
        self.store.write_verdict(Verdict(identity, served, tuple(problems), tuple(held), tuple(draft), warning))
        self._verdict_state = identity

    def _set_status(self, problems: list[str], held: list[str], draft: list[str], warning: str) -> None:
        if problems and problems != self.status.errors:
            for line in problems:
                log.error("%s", line)
        since = self.status.error_since if problems and self.status.errors == problems else None
        if problems and since is None:
            since = self.settings.clock()
        self.status = Status(
            errors=problems,
            error_since=since,
            warning=warning,
            loaded_at=self.settings.clock(),
            held=held,
            draft=draft,
        )

    def _settled(self, state: FileState) -> bool:
        """Return whether the event file has stopped changing (an editor may still be writing it).

        A file last modified at least FEEDS_SETTLE_SECONDS ago is settled. A younger one, or
        one dated in the future (a skewed clock), is settled once two checks that many seconds
        apart see it unchanged.
        """
        settle = self.settings.settle_seconds
        if time.time() - state.mtime_ns / 1e9 >= settle:
            return True
        now = time.monotonic()
        if self._pending is None or self._pending[0] != state:
            self._pending = (state, now)
            return settle <= 0
        return now - self._pending[1] >= settle

    # -- feeds preview: the draft, in memory only ------------------------------------------------

    def _serve_draft(self, force: bool) -> None:
        """Serve event.yaml as if it were released now, without writing the ledger or any release."""
        state = FileState.of(self.settings.event_file)
        if not force and self._looked is not None and self._looked[0] == state:
            return
        self._looked = (state, 0)
        try:
            event = self._parse(read_source(self.settings.event_file, self.settings.max_event_bytes))
            ledger = self.ledgers.read(LedgerFile(self.settings.ledger_file), event.info.id)
        except EventFileError as err:
            self._set_status([str(problem) for problem in err.problems], [], [], "")
            return
        except LedgerError as err:
            self._set_status([str(err)], [], [], "")
            return
        changed, changes = pending(ledger, event)
        moment = self.settings.clock()
        draft, _ = advance(ledger, event, moment, self.settings.tombstone_days, "Draft")
        self._memory = Publication(event, draft, self.settings, self.parts, previous=self._memory)
        self.draft_changes = changes
        self.draft_holds = [str(hold) for hold in find_holds(event, ledger, changes, self.settings.hold_removals)]
        lines = [describe(change) for change in changes] if changed else []
        self._set_status([], self.draft_holds, lines, "")

    # -- no release folder: every process renders for itself --------------------------------------

    def _serve_from_memory(self, force: bool) -> None:
        """Serve what event.yaml and the (read-only) ledger say, rendered in this process."""
        state = FileState.of(self.settings.event_file)
        if not force and self._looked is not None and self._looked[0] == state:
            return
        if not state.exists:
            self._set_status([f"{self.settings.event_file}: the file is missing; {self._still_serving()}"], [], [], "")
            return
        if not force and not self._settled(state):
            return
        self._looked = (state, 0)
        try:
            event = self._parse(read_source(self.settings.event_file, self.settings.max_event_bytes))
            ledger, warning = sync_ledger(event, self.settings, cache=self.ledgers)
        except EventFileError as err:
            self._set_status([str(problem) for problem in err.problems], [], [], self.status.warning)
            return
        except LedgerError as err:
            self._set_status([str(err)], [], [], "")
            return
        current = self._memory
        if current is None or current.ledger != ledger or current.event != event:
            self._memory = Publication(event, ledger, self.settings, self.parts, previous=current)
            if self.settings.base_url:
                self._memory.render_all(self.settings.base_url)
        self._set_status([], [], [], warning)
        if warning:
            log.warning("%s", warning)
