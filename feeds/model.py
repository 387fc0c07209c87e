"""The conference as frozen data: no I/O, no YAML, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
STATUSES = (CONFIRMED, CANCELLED)
# What a speaker in two overlapping sessions is: a problem that stops publishing, or a warning.
OVERLAP_ERROR = "error"
OVERLAP_WARNING = "warning"
OVERLAP_POLICIES = (OVERLAP_ERROR, OVERLAP_WARNING)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file, at a position an editor can jump to."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class EventInfo:
    """The conference itself."""

    id: str
    name: str
    timezone: str
    uid_domain: str
    url: str
    description: str
    first_day: date
    last_day: date
    timezone_label: str = ""
    location: str = ""
    join_url: str = ""
    speaker_overlaps: str = OVERLAP_ERROR

    @property
    def zone(self) -> ZoneInfo:
        """Return the event's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Track:
    """A topic track; its feed holds its sessions and every plenary."""

    id: str
    name: str
    description: str = ""
    color: str = ""
    aliases: tuple[str, ...] = ()
    source_id: str = ""


@dataclass(frozen=True, slots=True)
class Speaker:
    """A person (or a described, unnamed person) who speaks in sessions."""

    id: str
    name: str
    role: str = ""
    affiliation: str = ""
    bio: str = ""
    aliases: tuple[str, ...] = ()
    source_id: str = ""

    @property
    def credit(self) -> str:
        """Return the name with role and affiliation, as printed in feeds."""
        details = ", ".join(part for part in (self.role, self.affiliation) if part)
        return f"{self.name} ({details})" if details else self.name


@dataclass(frozen=True, slots=True)
class Session:
    """One talk or slot; start and end are aware datetimes in the event zone."""

    id: str
    title: str
    start: datetime
    end: datetime
    tracks: tuple[str, ...] = ()
    plenary: bool = False
    speakers: tuple[str, ...] = ()
    status: str = CONFIRMED
    description: str = ""
    url: str = ""
    location: str = ""
    join_url: str = ""
    aliases: tuple[str, ...] = ()
    source_id: str = ""

    @property
    def cancelled(self) -> bool:
        """Return whether organizers cancelled the session."""
        return self.status == CANCELLED


@dataclass(frozen=True, slots=True)
class Event:
    """Everything event.yaml says, resolved and validated."""

    info: EventInfo
    tracks: tuple[Track, ...]
    speakers: tuple[Speaker, ...]
    sessions: tuple[Session, ...]
    source_sha256: str = ""
    source_name: str = "event.yaml"
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    _index: dict[tuple[str, str], object] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for kind, items in (
            ("track", self.tracks),
            ("speaker", self.speakers),
            ("session", self.sessions),
        ):
            for item in items:
                self._index[(kind, item.id)] = item
                for alias in item.aliases:
                    self._index[(kind, alias)] = item

    def track(self, ident: str) -> Track | None:
        """Return the track with this id or alias."""
        found = self._index.get(("track", ident))
        return found if isinstance(found, Track) else None

    def speaker(self, ident: str) -> Speaker | None:
        """Return the speaker with this id or alias."""
        found = self._index.get(("speaker", ident))
        return found if isinstance(found, Speaker) else None

    def session(self, ident: str) -> Session | None:
        """Return the session with this id or alias."""
        found = self._index.get(("session", ident))
        return found if isinstance(found, Session) else None

    def session_tracks(self, session: Session) -> tuple[Track, ...]:
        """Return the tracks whose feeds hold the session."""
        if session.plenary:
            return self.tracks
        return tuple(t for t in self.tracks if t.id in session.tracks)

    def session_speakers(self, session: Session) -> tuple[Speaker, ...]:
        """Return the session's speakers in the order event.yaml lists them."""
        found = (self.speaker(ident) for ident in session.speakers)
        return tuple(s for s in found if s is not None)
