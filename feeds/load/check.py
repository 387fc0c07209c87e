"""Walk the composed nodes against the schema, section by section, and build the model from what holds.

Every problem is collected; `check_document` raises one EventFileError with all of them. Which
fields a mapping has comes from schema.py, the value of each field is read by values.py, and
the checks across items are in rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node, ScalarNode

from ..model import CONFIRMED, OVERLAP_ERROR, Event, EventInfo, Problem, Session, Speaker, Track
from ..text import suggest
from . import rules
from .messages import quote
from .nodes import describe, labelled
from .problems import EventFileError
from .schema import EVENT, SECTIONS, SESSION, SPEAKER, TOP_KEYS, TRACK, Section
from .values import EMPTY, ValueReader

T = TypeVar("T")
# For each field of a session that names other items, the kind of item it names.
REFERS = {field.name: field.refers for field in SESSION.fields if field.refers}


class Checker(ValueReader):
    """Walk the composed nodes against the schema, collecting problems and warnings."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.known: dict[str, dict[str, str]] = {}
        # For each section, its fields in order, each with its reader, its empty value and its path suffix.
        self.plans = {
            section.key: [
                (field, self.readers[field.kind], EMPTY[field.kind], f".{field.name}") for field in section.fields
            ]
            for section in SECTIONS
        }
        self.names = {section.key: (section.required, section.optional) for section in SECTIONS}

    # -- shapes ------------------------------------------------------------
    def mapping(
        self,
        node: Node,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> dict[str, Node] | None:
        """Return a mapping's allowed fields by name, reporting the others; None if node is no mapping."""
        if not isinstance(node, MappingNode) or not self.tag_ok(node, path):
            if isinstance(node, MappingNode):
                return None
            self.add(node, path, f"expected a mapping with {', '.join(required)}, got {describe(node)}")
            return None
        fields: dict[str, Node] = {}
        keys: dict[str, Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, path, f"expected a field name, got {describe(key_node)}")
                continue
            if not self.tag_ok(key_node, path):
                continue
            key = str(key_node.value)
            if key in keys:
                first = keys[key].start_mark
                self.add(key_node, path, f"duplicate field {quote(key)} (first at line {first.line + 1}); keep one")
                continue
            keys[key] = key_node
            if key not in allowed:
                self.add(key_node, path, f"unknown field {quote(key)}{suggest(key, allowed)}")
                continue
            fields[key] = value_node
        for key in required:
            if key not in fields and key not in keys:
                self.add(node, path, f"missing field '{key}'")
        return fields

    # -- a section's fields ------------------------------------------------
    def fields(self, section: Section, node: Node, path: str) -> tuple[dict[str, Node], dict[str, Any]] | None:
        """Return the section's field nodes and their values, each read by its kind; None if node is no mapping."""
        required, optional = self.names[section.key]
        found = self.mapping(node, path, required, optional)
        if found is None:
            return None
        skipped: set[str] = set()
        for group in section.exclusive:
            given = [name for name in group if name in found]
            if len(given) > 1:
                quoted = " or ".join(f"'{name}'" for name in group)
                last = given[-1]
                self.add(found[last], f"{path}.{last}", f"give either {quoted}, not both")
                skipped.update(group)
        values: dict[str, Any] = {}
        for field, reader, empty, suffix in self.plans[section.key]:
            name = field.name
            if name in skipped:
                continue
            value_node = found.get(name)
            values[name] = empty if value_node is None else reader(value_node, path + suffix, field)
        return found, values

    # -- the document --------------------------------------------------------
    def check(self, root: Node, digest: str) -> Event:
        """Return the event the root node holds, or raise EventFileError with every problem."""
        top = self.mapping(root, "", TOP_KEYS, ())
        if top is None:
            raise EventFileError(self.problems)
        info = self.event_info(top.get("event"))
        tracks = self.each(top.get("tracks"), TRACK, self.track)
        speakers = self.each(top.get("speakers"), SPEAKER, self.speaker)
        self.known_ids("track", [t for _, _, t in tracks])
        self.known_ids("speaker", [s for _, _, s in speakers])
        sessions = self.each(top.get("sessions"), SESSION, self.session)
        for kind in ("track", "speaker", "session"):
            rules.unique_ids(self, kind, top.get(f"{kind}s"), f"{kind}s")
        rules.unique_source_ids(self, "track", tracks)
        rules.unique_source_ids(self, "speaker", speakers)
        rules.unique_source_ids(self, "session", sessions)
        for node, path, session in sessions:
            rules.within_days(self, self.days, node, path, session)
        policy = info.speaker_overlaps if info is not None else OVERLAP_ERROR
        rules.overlaps(self, policy, self.known.get("speaker", {}), sessions)
        rules.unbooked(self, speakers, [s for _, _, s in sessions])
        if self.problems or info is None:
            raise EventFileError(self.problems or [Problem(self.filename, 1, 1, "event", "missing")])
        return Event(
            info=info,
            tracks=tuple(t for _, _, t in tracks),
            speakers=tuple(s for _, _, s in speakers),
            sessions=tuple(s for _, _, s in sessions),
            source_sha256=digest,
            source_name=self.filename,
            positions={
                f"{kind}:{item.id}": (node.start_mark.line + 1, node.start_mark.column + 1)
                for kind, items in (("track", tracks), ("speaker", speakers), ("session", sessions))
                for node, _, item in items
            },
            warnings=tuple(sorted(self.warnings, key=lambda p: (p.line, p.column))),
        )

    def each(
        self, node: Node | None, section: Section, build: Callable[[Node, str], tuple[str, T | None]]
    ) -> list[tuple[Node, str, T]]:
        """Return each item of a list section that could be built, with its node and its path."""
        if node is None:
            return []
        built = []
        for index, item in enumerate(self.sequence(node, section.key, section.key)):
            label, value = build(item, f"{section.key}[{index}]")
            if value is not None:
                built.append((item, label, value))
        return built

    def known_ids(self, kind: str, items: list[Track] | list[Speaker]) -> None:
        """Remember the ids and aliases of one kind, for sessions to refer to."""
        self.known[kind] = rules.known_names(items)

    def event_info(self, node: Node | None) -> EventInfo | None:
        """Return the event section, or None when it cannot be read."""
        if node is None:
            return None
        path = "event"
        read = self.fields(EVENT, node, path)
        if read is None:
            return None
        found, values = read
        first, last = values.pop("first_day"), values.pop("last_day")
        if first and last and last < first:
            self.add(found["last_day"], f"{path}.last_day", f"must not be before first_day ({first.isoformat()})")
        elif first and last:
            self.days = (first, last)
        values["speaker_overlaps"] = values["speaker_overlaps"] or OVERLAP_ERROR
        return EventInfo(first_day=first or date.min, last_day=last or date.min, **values)

    def track(self, node: Node, path: str) -> tuple[str, Track | None]:
        """Return the path of a track with its id and the track, or None when it cannot be built."""
        path = labelled(node, path)
        read = self.fields(TRACK, node, path)
        return path, (Track(**read[1]) if read is not None else None)

    def speaker(self, node: Node, path: str) -> tuple[str, Speaker | None]:
        """Return the path of a speaker with its id and the speaker, or None when it cannot be built."""
        path = labelled(node, path)
        read = self.fields(SPEAKER, node, path)
        return path, (Speaker(**read[1]) if read is not None else None)

    def session(self, node: Node, path: str) -> tuple[str, Session | None]:
        """Return the path of a session with its id and the session, or None when it cannot be built."""
        path = labelled(node, path)
        self.day_of_times = None
        read = self.fields(SESSION, node, path)
        if read is None:
            return path, None
        found, values = read
        start = values["start"]
        end = self.session_end(node, path, found, start, values.pop("end", None), values.pop("duration", None))
        track, tracks = values.pop("track", ""), values.pop("tracks", ())
        if "track" in found and "tracks" not in found:
            tracks = self.refer(node, path, "track", (track,) if track else ())
        elif "tracks" in found and "track" not in found:
            tracks = self.refer(node, path, "tracks", tracks)
        values["speakers"] = self.refer(node, path, "speakers", values["speakers"])
        plenary = values["plenary"]
        if plenary is False and not {"track", "tracks"} & found.keys():
            self.add(
                node,
                path,
                "missing 'track', 'tracks' or 'plenary: true'; every session belongs to a track or to all of them",
            )
        if start is None or end is None:
            return path, None
        values.update(start=start, end=end, tracks=tracks, plenary=bool(plenary), status=values["status"] or CONFIRMED)
        return path, Session(**values)

    def refer(self, node: Node, path: str, field: str, refs: tuple[str, ...]) -> tuple[str, ...]:
        """Return the ids refs name, reporting those that name no known item of the kind the field refers to."""
        kind = REFERS[field]
        return rules.resolve(self, self.known.get(kind, {}), node, path, field, refs, kind)

    def session_end(
        self,
        node: Node,
        path: str,
        found: dict[str, Node],
        start: datetime | None,
        end: datetime | None,
        length: timedelta | None,
    ) -> datetime | None:
        """Return when the session ends, from its end or its duration."""
        if "end" in found and "duration" in found:
            return None
        if "end" in found:
            if start is not None and end is not None and end <= start:
                self.add(found["end"], f"{path}.end", f"must be after start ({start:%Y-%m-%d %H:%M})")
                return None
            return end
        if "duration" in found:
            if start is None or length is None:
                return None
            utc = ZoneInfo("UTC")
            return (start.astimezone(utc) + length).astimezone(start.tzinfo)
        self.add(node, path, "missing 'end' or 'duration' (for example duration: 20m)")
        return None


def check_document(root: Node, filename: str, digest: str) -> Event:
    """Return the event the root node holds, or raise EventFileError with every problem."""
    return Checker(filename).check(root, digest)
