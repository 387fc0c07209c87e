"""The draft event every reader fills in: what a schedule says, before ids are made and YAML is written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


def end_after(start: datetime, span: timedelta) -> datetime:
    """Return the moment span of real time after start, in start's zone (not wall-clock arithmetic)."""
    return (start.astimezone(UTC) + span).astimezone(start.tzinfo)


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """One thing wrong with the source, at the line and column an editor can jump to."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class SourceError(Exception):
    """The source cannot be imported; `problems` says every reason."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__(self.report())

    def report(self) -> str:
        """Return the problems as lines for an organizer, with a count."""
        lines = [str(problem) for problem in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"... and {len(self.problems) - 200} more problems")
        count = len(self.problems)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


@dataclass(slots=True)
class DraftTrack:
    """A track as the source names it; `key` is how sessions refer to it."""

    key: str
    name: str
    color: str = ""
    source_id: str = ""
    id_hint: str = ""


@dataclass(slots=True)
class DraftSpeaker:
    """A person as the source lists them; `key` is how sessions refer to them."""

    key: str
    name: str
    role: str = ""
    affiliation: str = ""
    bio: str = ""
    source_id: str = ""
    id_hint: str = ""


@dataclass(slots=True)
class DraftSession:
    """One session; start and end are aware datetimes, tracks and speakers are keys."""

    title: str
    start: datetime
    end: datetime
    line: int
    column: int
    tracks: list[str] = field(default_factory=list)
    plenary: bool = False
    speakers: list[str] = field(default_factory=list)
    cancelled: bool = False
    description: str = ""
    url: str = ""
    join_url: str = ""
    location: str = ""
    source_id: str = ""
    id_hint: str = ""


@dataclass(slots=True)
class DraftEvent:
    """Everything a reader found in a source, with what event.yaml cannot say counted in `lost`."""

    source: str
    format_name: str
    name: str = ""
    id_hint: str = ""
    timezone: str = ""
    url: str = ""
    description: str = ""
    uid_domain: str = ""
    first_day: date | None = None
    last_day: date | None = None
    tracks: list[DraftTrack] = field(default_factory=list)
    speakers: list[DraftSpeaker] = field(default_factory=list)
    sessions: list[DraftSession] = field(default_factory=list)
    lost: Counter[tuple[str, str]] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)

    def problem(self, line: int, column: int, message: str) -> None:
        """Record a problem at a position in the source."""
        self.problems.append(SourceProblem(self.source, line, column, message))

    def lose(self, what: str, kind: str = "session") -> None:
        """Count a session (or track, speaker) with something event.yaml cannot say, such as 'a language'."""
        self.lost[(kind, what)] += 1

    def track(self, key: str, name: str, **details: str) -> str:
        """Return the key of the track, adding it on first sight."""
        for track in self.tracks:
            if track.key == key:
                if details.get("color") and not track.color:
                    track.color = details["color"]
                return key
        self.tracks.append(DraftTrack(key=key, name=name, **details))
        return key

    def speaker(self, key: str, name: str, **details: str) -> str:
        """Return the key of the speaker, adding them on first sight and filling in details seen later."""
        for speaker in self.speakers:
            if speaker.key == key:
                for attribute, value in details.items():
                    if value and not getattr(speaker, attribute):
                        setattr(speaker, attribute, value)
                return key
        self.speakers.append(DraftSpeaker(key=key, name=name, **details))
        return key
