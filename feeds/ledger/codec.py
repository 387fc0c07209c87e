"""The ledger as JSON: the snapshot file, and the lines of its log (what one release changed)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..load import byte_position
from .errors import RESTORE, LedgerError
from .records import MAX_REVISIONS, Change, Content, Entry, FeedRecord, Ledger, Revision, Stay

FORMAT = "feeds-ledger"
VERSION = 2
# Version 1 had no release numbers or names; it is read as numbered 1, 2, ... and written back as VERSION.
READABLE_VERSIONS = (1, VERSION)


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


def key_position(data: bytes, key: str) -> str:
    """Return 'line:column' of the first "key": in a ledger (the top-level ones come first), else 1:1."""
    found = re.search(rb'"' + re.escape(key.encode()) + rb'"\s*:', data)
    return _position(data, found.start()) if found else "1:1"


def parse_ledger(data: bytes, name: str = "ledger") -> Ledger:
    """Return the ledger in data, or raise LedgerError saying what is wrong."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise LedgerError(f"{name}:{_position(data, err.start)}: is not UTF-8 text; {RESTORE}") from None
    except json.JSONDecodeError as err:
        hint = " (the file ends early: was it cut off?)" if err.pos >= len(data.rstrip()) else ""
        raise LedgerError(f"{name}:{err.lineno}:{err.colno}: is not valid JSON: {err.msg}{hint}; {RESTORE}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise LedgerError(f'{name}:1:1: is not a feeds ledger (no "format": "{FORMAT}"); {RESTORE}')
    if raw.get("version") not in READABLE_VERSIONS:
        raise LedgerError(
            f"{name}:{key_position(data, 'version')}: is ledger version {raw.get('version')!r}; "
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
        raise LedgerError(f"{name}: is damaged ({what}); {RESTORE}") from None
