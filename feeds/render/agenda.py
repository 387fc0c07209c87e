"""The agenda as the pages show it: sessions with their tracks and speakers, by day and by time slot.

Pure functions of a publication: no HTTP, no clock. What is happening now is
decided in the browser from the UTC times the pages carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..ledger import Entry, describe_time
from ..model import Event, Session, Speaker, Track
from .source import Published

# A day with more sessions than this is listed compactly (no abstracts, no affiliations) to keep its page small.
COMPACT_DAY = 100
# The speaker filter is a list to pick from up to this many speakers in a day; past it, a name to type.
SPEAKER_CHOICES = 150
# The builder lists speakers and sessions as boxes to tick up to this many; past it, it asks for a search.
BUILDER_LIST_LIMIT = 120
# A builder search shows at most this many speakers and this many sessions.
BUILDER_MATCHES = 40


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as the pages list it: with its tracks, speakers and whether it moved."""

    session: Session
    tracks: tuple[Track, ...]
    speakers: tuple[Speaker, ...]
    moved_from: str = ""
    previous_start: datetime | None = None

    @property
    def start_utc(self) -> str:
        """Return the start as an ISO UTC time, for the viewer's-time script."""
        return utc_text(self.session.start)

    @property
    def end_utc(self) -> str:
        """Return the end as an ISO UTC time."""
        return utc_text(self.session.end)


@dataclass(frozen=True, slots=True)
class Slot:
    """Sessions that start at the same time: parallel tracks, shown side by side."""

    start: datetime
    rows: tuple[SessionRow, ...]


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the event, its sessions grouped into time slots."""

    day: date
    slots: tuple[Slot, ...]

    @property
    def rows(self) -> tuple[SessionRow, ...]:
        """Return the day's sessions in time order."""
        return tuple(row for slot in self.slots for row in slot.rows)

    @property
    def compact(self) -> bool:
        """Return whether the day is too long to list each session's abstract and affiliations."""
        return len(self.rows) > COMPACT_DAY

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        """Return the day's speakers by name, each once."""
        found = {speaker.id: speaker for row in self.rows for speaker in row.speakers}
        return tuple(by_name(found.values()))


def in_time_order(sessions: Iterable[Session]) -> list[Session]:
    """Return sessions by start, then end, then id: the order of every list of sessions."""
    return sorted(sessions, key=lambda s: (s.start, s.end, s.id))


def by_name(speakers: Iterable[Speaker]) -> list[Speaker]:
    """Return speakers by name (case-insensitive), then id: the order of every list of speakers."""
    return sorted(speakers, key=lambda s: (s.name.casefold(), s.id))


def utc_text(moment: datetime) -> str:
    """Return an aware time as ISO 8601 in UTC, to the second."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def session_rows(publication: Published, sessions: Iterable[Session]) -> list[SessionRow]:
    """Return sessions in time order, each with its tracks, speakers and moved note."""
    event = publication.event
    entries: dict[str, Entry] = {
        entry.id: entry for entry in publication.ledger.sessions.values() if entry.removed is None
    }
    rows = []
    for session in in_time_order(sessions):
        entry = entries.get(session.id)
        moved, previous = "", None
        if entry is not None and entry.moved_from is not None and not session.cancelled:
            moved = describe_time(entry.moved_from, event.info.timezone_label)
            previous = entry.moved_from
        tracks = tuple(t for t in event.tracks if t.id in session.tracks)
        rows.append(SessionRow(session, tracks, event.session_speakers(session), moved, previous))
    return rows


def event_days(event: Event) -> list[date]:
    """Return every day of the event, first to last, with any day a session starts on outside them."""
    days = set()
    day = event.info.first_day
    while day <= event.info.last_day:
        days.add(day)
        day += timedelta(days=1)
    days.update(session.start.date() for session in event.sessions)
    return sorted(days)


def group_slots(rows: Iterable[SessionRow]) -> tuple[Slot, ...]:
    """Return rows grouped by start time, in time order (rows already in time order stay so)."""
    slots: dict[datetime, list[SessionRow]] = {}
    for row in sorted(rows, key=lambda r: (r.session.start, r.session.end, r.session.id)):
        slots.setdefault(row.session.start, []).append(row)
    return tuple(Slot(start, tuple(found)) for start, found in slots.items())


def agenda_day(publication: Published, day: date) -> Day:
    """Return one day of the agenda (by start day in the event zone)."""
    sessions = [s for s in publication.event.sessions if s.start.date() == day]
    return Day(day, group_slots(session_rows(publication, sessions)))


def search_text(*parts: str) -> str:
    """Return text folded for a case-insensitive search: lower case, single spaces."""
    return " ".join(" ".join(parts).casefold().split())


def find_speakers(event: Event, words: str, limit: int = BUILDER_MATCHES) -> list[Speaker]:
    """Return speakers whose name, role or affiliation holds every word of a search, by name."""
    terms = search_text(words).split()
    if not terms:
        return []
    found = [
        speaker
        for speaker in event.speakers
        if all(term in search_text(speaker.name, speaker.role, speaker.affiliation) for term in terms)
    ]
    return by_name(found)[:limit]


def find_sessions(event: Event, words: str, limit: int = BUILDER_MATCHES) -> list[Session]:
    """Return sessions whose title, speakers or abstract hold every word of a search, in time order."""
    terms = search_text(words).split()
    if not terms:
        return []
    found = []
    for session in in_time_order(event.sessions):
        names = " ".join(s.name for s in event.session_speakers(session))
        text = search_text(session.title, names, session.description)
        if all(term in text for term in terms):
            found.append(session)
            if len(found) == limit:
                break
    return found
