"""The watcher: what the event file now on disk says, released, held or kept as a draft, and told to every worker.

One process per machine, the holder of the watch lock, reads event.yaml: a
valid change is released (FEEDS_PUBLISH=auto) unless it looks like a costly
mistake (a hold), or kept as a draft (FEEDS_PUBLISH=manual); its verdict is
written beside the releases, so every worker reports the same thing in /healthz.
The other workers only adopt that verdict. Under `feeds preview`, and where no
release can be written, this process renders event.yaml in memory instead.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..config import MANUAL, Settings
from ..ledger import Change, FileState, Ledger, LedgerError, LedgerFile, LedgerReadOnlyError, advance, pending
from ..load import EventFileError, IncrementalParser, read_source
from ..model import Event
from ..text import plural
from .parts import PartCache
from .publication import Publication
from .record import LedgerCache, next_expiry, release_event, sync_ledger
from .release import Release
from .review import Hold, describe, find_holds
from .store import ReleaseStore
from .verdict import Verdict

log = logging.getLogger("feeds")


@dataclass
class Status:
    """What /healthz reports: the problems, holds or draft of the event file now on disk."""

    errors: list[str] = field(default_factory=list)
    error_since: datetime | None = None
    warning: str = ""
    held: list[str] = field(default_factory=list)
    draft: list[str] = field(default_factory=list)


class Served(Protocol):
    """The process serving releases, as the watcher sees it."""

    @property
    def release(self) -> Release | None:
        """Return the release served now."""
        ...

    @property
    def publication(self) -> Publication | None:
        """Return the publication of the served release, if it was built."""
        ...

    def follow(self) -> None:
        """Switch to the newest complete release."""
        ...

    def publication_of(self, release: Release | None) -> Publication | None:
        """Return the publication of release."""
        ...


class Watcher:
    """Judge event.yaml when it changed: release it, hold it or keep it as a draft, and share the verdict."""

    def __init__(self, settings: Settings, store: ReleaseStore, parts: PartCache) -> None:
        self.settings = settings
        self.store = store
        self.parts = parts
        self.ledgers = LedgerCache()
        self.parser = IncrementalParser()  # a reload composes again only the parts of event.yaml that changed
        self.status = Status()
        self.read_only = False  # no release folder can be written here: this process renders for itself
        self.working: Publication | None = None  # the newest publication released here, reused by the next
        self.memory: Publication | None = None  # served when no release can be written
        self.draft_changes: list[Change] = []  # in preview: what releasing the draft would change
        self.draft_holds: list[str] = []
        self._looked: tuple[FileState, int] | None = None  # event file state and release last judged
        self._pending: tuple[FileState, float] | None = None
        self._verdict_state: tuple[int, ...] | None = None
        self._verdict_file = FileState(False)
        self._expiry: datetime | None = None

    def watch(self, server: Served, force: bool) -> None:
        """Judge event.yaml when it changed since last looked at (or a tombstone is due), releasing a valid save."""
        path = self.settings.event_file
        state = FileState.of(path)
        served = server.release.number if server.release is not None else 0
        due = self._expiry is not None and self.settings.clock() >= self._expiry
        if not force and not due and self._looked == (state, served):
            return
        if not state.exists:
            self._looked = (state, served)
            self._judge(server, state, [f"{path}: the file is missing; {_still_serving(server.release)}"])
            return
        if not force and not self._settled(state):
            return  # still being written: look again on the next check
        self._looked = (state, served)
        try:
            data = read_source(path, self.settings.max_event_bytes)
            event = self._parse(data, self.working, server.publication)
        except EventFileError as err:
            self._judge(server, state, [str(problem) for problem in err.problems])
            return
        try:
            self._consider(server, state, event, due)
        except LedgerReadOnlyError as err:
            if server.release is None:
                log.warning("%s; every process renders the event itself", err)
                self.serve_from_memory(True)
                return
            self._judge(
                server,
                state,
                [],
                warning=(
                    f"{err}; the changes saved in {path} are not released and {_still_serving(server.release)}. "
                    f"Run 'feeds publish {path}' where the ledger is writable and deploy the release folder with it"
                ),
            )
        except LedgerError as err:
            self._judge(server, state, [str(err)])

    def adopt_verdict(self) -> None:
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

    def _parse(self, data: bytes, *known: Publication | None) -> Event:
        digest = hashlib.sha256(data).hexdigest()
        for publication in known:
            if publication is not None and publication.event.source_sha256 == digest:
                return publication.event
        return self.parser.parse(data, str(self.settings.event_file))

    def _consider(self, server: Served, state: FileState, event: Event, due: bool) -> None:
        """Release a valid draft, or hold it, or keep it as a draft (manual mode)."""
        ledger = self.ledgers.read(LedgerFile(self.settings.ledger_file), event.info.id)
        if self.settings.publish_mode == MANUAL:
            changed, changes = pending(ledger, event)
            if changed:
                self._judge(server, state, [], draft=self._draft_lines(changes))
                self._release_expiries(server, due)
                return

        def review(before: Ledger | None, changes: list[Change]) -> list[Hold]:
            return find_holds(event, before, changes, self.settings.hold_removals)

        held = self._release(server, event, review)
        if held:
            for hold in held:
                log.warning("held, not released: %s", hold)
            self._judge(server, state, [], held=[str(hold) for hold in held])
            self._release_expiries(server, due)
            return
        self._looked = (state, server.release.number if server.release is not None else 0)
        self._judge(server, state, [])

    def _release_expiries(self, server: Served, due: bool) -> None:
        """Drop tombstones that are due from the released event, leaving the draft a draft."""
        if due and server.release is not None:
            event, _ = server.release.state()
            self._release(server, event)

    def _release(
        self,
        server: Served,
        event: Event,
        review: Callable[[Ledger | None, list[Change]], list[Hold]] | None = None,
    ) -> tuple[Hold, ...]:
        """Release event unless review holds it; return the holds."""
        previous = self.working
        release = server.release
        if previous is None and release is not None:
            # A watcher new to this release: take its feeds as rendered, so the next release renders only changes.
            previous = server.publication_of(release)
            if previous is not None and release.base_url == self.settings.base_url:
                previous.adopt(release.base_url, release.feed_bodies(previous.paths))
        released = release_event(self.settings, event, "", previous, self.parts, self.ledgers, review)
        if released.held:
            return released.held
        if released.publication is not None:
            self.working = released.publication
        server.follow()
        if released.changed and released.release is not None:
            log.info("released %s", released.release.describe())
        if self.working is not None:
            ledger: Ledger | None = self.working.ledger
        else:
            ledger = server.release.state()[1] if server.release is not None else None
        self._expiry = next_expiry(ledger, self.settings.tombstone_days) if ledger is not None else None
        return ()

    def _draft_lines(self, changes: list[Change]) -> list[str]:
        path = self.settings.event_file
        return [
            f"{path}: {plural(len(changes), 'change')} not yet released (FEEDS_PUBLISH=manual); "
            f"review them with 'feeds diff {path}' or 'feeds preview {path}', then run 'feeds publish {path}'"
        ] + [describe(change) for change in changes[:20]]

    def _judge(
        self,
        server: Served,
        state: FileState,
        problems: list[str],
        held: list[str] | None = None,
        draft: list[str] | None = None,
        warning: str = "",
    ) -> None:
        """Set this process's status and share it with the other workers."""
        held, draft = held or [], draft or []
        self._set_status(problems, held, draft, warning)
        served = server.release.number if server.release is not None else 0
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
        self.status = Status(errors=problems, error_since=since, warning=warning, held=held, draft=draft)

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

    def serve_draft(self, force: bool) -> None:
        """Serve event.yaml as if it were released now, without writing the ledger or any release."""
        state = FileState.of(self.settings.event_file)
        if not force and self._looked is not None and self._looked[0] == state:
            return
        self._looked = (state, 0)
        try:
            event = self._parse(read_source(self.settings.event_file, self.settings.max_event_bytes), self.working)
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
        self.memory = Publication(event, draft, self.settings, self.parts, previous=self.memory)
        self.draft_changes = changes
        self.draft_holds = [str(hold) for hold in find_holds(event, ledger, changes, self.settings.hold_removals)]
        lines = [describe(change) for change in changes] if changed else []
        self._set_status([], self.draft_holds, lines, "")

    # -- no release folder: every process renders for itself --------------------------------------

    def serve_from_memory(self, force: bool) -> None:
        """Serve what event.yaml and the (read-only) ledger say, rendered in this process from now on."""
        self.read_only = True
        state = FileState.of(self.settings.event_file)
        if not force and self._looked is not None and self._looked[0] == state:
            return
        if not state.exists:
            self._set_status([f"{self.settings.event_file}: the file is missing; {_still_serving(None)}"], [], [], "")
            return
        if not force and not self._settled(state):
            return
        self._looked = (state, 0)
        try:
            event = self._parse(read_source(self.settings.event_file, self.settings.max_event_bytes), self.working)
            ledger, warning = sync_ledger(event, self.settings, cache=self.ledgers)
        except EventFileError as err:
            self._set_status([str(problem) for problem in err.problems], [], [], self.status.warning)
            return
        except LedgerError as err:
            self._set_status([str(err)], [], [], "")
            return
        current = self.memory
        if current is None or current.ledger != ledger or current.event != event:
            self.memory = Publication(event, ledger, self.settings, self.parts, previous=current)
            if self.settings.base_url:
                self.memory.render_all(self.settings.base_url)
        self._set_status([], [], [], warning)
        if warning:
            log.warning("%s", warning)


def _still_serving(release: Release | None) -> str:
    if release is None:
        return "nothing is served until the problems are fixed"
    return f"still serving {release.describe()}"
