"""Read frab, pentabarf and pretalx schedule.xml safely: no entities, no external references, limited depth."""

from __future__ import annotations

import io
import xml.sax
import xml.sax.handler
import xml.sax.xmlreader
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import defusedxml.common
import defusedxml.expatreader

from ..text import uncancelled_title
from .draft import DraftEvent, DraftSession, SourceError, SourceProblem, end_after
from .schedule import (
    description_of,
    guess_zone,
    is_cancelled,
    is_plenary_type,
    is_removed,
    known_zone,
    parse_duration,
    parse_instant,
    read_links,
)
from .text import one_line, plain

MAX_DEPTH = 32
FORMAT_NAME = "frab schedule.xml"
NO_ZONE = "the times have no offsets and the file names no time zone; give --timezone ZONE"


@dataclass(slots=True)
class Node:
    """An XML element with its position in the source."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    parts: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Return the element's own text."""
        return "".join(self.parts)

    def first(self, tag: str) -> Node | None:
        """Return the first child with this tag."""
        return next((child for child in self.children if child.tag == tag), None)

    def every(self, tag: str) -> list[Node]:
        """Return the children with this tag."""
        return [child for child in self.children if child.tag == tag]

    def value(self, tag: str) -> str:
        """Return the text of the first child with this tag, or ''."""
        child = self.first(tag)
        return child.text.strip() if child is not None else ""


class _Builder(xml.sax.handler.ContentHandler):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator = locator

    def where(self) -> tuple[int, int]:
        if self.locator is None:
            return 1, 1
        return self.locator.getLineNumber() or 1, (self.locator.getColumnNumber() or 0) + 1

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line, column = self.where()
        if len(self.stack) >= MAX_DEPTH:
            raise SourceError(
                [
                    SourceProblem(
                        self.name,
                        line,
                        column,
                        f"elements nested more than {MAX_DEPTH} deep; no schedule is shaped like this",
                    )
                ]
            )
        node = Node(name, {key: attrs[key] for key in attrs.getNames()}, line, column)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:  # noqa: ARG002 - SAX passes the name; the stack knows it
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(content)


def parse_xml(data: bytes, name: str) -> Node:
    """Return the root element of XML bytes; entity declarations and external references are refused."""
    builder = _Builder(name)
    parser = defusedxml.expatreader.create_parser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(builder)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    try:
        parser.parse(io.BytesIO(data))
    except xml.sax.SAXParseException as err:
        raise SourceError(
            [
                SourceProblem(
                    name,
                    err.getLineNumber() or 1,
                    (err.getColumnNumber() or 0) + 1,
                    f"not well-formed XML: {err.getMessage()}",
                )
            ]
        ) from None
    except defusedxml.common.EntitiesForbidden:
        line, column = builder.where()
        raise SourceError(
            [
                SourceProblem(
                    name, line, column, "declares XML entities, which are refused (they can expand without limit)"
                )
            ]
        ) from None
    except defusedxml.common.ExternalReferenceForbidden:
        line, column = builder.where()
        raise SourceError(
            [SourceProblem(name, line, column, "refers to an external entity, which is refused")]
        ) from None
    except defusedxml.common.DefusedXmlException as err:
        line, column = builder.where()
        raise SourceError([SourceProblem(name, line, column, f"refused: {err}")]) from None
    if builder.root is None:
        raise SourceError([SourceProblem(name, 1, 1, "holds no XML element")])
    return builder.root


def read_frab_xml(data: bytes, name: str, zone_name: str = "") -> DraftEvent:  # noqa: C901, PLR0912 - one branch per optional element of the format
    """Return the draft event of a frab/pentabarf/pretalx schedule.xml."""
    root = parse_xml(data, name)
    draft = DraftEvent(source=name, format_name=FORMAT_NAME)
    if root.tag != "schedule":
        draft.problem(root.line, root.column, f"expected a <schedule> document, found <{root.tag}>")
        return draft
    conference = root.first("conference")
    if conference is None:
        draft.problem(root.line, root.column, "<schedule> has no <conference>; it is not a frab schedule")
        return draft
    draft.name = one_line(conference.value("title"))
    draft.id_hint = conference.value("acronym")
    draft.url = conference.value("url") or conference.value("base_url")
    draft.description = plain(conference.value("description"))
    track_list = conference.first("tracks")
    for track in track_list.every("track") if track_list is not None else []:
        track_name = one_line(track.text)
        if track_name:
            draft.track(track_name, track_name, color=track.attrs.get("color", ""), id_hint=track.attrs.get("slug", ""))
    draft.timezone = zone_name or conference.value("time_zone_name")
    zone = known_zone(draft.timezone) if draft.timezone else None
    if draft.timezone and zone is None:
        draft.problem(
            conference.line,
            conference.column,
            f"unknown time zone '{draft.timezone}'; give --timezone with an IANA name",
        )
        return draft
    moments: list[datetime] = []
    for day in root.every("day"):
        for room in day.every("room"):
            for event in room.every("event"):
                session = _session(draft, day, room, event, zone)
                if session is not None:
                    draft.sessions.append(session)
                    moments.append(session.start)
    if zone is None:
        # The days' own bounds only count when no session has a time: wafer writes them in UTC.
        for day in root.every("day") if not moments else []:
            for attribute in ("start", "end"):
                moment = parse_instant(day.attrs.get(attribute, ""))
                if moment is not None:
                    moments.append(moment)
        draft.timezone = guess_zone(moments)
        if draft.timezone:
            draft.warnings.append(
                f"{name}: schedule.xml does not name its time zone; {draft.timezone} fits every time in it. "
                "Give --timezone (for example --timezone Europe/Brussels) to choose the zone yourself"
            )
        elif not draft.problems:
            draft.problem(1, 1, NO_ZONE)
    return draft


def _session(draft: DraftEvent, day: Node, room: Node, event: Node, zone: ZoneInfo | None) -> DraftSession | None:
    title = one_line(event.value("title"))
    if not title:
        draft.problem(event.line, event.column, "<event> has no <title>")
        return None
    start = _start(draft, day, event, zone)
    duration_text = event.value("duration")
    duration = parse_duration(duration_text) if duration_text else None
    if duration_text and duration is None:
        where = event.first("duration") or event
        draft.problem(where.line, where.column, f"<duration> '{duration_text}' is not HH:MM")
    if start is None or (duration_text and duration is None):
        return None
    if duration is None or duration <= timedelta(0):
        draft.lose("no duration (given one minute, since event.yaml needs an end after the start)")
        duration = timedelta(minutes=1)
    links = [(one_line(link.text), link.attrs.get("href", "").strip()) for link in _children(event, "links", "link")]
    own = read_links(links)
    recording = event.first("recording")
    opted_out = recording is not None and recording.value("optout").lower() == "true"
    cancelled = is_cancelled(title, opted_out)
    description = description_of(event.value("abstract"), event.value("description"), bool(own.session_id))
    if is_removed(cancelled, plain(event.value("description"))):
        draft.lose("was a removed session's placeholder (left out)")
        return None
    session = DraftSession(
        title=uncancelled_title(title) if cancelled else title,
        start=start,
        end=end_after(start, duration),
        line=event.line,
        column=event.column,
        cancelled=cancelled,
        description=description,
        url=event.value("url") or own.url,
        location=one_line(event.value("room") or room.attrs.get("name", "")),
        source_id=event.attrs.get("guid", "") or event.attrs.get("id", ""),
        id_hint=own.session_id,
        join_url=own.join_url,
        plenary=is_plenary_type(event.value("type")),
    )
    if own.url and event.value("url") and own.url != session.url:
        draft.lose("more than one web address (event.yaml keeps one url per session)")
    _tracks(draft, session, event, own.tracks)
    _speakers(draft, session, event, own.speakers)
    _losses(draft, event, own.others, opted_out and not cancelled)
    return session


def _children(event: Node, outer: str, inner: str) -> list[Node]:
    holder = event.first(outer)
    return holder.every(inner) if holder is not None else []


def _start(draft: DraftEvent, day: Node, event: Node, zone: ZoneInfo | None) -> datetime | None:
    date_node = event.first("date")
    if date_node is not None and date_node.text.strip():
        moment = parse_instant(date_node.text)
        if moment is not None:
            return moment.astimezone(zone) if zone is not None else moment
        naive = _naive(date_node.text)
        if naive is not None and zone is not None:
            return naive.replace(tzinfo=zone)
        draft.problem(
            date_node.line,
            date_node.column,
            f"<date> '{date_node.text.strip()}' is not a date and time like 2024-03-30T09:15:00+01:00",
        )
        return None
    start_node = event.first("start")
    day_text = day.attrs.get("date", "")
    try:
        day_date = datetime.strptime(day_text, "%Y-%m-%d").date()
        clock = time.fromisoformat(start_node.text.strip()) if start_node is not None else None
    except ValueError:
        clock = None
        day_date = None
    if clock is None or day_date is None:
        where = start_node or event
        draft.problem(where.line, where.column, "<event> has neither a <date> nor a <start> time on a <day date=...>")
        return None
    if zone is None:
        # One line says it for the whole file: every event after the first has the same problem.
        if not any(problem.message == NO_ZONE for problem in draft.problems):
            draft.problem(event.line, event.column, NO_ZONE)
        return None
    moment = datetime.combine(day_date, clock, zone)
    day_start = parse_instant(day.attrs.get("start", ""))
    if day_start is not None and moment < day_start:
        # A day that runs past midnight lists its small hours under the same <day>.
        moment = datetime.combine(day_date + timedelta(days=1), clock, zone)
    return moment


def _naive(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is None else None


def _tracks(draft: DraftEvent, session: DraftSession, event: Node, own: list[tuple[str, str]]) -> None:
    if own:
        for ident, track_name in own:
            session.tracks.append(draft.track(f"id:{ident}", track_name, id_hint=ident))
        return
    track_name = one_line(event.value("track"))
    if track_name and not (session.plenary and track_name.lower() == "plenary"):
        existing = next((t.key for t in draft.tracks if t.name == track_name), "")
        session.tracks.append(existing or draft.track(track_name, track_name))


def _speakers(draft: DraftEvent, session: DraftSession, event: Node, own: list[tuple[str, str]]) -> None:
    persons = _children(event, "persons", "person")
    for index, person in enumerate(persons):
        person_name = one_line(person.text)
        if not person_name:
            continue
        if index < len(own) and own[index][1] == person_name:
            ident = own[index][0]
            session.speakers.append(draft.speaker(f"id:{ident}", person_name, id_hint=ident))
            continue
        upstream = person.attrs.get("guid", "") or person.attrs.get("code", "") or person.attrs.get("id", "")
        key = f"person:{upstream}" if upstream else f"name:{person_name}"
        session.speakers.append(draft.speaker(key, person_name, source_id=upstream))


def _losses(draft: DraftEvent, event: Node, other_links: int, opt_out: bool) -> None:
    if event.value("language"):
        draft.lose("a language")
    if event.value("subtitle"):
        draft.lose("a subtitle")
    kind = event.value("type").lower()
    if kind and kind not in {"talk", "plenary", "lecture"}:
        draft.lose("a type other than talk")
    if other_links:
        draft.lose("links besides its page (event.yaml keeps one url per session)")
    if _children(event, "attachments", "attachment"):
        draft.lose("attachments")
    if opt_out:
        draft.lose("a recording opt-out")
