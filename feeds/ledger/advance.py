"""Revisions: an event compared with the ledger gives the next ledger, and what attendees see change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ..catalog import alias_map, list_feeds, session_feed_keys
from ..model import Event, Session
from ..text import ChangeKind
from .codec import content_to_json
from .records import MAX_REVISIONS, Change, Content, Entry, FeedRecord, Ledger, Revision, Stay, describe_time, now_utc


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


def content_fingerprint(content: Content) -> str:
    """Return a hash of everything the session's calendar event says.

    Track and speaker ids are left out: renaming one (with an alias) changes
    no calendar text, so it must not bump SEQUENCE.
    """
    data = content_to_json(content)
    data["tracks"] = [name for _, name in content.tracks]
    data["speakers"] = [credit for _, credit in content.speakers]
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


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
                fingerprint=content_fingerprint(content),
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
    fingerprint = content_fingerprint(content)
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
