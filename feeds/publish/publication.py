"""What a release publishes: one immutable publication per (event, ledger), assembled from shared parts.

`Publication` is pure: the same event and ledger give the same feeds in every
process, with the same bytes and ETags.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from ..cache import BoundedCache
from ..catalog import Feed, feed_name, feed_path, list_feeds, page_path, session_page_path, split_key
from ..config import Settings
from ..ledger import Entry, Ledger, Stay
from ..model import Event
from ..render.ics import CalendarHeader, render_calendar, render_header, render_timezone
from .parts import PartCache, member_note, part_identity

# Base URLs whose feeds a publication keeps rendered (a service answers for one or two hosts).
RENDERED_BASES = 4
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
        identity = identities[uid] if identities is not None else part_identity(entry)
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
        self._identities = {uid: part_identity(entry) for uid, entry in ledger.sessions.items()}
        self.paths: dict[str, str] = {}
        for key, record in ledger.feeds.items():
            if record.removed is None or self._members.get(key):
                self.paths[feed_path(key)] = key
        for feed in self.feeds.values():
            self.paths[feed.path] = feed.key
            for alias in feed.alias_paths:
                self.paths.setdefault(alias, feed.key)
        self._rendered: BoundedCache[str, dict[str, FeedBody]] = BoundedCache(RENDERED_BASES)
        self._custom: BoundedCache[tuple[tuple[str, ...], str], FeedBody] = BoundedCache(
            CUSTOM_CACHE_SIZE, max_size=CUSTOM_CACHE_BYTES, size_of=_body_size, largest=CUSTOM_CACHE_LARGEST
        )
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
        found = self._rendered.get(base_url)
        if found is not None:
            return found
        return self._render_all(base_url, {}, {})

    def part_keys(self, base_url: str) -> list[tuple[str, ...]]:
        """Return the keys of every VEVENT the feeds of this publication hold, for base_url."""
        pages = base_url.rstrip("/") + session_page_path("")  # every session page is this prefix and its id
        keys = {
            (*self._identities[entry.uid], pages + entry.id, member_note(entry, stay))
            for members in self._members.values()
            for entry, stay in members
        }
        return sorted(keys)

    def adopt(self, base_url: str, bodies: dict[str, FeedBody]) -> None:
        """Take every feed as already rendered for base_url (read from a release's files: the same bytes)."""
        if set(bodies) != set(self._keys):
            return  # not this publication's feeds: render them instead
        self._rendered.put(base_url.rstrip("/"), bodies)

    def rendered_bases(self) -> list[tuple[str, dict[str, FeedBody]]]:
        """Return the base URLs rendered so far with their feeds, oldest first."""
        return self._rendered.items()

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
        self._rendered.put(base_url, rendered)
        return rendered

    def _signature(self, key: str) -> tuple[object, ...]:
        """Return everything the feed's bytes depend on, except the base URL."""
        members = tuple((self._identities[entry.uid], member_note(entry, stay)) for entry, stay in self.members(key))
        info = self.event.info
        return (self.ledger.feeds[key], info.id, info.timezone, info.first_day.year, self.settings.refresh, members)

    def _render(self, key: str, base_url: str) -> FeedBody:
        record = self.ledger.feeds[key]
        page = base_url + page_path(key)
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
        found = self._custom.get(cache_key)
        if found is not None:
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
        self._custom.put(cache_key, body)
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
        pages = base_url + session_page_path("")  # every session page is this prefix and its id
        events = [
            self.parts.event(entry, pages + entry.id, member_note(entry, stay), identities.get(entry.uid, ()))
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


def _body_size(body: FeedBody) -> int:
    return len(body.data)
