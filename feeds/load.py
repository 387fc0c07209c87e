"""Read event.yaml into the model, reporting every problem with file:line:column.

This is the only module that imports yaml. Scalars are read as text and typed
here, so `10:30` stays a time and `no` stays a word; duplicate keys and custom
tags are errors. Validation collects every problem, then raises one
`EventFileError`. `IncrementalParser` gives the same results for successive
versions of one file, composing again only the parts of it that changed.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import (
    CONFIRMED,
    OVERLAP_ERROR,
    OVERLAP_POLICIES,
    OVERLAP_WARNING,
    STATUSES,
    Event,
    EventInfo,
    Problem,
    Session,
    Speaker,
    Track,
)

DEFAULT_MAX_BYTES = 5_000_000  # 5 MB
MAX_REPORTED = 200
MAX_ID_LENGTH = 64
MAX_SOURCE_ID_LENGTH = 200
# "Cancelled: " (11 octets) + title must stay under the 255-octet SUMMARY limit.
MAX_TITLE_BYTES = 243
CANCELLED_PREFIX = "Cancelled: "
# Values that YAML aliases (*name) may repeat in all; a "billion laughs" file stops here.
MAX_REPEATED_NODES = 10_000
# Years and lengths that keep every time convertible to UTC and into a calendar.
YEARS = range(1900, 3000)
MAX_DURATION = timedelta(days=366)

OUTER_SPACE = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LOCAL_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DURATION = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DOMAIN = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
NULLS = {"", "~", "null", "Null", "NULL"}
TRUE = {"true", "True", "TRUE"}
FALSE = {"false", "False", "FALSE"}
YAML_WORDS = {"yes", "no", "on", "off", "y", "n"}
YAML_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
# Characters a message shows escaped: controls, invisible formatting, line separators, unassigned.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
# Line breaks for YAML that editors show on one line (often pasted from web pages): read as spaces,
# so that line numbers match what the organizer sees.
SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})
# Zones that name no place: the server's own setting, and tzdata's placeholder.
NOT_PLACES = {"localtime", "Factory"}

T = TypeVar("T")


class EventFileError(Exception):
    """event.yaml cannot be published; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__(self.report())

    def report(self) -> str:
        """Return the problems as lines for an organizer, with a count."""
        shown = [str(p) for p in self.problems[:MAX_REPORTED]]
        if len(self.problems) > MAX_REPORTED:
            shown.append(f"... and {len(self.problems) - MAX_REPORTED} more problems")
        count = len(self.problems)
        shown.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was published from this file.")
        return "\n".join(shown)


def clean_text(value: str) -> str:
    """Return text with line ends normalized, control characters removed and outer space trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = (ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    # A byte-order mark at either end is trimmed like space: icalendar drops one that starts a value.
    return OUTER_SPACE.sub("", "".join(kept))


def suggest(wrong: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or ''."""
    close = difflib.get_close_matches(wrong, list(choices), n=1, cutoff=0.65)
    return f"; did you mean '{close[0]}'?" if close else ""


def slugify(value: str) -> str:
    """Return a lowercase id built from any text."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:MAX_ID_LENGTH].strip("-")


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


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the raw bytes of the event file, refusing a missing or oversized one."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise _file_error(
                    name,
                    f"the file is {size:,} bytes; the limit is {max_bytes:,}; make it smaller or raise FEEDS_MAX_EVENT_BYTES",
                )
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _file_error(name, "the file does not exist; create it or set FEEDS_EVENT_FILE") from None
    except IsADirectoryError:
        raise _file_error(name, "is a folder, not a file; point FEEDS_EVENT_FILE at event.yaml") from None
    except PermissionError:
        raise _file_error(name, "cannot be read (permission denied)") from None
    except OSError as err:
        raise _file_error(name, f"cannot be read ({err.strerror or err})") from None
    if len(data) > max_bytes:
        raise _file_error(name, f"the file is over {max_bytes:,} bytes; make it smaller or raise FEEDS_MAX_EVENT_BYTES")
    return data


def load_event(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Event:
    """Read, check and return the event in the file at path."""
    path = Path(path)
    return parse_event(read_source(path, max_bytes), str(path))


def parse_event(data: bytes, filename: str = "event.yaml") -> Event:
    """Check and return the event in data, the bytes of an event file."""
    digest = hashlib.sha256(data).hexdigest()
    root = _compose(_decode(data, filename), filename)
    return _Checker(filename).check(root, digest)


def _file_error(name: str, message: str, line: int = 1, column: int = 1) -> EventFileError:
    return EventFileError([Problem(name, line, column, "", message)])


def _position(text: str, index: int) -> tuple[int, int]:
    """Return the 1-based line and column of text[index]."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column (in characters) of a byte offset in UTF-8 data, such as a bad byte's."""
    before = data[:offset]
    return before.count(b"\n") + 1, len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1


def _decode(data: bytes, filename: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8").translate(SEPARATORS)
    except UnicodeDecodeError as err:
        line, column = byte_position(data, err.start)
        raise _file_error(
            filename,
            f"the file is not UTF-8 text (byte 0x{data[err.start]:02x}); save it as UTF-8",
            line,
            column,
        ) from None


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.resolver.BaseResolver,
):
    """Compose YAML into nodes without typing any scalar, counting what aliases repeat."""

    def __init__(self, stream: str, filename: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)
        self.filename = filename
        self.composed = 0  # nodes so far, an alias counting as every node it repeats
        self.repeated = 0  # nodes repeated through aliases
        self.sizes: dict[str, int] = {}
        self.open: set[str] = set()  # anchors whose value is still being composed

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) and anchor is not None:
            mark = event.start_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            if anchor in self.open:
                raise _file_error(
                    self.filename,
                    f"the YAML alias '*{anchor}' is inside the value it repeats ('&{anchor}'), so it never ends; remove it",
                    line,
                    column,
                )
            size = self.sizes.get(anchor, 1)
            self.composed += size
            self.repeated += size
            if self.repeated > MAX_REPEATED_NODES:
                raise _file_error(
                    self.filename,
                    f"with this one, YAML aliases (*name) repeat more than {MAX_REPEATED_NODES:,} values; "
                    "write the values out or nest fewer aliases",
                    line,
                    column,
                )
            return super().compose_node(parent, index)
        before = self.composed
        self.composed += 1
        if anchor is not None:
            self.open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self.open.discard(anchor)
            self.sizes[anchor] = self.composed - before
        return node


def _compose(text: str, filename: str) -> Node:
    try:
        loader = _Loader(text, filename)
    except yaml.reader.ReaderError as err:
        raise _reader_error(err, text, filename) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(err, text, filename) from None
    except RecursionError:
        raise _file_error(filename, "lists and mappings are nested too deeply to read; flatten the file") from None
    finally:
        loader.dispose()
    if node is None:
        raise _file_error(
            filename,
            "the file is empty (or only comments); it needs event, tracks, speakers and sessions (see docs/event-format.md)",
        )
    return node


def _reader_error(err: yaml.reader.ReaderError, text: str, filename: str) -> EventFileError:
    code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "\0")
    line, column = _position(text, err.position)
    return _file_error(
        filename,
        f"character U+{code:04X} is not allowed in YAML (an invisible control character, often pasted in); delete it",
        line,
        column,
    )


def _yaml_error(err: yaml.MarkedYAMLError, text: str, filename: str) -> EventFileError:
    """Return the YAML syntax error as a problem an organizer can fix, at the place to fix."""
    problem, context = err.problem or "", err.context or ""
    mark, start = err.problem_mark or err.context_mark, err.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = text.splitlines()
    line_text = lines[line] if line < len(lines) else ""
    indent = len(line_text) - len(line_text.lstrip())
    message = f"YAML syntax error: {problem}" + (f" {context}" if context else "")
    if "'\\t'" in problem or "tab character" in problem:
        message = "a tab character here; YAML indents with spaces only, replace tabs with spaces"
    elif "expected a single document" in context:
        message = "a second YAML document ('---') starts here; keep everything in one document"
    elif "duplicate anchor" in context and start:
        name = context.split("'")[1] if context.count("'") >= 2 else ""
        message = (
            f"YAML syntax error: the anchor '&{name}' is already defined at line {start.line + 1}; rename one of them"
        )
    elif "quoted scalar" in context and "end of stream" in problem and start:
        line, column = start.line, start.column
        message = "YAML syntax error: this quoted text has no closing quote; add one at the end of the text"
    elif "could not find expected ':'" in problem and start:
        line, column = start.line, start.column
        message = "YAML syntax error: expected 'field: value' on this line (a ':' and a space after the field name)"
    elif problem.startswith("expected ',' or") and start:
        line, column = start.line, start.column
        opening, closing = ("[", "]") if "sequence" in context else ("{", "}")
        message = (
            f"YAML syntax error: the '{opening}' here has no matching '{closing}' (or a ',' is missing between items); "
            "quote text that starts with a bracket"
        )
    elif "unknown escape character" in problem:
        column = max(column - 1, 0)
        message = "YAML syntax error: unknown escape after '\\' in double quotes; write '\\\\' for a backslash, or use single quotes"
    elif "found undefined alias" in problem:
        name = problem.split("'")[1] if problem.count("'") >= 2 else ""
        message = f"YAML syntax error: '*{name}' repeats an anchor '&{name}' that is not defined above it; quote text that starts with '*'"
    elif "mapping values are not allowed" in problem:
        if ": " in line_text[:column]:
            message = "YAML syntax error: ': ' inside unquoted text; put the whole value in quotes (for example title: \"Ray: a framework\")"
        else:
            column = indent
            message = (
                "YAML syntax error: a field cannot start here; check the indentation of this line and the line above "
                "(a field with fields under it has nothing after its ':')"
            )
    elif problem.startswith("expected <block end>"):
        if line_text.lstrip()[:1] == "-" and line_text.lstrip()[1:2] not in ("", " "):
            column = indent
            message = "YAML syntax error: write a space after '-' to start a list item"
        elif problem.endswith("'<scalar>'"):
            message = "YAML syntax error: text after a quoted or bracketed value; put the whole value in quotes (write '' for a ' inside single quotes)"
        elif problem.endswith(("start>'", "'?'", "'-'")):
            message = "YAML syntax error: this line is not indented like the lines above it; indent the fields of one item by the same number of spaces"
        else:
            message = f"YAML syntax error: unexpected {problem.rpartition('found ')[2]} here; remove it or put the value in quotes"
    elif problem.startswith("expected '<document start>'"):
        message = "YAML syntax error: more content after the end of the document; the file is one mapping of event, tracks, speakers and sessions"
    elif any(
        part in problem
        for part in (
            "cannot start any token",
            "are not allowed here",
            "expected the node content",
            "expected a comment or a line break",
            "expected alphabetic or numeric character",
        )
    ):
        if start and start.line == line:
            column = start.column
        message = f"YAML syntax error: a value cannot start with '{line_text[column : column + 1]}' unless it is quoted; put the value in quotes"
    return _file_error(filename, message, line + 1, column + 1)


def _quote(value: str, limit: int = 60) -> str:
    """Return value quoted for a message: on one line, invisible characters escaped, long text cut."""
    shown = value if len(value) <= limit else value[: limit - 3] + "..."
    visible = (ch.encode("unicode_escape").decode() if unicodedata.category(ch) in INVISIBLE else ch for ch in shown)
    return "'" + "".join(visible) + "'"


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "nothing" if _is_null(node) else _quote(str(node.value))


def _is_null(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and getattr(node, "style", None) is None
        and node.tag == "tag:yaml.org,2002:str"
        and node.value in NULLS
    )


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - NOT_PLACES)


class _Checker:
    """Walk the composed nodes against the schema, collecting problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.overlap_policy = OVERLAP_ERROR
        self.zone: ZoneInfo | None = None
        self.zone_name = ""
        self.days: tuple[date, date] | None = None
        self.known: dict[str, dict[str, str]] = {}

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
            self.add(
                node,
                path,
                f"expected a mapping with {', '.join(required)}, got {_describe(node)}",
            )
            return None
        fields: dict[str, Node] = {}
        keys: dict[str, Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, path, f"expected a field name, got {_describe(key_node)}")
                continue
            if not self.tag_ok(key_node, path):
                continue
            key = str(key_node.value)
            if key in keys:
                first = keys[key].start_mark
                self.add(
                    key_node,
                    path,
                    f"duplicate field {_quote(key)} (first at line {first.line + 1}); keep one",
                )
                continue
            keys[key] = key_node
            if key not in allowed:
                self.add(key_node, path, f"unknown field {_quote(key)}{suggest(key, allowed)}")
                continue
            fields[key] = value_node
        for key in required:
            if key not in fields and key not in keys:
                self.add(node, path, f"missing field '{key}'")
        return fields

    def sequence(self, node: Node, path: str, what: str) -> list[Node]:
        if _is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            if self.tag_ok(node, path):
                self.add(node, path, f"expected a list of {what}, got {_describe(node)}")
            return []
        return list(node.value) if self.tag_ok(node, path) else []

    def tag_ok(self, node: Node, path: str) -> bool:
        if node.tag in YAML_TAGS:
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.add(node, path, f"YAML tags such as {_quote(tag)} are not allowed; remove the tag")
        return False

    def scalar(self, node: Node, path: str, expected: str) -> str | None:
        if not self.tag_ok(node, path):
            return None
        if not isinstance(node, ScalarNode) or _is_null(node):
            self.add(node, path, f"expected {expected}, got {_describe(node)}")
            return None
        return str(node.value)

    # -- typed values --------------------------------------------------------
    def text(
        self,
        node: Node | None,
        path: str,
        *,
        required: bool = False,
        max_bytes: int = 0,
    ) -> str:
        if node is None:
            return ""
        if _is_null(node) and not required:
            return ""
        raw = self.scalar(node, path, "text")
        if raw is None:
            return ""
        value = clean_text(raw)
        if required and not value:
            self.add(node, path, "must not be empty")
        if max_bytes and len(value.encode()) > max_bytes:
            size = len(value.encode())
            self.add(
                node,
                path,
                f"is {size} bytes of UTF-8; at most {max_bytes} fit in a calendar title, shorten it",
            )
        return value

    def slug(self, node: Node, path: str, what: str = "an id") -> str:
        raw = self.scalar(node, path, f"{what} like 'ai-platform'")
        if raw is None:
            return ""
        if len(raw) > MAX_ID_LENGTH:
            self.add(
                node,
                path,
                f"expected {what} of at most {MAX_ID_LENGTH} characters, got {len(raw)}; shorten it",
            )
            return ""
        if not SLUG.fullmatch(raw):
            fixed = slugify(raw)
            hint = f"; did you mean '{fixed}'?" if fixed else ""
            self.add(
                node,
                path,
                f"expected {what} of lowercase letters, digits and single hyphens (like 'ai-platform'), got {_quote(raw)}{hint}",
            )
            return ""
        return raw

    def slugs(self, node: Node | None, path: str, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if isinstance(node, ScalarNode) and not _is_null(node) and node.tag in YAML_TAGS:
            self.add(
                node,
                path,
                f"expected a list of {what}, got {_describe(node)}; write [{node.value}]",
            )
            return ()
        items = self.sequence(node, path, what)
        return tuple(s for i, item in enumerate(items) if (s := self.slug(item, f"{path}[{i}]")))

    def boolean(self, node: Node | None, path: str) -> bool | None:
        """Return the flag (False when absent), or None when it is not true or false."""
        if node is None:
            return False
        raw = self.scalar(node, path, "true or false")
        if raw is None:
            return None
        if raw in FALSE:
            return False
        if raw in TRUE:
            return True
        hint = " (yes, no, on and off are text here, not true or false)" if raw.lower() in YAML_WORDS else ""
        self.add(node, path, f"expected true or false, got {_quote(raw)}{hint}")
        return None

    def url(self, node: Node | None, path: str, *, required: bool = False) -> str:
        if node is None or (_is_null(node) and not required):
            return ""
        raw = self.scalar(node, path, "a URL starting with https://")
        if raw is None:
            return ""
        value = raw.strip()
        match = re.fullmatch(r"https?://([^/?#\s]+)[^\s]*", value)
        if not match or any(unicodedata.category(ch) == "Cc" for ch in value):
            self.add(
                node,
                path,
                f"expected a URL starting with https:// (or http://), got {_describe(node)}",
            )
            return ""
        return value

    def day(self, node: Node | None, path: str) -> date | None:
        if node is None:
            return None
        raw = self.scalar(node, path, "a date like '2023-07-18'")
        if raw is None:
            return None
        match = DAY.fullmatch(raw.strip())
        try:
            if not match:
                raise ValueError
            found = date(*(int(g) for g in match.groups()))
        except ValueError:
            self.add(node, path, f"expected a date 'YYYY-MM-DD', got {_quote(raw)}")
            return None
        if found.year not in YEARS:
            self.add(node, path, f"expected a year from {YEARS[0]} to {YEARS[-1]}, got {_quote(raw)}")
            return None
        return found

    def local_time(self, node: Node | None, path: str) -> datetime | None:
        if node is None:
            return None
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
            self.add(node, path, f"expected 'YYYY-MM-DD HH:MM', got {_quote(raw)}")
            return None
        if naive.year not in YEARS:
            self.add(node, path, f"expected a year from {YEARS[0]} to {YEARS[-1]}, got {_quote(raw)}")
            return None
        if self.zone is None:
            return None
        aware, why = resolve_local(naive, self.zone)
        if aware is None:
            self.add(node, path, f"{raw.strip()} " + why.format(zone=self.zone_name))
        return aware

    def duration(self, node: Node, path: str) -> timedelta | None:
        raw = self.scalar(node, path, "a duration like '20m', '1h' or '1h30m'")
        if raw is None:
            return None
        match = DURATION.fullmatch(raw.strip())
        if not match or not any(match.groups()):
            hint = f"; add a unit, like '{raw.strip()}m'" if raw.strip().isdigit() else ""
            self.add(
                node,
                path,
                f"expected a duration like '20m', '1h' or '1h30m', got {_quote(raw)}{hint}",
            )
            return None
        hours, minutes = (int(g or 0) for g in match.groups())
        if hours * 60 + minutes > MAX_DURATION.total_seconds() // 60:
            self.add(node, path, f"{_quote(raw)} is longer than {MAX_DURATION.days} days; check it")
            return None
        length = timedelta(hours=hours, minutes=minutes)
        if not length:
            self.add(node, path, "must be longer than zero minutes")
            return None
        return length

    def source_id(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        raw = self.scalar(node, path, "the item's id in the schedule tool it was imported from")
        if raw is None:
            return ""
        value = raw.strip()
        if not value or len(value) > MAX_SOURCE_ID_LENGTH:
            self.add(
                node,
                path,
                f"expected a source id of 1 to {MAX_SOURCE_ID_LENGTH} characters, got {len(value)}",
            )
            return ""
        if not value.isprintable():
            self.add(node, path, f"expected a source id of printable characters, got {_quote(value)}")
            return ""
        return value

    def choice(self, node: Node | None, path: str, choices: tuple[str, ...], default: str) -> str:
        if node is None:
            return default
        wanted = " or ".join(f"'{choice}'" for choice in choices)
        raw = self.scalar(node, path, wanted)
        if raw is None:
            return default
        if raw not in choices:
            self.add(node, path, f"expected {wanted}, got {_quote(raw)}" + suggest(raw.lower(), choices))
            return default
        return raw

    # -- the document --------------------------------------------------------
    def check(self, root: Node, digest: str) -> Event:
        top = self.mapping(root, "", ("event", "tracks", "speakers", "sessions"), ())
        if top is None:
            raise EventFileError(self.problems)
        info = self.event_info(top.get("event"))
        tracks = self.each(top.get("tracks"), "tracks", "tracks", self.track)
        speakers = self.each(top.get("speakers"), "speakers", "speakers", self.speaker)
        self.known_ids("track", tracks)
        self.known_ids("speaker", speakers)
        sessions = self.each(top.get("sessions"), "sessions", "sessions", self.session)
        for kind in ("track", "speaker", "session"):
            self.unique_ids(kind, top.get(f"{kind}s"), f"{kind}s")
        self.unique_source_ids("track", tracks)
        self.unique_source_ids("speaker", speakers)
        self.unique_source_ids("session", sessions)
        for node, path, session in sessions:
            self.within_days(node, path, session)
        if info is not None:
            self.overlap_policy = info.speaker_overlaps
        self.overlaps(sessions)
        self.unbooked(speakers, sessions)
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
        self,
        node: Node | None,
        path: str,
        what: str,
        build: Callable[[Node, str], tuple[str, T | None]],
    ) -> list[tuple[Node, str, T]]:
        if node is None:
            return []
        built = []
        for index, item in enumerate(self.sequence(node, path, what)):
            label, value = build(item, f"{path}[{index}]")
            if value is not None:
                built.append((item, label, value))
        return built

    @staticmethod
    def labelled(node: Node, path: str) -> str:
        """Return path with the item's id, when it has a readable one."""
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
                    return path if _is_null(value) else f"{path} (id {_quote(str(value.value))})"
        return path

    def event_info(self, node: Node | None) -> EventInfo | None:
        if node is None:
            return None
        path = "event"
        fields = self.mapping(
            node,
            path,
            (
                "id",
                "name",
                "timezone",
                "uid_domain",
                "url",
                "description",
                "first_day",
                "last_day",
            ),
            ("timezone_label", "location", "join_url", "speaker_overlaps"),
        )
        if fields is None:
            return None
        ident = self.slug(fields["id"], f"{path}.id") if "id" in fields else ""
        zone_name = self.timezone(fields.get("timezone"), f"{path}.timezone")
        domain = self.uid_domain(fields.get("uid_domain"), f"{path}.uid_domain")
        first = self.day(fields.get("first_day"), f"{path}.first_day")
        last = self.day(fields.get("last_day"), f"{path}.last_day")
        if first and last and last < first:
            self.add(
                fields["last_day"],
                f"{path}.last_day",
                f"must not be before first_day ({first.isoformat()})",
            )
        elif first and last:
            self.days = (first, last)
        info = EventInfo(
            id=ident,
            name=self.text(fields.get("name"), f"{path}.name", required=True),
            timezone=zone_name,
            uid_domain=domain,
            url=self.url(fields.get("url"), f"{path}.url", required=True),
            description=self.text(fields.get("description"), f"{path}.description", required=True),
            first_day=first or date.min,
            last_day=last or date.min,
            timezone_label=self.text(fields.get("timezone_label"), f"{path}.timezone_label"),
            location=self.text(fields.get("location"), f"{path}.location"),
            join_url=self.url(fields.get("join_url"), f"{path}.join_url"),
            speaker_overlaps=self.choice(
                fields.get("speaker_overlaps"), f"{path}.speaker_overlaps", OVERLAP_POLICIES, OVERLAP_ERROR
            ),
        )
        return info

    def timezone(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        raw = self.scalar(node, path, "a time zone like 'America/Los_Angeles'")
        if raw is None:
            return ""
        try:
            if raw not in _zone_names():
                raise ValueError
            zone = ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            hint = suggest(raw.strip(), _zone_names()) or "; use an IANA name like 'America/Los_Angeles'"
            self.add(node, path, f"unknown time zone {_quote(raw)}{hint}")
            return ""
        self.zone, self.zone_name = zone, raw
        return raw

    def uid_domain(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        raw = self.scalar(node, path, "a domain like 'example.org'")
        if raw is None:
            return ""
        if not DOMAIN.fullmatch(raw):
            host = urlsplit(raw.strip()).hostname if "://" in raw else None
            hint = f"; did you mean '{host}'?" if host and DOMAIN.fullmatch(host) else ""
            self.add(node, path, f"expected a domain name like 'example.org', got {_quote(raw)}{hint}")
            return ""
        return raw.lower()

    def color(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        if _is_null(node):
            self.add(
                node,
                path,
                'expected a color like "#2563eb", got nothing; quote it (a bare # starts a YAML comment)',
            )
            return ""
        raw = self.scalar(node, path, 'a color like "#2563eb"')
        if raw is None:
            return ""
        value = raw.strip().lower()
        if not COLOR.fullmatch(value):
            short = re.fullmatch(r"#([0-9a-f])([0-9a-f])([0-9a-f])", value)
            hint = f"; did you mean '#{''.join(c * 2 for c in short.groups())}'?" if short else ""
            self.add(node, path, f"expected '#' and six hex digits, like \"#2563eb\", got {_quote(raw)}{hint}")
            return ""
        return value

    def track(self, node: Node, path: str) -> tuple[str, Track | None]:
        path = self.labelled(node, path)
        fields = self.mapping(node, path, ("id", "name"), ("description", "color", "aliases", "source_id"))
        if fields is None:
            return path, None
        track = Track(
            id=self.slug(fields["id"], f"{path}.id") if "id" in fields else "",
            name=self.text(fields.get("name"), f"{path}.name", required=True),
            description=self.text(fields.get("description"), f"{path}.description"),
            color=self.color(fields.get("color"), f"{path}.color"),
            aliases=self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids"),
            source_id=self.source_id(fields.get("source_id"), f"{path}.source_id"),
        )
        return path, track

    def speaker(self, node: Node, path: str) -> tuple[str, Speaker | None]:
        path = self.labelled(node, path)
        fields = self.mapping(node, path, ("id", "name"), ("role", "affiliation", "bio", "aliases", "source_id"))
        if fields is None:
            return path, None
        speaker = Speaker(
            id=self.slug(fields["id"], f"{path}.id") if "id" in fields else "",
            name=self.text(fields.get("name"), f"{path}.name", required=True),
            role=self.text(fields.get("role"), f"{path}.role"),
            affiliation=self.text(fields.get("affiliation"), f"{path}.affiliation"),
            bio=self.text(fields.get("bio"), f"{path}.bio"),
            aliases=self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids"),
            source_id=self.source_id(fields.get("source_id"), f"{path}.source_id"),
        )
        return path, speaker

    def session(self, node: Node, path: str) -> tuple[str, Session | None]:
        path = self.labelled(node, path)
        fields = self.mapping(
            node,
            path,
            ("id", "title", "start"),
            (
                "end",
                "duration",
                "track",
                "tracks",
                "plenary",
                "speakers",
                "status",
                "description",
                "url",
                "location",
                "join_url",
                "aliases",
                "source_id",
            ),
        )
        if fields is None:
            return path, None
        ident = self.slug(fields["id"], f"{path}.id") if "id" in fields else ""
        title = self.text(fields.get("title"), f"{path}.title", required=True, max_bytes=MAX_TITLE_BYTES)
        start = self.local_time(fields.get("start"), f"{path}.start")
        end = self.session_end(node, path, fields, start)
        tracks = self.session_tracks(node, path, fields)
        speakers = self.slugs(fields.get("speakers"), f"{path}.speakers", "speaker ids")
        speakers = self.resolve(node, path, "speakers", speakers, "speaker")
        plenary = self.boolean(fields.get("plenary"), f"{path}.plenary")
        if plenary is False and not {"track", "tracks"} & fields.keys():
            self.add(
                node,
                path,
                "missing 'track', 'tracks' or 'plenary: true'; every session belongs to a track or to all of them",
            )
        status = CONFIRMED
        if "status" in fields:
            raw = self.scalar(fields["status"], f"{path}.status", "'confirmed' or 'cancelled'")
            if raw is not None and raw not in STATUSES:
                self.add(
                    fields["status"],
                    f"{path}.status",
                    f"expected 'confirmed' or 'cancelled', got {_quote(raw)}" + suggest(raw.lower(), STATUSES),
                )
            elif raw is not None:
                status = raw
        description = self.text(fields.get("description"), f"{path}.description")
        url = self.url(fields.get("url"), f"{path}.url")
        location = self.text(fields.get("location"), f"{path}.location")
        join_url = self.url(fields.get("join_url"), f"{path}.join_url")
        aliases = self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids")
        source_id = self.source_id(fields.get("source_id"), f"{path}.source_id")
        if start is None or end is None:
            return path, None
        session = Session(
            id=ident,
            title=title,
            start=start,
            end=end,
            tracks=tracks,
            plenary=bool(plenary),
            speakers=speakers,
            status=status,
            description=description,
            url=url,
            location=location,
            join_url=join_url,
            aliases=aliases,
            source_id=source_id,
        )
        return path, session

    def session_tracks(self, node: Node, path: str, fields: dict[str, Node]) -> tuple[str, ...]:
        if "track" in fields and "tracks" in fields:
            self.add(
                fields["tracks"],
                f"{path}.tracks",
                "give either 'track' or 'tracks', not both",
            )
            return ()
        if "track" in fields:
            if isinstance(fields["track"], SequenceNode):
                self.add(
                    fields["track"],
                    f"{path}.track",
                    "expected one track id, got a list; write 'tracks:' for several tracks",
                )
                return ()
            track = self.slug(fields["track"], f"{path}.track", "a track id")
            return self.resolve(node, path, "track", (track,) if track else (), "track")
        if "tracks" in fields:
            if _is_null(fields["tracks"]):
                self.add(
                    fields["tracks"],
                    f"{path}.tracks",
                    "expected a list of track ids, got nothing; write 'tracks: []' for a session in no track",
                )
                return ()
            tracks = self.slugs(fields["tracks"], f"{path}.tracks", "track ids")
            return self.resolve(node, path, "tracks", tracks, "track")
        return ()

    def session_end(self, node: Node, path: str, fields: dict[str, Node], start: datetime | None) -> datetime | None:
        if "end" in fields and "duration" in fields:
            self.add(
                fields["duration"],
                f"{path}.duration",
                "give either 'end' or 'duration', not both",
            )
            return None
        if "end" in fields:
            end = self.local_time(fields["end"], f"{path}.end")
            if start is not None and end is not None and end <= start:
                self.add(
                    fields["end"],
                    f"{path}.end",
                    f"must be after start ({start:%Y-%m-%d %H:%M})",
                )
                return None
            return end
        if "duration" in fields:
            length = self.duration(fields["duration"], f"{path}.duration")
            if start is None or length is None:
                return None
            utc = ZoneInfo("UTC")
            return (start.astimezone(utc) + length).astimezone(start.tzinfo)
        self.add(node, path, "missing 'end' or 'duration' (for example duration: 20m)")
        return None

    # -- across items ----------------------------------------------------------
    def unique_ids(self, kind: str, node: Node | None, path: str) -> None:
        """Report ids and aliases used twice among the items of one list; ids are checked first."""
        if not isinstance(node, SequenceNode):
            return
        ids: list[tuple[str, Node, str]] = []
        aliases: list[tuple[str, Node, str]] = []
        for index, item in enumerate(node.value):
            label = self.labelled(item, f"{path}[{index}]")
            ident = self.field_node(item, "id")
            owner = str(ident.value) if isinstance(ident, ScalarNode) else ""
            if isinstance(ident, ScalarNode) and not _is_null(ident):
                ids.append((f"{label}.id", ident, owner))
            listed = self.field_node(item, "aliases")
            if isinstance(listed, SequenceNode):
                aliases += [
                    (f"{label}.aliases[{i}]", a, owner)
                    for i, a in enumerate(listed.value)
                    if isinstance(a, ScalarNode) and not _is_null(a)
                ]
        seen: dict[str, tuple[Node, str, bool]] = {}
        for where, name_node, owner in ids + aliases:
            name, is_alias = str(name_node.value), where.endswith("]")
            if name not in seen:
                seen[name] = (name_node, owner, is_alias)
                continue
            first, first_owner, first_is_alias = seen[name]
            line = first.start_mark.line + 1
            if not is_alias:
                message = (
                    f"{kind} id {_quote(name)} is already used at line {line}; ids must be unique and are never reused"
                )
            elif first_owner == owner and not first_is_alias:
                message = f"{_quote(name)} is this {kind}'s own id; remove it from aliases"
            else:
                what = "an alias of" if first_is_alias else "the id of"
                message = (
                    f"{_quote(name)} is already {what} {kind} {_quote(first_owner)} (line {line}); "
                    f"an alias must not match another {kind}'s id or alias"
                )
            self.add(name_node, where, message)

    def unique_source_ids(
        self,
        kind: str,
        items: list[tuple[Node, str, Track]] | list[tuple[Node, str, Speaker]] | list[tuple[Node, str, Session]],
    ) -> None:
        """Report a source_id that two items of one kind share."""
        seen: dict[str, tuple[Node, str]] = {}
        for node, path, item in items:
            if not item.source_id:
                continue
            where = self.field_node(node, "source_id") or node
            if item.source_id not in seen:
                seen[item.source_id] = (where, item.id)
                continue
            first, owner = seen[item.source_id]
            mark = first.start_mark
            self.add(
                where,
                f"{path}.source_id",
                f"source_id {_quote(item.source_id)} is already the source_id of {kind} {_quote(owner)} "
                f"(line {mark.line + 1}, column {mark.column + 1}); each {kind} comes from a different item of its source",
            )

    def unbooked(self, speakers: list[tuple[Node, str, Speaker]], sessions: list[tuple[Node, str, Session]]) -> None:
        """Warn about each speaker that no session lists."""
        booked = {ident for _, _, session in sessions for ident in session.speakers}
        for node, path, speaker in speakers:
            if speaker.id and speaker.id not in booked:
                self.warn(
                    node,
                    path,
                    f"speaker {_quote(speaker.name)} is in no session; add {_quote(speaker.id)} to a session's "
                    "speakers, or remove the speaker",
                )

    @staticmethod
    def field_node(node: Node, name: str) -> Node | None:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == name:
                    found: Node = value
                    return found
        return None

    def known_ids(
        self,
        kind: str,
        items: list[tuple[Node, str, Track]] | list[tuple[Node, str, Speaker]],
    ) -> None:
        names: dict[str, str] = {}
        for _, _, item in items:
            if item.id:
                names[item.id] = item.id
            for alias in item.aliases:
                names.setdefault(alias, item.id)
        self.known[kind] = names

    def resolve(self, node: Node, path: str, field: str, refs: tuple[str, ...], kind: str) -> tuple[str, ...]:
        """Return refs as canonical ids, reporting unknown ones with a suggestion."""
        names = self.known.get(kind, {})
        value_node = self.field_node(node, field)
        resolved: list[str] = []
        for index, ref in enumerate(refs):
            if ref in names:
                if names[ref] not in resolved:
                    resolved.append(names[ref])
                continue
            where = value_node or node
            suffix = ""
            if isinstance(value_node, SequenceNode):
                position = self.item_index(value_node, ref, index)
                suffix = f"[{position}]"
                where = value_node.value[position]
            self.add(
                where,
                f"{path}.{field}{suffix}",
                f"unknown {kind} {_quote(ref)}{suggest(ref, names)}",
            )
        return tuple(resolved)

    @staticmethod
    def item_index(node: SequenceNode, value: str, default: int) -> int:
        """Return the index of the list item that is value (lists may hold skipped bad items)."""
        for index, item in enumerate(node.value):
            if isinstance(item, ScalarNode) and item.value == value:
                return index
        return min(default, len(node.value) - 1)

    def within_days(self, node: Node, path: str, session: Session) -> None:
        if self.days is None:
            return
        first, last = self.days
        local_end = session.end - timedelta(microseconds=1)
        if session.start.date() < first or local_end.date() > last:
            where = self.field_node(node, "start") or node
            self.add(
                where,
                f"{path}.start",
                f"{session.start:%Y-%m-%d %H:%M}-{session.end:%H:%M} is outside the event's days "
                f"({first.isoformat()} to {last.isoformat()}); fix the date or event.first_day/last_day",
            )

    def overlaps(self, sessions: list[tuple[Node, str, Session]]) -> None:
        """Report each session whose speaker is already in an earlier session that has not ended."""
        booked: dict[str, list[tuple[Session, Node, str]]] = {}
        for node, path, session in sessions:
            if session.cancelled:
                continue
            for speaker in session.speakers:
                booked.setdefault(speaker, []).append((session, node, path))
        aliases = self.known.get("speaker", {})
        for speaker, slots in booked.items():
            slots.sort(key=lambda slot: (slot[0].start, slot[0].end))
            busy = slots[0][0]  # of the sessions so far, the one that ends last
            for later, node, path in slots[1:]:
                if later.start < busy.end:
                    listed = self.field_node(node, "speakers")
                    where, suffix = listed or node, ""
                    if isinstance(listed, SequenceNode):
                        for index, item in enumerate(listed.value):
                            if isinstance(item, ScalarNode) and aliases.get(str(item.value)) == speaker:
                                where, suffix = item, f"[{index}]"
                                break
                    report = self.warn if self.overlap_policy == OVERLAP_WARNING else self.add
                    report(
                        where,
                        f"{path}.speakers{suffix}",
                        f"speaker {_quote(speaker)} is also in session {_quote(busy.id)} "
                        f"({busy.start:%Y-%m-%d %H:%M}-{busy.end:%H:%M}) at the same time",
                    )
                if later.end > busy.end:
                    busy = later


# -- incremental parsing ----------------------------------------------------------------------------
#
# A reload after a small edit composes again only the part of the file that changed. The file is
# cut where a top-level section starts (a line starting at column 0) and where an item of the
# tracks, speakers or sessions list starts ("- " at the list's indentation). Each part is composed
# alone by the same _Loader and checked by the same _Checker methods, and what it gave is kept,
# keyed by its exact text, for the next version of the file. The checks across items (unique ids
# and aliases, speakers in two sessions at once, sessions outside the event's days) run over the
# whole model every time, with the same _Checker code.
#
# A part composed alone gives the nodes the whole file gives there (lines shifted by the part's
# first line, columns the same), because the scanner reaches each cut in the same state in both:
# block context, at the start of a line, nothing open, and for an item the list's indentation on top
# of the indentation stack; from there both scan the same characters against the same indentation
# until the next cut. That holds when:
# - lines end in LF or CRLF (a lone CR is a YAML line break the cuts would not see);
# - every part composes alone without any error: a quoted text, a bracket or a block scalar that is
#   still open where the part ends fails, so no cut falls inside one;
# - within an item, every line that starts left of the item's "- " is blank or a comment, and an
#   item that has such a comment line has no quoted text over several lines (where such a line
#   would be text, not a comment): no token then unwinds the list's indentation inside an item;
# - the file defines no anchor (their names and the budget of repeated values span the whole file);
# - every top-level line is "event:", "tracks:", "speakers:" or "sessions:", each once, the list
#   sections with nothing after the colon and their items indented (no document markers,
#   directives, byte-order marks or flow collections at the top level).
# Any other file, and any file with a problem at all, is parsed whole by parse_event, so the
# organizer reads exactly the messages parse_event gives.

SEQ_TAG = "tag:yaml.org,2002:seq"
STR_TAG = "tag:yaml.org,2002:str"
LIST_SECTIONS = {"tracks": "track", "speakers": "speaker", "sessions": "session"}
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
# A line that starts at column 0 with something other than a comment: a top-level section. (Patterns
# start with the line break before the line rather than "^": the search is then several times faster.)
_SECTION_LINE = re.compile(r"\n[^ #\r\n]")
_QUIET_LINES = re.compile(r"(?:[ ]*(?:#[^\r\n]*)?\r?\n)*")
_EVENT_HEAD = re.compile(r"event:(?=[ \r\n]|\Z)")
# "sessions:" with nothing after it, blank and comment lines, then the first item's "- ".
_LIST_HEAD = re.compile(
    r"(tracks|speakers|sessions):(?:[ ]+(?:#[^\r\n]*)?)?\r?\n(?:[ ]*(?:#[^\r\n]*)?\r?\n)*( +)-(?=[ \r\n]|\Z)"
)
# Where the cross-item checks report a problem (never shown: any problem means parsing the whole file).
_NOWHERE: Node = ScalarNode(STR_TAG, "", yaml.Mark("", 0, 0, 0, None, 0), yaml.Mark("", 0, 0, 0, None, 0))


@functools.cache
def _list_lines(indent: int) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Return for a list indented by indent spaces: its item lines; lines starting left of them; comments there."""
    return (
        re.compile(rf"\n {{{indent}}}-(?=[ \r\n]|\Z)"),
        re.compile(rf"\n {{0,{indent - 1}}}[^ #\r\n]"),
        re.compile(rf"\n {{0,{indent - 1}}}#"),
    )


class _FallbackError(Exception):
    """The file cannot be put together from parts; parse it whole."""


@dataclass(frozen=True, slots=True)
class _EventPart:
    """What the event section gave: the event, and what checking the sessions takes from it."""

    info: EventInfo
    zone: ZoneInfo | None
    zone_name: str
    days: tuple[date, date] | None


@dataclass(eq=False, slots=True)
class _Context:
    """What checking a session takes from outside its text: the time zone and the known ids."""

    zone: ZoneInfo | None
    zone_name: str
    tracks: dict[str, str]
    speakers: dict[str, str]


@dataclass(slots=True)
class _Part:
    """What one part of the file gave, where its item starts within the part, and what checking it used."""

    value: _EventPart | Track | Speaker | Session
    line: int  # from 0, within the part
    column: int  # from 0
    # For a session: each of its scalars that is a track or speaker id or alias, with what it named then.
    uses: tuple[tuple[str, str | None, str | None], ...] = ()
    context: _Context | None = None

    def holds_in(self, context: _Context) -> bool:
        """Return whether checking this session again in context would give the same session."""
        if self.context is context:
            return True
        if self.context is None or self.context.zone_name != context.zone_name:
            return False
        tracks, speakers = context.tracks, context.speakers
        if any(tracks.get(name) != track or speakers.get(name) != speaker for name, track, speaker in self.uses):
            return False
        self.context = context
        return True


class IncrementalParser:
    """Parse successive versions of one event file, composing again only the parts whose text changed.

    `parse` returns what `parse_event` returns for the same bytes, or raises the same
    EventFileError: a file it cannot put together from parts, or that has any problem, is
    handed to parse_event whole. It keeps the parts of the last file only. One caller at a
    time: the Publisher parses under its lock.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], _Part] = {}
        self._fresh: dict[tuple[str, str], _Part] = {}
        self._context: _Context | None = None
        self._failed = False
        self.composed = 0  # parts the last parse composed
        self.reused = 0  # parts the last parse took from the file before
        self.incremental = False  # whether the last parse was put together from parts

    @property
    def kept(self) -> int:
        """Return how many parts are kept for the next version of the file."""
        return len(self._parts)

    def clear(self) -> None:
        """Forget the parts of the last file."""
        self._parts, self._context = {}, None

    def parse(self, data: bytes, filename: str = "event.yaml") -> Event:
        """Check and return the event in data like parse_event, reusing what the last file's unchanged parts gave."""
        self.composed, self.reused, self._failed = 0, 0, False
        try:
            event: Event | None = self._assemble(data, filename)
        except Exception:  # a file that does not fit, or any surprise: parse it whole, as before
            event = None
        self.incremental = event is not None
        return event if event is not None else parse_event(data, filename)

    # -- cutting ------------------------------------------------------------------------------------
    def _assemble(self, data: bytes, filename: str) -> Event:
        text = _decode(data, filename)
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            raise _FallbackError
        starts = [found.start() + 1 for found in _SECTION_LINE.finditer(text)]
        if text[:1] not in ("", " ", "#", "\r", "\n"):
            starts.insert(0, 0)
        if not starts or not _QUIET_LINES.fullmatch(text, 0, starts[0]) or _NON_PRINTABLE.search(text, 0, starts[0]):
            raise _FallbackError
        # Each section's parts, as (text, number of the part's first line from 0).
        sections: dict[str, list[tuple[str, int]]] = {}
        line = text.count("\n", 0, starts[0])
        for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
            head = _LIST_HEAD.match(text, start, end)
            if head is None:
                if not _EVENT_HEAD.match(text, start, end):
                    raise _FallbackError
                name, cuts = "event", [start]
            else:
                name, first = head.group(1), head.start(2)
                if _NON_PRINTABLE.search(text, start, first):
                    raise _FallbackError
                line += text.count("\n", start, first)
                items = _list_lines(len(head.group(2)))[0]
                cuts = [found.start() + 1 for found in items.finditer(text, first - 1, end)]
                if cuts[:1] != [first]:
                    raise _FallbackError
            if name in sections:
                raise _FallbackError
            parts = sections[name] = []
            for cut, after in zip(cuts, [*cuts[1:], end], strict=True):
                chunk = text[cut:after]
                parts.append((chunk, line))
                line += chunk.count("\n")
        if sections.keys() != {"event", *LIST_SECTIONS}:
            raise _FallbackError
        return self._check(sections, filename, hashlib.sha256(data).hexdigest())

    # -- parts ------------------------------------------------------------------------------------
    def _check(self, sections: dict[str, list[tuple[str, int]]], filename: str, digest: str) -> Event:
        """Return the event put together from parts; keep the parts of this file (only) for the next one."""
        self._fresh = {}
        try:
            return self._check_parts(sections, filename, digest)
        finally:
            self._parts, self._fresh = self._fresh, {}

    def _part(self, key: tuple[str, str], build: Callable[[], _Part], context: _Context | None = None) -> _Part | None:
        """Return what the part gave, from the file before or composed now; None once any part has failed."""
        part = self._fresh.get(key) or self._parts.get(key)
        if self._failed:
            if part is not None:
                self._fresh[key] = part  # kept for the next version of the file
            return None
        if part is None or (context is not None and not part.holds_in(context)):
            try:
                part = build()
            except _FallbackError:
                self._failed = True
                return None
            self.composed += 1
        else:
            self.reused += 1
        self._fresh[key] = part
        return part

    def _check_parts(self, sections: dict[str, list[tuple[str, int]]], filename: str, digest: str) -> Event:
        [(event_text, _)] = sections["event"]
        event = self._part(("event", event_text), functools.partial(_build_event, event_text, filename))
        parts = {
            section: [
                (self._part((section, chunk), functools.partial(_build_item, section, chunk, filename, None)), line)
                for chunk, line in sections[section]
            ]
            for section in ("tracks", "speakers")
        }
        context: _Context | None = None
        tracks: list[tuple[Track, tuple[int, int]]] = []
        speakers: list[tuple[Speaker, tuple[int, int]]] = []
        if not self._failed and event is not None and isinstance(event.value, _EventPart):
            tracks, speakers = _items(parts["tracks"], Track), _items(parts["speakers"], Speaker)
            names = _Checker(filename)
            names.known_ids("track", [(_NOWHERE, "", track) for track, _ in tracks])
            names.known_ids("speaker", [(_NOWHERE, "", speaker) for speaker, _ in speakers])
            context = self._context_for(event.value, names.known["track"], names.known["speaker"])
        parts["sessions"] = [
            (
                self._part(
                    ("sessions", chunk), functools.partial(_build_item, "sessions", chunk, filename, context), context
                ),
                line,
            )
            for chunk, line in sections["sessions"]
        ]
        if self._failed or context is None or event is None or not isinstance(event.value, _EventPart):
            raise _FallbackError
        sessions = _items(parts["sessions"], Session)
        # The checks across items, as _Checker.check runs them; where they would report is not needed.
        checker = _Checker(filename)
        checker.days = event.value.days
        checker.known = {"track": context.tracks, "speaker": context.speakers}
        checker.overlap_policy = event.value.info.speaker_overlaps
        for session, _ in sessions:
            checker.within_days(_NOWHERE, "", session)
        checker.overlaps([(_NOWHERE, "", session) for session, _ in sessions])
        if checker.problems or checker.warnings:
            raise _FallbackError  # an overlap is reported at a speaker in a session, which only its nodes tell
        checker.unbooked(
            [
                (_at(position), f"speakers[{index}] (id {_quote(speaker.id)})", speaker)
                for index, (speaker, position) in enumerate(speakers)
            ],
            [(_NOWHERE, "", session) for session, _ in sessions],
        )
        if not all(_unique_names(items) and _unique_sources(items) for items in (tracks, speakers, sessions)):
            raise _FallbackError
        return Event(
            info=event.value.info,
            tracks=tuple(track for track, _ in tracks),
            speakers=tuple(speaker for speaker, _ in speakers),
            sessions=tuple(session for session, _ in sessions),
            source_sha256=digest,
            source_name=filename,
            positions={
                f"{kind}:{item.id}": position
                for kind, items in (("track", tracks), ("speaker", speakers), ("session", sessions))
                for item, position in items
            },
            warnings=tuple(checker.warnings),
        )

    def _context_for(self, event: _EventPart, tracks: dict[str, str], speakers: dict[str, str]) -> _Context:
        """Return the context to check sessions in: the last one, when nothing in it changed."""
        last = self._context
        if last is None or (last.zone_name, last.tracks, last.speakers) != (event.zone_name, tracks, speakers):
            last = self._context = _Context(event.zone, event.zone_name, tracks, speakers)
        return last


def _at(position: tuple[int, int]) -> Node:
    """Return a node that stands for an item at a 1-based line and column, for a warning about it."""
    mark = yaml.Mark("", 0, position[0] - 1, position[1] - 1, None, 0)
    return ScalarNode(STR_TAG, "", mark, mark)


def _compose_alone(chunk: str, filename: str) -> Node:
    """Return the root node of one part of the file, composed by itself with the loader's guards."""
    try:
        loader = _Loader(chunk, filename)
    except yaml.YAMLError:
        raise _FallbackError from None
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, EventFileError, RecursionError):
        raise _FallbackError from None
    finally:
        loader.dispose()
    if node is None or loader.sizes:  # anchors: their names and the alias budget belong to the whole file
        raise _FallbackError
    return node


def _scalars(node: Node) -> Iterator[ScalarNode]:
    """Yield every scalar under node, keys included."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ScalarNode):
            yield current
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                stack += (key, value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _build_event(chunk: str, filename: str) -> _Part:
    """Return what the event section gave, or raise _FallbackError."""
    root = _compose_alone(chunk, filename)
    if not isinstance(root, MappingNode) or len(root.value) != 1:
        raise _FallbackError
    key, value = root.value[0]
    if not isinstance(key, ScalarNode) or key.tag != STR_TAG or key.value != "event":
        raise _FallbackError
    checker = _Checker(filename)
    info = checker.event_info(value)
    if checker.problems or info is None:
        raise _FallbackError
    return _Part(_EventPart(info, checker.zone, checker.zone_name, checker.days), 0, 0)


def _build_item(section: str, chunk: str, filename: str, context: _Context | None) -> _Part:
    """Return what one list item gave (a session is checked in context), or raise _FallbackError."""
    indent = len(chunk) - len(chunk.lstrip(" "))
    _, left, comments_left = _list_lines(indent)
    if left.search(chunk):
        raise _FallbackError
    root = _compose_alone(chunk, filename)
    if not isinstance(root, SequenceNode) or root.tag != SEQ_TAG or len(root.value) != 1:
        raise _FallbackError
    if comments_left.search(chunk) and any(
        node.style in ("'", '"') and node.start_mark.line != node.end_mark.line for node in _scalars(root)
    ):
        raise _FallbackError  # the line left of the item may be quoted text, not a comment
    item = root.value[0]
    checker = _Checker(filename)
    path = f"{section}[0]"
    value: Track | Speaker | Session | None
    uses: tuple[tuple[str, str | None, str | None], ...] = ()
    if section == "tracks":
        _, value = checker.track(item, path)
    elif section == "speakers":
        _, value = checker.speaker(item, path)
    elif context is not None:
        checker.zone, checker.zone_name = context.zone, context.zone_name
        checker.known = {"track": context.tracks, "speaker": context.speakers}
        _, value = checker.session(item, path)
        # Every id a session refers to is one of its scalars, and it was known (else a problem was reported).
        tracks, speakers = context.tracks, context.speakers
        uses = tuple(
            (name, tracks.get(name), speakers.get(name))
            for name in {str(node.value) for node in _scalars(item)}
            if name in tracks or name in speakers
        )
    else:
        raise _FallbackError
    if checker.problems or value is None:
        raise _FallbackError
    return _Part(value, item.start_mark.line, item.start_mark.column, uses, context)


def _items(parts: list[tuple[_Part | None, int]], kind: type[T]) -> list[tuple[T, tuple[int, int]]]:
    """Return the items the parts gave, each with its line and column in the file."""
    items: list[tuple[T, tuple[int, int]]] = []
    for part, line in parts:
        if part is None or not isinstance(part.value, kind):
            raise _FallbackError
        items.append((part.value, (line + part.line + 1, part.column + 1)))
    return items


def _unique_sources(items: Sequence[tuple[Track | Speaker | Session, tuple[int, int]]]) -> bool:
    """Return whether no source_id is used twice among the items (what _Checker.unique_source_ids reports)."""
    sources = [item.source_id for item, _ in items if item.source_id]
    return len(set(sources)) == len(sources)


def _unique_names(items: Sequence[tuple[Track | Speaker | Session, tuple[int, int]]]) -> bool:
    """Return whether no id or alias is used twice among the items (what _Checker.unique_ids reports)."""
    names = [item.id for item, _ in items]
    names += [alias for item, _ in items for alias in item.aliases]
    return len(set(names)) == len(names)
