"""Serving the newest release: every process follows the release folder's `current` pointer and serves that release.

Feeds and schedule documents come from the release's files, pages and custom
feeds from the state it was rendered from; a process never goes back to an
older release. The holder of the watch lock also runs the watcher
(watcher.py), which turns a settled, valid event.yaml into the next release.
Where no release can be written (a read-only deployment without a release
folder), each process renders the event in memory, as `sync_ledger` allows.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping

from ..config import Settings
from ..ledger import Change, LedgerError, LedgerFile
from ..load import IncrementalParser
from .parts import PartCache
from .publication import FeedBody, Publication
from .release import META, PAGES, Release
from .store import MAX_PAGE_SESSIONS, release_folder
from .verdict import WatchLock
from .watcher import Status, Watcher

log = logging.getLogger("feeds")

# How long a worker that starts before any release exists waits for the watcher's first one.
FIRST_RELEASE_WAIT = 20.0
# The shortest interval of the background check (FEEDS_RELOAD_SECONDS may be 0 in tests).
MIN_BACKGROUND_SECONDS = 0.1


class Publisher:
    """Serve the newest release; in the watcher process, also release event.yaml when it changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = release_folder(settings)
        self.parts = PartCache()
        self.watcher = Watcher(settings, self.store, self.parts)
        self.release: Release | None = None
        self.publication: Publication | None = None  # of self.release, built when first asked
        self._last_check = float("-inf")
        self._lock = threading.Lock()
        self._build = threading.Lock()
        # Set by feeds.create_app; called by the watcher to write each release's pages as files (see write_pages).
        self.page_renderer: Callable[[], Mapping[str, tuple[bytes, str]]] | None = None
        self.write_pages = False  # gunicorn's workers turn it on (feeds/gunicorn_conf.py)
        self.check(force=True)

    @property
    def status(self) -> Status:
        """Return what /healthz reports about the event file now on disk."""
        return self.watcher.status

    @property
    def parser(self) -> IncrementalParser:
        """Return the parser that reads each version of event.yaml."""
        return self.watcher.parser

    @property
    def draft_changes(self) -> list[Change]:
        """Return, under `feeds preview`, what releasing the draft would change."""
        return self.watcher.draft_changes

    @property
    def draft_holds(self) -> list[str]:
        """Return, under `feeds preview`, why the draft would be held."""
        return self.watcher.draft_holds

    # -- what is served ---------------------------------------------------------------------------

    @property
    def current(self) -> Publication | None:
        """Return the publication of the release served now."""
        self._maybe_check()
        return self.publication_of(self.release)

    def served(self) -> Release | None:
        """Return the release served now."""
        self._maybe_check()
        return self.release

    def feed(self, path: str, base_url: str) -> tuple[str, FeedBody] | None:
        """Return (key, body) of the feed at a URL path in the served release, None when there is no such feed."""
        self._maybe_check()
        release = self.release
        publication = self.publication_of(release) if release is None or release.base_url != base_url else None
        if release is not None and publication is None:
            body = release.body(path)
            if body is not None:
                key = release.key(path)
                if key is not None:
                    return key, body
            publication = self.publication_of(release)
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

    def publication_of(self, release: Release | None) -> Publication | None:
        """Return the publication of release (None: of what this process renders in memory), built once."""
        if release is None:
            return self.watcher.memory
        publication = self.publication
        if publication is not None and publication.ledger.release == release.number:
            return publication
        with self._build:
            publication = self.publication
            if publication is None or publication.ledger.release != release.number:
                working = self.watcher.working
                if working is not None and working.ledger.release == release.number:
                    publication = working
                else:
                    event, ledger = release.state()
                    self.parts.adopt(release.parts())  # custom feeds assemble the release's parts, rendering none
                    publication = Publication(event, ledger, self.settings, self.parts)
                self.publication = publication
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
        elif not self.watcher.read_only and not self.settings.preview:
            served = self.release.number if self.release is not None else 0
            if self.store.current_number() > served:
                with self._lock:
                    self.follow()

    def check(self, force: bool = False) -> None:
        """Follow the newest release; in the watcher, judge event.yaml when it changed. Never raises."""
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._last_check = time.monotonic()
            if self.settings.preview:
                self.watcher.serve_draft(force)
                return
            self.follow()
            watch = WatchLock.NONE if self.watcher.read_only else WatchLock.take(self.store.folder)
            if watch == WatchLock.MINE:
                if self.release is None:
                    self._repair_pointer()
                self.watcher.watch(self, force)
                self._add_pages()
            elif watch == WatchLock.NONE and self.release is None:
                self.watcher.serve_from_memory(force)  # no release folder can be made here: render in this process
            elif watch == WatchLock.NONE:
                self.watcher.watch(
                    self, force
                )  # no watcher can run on a read-only release folder: say why a save is not released
            else:
                if force and self.release is None:
                    self._wait_for_first_release()
                self.watcher.adopt_verdict()
        except Exception:
            log.exception("checking for a new release failed; still serving %s", self._describe_served())
        finally:
            self._lock.release()

    def follow(self) -> None:
        """Switch to the newest complete release when it is newer than the one served."""
        number = self.store.current_number()
        served = self.release.number if self.release is not None else 0
        if number <= served:
            return
        found = self.store.load(number)
        if found is None:
            return
        self.release = found
        self.publication = None  # built again from the new release (or taken from the watcher's) when asked
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
        self.follow()

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
            self.follow()

    def _describe_served(self) -> str:
        return self.release.describe() if self.release is not None else "nothing"
