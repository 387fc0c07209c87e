"""The revision ledger: what every subscriber has been shown, and when it changed.

The ledger is a JSON file beside event.yaml. It records, per session ever
published, a snapshot of what its calendar event says, its SEQUENCE, when it
was first published and last revised, and the feeds it is in or left. Feed
bytes are a pure function of (ledger, configuration), so every process and
every replica that reads the same ledger serves the same bytes.

`advance` is the only place where revisions happen: it compares the ledger
with a freshly loaded event and returns the next ledger. `LedgerFile` writes
it atomically under an exclusive lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..catalog import alias_map, list_feeds, session_feed_keys
from ..load import byte_position
from ..model import CANCELLED, Event, Session
from ..text import ChangeKind

FORMAT = "feeds-ledger"
VERSION = 2
# Version 1 had no release numbers or names; it is read as numbered 1, 2, ... and written back as VERSION.
READABLE_VERSIONS = (1, VERSION)
# Revisions kept in the ledger for the change log; older ones are dropped.
MAX_REVISIONS = 500
# Lines in the ledger's log before the next release rewrites the snapshot instead.
COMPACT_AFTER = 100


class LedgerError(Exception):
    """The ledger cannot be read or written; the message says what to do."""


class LedgerReadOnlyError(LedgerError):
    """The ledger (or its folder) cannot be written here."""


@dataclass(frozen=True, slots=True)
class Content:
    """What a session's calendar event says, as last published."""

    id: str
    title: str
    start: datetime
    end: datetime
    status: str
    description: str
    location: str
    url: str
    join_url: str
    plenary: bool
    tracks: tuple[tuple[str, str], ...]
    speakers: tuple[tuple[str, str], ...]
    zone_label: str

    @property
    def cancelled(self) -> bool:
        """Return whether the session is cancelled."""
        return self.status == CANCELLED

    def fingerprint(self) -> str:
        """Return a hash of everything the calendar event says.

        Track and speaker ids are left out: renaming one (with an alias) changes
        no calendar text, so it must not bump SEQUENCE.
        """
        data = content_to_json(self)
        data["tracks"] = [name for _, name in self.tracks]
        data["speakers"] = [credit for _, credit in self.speakers]
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Stay:
    """A session's time in one feed: when it left and when its tombstone was dropped."""

    left: datetime | None = None
    dropped: datetime | None = None

    @property
    def live(self) -> bool:
        """Return whether the session is in the feed now."""
        return self.left is None

    @property
    def tombstone(self) -> bool:
        """Return whether the feed shows the session as a cancelled tombstone."""
        return self.left is not None and self.dropped is None


@dataclass(frozen=True, slots=True)
class Entry:
    """One session ever published, keyed by its UID forever."""

    uid: str
    number: int
    content: Content
    fingerprint: str
    sequence: int
    created: datetime
    modified: datetime
    feeds: Mapping[str, Stay]
    moved_from: datetime | None = None
    removed: datetime | None = None

    @property
    def id(self) -> str:
        """Return the session's current id."""
        return self.content.id


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A feed ever published: its texts and when its bytes last changed."""

    title: str
    description: str
    color: str
    fingerprint: str
    modified: datetime
    removed: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One thing a revision changed that attendees can see."""

    kind: str
    uid: str
    session: str
    title: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True, slots=True)
class Revision:
    """One release: a revision of what subscribers see, its number, optional name and what it changed."""

    at: datetime
    source_sha256: str
    changes: tuple[Change, ...]
    number: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every session and feed ever published, for one event."""

    event: str
    created: datetime
    revised: datetime
    source_sha256: str
    sessions: Mapping[str, Entry] = field(default_factory=dict)
    feeds: Mapping[str, FeedRecord] = field(default_factory=dict)
    revisions: tuple[Revision, ...] = ()

    @property
    def release(self) -> int:
        """Return the number of the newest release (0 before the first)."""
        return self.revisions[-1].number if self.revisions else 0

    @property
    def release_name(self) -> str:
        """Return the name given to the newest release, if any."""
        return self.revisions[-1].name if self.revisions else ""


def now_utc() -> datetime:
    """Return the current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def content_of(event: Event, session: Session) -> Content:
    """Return what the session's calendar event says."""
    tracks = tuple((t.id, t.name) for t in event.tracks if t.id in session.tracks)
    speakers = tuple((s.id, s.credit) for s in event.session_speakers(session))
    return Content(
        id=session.id,
        title=session.title,
        start=session.start,
        end=session.end,
        status=session.status,
        description=session.description,
        location=session.location or event.info.location,
        url=session.url,
        join_url=session.join_url or event.info.join_url,
        plenary=session.plenary,
        tracks=tracks,
        speakers=speakers,
        zone_label=event.info.timezone_label,
    )


def describe_time(moment: datetime, label: str = "") -> str:
    """Return a local time as 'Tue 18 Jul 10:05 PT'."""
    return f"{moment:%a %d %b %H:%M} {label or moment.tzname() or ''}".rstrip()


def advance(
    ledger: Ledger | None,
    event: Event,
    now: datetime,
    tombstone_days: int,
    name: str = "",
) -> tuple[Ledger, bool]:
    """Return the ledger after releasing event at now (optionally named), and whether anything changed."""
    now = now.astimezone(UTC).replace(microsecond=0)
    if ledger is None:
        ledger = Ledger(event=event.info.id, created=now, revised=now, source_sha256=event.source_sha256)
    renames = alias_map(event)
    entries = {uid: _rename_feeds(entry, renames) for uid, entry in ledger.sessions.items()}
    claimed = _match_sessions(entries, event)
    changes: list[Change] = []
    next_number = max((e.number for e in entries.values()), default=0) + 1
    updated: dict[str, Entry] = {}
    for session in event.sessions:
        content = content_of(event, session)
        wanted = session_feed_keys(event, session)
        uid = claimed.get(session.id)
        if uid is None:
            uid = _new_uid(session.id, event.info.uid_domain, entries, updated)
            updated[uid] = Entry(
                uid=uid,
                number=next_number,
                content=content,
                fingerprint=content.fingerprint(),
                sequence=0,
                created=now,
                modified=now,
                feeds={key: Stay() for key in sorted(wanted)},
            )
            next_number += 1
            changes.append(
                Change(
                    ChangeKind.ADDED,
                    uid,
                    session.id,
                    content.title,
                    new=describe_time(content.start, content.zone_label),
                )
            )
            continue
        updated[uid] = _revise(entries[uid], content, wanted, now, changes)
    for uid, entry in entries.items():
        if uid not in updated:
            updated[uid] = _remove(entry, now, changes)
    expiry = timedelta(days=tombstone_days)
    updated = {uid: _expire(entry, now, expiry) for uid, entry in updated.items()}
    feeds = _feed_records(ledger, event, updated, now)
    if updated == dict(ledger.sessions) and feeds == dict(ledger.feeds):
        return ledger, False
    revision = Revision(
        at=now, source_sha256=event.source_sha256, changes=tuple(changes), number=ledger.release + 1, name=name
    )
    return (
        Ledger(
            event=ledger.event,
            created=ledger.created,
            revised=now,
            source_sha256=event.source_sha256,
            sessions=dict(sorted(updated.items(), key=lambda item: item[1].number)),
            feeds=dict(sorted(feeds.items())),
            revisions=(*ledger.revisions, revision)[-MAX_REVISIONS:],
        ),
        True,
    )


def pending(ledger: Ledger | None, event: Event) -> tuple[bool, list[Change]]:
    """Return whether releasing event would change any feed byte, and what attendees would see change."""
    moment = ledger.revised + timedelta(seconds=1) if ledger else now_utc()
    after, changed = advance(ledger, event, moment, tombstone_days=10**6)
    return changed, list(after.revisions[-1].changes) if changed else []


def preview(ledger: Ledger | None, event: Event) -> list[Change]:
    """Return what releasing event would change for attendees, without writing anything."""
    return pending(ledger, event)[1]


def _rename_feeds(entry: Entry, renames: Mapping[str, str]) -> Entry:
    if not any(key in renames for key in entry.feeds):
        return entry
    feeds: dict[str, Stay] = {}
    for old_key, stay in entry.feeds.items():
        key = renames.get(old_key, old_key)
        if key in feeds and feeds[key].live:
            continue
        feeds[key] = stay
    return replace(entry, feeds=dict(sorted(feeds.items())))


def _match_sessions(entries: Mapping[str, Entry], event: Event) -> dict[str, str]:
    """Return session id -> UID of its ledger entry: by current id first, then by alias."""
    by_id = {entry.id: uid for uid, entry in entries.items()}
    by_first_id = {uid.rpartition("@")[0]: uid for uid in entries}
    claimed: dict[str, str] = {}
    taken: set[str] = set()
    for session in event.sessions:
        uid = by_id.get(session.id)
        if uid is not None:
            claimed[session.id] = uid
            taken.add(uid)
    for session in event.sessions:
        if session.id in claimed:
            continue
        for old in session.aliases:
            uid = by_id.get(old) or by_first_id.get(old)
            if uid is not None and uid not in taken:
                claimed[session.id] = uid
                taken.add(uid)
                break
    return claimed


def _new_uid(session_id: str, domain: str, *ledgers: Mapping[str, Entry]) -> str:
    uid = f"{session_id}@{domain}"
    counter = 2
    while any(uid in entries for entries in ledgers):
        uid = f"{session_id}-{counter}@{domain}"
        counter += 1
    return uid


def _revise(entry: Entry, content: Content, wanted: frozenset[str], now: datetime, changes: list[Change]) -> Entry:
    feeds = dict(entry.feeds)
    left = False
    for key, stay in entry.feeds.items():
        if key in wanted and not stay.live:
            feeds[key] = Stay()
        elif key not in wanted and stay.live:
            feeds[key] = Stay(left=now)
            left = True
    for key in wanted - feeds.keys():
        feeds[key] = Stay()
    fingerprint = content.fingerprint()
    restored = entry.removed is not None
    if fingerprint == entry.fingerprint and not left and not restored:
        if feeds == entry.feeds and list(feeds) == sorted(feeds):
            return entry  # the very same entry: comparing and saving the ledger skip it cheaply
        return replace(entry, feeds=dict(sorted(feeds.items())))
    old = entry.content
    changes.extend(_describe_changes(entry.uid, old, content, restored))
    moved = old.start != content.start or old.end != content.end
    return replace(
        entry,
        content=content,
        fingerprint=fingerprint,
        sequence=entry.sequence + 1,
        modified=now,
        feeds=dict(sorted(feeds.items())),
        moved_from=old.start if moved and old.start != content.start else None,
        removed=None,
    )


def _describe_changes(uid: str, old: Content, new: Content, restored: bool) -> list[Change]:
    found: list[Change] = []

    def add(kind: str, before: str = "", after: str = "") -> None:
        found.append(Change(kind, uid, new.id, new.title, before, after))

    if restored:
        add(ChangeKind.RESTORED, "", describe_time(new.start, new.zone_label))
    if old.id != new.id:
        add(ChangeKind.RENAMED_ID, old.id, new.id)
    if old.start != new.start or old.end != new.end:
        add(ChangeKind.MOVED, _span(old), _span(new))
    if old.title != new.title:
        add(ChangeKind.RETITLED, old.title, new.title)
    if old.status != new.status:
        add(ChangeKind.CANCELLED if new.cancelled else ChangeKind.UNCANCELLED)
    if old.tracks != new.tracks or old.plenary != new.plenary:
        add(ChangeKind.TRACKS, _names(old.tracks, old.plenary), _names(new.tracks, new.plenary))
    if old.speakers != new.speakers:
        add(ChangeKind.SPEAKERS, _names(old.speakers), _names(new.speakers))
    if (old.description, old.location, old.url, old.join_url) != (new.description, new.location, new.url, new.join_url):
        add(ChangeKind.DETAILS)
    if not found and old != new:
        add(ChangeKind.DETAILS)
    return found


def _span(content: Content) -> str:
    label = content.zone_label or content.start.tzname()
    return f"{content.start:%a %d %b %H:%M}-{content.end:%H:%M} {label}"


def _names(pairs: tuple[tuple[str, str], ...], plenary: bool = False) -> str:
    names = [name for _, name in pairs]
    if plenary:
        names.insert(0, "all tracks (plenary)")
    return ", ".join(names) or "none"


def _remove(entry: Entry, now: datetime, changes: list[Change]) -> Entry:
    if entry.removed is not None:
        return entry
    changes.append(Change(ChangeKind.REMOVED, entry.uid, entry.id, entry.content.title))
    feeds = {key: (Stay(left=now) if stay.live else stay) for key, stay in entry.feeds.items()}
    return replace(entry, sequence=entry.sequence + 1, modified=now, feeds=feeds, removed=now, moved_from=None)


def _expire(entry: Entry, now: datetime, expiry: timedelta) -> Entry:
    expired = {
        key: replace(stay, dropped=now)
        for key, stay in entry.feeds.items()
        if stay.tombstone and stay.left is not None and stay.left + expiry <= now
    }
    if not expired:
        return entry
    return replace(entry, feeds={**entry.feeds, **expired})


def _feed_records(ledger: Ledger, event: Event, entries: Mapping[str, Entry], now: datetime) -> dict[str, FeedRecord]:
    """Return the feed records, stamping each feed whose bytes would change."""
    members: dict[str, list[tuple[str, int, bool]]] = {}
    for entry in entries.values():
        for key, stay in entry.feeds.items():
            if stay.dropped is None:
                members.setdefault(key, []).append((entry.uid, entry.sequence, stay.live))
    current = {feed.key: feed for feed in list_feeds(event)}
    records: dict[str, FeedRecord] = {}
    for key in sorted(current.keys() | ledger.feeds.keys() | members.keys()):
        old = ledger.feeds.get(key)
        feed = current.get(key)
        if feed is not None:
            title, description, color, removed = feed.title, feed.description, feed.color, None
        elif old is not None:
            title, description, color = old.title, old.description, old.color
            removed = old.removed or now
        else:
            continue
        if removed is not None and not members.get(key) and old is not None and old.removed is not None:
            records[key] = old
            continue
        basis = json.dumps([title, description, color, sorted(members.get(key, []))], ensure_ascii=False)
        fingerprint = hashlib.sha256(basis.encode()).hexdigest()
        if old is not None and old.fingerprint == fingerprint and old.removed == removed:
            records[key] = old
        else:
            records[key] = FeedRecord(title, description, color, fingerprint, now, removed)
    return records


# -- JSON ------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a UTC time, got {value!r}")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _required_time(value: Any) -> datetime:
    parsed = _parse_time(value)
    if parsed is None:
        raise ValueError("a required time is missing")
    return parsed


def content_to_json(content: Content) -> dict[str, Any]:
    """Return the content as JSON data (local times with their zone)."""
    zone = content.start.tzinfo
    return {
        "id": content.id,
        "title": content.title,
        "timezone": str(zone),
        "start": content.start.strftime("%Y-%m-%dT%H:%M"),
        "end": content.end.strftime("%Y-%m-%dT%H:%M"),
        "status": content.status,
        "description": content.description,
        "location": content.location,
        "url": content.url,
        "join_url": content.join_url,
        "plenary": content.plenary,
        "tracks": [list(pair) for pair in content.tracks],
        "speakers": [list(pair) for pair in content.speakers],
        "zone_label": content.zone_label,
    }


def _content(data: Mapping[str, Any]) -> Content:
    zone = ZoneInfo(data["timezone"])
    return Content(
        id=str(data["id"]),
        title=str(data["title"]),
        start=datetime.strptime(data["start"], "%Y-%m-%dT%H:%M").replace(tzinfo=zone),
        end=datetime.strptime(data["end"], "%Y-%m-%dT%H:%M").replace(tzinfo=zone),
        status=str(data["status"]),
        description=str(data["description"]),
        location=str(data["location"]),
        url=str(data["url"]),
        join_url=str(data["join_url"]),
        plenary=bool(data["plenary"]),
        tracks=tuple((str(a), str(b)) for a, b in data["tracks"]),
        speakers=tuple((str(a), str(b)) for a, b in data["speakers"]),
        zone_label=str(data["zone_label"]),
    )


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """Return a session's ledger entry as JSON data."""
    return {
        "number": entry.number,
        "sequence": entry.sequence,
        "fingerprint": entry.fingerprint,
        "created": _time(entry.created),
        "modified": _time(entry.modified),
        "moved_from": entry.moved_from.strftime("%Y-%m-%dT%H:%M") if entry.moved_from else None,
        "removed": _time(entry.removed),
        "feeds": {key: {"left": _time(s.left), "dropped": _time(s.dropped)} for key, s in entry.feeds.items()},
        "content": content_to_json(entry.content),
    }


def record_to_json(record: FeedRecord) -> dict[str, Any]:
    """Return a feed record as JSON data."""
    return {
        "title": record.title,
        "description": record.description,
        "color": record.color,
        "fingerprint": record.fingerprint,
        "modified": _time(record.modified),
        "removed": _time(record.removed),
    }


def revision_to_json(revision: Revision) -> dict[str, Any]:
    """Return a revision (a release) as JSON data."""
    return {
        "number": revision.number,
        "name": revision.name,
        "at": _time(revision.at),
        "source_sha256": revision.source_sha256,
        "changes": [
            {"kind": c.kind, "uid": c.uid, "session": c.session, "title": c.title, "old": c.old, "new": c.new}
            for c in revision.changes
        ],
    }


def dump_ledger(ledger: Ledger) -> bytes:
    """Return the whole ledger as stable, diff-friendly JSON bytes (the snapshot file)."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "event": ledger.event,
        "created": _time(ledger.created),
        "revised": _time(ledger.revised),
        "source_sha256": ledger.source_sha256,
        "sessions": {uid: entry_to_json(e) for uid, e in ledger.sessions.items()},
        "feeds": {key: record_to_json(f) for key, f in ledger.feeds.items()},
        "revisions": [revision_to_json(r) for r in ledger.revisions],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


def dump_step(before: Ledger, after: Ledger) -> bytes:
    """Return one line of the ledger log: what after changed since before (changed entries and records only)."""
    data = {
        "release": after.release,
        "revised": _time(after.revised),
        "source_sha256": after.source_sha256,
        "sessions": {uid: entry_to_json(e) for uid, e in after.sessions.items() if before.sessions.get(uid) != e},
        "feeds": {key: record_to_json(f) for key, f in after.feeds.items() if before.feeds.get(key) != f},
        "revision": revision_to_json(after.revisions[-1]),
    }
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _entry(uid: str, e: Mapping[str, Any]) -> Entry:
    return Entry(
        uid=uid,
        number=int(e["number"]),
        content=_content(e["content"]),
        fingerprint=str(e["fingerprint"]),
        sequence=int(e["sequence"]),
        created=_required_time(e["created"]),
        modified=_required_time(e["modified"]),
        feeds={
            key: Stay(left=_parse_time(s["left"]), dropped=_parse_time(s["dropped"])) for key, s in e["feeds"].items()
        },
        moved_from=(
            datetime.strptime(e["moved_from"], "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(e["content"]["timezone"]))
            if e["moved_from"]
            else None
        ),
        removed=_parse_time(e["removed"]),
    )


def _record(f: Mapping[str, Any]) -> FeedRecord:
    return FeedRecord(
        title=str(f["title"]),
        description=str(f["description"]),
        color=str(f["color"]),
        fingerprint=str(f["fingerprint"]),
        modified=_required_time(f["modified"]),
        removed=_parse_time(f["removed"]),
    )


def _revision(r: Mapping[str, Any], index: int) -> Revision:
    return Revision(
        number=int(r["number"]) if "number" in r else index + 1,
        name=str(r.get("name", "")),
        at=_required_time(r["at"]),
        source_sha256=str(r["source_sha256"]),
        changes=tuple(
            Change(str(c["kind"]), str(c["uid"]), str(c["session"]), str(c["title"]), str(c["old"]), str(c["new"]))
            for c in r["changes"]
        ),
    )


def apply_step(ledger: Ledger, data: Mapping[str, Any]) -> Ledger:
    """Return the ledger after one line of the log (see dump_step)."""
    sessions = dict(ledger.sessions)
    for uid, e in data["sessions"].items():
        sessions[uid] = _entry(uid, e)
    feeds = dict(ledger.feeds)
    for key, f in data["feeds"].items():
        feeds[key] = _record(f)
    revision = _revision(data["revision"], len(ledger.revisions))
    return replace(
        ledger,
        revised=_required_time(data["revised"]),
        source_sha256=str(data["source_sha256"]),
        sessions=dict(sorted(sessions.items(), key=lambda item: item[1].number)),
        feeds=dict(sorted(feeds.items())),
        revisions=(*ledger.revisions, revision)[-MAX_REVISIONS:],
    )


def _position(data: bytes, offset: int) -> str:
    """Return 'line:column' of a byte offset in data."""
    line, column = byte_position(data, offset)
    return f"{line}:{column}"


def _key_position(data: bytes, key: str) -> str:
    """Return 'line:column' of the first "key": in a ledger (the top-level ones come first), else 1:1."""
    found = re.search(rb'"' + re.escape(key.encode()) + rb'"\s*:', data)
    return _position(data, found.start()) if found else "1:1"


def parse_ledger(data: bytes, name: str = "ledger") -> Ledger:
    """Return the ledger in data, or raise LedgerError saying what is wrong."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise LedgerError(f"{name}:{_position(data, err.start)}: is not UTF-8 text; {_RESTORE}") from None
    except json.JSONDecodeError as err:
        hint = " (the file ends early: was it cut off?)" if err.pos >= len(data.rstrip()) else ""
        raise LedgerError(f"{name}:{err.lineno}:{err.colno}: is not valid JSON: {err.msg}{hint}; {_RESTORE}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise LedgerError(f'{name}:1:1: is not a feeds ledger (no "format": "{FORMAT}"); {_RESTORE}')
    if raw.get("version") not in READABLE_VERSIONS:
        raise LedgerError(
            f"{name}:{_key_position(data, 'version')}: is ledger version {raw.get('version')!r}; "
            f"this feeds reads versions up to {VERSION}; upgrade feeds or restore the ledger"
        )
    try:
        return Ledger(
            event=str(raw["event"]),
            created=_required_time(raw["created"]),
            revised=_required_time(raw["revised"]),
            source_sha256=str(raw["source_sha256"]),
            sessions={uid: _entry(uid, e) for uid, e in raw["sessions"].items()},
            feeds={key: _record(f) for key, f in raw["feeds"].items()},
            revisions=tuple(_revision(r, index) for index, r in enumerate(raw["revisions"])),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        what = f"missing field {err}" if isinstance(err, KeyError) else str(err)
        raise LedgerError(f"{name}: is damaged ({what}); {_RESTORE}") from None


_RESTORE = (
    "it was left unchanged and nothing was published from it; restore it from a backup or version control "
    "(deleting it would restart every SEQUENCE at 0 and subscribers would miss changes)"
)


# -- the file --------------------------------------------------------------


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


READ_ONLY_ERRORS = (errno.EACCES, errno.EROFS, errno.EPERM)


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
                f"{self.path}:{_key_position(data, 'event')}: belongs to event '{ledger.event}', "
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
            raise LedgerError(f"{self.path}: cannot be read ({err.strerror}); {_RESTORE}") from None
        ledger = parse_ledger(data, str(self.path))
        for number, step in enumerate(self._steps()[0], start=1):
            if step["release"] <= ledger.release:
                continue  # a line the snapshot already holds (written before a compaction finished)
            try:
                ledger = apply_step(ledger, step)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                what = f"missing field {err}" if isinstance(err, KeyError) else str(err)
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged ({what}); {_RESTORE}") from None
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
            raise LedgerError(f"{self.log_path}: cannot be read ({err.strerror}); {_RESTORE}") from None
        complete = data.rfind(b"\n") + 1  # a last line without its newline was cut off by a killed writer
        steps = []
        for number, line in enumerate(data[:complete].splitlines(), start=1):
            try:
                step = json.loads(line)
            except (ValueError, UnicodeDecodeError) as err:
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged ({err}); {_RESTORE}") from None
            if not isinstance(step, dict) or not isinstance(step.get("release"), int):
                raise LedgerError(f"{self.log_path}:{number}:1: is damaged (not a release line); {_RESTORE}")
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
            if err.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
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
