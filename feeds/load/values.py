"""Read the scalar value of each Kind of field, reporting at the node what is wrong with it.

`ValueReader` has one reader per Kind (which field has which kind comes from schema.py) and
the reporting every check shares; the structure walk in check.py builds on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..model import Problem
from ..text import MAX_ID_LENGTH, SLUG, slugify, suggest
from .messages import quote
from .nodes import YAML_TAGS, describe, is_null
from .schema import (
    COLOR,
    DAY,
    DOMAIN,
    DURATION,
    LOCAL_TIME,
    MAX_DURATION,
    MAX_SOURCE_ID_LENGTH,
    URL,
    YEARS,
    Field,
    Kind,
)
from .times import resolve_local, time_hint, zone_names

OUTER_SPACE = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")
# Unicode's control characters (category Cc) but for line breaks and tabs.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TRUE = {"true", "True", "TRUE"}
FALSE = {"false", "False", "FALSE"}
YAML_WORDS = {"yes", "no", "on", "off", "y", "n"}


def clean_text(value: str) -> str:
    """Return text with line ends normalized, control characters removed and outer space trimmed."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isprintable():  # also for line breaks and tabs, which stay
        value = CONTROLS.sub("", value)
    value = value.strip()
    # A byte-order mark at either end is trimmed like space: icalendar drops one that starts a value.
    return OUTER_SPACE.sub("", value) if "\ufeff" in (value[:1], value[-1:]) else value


class ValueReader:
    """Read scalar values by their kind, collecting problems and warnings at their nodes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.zone: ZoneInfo | None = None
        self.zone_name = ""
        self.days: tuple[date, date] | None = None
        self.day_of_times: date | None = None  # the day of the session's start, to suggest an end on
        self.readers: dict[Kind, Callable[[Node, str, Field], Any]] = {
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

    # -- reporting -------------------------------------------------------
    def add(self, node: Node, path: str, message: str) -> None:
        """Record a problem at node."""
        mark = node.start_mark
        self.problems.append(Problem(self.filename, mark.line + 1, mark.column + 1, path, message))

    def warn(self, node: Node, path: str, message: str) -> None:
        """Record a warning at node."""
        mark = node.start_mark
        self.warnings.append(Problem(self.filename, mark.line + 1, mark.column + 1, path, message))

    # -- shapes ------------------------------------------------------------
    def sequence(self, node: Node, path: str, what: str) -> list[Node]:
        """Return the items of a list, or none when node is not one."""
        if is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            if self.tag_ok(node, path):
                self.add(node, path, f"expected a list of {what}, got {describe(node)}")
            return []
        return list(node.value) if self.tag_ok(node, path) else []

    def tag_ok(self, node: Node, path: str) -> bool:
        """Return whether node carries no YAML tag of its own; report one that does."""
        if node.tag in YAML_TAGS:
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.add(node, path, f"YAML tags such as {quote(tag)} are not allowed; remove the tag")
        return False

    def scalar(self, node: Node, path: str, expected: str) -> str | None:
        """Return the text of a scalar, or None when node is not one."""
        if not self.tag_ok(node, path):
            return None
        if not isinstance(node, ScalarNode) or is_null(node):
            self.add(node, path, f"expected {expected}, got {describe(node)}")
            return None
        return str(node.value)

    # -- typed values --------------------------------------------------------
    def text(self, node: Node, path: str, field: Field) -> str:
        """Return the cleaned text of a text field."""
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
        """Return one id, or "" when it is not one."""
        if field.list_message and isinstance(node, SequenceNode):
            self.add(node, path, field.list_message)
            return ""
        return self.one_slug(node, path, field.what)

    def one_slug(self, node: Node, path: str, what: str = "an id") -> str:
        """Return the id node holds, or "" when it is not one."""
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
        """Return the ids of a list of ids, leaving out those that are not ids."""
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
        """Return the URL, or "" when it is not one."""
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
        """Return the date, or None when it is not one in the years allowed."""
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
        """Return the aware time in the event's zone, or None when there is none to give."""
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
        """Return the length, or None when it is not one above zero."""
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
        """Return the zone name and remember the zone, or "" when it names none."""
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
        """Return the domain in lower case, or "" when it is not one."""
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
        """Return the color in lower case, or "" when it is not one."""
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
        """Return the choice, or "" when it is not one of those allowed."""
        wanted = " or ".join(f"'{choice}'" for choice in field.choices)
        raw = self.scalar(node, path, wanted)
        if raw is None:
            return ""
        if raw not in field.choices:
            self.add(node, path, f"expected {wanted}, got {quote(raw)}" + suggest(raw.lower(), field.choices))
            return ""
        return raw

    def source_id(self, node: Node, path: str, field: Field) -> str:
        """Return the id in the source schedule tool, or "" when it is not one."""
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
