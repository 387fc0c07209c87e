"""Import a schedule from frab/pentabarf XML, c3voc/pretalx JSON, Sessionize JSON or iCalendar into event.yaml."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..load import EventFileError, parse_event
from ..model import Event
from .build import build
from .c3voc_json import read_c3voc_json
from .draft import DraftEvent, SourceError, SourceProblem
from .fetch import Fetched, fetch
from .frab_xml import read_frab_xml
from .ical import read_ical
from .merge import MergeError, merge
from .sessionize import read_sessionize
from .writer import render_document

FORMATS = ("frab", "c3voc", "sessionize", "ical")
__all__ = ["FORMATS", "Imported", "SourceError", "detect_format", "fetch", "import_schedule"]


@dataclass(frozen=True, slots=True)
class Imported:
    """The event.yaml text of an import, the event it loads as, and what to tell the organizer."""

    text: str
    event: Event
    format_name: str
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def detect_format(fetched: Fetched) -> str:
    """Return the format of the source from its first bytes, name and Content-Type."""
    head = fetched.data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    name = fetched.name.lower().split("?")[0]
    if head.startswith(b"begin:vcalendar") or name.endswith(".ics") or "text/calendar" in fetched.content_type:
        return "ical"
    if head.startswith(b"<") or name.endswith(".xml"):
        return "frab"
    if b'"schedule"' in fetched.data[:2048] or b'"conference"' in fetched.data[:8192]:
        return "c3voc"
    if b'"sessions"' in fetched.data[:65536] or b'"categories"' in fetched.data[:65536]:
        return "sessionize"
    return ""


def _read(fetched: Fetched, format_name: str, zone: str, speaker_pattern: str) -> DraftEvent:
    readers: dict[str, Callable[[], DraftEvent]] = {
        "frab": lambda: read_frab_xml(fetched.data, fetched.name, zone),
        "c3voc": lambda: read_c3voc_json(fetched.data, fetched.name, zone),
        "sessionize": lambda: read_sessionize(fetched.data, fetched.name, zone),
        "ical": lambda: read_ical(fetched.data, fetched.name, zone, speaker_pattern),
    }
    return readers[format_name]()


def header(draft: DraftEvent, when: datetime) -> list[str]:
    """Return the comment lines that open an imported event.yaml."""
    return [
        f"Imported from {draft.source} ({draft.format_name}) on {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC by feeds import.",
        "The format of this file is described in docs/event-format.md; docs/import.md explains re-importing.",
        "A re-import (feeds import SOURCE --update event.yaml) rewrites the fields the source gives and keeps",
        "ids, comments and every field you add yourself (aliases, join_url, track descriptions, roles).",
    ]


def import_schedule(
    fetched: Fetched,
    format_name: str = "",
    zone: str = "",
    existing: tuple[str, Event] | None = None,
    speaker_pattern: str = "",
    when: datetime | None = None,
) -> Imported:
    """Return the event.yaml of a fetched source, merged into an existing (text, event) when given."""
    chosen = format_name or detect_format(fetched)
    if chosen not in FORMATS:
        raise SourceError(
            [
                SourceProblem(
                    fetched.name,
                    1,
                    1,
                    "cannot tell the format of this file; give --from frab, c3voc, sessionize or ical",
                )
            ]
        )
    try:
        draft = _read(fetched, chosen, zone or (existing[1].info.timezone if existing else ""), speaker_pattern)
    except (TypeError, AttributeError, KeyError, ValueError) as err:
        # A value of a type the reader does not expect where it did not look; say so rather than crash.
        raise SourceError(
            [
                SourceProblem(
                    fetched.name, 1, 1, f"has a shape the {chosen} reader does not understand ({err}); check --from"
                )
            ]
        ) from None
    if draft.problems:
        raise SourceError(draft.problems)
    built = build(draft, existing[1] if existing else None)
    if draft.problems:
        raise SourceError(draft.problems)
    lines = header(draft, when or datetime.now(UTC))
    if existing is None:
        text = render_document(lines, built.document)
    else:
        try:
            text = merge(existing[0], built.document, f"# {lines[0]}", built.ends)
        except MergeError as err:
            raise SourceError(
                [SourceProblem(existing[1].source_name, max(err.line, 1), 1, f"cannot merge into this file: {err}")]
            ) from None
    try:
        event = parse_event(text.encode(), "event.yaml (imported)")
    except EventFileError as err:
        raise SourceError(
            [
                SourceProblem(fetched.name, 1, 1, f"the imported event.yaml does not pass feeds check: {p}")
                for p in err.problems
            ]
        ) from None
    return Imported(text, event, draft.format_name, draft.warnings + built.warnings, built.summary)
