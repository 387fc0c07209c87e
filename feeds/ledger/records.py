"""What the ledger holds: per session its last published content and stays in feeds, per feed its record, the releases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..model import CANCELLED

# Revisions kept in the ledger for the change log; older ones are dropped.
MAX_REVISIONS = 500


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


def describe_time(moment: datetime, label: str = "") -> str:
    """Return a local time as 'Tue 18 Jul 10:05 PT'."""
    return f"{moment:%a %d %b %H:%M} {label or moment.tzname() or ''}".rstrip()
