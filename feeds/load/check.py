"""Check composed nodes against the schema, field by field, and build the model from what holds.

Every problem is collected; `check_document` raises one EventFileError with all of them. The
kinds of value each have one reader here; which field has which kind, and which fields a
mapping has, comes from schema.py.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..model import CONFIRMED, OVERLAP_ERROR, Event, EventInfo, Problem, Session, Speaker, Track
from ..text import MAX_ID_LENGTH, SLUG, slugify, suggest
from . import rules
from .messages import quote
from .nodes import YAML_TAGS, describe, is_null, labelled
from .problems import EventFileError
from .schema import (
    COLOR,
    DAY,
    DOMAIN,
    DURATION,
    EVENT,
    LOCAL_TIME,
    MAX_DURATION,
    MAX_SOURCE_ID_LENGTH,
    SECTIONS,
    SESSION,
    SPEAKER,
    TOP_KEYS,
    TRACK,
    URL,
    YEARS,
    Field,
    Kind,
    Section,
)

T = TypeVar("T")
OUTER_SPACE = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")
# Unicode's control characters (category Cc) but for line breaks and tabs.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TRUE = {"true", "True", "TRUE"}
FALSE = {"false", "False", "FALSE"}
YAML_WORDS = {"yes", "no", "on", "off", "y", "n"}
# Zones that name no place: the server's own setting, and tzdata's placeholder.
NOT_PLACES = {"localtime", "Factory"}


def clean_text(value: str) -> str:
    """Return text with line ends normalized, control characters removed and outer space trimmed."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isprintable():  # also for line breaks and tabs, which stay
        value = CONTROLS.sub("", value)
    value = value.strip()
    # A byte-order mark at either end is trimmed like space: icalendar drops one that starts a value.
    return OUTER_SPACE.sub("", value) if "\ufeff" in (value[:1], value[-1:]) else value


def resolve_local(naive: datetime, zone: ZoneInfo) -> tuple[datetime | None, str]:
    """Return the aware time for a wall-clock time, or why it is not one instant."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            return (
                None,
                "does not exist in {zone} (clocks skip it at the daylight-saving change); pick a time outside the skipped hour",
            )
        return (
            None,
            "exists twice in {zone} (clocks repeat it at the daylight-saving change); pick a time outside the repeated hour",
        )
    return first, ""


# What organizers write for a time instead of 'YYYY-MM-DD HH:MM': ISO 8601, seconds, offsets, one-digit hours.
LOOSE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2})[:.](\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE
)
CLOCK_ONLY = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?|(\d{1,2})[:.](\d{2})", re.IGNORECASE)


def time_hint(raw: str, day: date | None, zone: ZoneInfo | None) -> str:
    """Return how to write a time that is not 'YYYY-MM-DD HH:MM' but clearly means one, or ''."""
    text = raw.strip()
    loose = LOOSE_TIME.fullmatch(text)
    if loose:
        year, month, mday, hour, minute = (int(g) for g in loose.groups()[:5])
        try:
            written = datetime(year, month, mday) + timedelta(hours=hour, minutes=minute)
        except ValueError:
            return ""
        offset = loose.group(6)
        if offset is None:
            verb = "did you mean" if hour == 24 else "write"
            return f"; {verb} '{written:%Y-%m-%d %H:%M}'" + ("?" if hour == 24 else "")
        if zone is None:
            return ""
        sign, digits = (
            (1, "0000") if offset.upper() == "Z" else (1 if offset[0] == "+" else -1, offset[1:].replace(":", ""))
        )
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)) * sign
        local = (written - shift).replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        return f"; write the local time without an offset: '{local:%Y-%m-%d %H:%M}'"
    if DAY.fullmatch(text):
        return f"; add the time of day, like '{text} 09:00'"
    clock = CLOCK_ONLY.fullmatch(text)
    if clock is None or day is None:
        return ""
    if clock.group(4) is not None:
        hour, minute = int(clock.group(4)), int(clock.group(5))
    else:
        hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
        if not 1 <= hour <= 12:
            return ""
        hour = hour % 12 + (12 if clock.group(3).lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return ""
    return f"; did you mean '{day.isoformat()} {hour:02d}:{minute:02d}'?"


@functools.cache
def zone_names() -> frozenset[str]:
    """Return the IANA zone names that name a place."""
    return frozenset(available_timezones() - NOT_PLACES)


class Checker:
    """Walk the composed nodes against the schema, collecting problems and warnings."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.zone: ZoneInfo | None = None
        self.zone_name = ""
        self.days: tuple[date, date] | None = None
        self.known: dict[str, dict[str, str]] = {}
        self.day_of_times: date | None = None  # the day of the session's start, to suggest an end on
        readers: dict[Kind, Callable[[Node, str, Field], Any]] = {
            Kind.TEXT: self.text,
            Kind.ID: self.slug,
            Kind.IDS: self.slugs,
            Kind.URL: self.url,
            Kind.DAY: self.day,
            Kind.TIME: self.local_time,
            Kind.DURATION: self.duration,
            Kind.FLAG: self.boolean,
            Kind.COLOR: self.color,
            Kind.ZONE: self.timezone,
            Kind.DOMAIN: self.uid_domain,
            Kind.CHOICE: self.choice,
            Kind.SOURCE_ID: self.source_id,
        }
        self.readers = readers
        # For each section, its fields in order, each with its reader, its empty value and its path suffix.
        self.plans = {
            section.key: [(field, readers[field.kind], EMPTY[field.kind], f".{field.name}") for field in section.fields]
            for section in SECTIONS
        }
        self.names = {section.key: (section.required, section.optional) for section in SECTIONS}

    # -- reporting -------------------------------------------------------
    def add(self, node: Node, path: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.filename, mark.line + 1, mark.column + 1, path, message))

    def warn(self, node: Node, path: str, message: str) -> None:
        mark = node.start_mark
        self.warnings.append(Problem(self.filename, mark.line + 1, mark.column + 1, path, message))

    # -- shapes ------------------------------------------------------------
    def mapping(
        self,
        node: Node,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> dict[str, Node] | None:
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

    def sequence(self, node: Node, path: str, what: str) -> list[Node]:
        if is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            if self.tag_ok(node, path):
                self.add(node, path, f"expected a list of {what}, got {describe(node)}")
            return []
        return list(node.value) if self.tag_ok(node, path) else []

    def tag_ok(self, node: Node, path: str) -> bool:
        if node.tag in YAML_TAGS:
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.add(node, path, f"YAML tags such as {quote(tag)} are not allowed; remove the tag")
        return False

    def scalar(self, node: Node, path: str, expected: str) -> str | None:
        if not self.tag_ok(node, path):
            return None
        if not isinstance(node, ScalarNode) or is_null(node):
            self.add(node, path, f"expected {expected}, got {describe(node)}")
            return None
        return str(node.value)

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

    # -- typed values --------------------------------------------------------
    def text(self, node: Node, path: str, field: Field) -> str:
        if is_null(node) and not field.required:
            return ""
        raw = self.scalar(node, path, "text")
        if raw is None:
            return ""
        value = clean_text(raw)
        if field.required and not value:
            self.add(node, path, "must not be empty")
        if field.max_bytes and len(value.encode()) > field.max_bytes:
            size = len(value.encode())
            self.add(
                node, path, f"is {size} bytes of UTF-8; at most {field.max_bytes} fit in a calendar title, shorten it"
            )
        return value

    def slug(self, node: Node, path: str, field: Field) -> str:
        if field.list_message and isinstance(node, SequenceNode):
            self.add(node, path, field.list_message)
            return ""
        return self.one_slug(node, path, field.what)

    def one_slug(self, node: Node, path: str, what: str = "an id") -> str:
        raw = self.scalar(node, path, f"{what} like 'ai-platform'")
        if raw is None:
            return ""
        if len(raw) > MAX_ID_LENGTH:
            self.add(node, path, f"expected {what} of at most {MAX_ID_LENGTH} characters, got {len(raw)}; shorten it")
            return ""
        if not SLUG.fullmatch(raw):
            fixed = slugify(raw)
            hint = f"; did you mean '{fixed}'?" if fixed else ""
            self.add(
                node,
                path,
                f"expected {what} of lowercase letters, digits and single hyphens (like 'ai-platform'), got {quote(raw)}{hint}",
            )
            return ""
        return raw

    def slugs(self, node: Node, path: str, field: Field) -> tuple[str, ...]:
        what = field.what
        if field.null_message and is_null(node):
            self.add(node, path, field.null_message)
            return ()
        if isinstance(node, ScalarNode) and not is_null(node) and node.tag in YAML_TAGS:
            self.add(node, path, f"expected a list of {what}, got {describe(node)}; write [{node.value}]")
            return ()
        items = self.sequence(node, path, what)
        return tuple(s for i, item in enumerate(items) if (s := self.one_slug(item, f"{path}[{i}]")))

    def boolean(self, node: Node, path: str, field: Field) -> bool | None:
        """Return the flag, or None when it is not true or false."""
        raw = self.scalar(node, path, "true or false")
        if raw is None:
            return None
        if raw in FALSE:
            return False
        if raw in TRUE:
            return True
        hint = " (yes, no, on and off are text here, not true or false)" if raw.lower() in YAML_WORDS else ""
        self.add(node, path, f"expected true or false, got {quote(raw)}{hint}")
        return None

    def url(self, node: Node, path: str, field: Field) -> str:
        if is_null(node) and not field.required:
            return ""
        raw = self.scalar(node, path, "a URL starting with https://")
        if raw is None:
            return ""
        value = raw.strip()
        if not URL.fullmatch(value) or any(unicodedata.category(ch) == "Cc" for ch in value):
            self.add(node, path, f"expected a URL starting with https:// (or http://), got {describe(node)}")
            return ""
        return value

    def day(self, node: Node, path: str, field: Field) -> date | None:
        raw = self.scalar(node, path, "a date like '2023-07-18'")
        if raw is None:
            return None
        match = DAY.fullmatch(raw.strip())
        try:
            if not match:
                raise ValueError
            found = date(*(int(g) for g in match.groups()))
        except ValueError:
            self.add(node, path, f"expected a date 'YYYY-MM-DD', got {quote(raw)}")
            return None
        if found.year not in YEARS:
            self.add(node, path, f"expected a year from {YEARS[0]} to {YEARS[-1]}, got {quote(raw)}")
            return None
        return found

    def local_time(self, node: Node, path: str, field: Field) -> datetime | None:
        raw = self.scalar(node, path, "a local time 'YYYY-MM-DD HH:MM'")
        if raw is None:
            return None
        match = LOCAL_TIME.fullmatch(raw.strip())
        try:
            if not match:
                raise ValueError
            year, month, day, hour, minute = (int(g) for g in match.groups())
            naive = datetime(year, month, day, hour, minute)
        except ValueError:
            hint = time_hint(raw, self.day_of_times or (self.days[0] if self.days else None), self.zone)
            self.add(node, path, f"expected 'YYYY-MM-DD HH:MM', got {quote(raw)}{hint}")
            return None
        self.day_of_times = naive.date()
        if naive.year not in YEARS:
            self.add(node, path, f"expected a year from {YEARS[0]} to {YEARS[-1]}, got {quote(raw)}")
            return None
        if self.zone is None:
            return None
        aware, why = resolve_local(naive, self.zone)
        if aware is None:
            self.add(node, path, f"{raw.strip()} " + why.format(zone=self.zone_name))
        return aware

    def duration(self, node: Node, path: str, field: Field) -> timedelta | None:
        raw = self.scalar(node, path, "a duration like '20m', '1h' or '1h30m'")
        if raw is None:
            return None
        match = DURATION.fullmatch(raw.strip())
        if not match or not any(match.groups()):
            hint = f"; add a unit, like '{raw.strip()}m'" if raw.strip().isdigit() else ""
            self.add(node, path, f"expected a duration like '20m', '1h' or '1h30m', got {quote(raw)}{hint}")
            return None
        hours, minutes = (int(g or 0) for g in match.groups())
        if hours * 60 + minutes > MAX_DURATION.total_seconds() // 60:
            self.add(node, path, f"{quote(raw)} is longer than {MAX_DURATION.days} days; check it")
            return None
        length = timedelta(hours=hours, minutes=minutes)
        if not length:
            self.add(node, path, "must be longer than zero minutes")
            return None
        return length

    def timezone(self, node: Node, path: str, field: Field) -> str:
        raw = self.scalar(node, path, "a time zone like 'America/Los_Angeles'")
        if raw is None:
            return ""
        try:
            if raw not in zone_names():
                raise ValueError
            zone = ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            hint = suggest(raw.strip(), zone_names()) or "; use an IANA name like 'America/Los_Angeles'"
            self.add(node, path, f"unknown time zone {quote(raw)}{hint}")
            return ""
        self.zone, self.zone_name = zone, raw
        return raw

    def uid_domain(self, node: Node, path: str, field: Field) -> str:
        raw = self.scalar(node, path, "a domain like 'example.org'")
        if raw is None:
            return ""
        if not DOMAIN.fullmatch(raw):
            host = urlsplit(raw.strip()).hostname if "://" in raw else None
            hint = f"; did you mean '{host}'?" if host and DOMAIN.fullmatch(host) else ""
            self.add(node, path, f"expected a domain name like 'example.org', got {quote(raw)}{hint}")
            return ""
        return raw.lower()

    def color(self, node: Node, path: str, field: Field) -> str:
        if is_null(node):
            self.add(
                node, path, 'expected a color like "#2563eb", got nothing; quote it (a bare # starts a YAML comment)'
            )
            return ""
        raw = self.scalar(node, path, 'a color like "#2563eb"')
        if raw is None:
            return ""
        value = raw.strip().lower()
        if not COLOR.fullmatch(value):
            short = re.fullmatch(r"#([0-9a-f])([0-9a-f])([0-9a-f])", value)
            hint = f"; did you mean '#{''.join(c * 2 for c in short.groups())}'?" if short else ""
            self.add(node, path, f"expected '#' and six hex digits, like \"#2563eb\", got {quote(raw)}{hint}")
            return ""
        return value

    def choice(self, node: Node, path: str, field: Field) -> str:
        wanted = " or ".join(f"'{choice}'" for choice in field.choices)
        raw = self.scalar(node, path, wanted)
        if raw is None:
            return ""
        if raw not in field.choices:
            self.add(node, path, f"expected {wanted}, got {quote(raw)}" + suggest(raw.lower(), field.choices))
            return ""
        return raw

    def source_id(self, node: Node, path: str, field: Field) -> str:
        raw = self.scalar(node, path, "the item's id in the schedule tool it was imported from")
        if raw is None:
            return ""
        value = raw.strip()
        if not value or len(value) > MAX_SOURCE_ID_LENGTH:
            self.add(node, path, f"expected a source id of 1 to {MAX_SOURCE_ID_LENGTH} characters, got {len(value)}")
            return ""
        if not value.isprintable():
            self.add(node, path, f"expected a source id of printable characters, got {quote(value)}")
            return ""
        return value

    # -- the document --------------------------------------------------------
    def check(self, root: Node, digest: str) -> Event:
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
        if node is None:
            return []
        built = []
        for index, item in enumerate(self.sequence(node, section.key, section.key)):
            label, value = build(item, f"{section.key}[{index}]")
            if value is not None:
                built.append((item, label, value))
        return built

    def known_ids(self, kind: str, items: list[Track] | list[Speaker]) -> None:
        self.known[kind] = rules.known_names(items)

    def event_info(self, node: Node | None) -> EventInfo | None:
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
        path = labelled(node, path)
        read = self.fields(TRACK, node, path)
        return path, (Track(**read[1]) if read is not None else None)

    def speaker(self, node: Node, path: str) -> tuple[str, Speaker | None]:
        path = labelled(node, path)
        read = self.fields(SPEAKER, node, path)
        return path, (Speaker(**read[1]) if read is not None else None)

    def session(self, node: Node, path: str) -> tuple[str, Session | None]:
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
            tracks = self.refer(node, path, "track", (track,) if track else (), "track")
        elif "tracks" in found and "track" not in found:
            tracks = self.refer(node, path, "tracks", tracks, "track")
        values["speakers"] = self.refer(node, path, "speakers", values["speakers"], "speaker")
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

    def refer(self, node: Node, path: str, field: str, refs: tuple[str, ...], kind: str) -> tuple[str, ...]:
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


# What a field reads as when it is absent (and, for most kinds, when it is wrong).
EMPTY: dict[Kind, Any] = {
    Kind.TEXT: "",
    Kind.ID: "",
    Kind.IDS: (),
    Kind.URL: "",
    Kind.DAY: None,
    Kind.TIME: None,
    Kind.DURATION: None,
    Kind.FLAG: False,
    Kind.COLOR: "",
    Kind.ZONE: "",
    Kind.DOMAIN: "",
    Kind.CHOICE: "",
    Kind.SOURCE_ID: "",
}


def check_document(root: Node, filename: str, digest: str) -> Event:
    """Return the event the root node holds, or raise EventFileError with every problem."""
    return Checker(filename).check(root, digest)


__all__ = ["EMPTY", "Checker", "check_document", "clean_text", "resolve_local", "time_hint", "zone_names"]
