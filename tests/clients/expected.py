"""What each feed must say, derived from event.yaml's inputs without calling the renderer.

The texts follow the feed contract (docs/event-format.md and FEED-CONTRACT):
SUMMARY is the title ("Cancelled: " in front when cancelled or a tombstone);
DESCRIPTION is the note, the "Moved from" line, the abstract, the speakers
and the links, in blocks separated by a blank line; LOCATION falls back to the
event's; CATEGORIES are the track names, or "Plenary".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from feeds.model import Event, Session

CANCELLED_PREFIX = "Cancelled: "


@dataclass(frozen=True, slots=True)
class ExpectedEvent:
    """One VEVENT as every parser must decode it."""

    uid: str
    summary: str
    description: str
    location: str | None
    categories: tuple[str, ...]
    start: int
    end: int
    status: str


@dataclass(frozen=True, slots=True)
class ExpectedFeed:
    """One calendar: its name and its events by UID."""

    key: str
    name: str
    events: dict[str, ExpectedEvent] = field(default_factory=dict)
    tombstones: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A session shown cancelled in a feed it left (or in every feed, once deleted)."""

    feed: str
    event: Event
    session: str
    note: str


def clean(text: str) -> str:
    """Return text as the contract says a feed carries it: CRLF/CR to LF, control characters gone, trimmed.

    Trimming removes white space and byte-order marks (U+FEFF) at both ends.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "\ufeff"):
        end -= 1
    return text[start:end]


def uid_of(event: Event, session: Session) -> str:
    """Return the UID the contract gives a session: '<id>@<uid domain>'."""
    return f"{session.id}@{event.info.uid_domain}"


def credit(event: Event, speaker_id: str) -> str:
    """Return 'name (role, affiliation)' for a speaker, or just the name."""
    speaker = event.speaker(speaker_id)
    assert speaker is not None
    details = [part for part in (speaker.role, speaker.affiliation) if part]
    return f"{speaker.name} ({', '.join(details)})" if details else speaker.name


def describe_local(moment: datetime, label: str) -> str:
    """Return a local time as the "Moved from" note writes it: 'Tue 18 Jul 10:05 PT'."""
    return f"{moment:%a %d %b %H:%M} {label or moment.tzname()}"


def expected_event(
    event: Event,
    session: Session,
    base_url: str,
    note: str = "",
    moved_from: datetime | None = None,
) -> ExpectedEvent:
    """Return what a session's VEVENT must decode to; a note makes it a cancelled tombstone."""
    page = f"{base_url}/sessions/{session.id}"
    cancelled = session.cancelled or bool(note)
    blocks = [note] if note else []
    if moved_from is not None and not cancelled:
        blocks.append(f"Moved from {describe_local(moved_from, event.info.timezone_label)}")
    if session.description:
        blocks.append(session.description)
    if session.speakers:
        label = "Speaker" if len(session.speakers) == 1 else "Speakers"
        blocks.append(f"{label}:\n" + "\n".join(f"- {credit(event, s)}" for s in session.speakers))
    links = [f"Session page: {page}"]
    if session.url and session.url != page:
        links.append(f"More: {session.url}")
    join = session.join_url or event.info.join_url
    if join and not cancelled:
        links.append(f"Join: {join}")
    blocks.append("\n".join(links))
    tracks = tuple(t.name for t in event.tracks if t.id in session.tracks)
    return ExpectedEvent(
        uid=uid_of(event, session),
        summary=(CANCELLED_PREFIX if cancelled else "") + session.title,
        description="\n\n".join(blocks),
        location=session.location or event.info.location or None,
        categories=tracks or (("Plenary",) if session.plenary else ()),
        start=int(session.start.timestamp()),
        end=int(session.end.timestamp()),
        status="CANCELLED" if cancelled else "CONFIRMED",
    )


def feed_sessions(event: Event, key: str) -> list[Session]:
    """Return the sessions a feed holds live, by the contract's membership rules."""
    kind, _, ident = key.partition(":")
    if kind == "conference":
        return list(event.sessions)
    if kind == "track":
        return [s for s in event.sessions if s.plenary or ident in s.tracks]
    if kind == "speaker":
        return [s for s in event.sessions if ident in s.speakers]
    return [s for s in event.sessions if s.id == ident]


def feed_name(event: Event, key: str) -> str:
    """Return the calendar name of a feed: 'Conference · Track'."""
    kind, _, ident = key.partition(":")
    name = event.info.name
    if kind == "conference":
        return name
    if kind == "track":
        track = event.track(ident)
        assert track is not None
        return f"{name} · {track.name}"
    if kind == "speaker":
        speaker = event.speaker(ident)
        assert speaker is not None
        return f"{name} · {speaker.name}"
    session = event.session(ident)
    assert session is not None
    return f"{name} · {session.title}"


def expected_feeds(
    event: Event,
    base_url: str,
    tombstones: tuple[Tombstone, ...] = (),
    moved: dict[str, datetime] | None = None,
) -> dict[str, ExpectedFeed]:
    """Return every feed of the event with the events it must hold, tombstones included."""
    moved = moved or {}
    keys = ["conference"]
    keys += [f"track:{t.id}" for t in event.tracks]
    keys += [f"speaker:{s.id}" for s in event.speakers]
    keys += [f"session:{s.id}" for s in event.sessions]
    feeds: dict[str, ExpectedFeed] = {}
    for key in keys:
        feed = ExpectedFeed(key, feed_name(event, key))
        for session in feed_sessions(event, key):
            expected = expected_event(event, session, base_url, moved_from=moved.get(session.id))
            feed.events[expected.uid] = expected
        feeds[key] = feed
    for stone in tombstones:
        gone = stone.event.session(stone.session)
        assert gone is not None
        feed = feeds.setdefault(stone.feed, ExpectedFeed(stone.feed, feed_name(stone.event, stone.feed)))
        expected = expected_event(stone.event, gone, base_url, note=stone.note)
        assert expected.uid not in feed.events, f"{expected.uid} cannot be live and a tombstone in {stone.feed}"
        feed.events[expected.uid] = expected
        feed.tombstones.add(expected.uid)
    return feeds


def expected_custom(event: Event, feeds: dict[str, ExpectedFeed], keys: tuple[str, ...]) -> ExpectedFeed:
    """Return a custom feed: the union of feeds, a session live in any of them shown live."""
    chosen = sorted(set(keys))
    parts = [feeds[key].name.split(" · ", 1)[-1] for key in chosen]
    union = ExpectedFeed("+".join(chosen), f"{event.info.name} · " + " + ".join(parts))
    for key in chosen:
        for uid, expected in feeds[key].events.items():
            if uid not in union.events or (uid in union.tombstones and uid not in feeds[key].tombstones):
                union.events[uid] = expected
                union.tombstones.discard(uid)
                if uid in feeds[key].tombstones:
                    union.tombstones.add(uid)
    return union
