"""What a release publishes: one immutable publication per (event, ledger), rendered from shared parts.

`Publication` is pure: the same event and ledger give the same feeds in every
process. `sync_ledger` records an event's revision in the ledger; the release
folder and the process that watches event.yaml are in release.py and
publisher.py.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import cached_property

from ..catalog import CONFERENCE, Feed, feed_name, feed_path, list_feeds, session_page_path, split_key
from ..config import Settings
from ..ledger import (
    Entry,
    Ledger,
    LedgerError,
    LedgerFile,
    LedgerReadOnlyError,
    Stay,
    advance,
)
from ..load import load_event
from ..model import Event
from ..render.ics import CalendarHeader, render_calendar, render_event, render_header, render_timezone
from ..text import LEFT_NOTE, REMOVED_NOTE

log = logging.getLogger("feeds")

PART_CACHE_SIZE = 50_000
CUSTOM_CACHE_SIZE = 256
# Bytes of custom feeds kept per publication, and the largest one worth keeping: random combinations of many
# large feeds must not grow a worker without bound.
CUSTOM_CACHE_BYTES = 32 * 1024 * 1024
CUSTOM_CACHE_LARGEST = CUSTOM_CACHE_BYTES // 4
# Google Calendar drops events from feeds past about 1 MB.
FEED_SIZE_WARNING = 800 * 1024


@dataclass(frozen=True, slots=True)
class FeedBody:
    """A rendered feed and the HTTP validators for it."""

    data: bytes
    etag: str
    last_modified: datetime


class PartCache:
    """Rendered VEVENTs shared by every feed and every publication; bounded."""

    def __init__(self, size: int = PART_CACHE_SIZE) -> None:
        self.size = size
        self._parts: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def event(self, entry: Entry, page: str, note: str, identity: tuple[str, ...] = ()) -> bytes:
        """Return the VEVENT for entry, rendering it only the first time."""
        key = (*(identity or _part_identity(entry)), page, note)
        with self._lock:
            found = self._parts.get(key)
            if found is not None:
                self._parts.move_to_end(key)
                return found
        part = render_event(entry, page, note)
        with self._lock:
            self._parts[key] = part
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)
        return part

    def table(self, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], bytes]:
        """Return the parts held for keys (a release keeps them, so that nothing renders them again)."""
        with self._lock:
            return {key: part for key in keys if (part := self._parts.get(key)) is not None}

    def adopt(self, parts: dict[tuple[str, ...], bytes]) -> None:
        """Take parts rendered by another process (a release's), keeping the cache bounded."""
        with self._lock:
            for key, part in parts.items():
                self._parts.setdefault(key, part)
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)


def _part_identity(entry: Entry) -> tuple[str, ...]:
    """Return what a session's VEVENT bytes depend on, besides its page URL and note."""
    moved = entry.moved_from.isoformat() if entry.moved_from else ""
    return (
        entry.uid,
        entry.id,
        str(entry.sequence),
        entry.fingerprint,
        entry.modified.isoformat(),
        entry.created.isoformat(),
        moved,
    )


def _note(entry: Entry, stay: Stay) -> str:
    """Return the note a feed puts on a member: why it is a cancelled placeholder, if it is one."""
    if entry.removed is not None:
        return REMOVED_NOTE
    if not stay.live:
        return LEFT_NOTE
    return ""


def index_members(ledger: Ledger) -> dict[str, list[tuple[Entry, Stay]]]:
    """Return every feed's members (live and tombstones) in time order, in one pass over the ledger."""
    found: dict[str, list[tuple[Entry, Stay]]] = {}
    for entry in ledger.sessions.values():
        for key, stay in entry.feeds.items():
            if stay.dropped is None:
                found.setdefault(key, []).append((entry, stay))
    for members in found.values():
        members.sort(key=lambda pair: (pair[0].content.start, pair[0].content.end, pair[0].uid))
    return found


def ledger_digest(ledger: Ledger, identities: dict[str, tuple[str, ...]] | None = None) -> str:
    """Return a hash of everything in the ledger that feeds show, cheaper than hashing its JSON."""
    digest = hashlib.sha256(f"{ledger.event}|{ledger.created}|{ledger.revised}|{ledger.source_sha256}".encode())
    for uid, entry in ledger.sessions.items():
        identity = identities[uid] if identities is not None else _part_identity(entry)
        # The fingerprint stands for the content; feed keys (in the stays) for track and speaker ids.
        stays = ",".join(key if stay.live else f"{key}={stay.left}/{stay.dropped}" for key, stay in entry.feeds.items())
        digest.update(f"|{uid}|{entry.number}|{'|'.join(identity)}|{entry.removed}|{stays}".encode())
    for key, record in ledger.feeds.items():
        digest.update(f"|{key}|{record!r}".encode())
    return digest.hexdigest()


def revision_name(ledger: Ledger, identities: dict[str, tuple[str, ...]] | None = None) -> str:
    """Return a revision's name: its time and a hash of the ledger, the same on every replica."""
    return f"{ledger.revised:%Y%m%dT%H%M%SZ}-{ledger_digest(ledger, identities)[:12]}"


class Publication:
    """One revision of every feed: a pure function of (event, ledger, settings).

    Given the previous publication, feeds whose inputs did not change keep its
    FeedBody objects (same bytes, same ETag) and are not reassembled; changed
    sessions are rendered again, unchanged ones come from the shared PartCache.
    """

    def __init__(
        self,
        event: Event,
        ledger: Ledger,
        settings: Settings,
        parts: PartCache | None = None,
        previous: Publication | None = None,
    ) -> None:
        self.event = event
        self.ledger = ledger
        self.settings = settings
        self.parts: PartCache = parts or (previous.parts if previous is not None else PartCache())
        self.feeds: dict[str, Feed] = {feed.key: feed for feed in list_feeds(event)}
        self._members = index_members(ledger)
        self._identities = {uid: _part_identity(entry) for uid, entry in ledger.sessions.items()}
        self.paths: dict[str, str] = {}
        for key, record in ledger.feeds.items():
            if record.removed is None or self._members.get(key):
                self.paths[feed_path(key)] = key
        for feed in self.feeds.values():
            self.paths[feed.path] = feed.key
            for alias in feed.alias_paths:
                self.paths.setdefault(alias, feed.key)
        self._rendered: OrderedDict[str, dict[str, FeedBody]] = OrderedDict()
        self._custom: OrderedDict[tuple[tuple[str, ...], str], FeedBody] = OrderedDict()
        self._custom_bytes = 0
        self._lock = threading.Lock()
        self._keys = sorted(set(self.paths.values()))
        self._signatures: dict[str, tuple[object, ...]] | None = None
        if previous is not None:
            # Carry over what the previous publication had rendered; no reference to it is kept.
            for base_url, bodies in previous.rendered_bases():
                self._render_all(base_url, bodies, previous.signatures())

    @cached_property
    def revision(self) -> str:
        """Return the revision's name: its time and a hash of the ledger, the same on every replica."""
        return revision_name(self.ledger, self._identities)

    def signatures(self) -> dict[str, tuple[object, ...]]:
        """Return, per feed, everything its bytes depend on except the base URL (computed when first asked)."""
        if self._signatures is None:
            self._signatures = {key: self._signature(key) for key in self._keys}
        return self._signatures

    def lookup(self, path: str) -> str | None:
        """Return the feed key served at a URL path, following aliases."""
        return self.paths.get(path)

    def members(self, key: str) -> list[tuple[Entry, Stay]]:
        """Return the entries the feed shows (live and tombstones), in time order."""
        return self._members.get(key, [])

    def body(self, key: str, base_url: str) -> FeedBody:
        """Return the rendered feed for key, with links under base_url."""
        return self.render_all(base_url)[key]

    def render_all(self, base_url: str) -> dict[str, FeedBody]:
        """Return every served feed rendered for base_url (cached, a few base URLs at most)."""
        base_url = base_url.rstrip("/")
        with self._lock:
            found = self._rendered.get(base_url)
            if found is not None:
                self._rendered.move_to_end(base_url)
                return found
        return self._render_all(base_url, {}, {})

    def part_keys(self, base_url: str) -> list[tuple[str, ...]]:
        """Return the keys of every VEVENT the feeds of this publication hold, for base_url."""
        base_url = base_url.rstrip("/")
        keys = {
            (*self._identities[entry.uid], base_url + session_page_path(entry.id), _note(entry, stay))
            for members in self._members.values()
            for entry, stay in members
        }
        return sorted(keys)

    def adopt(self, base_url: str, bodies: dict[str, FeedBody]) -> None:
        """Take every feed as already rendered for base_url (read from a release's files: the same bytes)."""
        if set(bodies) != set(self._keys):
            return  # not this publication's feeds: render them instead
        with self._lock:
            self._rendered[base_url.rstrip("/")] = bodies

    def rendered_bases(self) -> list[tuple[str, dict[str, FeedBody]]]:
        """Return the base URLs rendered so far with their feeds, oldest first."""
        with self._lock:
            return list(self._rendered.items())

    def _render_all(
        self, base_url: str, before: dict[str, FeedBody], signatures: dict[str, tuple[object, ...]]
    ) -> dict[str, FeedBody]:
        rendered = {}
        mine = self.signatures() if before else {}
        for key in self._keys:
            kept = before.get(key)
            if kept is not None and signatures.get(key) == mine[key]:
                rendered[key] = kept
            else:
                rendered[key] = self._render(key, base_url)
        with self._lock:
            self._rendered[base_url] = rendered
            while len(self._rendered) > 4:
                self._rendered.popitem(last=False)
        return rendered

    def _signature(self, key: str) -> tuple[object, ...]:
        """Return everything the feed's bytes depend on, except the base URL."""
        members = tuple((self._identities[entry.uid], _note(entry, stay)) for entry, stay in self.members(key))
        info = self.event.info
        return (self.ledger.feeds[key], info.id, info.timezone, info.first_day.year, self.settings.refresh, members)

    def _render(self, key: str, base_url: str) -> FeedBody:
        record = self.ledger.feeds[key]
        kind, ident = split_key(key)
        page = base_url + ("/" if kind == CONFERENCE else f"/{kind}s/{ident}")
        header = self._header(record.title, record.description, page, record.color)
        data = self._assemble(header, self.members(key), base_url)
        return FeedBody(data, etag_of(data), record.modified)

    def custom_body(self, keys: tuple[str, ...], base_url: str) -> FeedBody:
        """Return the union of several feeds as one calendar (each session once, in time order).

        A session live in any of the feeds is shown live; one that is only a
        tombstone in them is shown as that tombstone. Bodies are cached, bounded.
        """
        base_url = base_url.rstrip("/")
        keys = tuple(sorted(set(keys)))
        cache_key = (keys, base_url)
        with self._lock:
            found = self._custom.get(cache_key)
            if found is not None:
                self._custom.move_to_end(cache_key)
                return found
        chosen: dict[str, tuple[Entry, Stay]] = {}
        for key in keys:
            for entry, stay in self.members(key):
                if entry.uid not in chosen or (stay.live and not chosen[entry.uid][1].live):
                    chosen[entry.uid] = (entry, stay)
        members = sorted(chosen.values(), key=lambda pair: (pair[0].content.start, pair[0].content.end, pair[0].uid))
        records = [self.ledger.feeds[key] for key in keys]
        names = [feed_name(record.title, self.event.info.name) for record in records]
        title = f"{self.event.info.name} · " + " + ".join(names)
        description = f"Chosen sessions of {self.event.info.name}: " + "; ".join(names) + "."
        query = "&".join(f"{kind}={ident}" for kind, ident in (split_key(key) for key in keys))
        header = self._header(title, description, f"{base_url}/?{query}", "")
        data = self._assemble(header, members, base_url)
        body = FeedBody(data, etag_of(data), max(record.modified for record in records))
        with self._lock:
            if len(data) <= CUSTOM_CACHE_LARGEST and cache_key not in self._custom:
                self._custom[cache_key] = body
                self._custom_bytes += len(data)
            while len(self._custom) > CUSTOM_CACHE_SIZE or self._custom_bytes > CUSTOM_CACHE_BYTES:
                _, dropped = self._custom.popitem(last=False)
                self._custom_bytes -= len(dropped.data)
        return body

    def _header(self, title: str, description: str, page: str, color: str) -> CalendarHeader:
        return CalendarHeader(
            title=title,
            description=description,
            timezone=self.event.info.timezone,
            refresh=self.settings.refresh,
            color=color,
            url=page,
            product=f"-//feeds//{self.event.info.id}//EN",
        )

    def _assemble(self, header: CalendarHeader, members: list[tuple[Entry, Stay]], base_url: str) -> bytes:
        """Return a calendar from cached parts: header, one VTIMEZONE per zone, VEVENTs."""
        zones: dict[str, tuple[date, date]] = {}
        for entry, _ in members:
            name, start, end = str(entry.content.start.tzinfo), entry.content.start.date(), entry.content.end.date()
            first, last = zones.get(name, (start, end))
            zones[name] = (min(first, start), max(last, end))
        info = self.event.info
        zones = zones or {info.timezone: (info.first_day, info.last_day)}
        timezones = b"".join(render_timezone(name, *days) for name, days in sorted(zones.items()))
        identities = self._identities
        events = [
            self.parts.event(
                entry, base_url + session_page_path(entry.id), _note(entry, stay), identities.get(entry.uid, ())
            )
            for entry, stay in members
        ]
        return render_calendar(render_header(header), timezones, events)

    def warnings(self) -> list[str]:
        """Return what an organizer should know that does not stop publishing."""
        notes = []
        for key, body in self.render_all("https://feeds.invalid").items():
            if len(body.data) > FEED_SIZE_WARNING:
                notes.append(
                    f"{feed_path(key)} is {len(body.data) / 1024:.0f} KB; Google Calendar drops events past about 1 MB, "
                    "split it (for example by track)"
                )
        return notes


def etag_of(data: bytes) -> str:
    """Return the strong ETag of exact bytes: a quoted prefix of their sha256."""
    return '"' + hashlib.sha256(data).hexdigest()[:40] + '"'


def fallback_time(ledger: Ledger | None, event: Event) -> datetime:
    """Return the revision time used when the ledger cannot be written: the same on every replica."""
    if ledger is not None:
        return ledger.revised
    return datetime.combine(event.info.first_day, clock_time(0), UTC)


class LedgerCache:
    """The ledger this process last read or wrote, to skip parsing the file again while it is unchanged.

    The files are recognized by their stat (device, inode, size, modification
    and change times): the snapshot is always replaced by a rename and the log
    only grows or is replaced, so any write by any process gives them a new
    identity.
    """

    def __init__(self) -> None:
        self._identity: tuple[int, ...] | None = None
        self._ledger: Ledger | None = None

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
        cached = self._ledger
        if before is not None and before == self._identity and cached is not None and cached.event == event_id:
            return cached
        ledger = store.read(event_id)
        if ledger is not None and before is not None and self._stat(store) == before:
            self._identity, self._ledger = before, ledger
        return ledger

    def remember(self, store: LedgerFile, ledger: Ledger) -> None:
        """Note the ledger just written to the file (call with the write lock held)."""
        self._identity, self._ledger = self._stat(store), ledger


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


def load_publication(settings: Settings) -> tuple[Publication, str]:
    """Load the event, sync the ledger and return the publication (for the CLI)."""
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger, warning = sync_ledger(event, settings)
    return Publication(event, ledger, settings), warning
