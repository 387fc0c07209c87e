"""Read event.yaml into the model, reporting every problem with file:line:column.

This is the only module that imports yaml. Scalars are read as text and typed
here, so `10:30` stays a time and `no` stays a word; duplicate keys and custom
tags are errors. Validation collects every problem, then raises one
`EventFileError`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import (
    CONFIRMED,
    STATUSES,
    Event,
    EventInfo,
    Session,
    Speaker,
    Track,
)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REPORTED = 200
MAX_ID_LENGTH = 64
# "Cancelled: " (11 octets) + title must stay under the 255-octet SUMMARY limit.
MAX_TITLE_BYTES = 243
CANCELLED_PREFIX = "Cancelled: "

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
YAML_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}

T = TypeVar("T")


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
    return "".join(kept).strip()


def suggest(wrong: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or ''."""
    close = difflib.get_close_matches(wrong, list(choices), n=1, cutoff=0.5)
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
        size = path.stat().st_size
        if size > max_bytes:
            raise _file_error(
                name,
                f"the file is {size:,} bytes; the limit is {max_bytes:,} (FEEDS_MAX_EVENT_BYTES)",
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _file_error(name, "the file does not exist; create it or set FEEDS_EVENT_FILE") from None
    except IsADirectoryError:
        raise _file_error(name, "is a folder, not a file; point FEEDS_EVENT_FILE at event.yaml") from None
    except PermissionError:
        raise _file_error(name, "cannot be read (permission denied)") from None
    if len(data) > max_bytes:
        raise _file_error(name, f"the file is over {max_bytes:,} bytes (FEEDS_MAX_EVENT_BYTES)")
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


def _decode(data: bytes, filename: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[: err.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
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
    """Compose YAML into nodes without typing any scalar."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)


def _compose(text: str, filename: str) -> Node:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as err:
        before = text[: err.position]
        line = before.count("\n") + 1
        column = err.position - (before.rfind("\n") + 1) + 1
        raise _file_error(
            filename,
            f"character U+{ord(str(err.character)) if isinstance(err.character, str) else err.character:04X} is not allowed in YAML; remove it"
            if isinstance(err.character, str)
            else "the file has a character YAML does not allow; remove it",
            line,
            column,
        ) from None
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(err, filename) from None
    finally:
        loader.dispose()
    if node is None:
        raise _file_error(
            filename,
            "the file is empty (or only comments); it needs event, tracks, speakers and sessions (see docs/event-format.md)",
        )
    return node


def _yaml_error(err: yaml.MarkedYAMLError, filename: str) -> EventFileError:
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = err.problem or "YAML syntax error"
    if "'\\t'" in problem:
        message = "a tab character here; YAML indents with spaces only, replace tabs with spaces"
    elif "expected a single document" in (err.context or ""):
        message = "a second YAML document ('---') starts here; keep everything in one document"
    else:
        context = f" {err.context}" if err.context else ""
        hint = ""
        if "mapping values are not allowed" in problem:
            hint = "; quote text that contains ': ' (for example title: \"Ray: a framework\")"
        elif "found character" in problem and "that cannot start any token" in problem:
            hint = "; quote the value"
        message = f"YAML syntax error: {problem}{context}{hint}"
    return _file_error(filename, message, line, column)


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = str(node.value)
    shown = value if len(value) <= 60 else value[:57] + "..."
    return "nothing" if _is_null(node) else f"'{shown}'"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and getattr(node, "style", None) is None and node.value in NULLS


class _Checker:
    """Walk the composed nodes against the schema, collecting problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.zone: ZoneInfo | None = None
        self.zone_name = ""
        self.days: tuple[date, date] | None = None
        self.known: dict[str, dict[str, str]] = {}

    # -- reporting -------------------------------------------------------
    def add(self, node: Node, path: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.filename, mark.line + 1, mark.column + 1, path, message))

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
            key = str(key_node.value)
            if key in keys:
                first = keys[key].start_mark
                self.add(
                    key_node,
                    path,
                    f"duplicate field '{key}' (first at line {first.line + 1}); keep one",
                )
                continue
            keys[key] = key_node
            if key not in allowed:
                self.add(key_node, path, f"unknown field '{key}'{suggest(key, allowed)}")
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
            self.add(node, path, f"expected a list of {what}, got {_describe(node)}")
            return []
        return list(node.value) if self.tag_ok(node, path) else []

    def tag_ok(self, node: Node, path: str) -> bool:
        if node.tag in YAML_TAGS:
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.add(node, path, f"YAML tags such as '{tag}' are not allowed; remove the tag")
        return False

    def scalar(self, node: Node, path: str, expected: str) -> str | None:
        if isinstance(node, ScalarNode) and not self.tag_ok(node, path):
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

    def slug(self, node: Node, path: str, what: str = "id") -> str:
        raw = self.scalar(node, path, f"an {what} like 'ai-platform'")
        if raw is None:
            return ""
        if len(raw) > MAX_ID_LENGTH:
            self.add(
                node,
                path,
                f"expected an {what} of at most {MAX_ID_LENGTH} characters, got {len(raw)}",
            )
            return ""
        if not SLUG.fullmatch(raw):
            fixed = slugify(raw)
            hint = f"; did you mean '{fixed}'?" if fixed else ""
            self.add(
                node,
                path,
                f"expected an {what} of lowercase letters, digits and single hyphens (like 'ai-platform'), got '{raw}'{hint}",
            )
            return ""
        return raw

    def slugs(self, node: Node | None, path: str, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if isinstance(node, ScalarNode) and not _is_null(node):
            self.add(
                node,
                path,
                f"expected a list of {what}, got {_describe(node)}; write [{node.value}]",
            )
            return ()
        items = self.sequence(node, path, what)
        return tuple(s for i, item in enumerate(items) if (s := self.slug(item, f"{path}[{i}]")))

    def boolean(self, node: Node | None, path: str) -> bool:
        if node is None:
            return False
        raw = self.scalar(node, path, "true or false")
        if raw is None or raw in FALSE:
            return False
        if raw in TRUE:
            return True
        self.add(node, path, f"expected true or false, got '{raw}'")
        return False

    def url(self, node: Node | None, path: str) -> str:
        if node is None or _is_null(node):
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
                f"expected a URL starting with https:// or http://, got {_describe(node)}",
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
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            self.add(node, path, f"expected a date 'YYYY-MM-DD', got '{raw}'")
            return None

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
            self.add(node, path, f"expected 'YYYY-MM-DD HH:MM', got '{raw}'")
            return None
        if self.zone is None:
            return None
        aware, why = resolve_local(naive, self.zone)
        if aware is None:
            self.add(node, path, f"{raw} " + why.format(zone=self.zone_name))
        return aware

    def duration(self, node: Node, path: str) -> timedelta | None:
        raw = self.scalar(node, path, "a duration like '20m', '1h' or '1h30m'")
        if raw is None:
            return None
        match = DURATION.fullmatch(raw.strip())
        if not match or not any(match.groups()):
            self.add(
                node,
                path,
                f"expected a duration like '20m', '1h' or '1h30m', got '{raw}'",
            )
            return None
        hours, minutes = (int(g or 0) for g in match.groups())
        length = timedelta(hours=hours, minutes=minutes)
        if not length:
            self.add(node, path, "must be longer than zero minutes")
            return None
        return length

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
        for node, path, session in sessions:
            self.within_days(node, path, session)
        self.overlaps(sessions)
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
                    return f"{path} (id '{value.value}')"
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
            ("timezone_label", "location", "join_url"),
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
            url=self.url(fields.get("url"), f"{path}.url"),
            description=self.text(fields.get("description"), f"{path}.description"),
            first_day=first or date.min,
            last_day=last or date.min,
            timezone_label=self.text(fields.get("timezone_label"), f"{path}.timezone_label"),
            location=self.text(fields.get("location"), f"{path}.location"),
            join_url=self.url(fields.get("join_url"), f"{path}.join_url"),
        )
        return info

    def timezone(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        raw = self.scalar(node, path, "a time zone like 'America/Los_Angeles'")
        if raw is None:
            return ""
        name = raw.strip()
        try:
            if name != raw or not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", name):
                raise ValueError
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.add(
                node,
                path,
                f"unknown time zone '{raw}'; use an IANA name like 'America/Los_Angeles'"
                + suggest(name, available_timezones()),
            )
            return ""
        self.zone, self.zone_name = zone, name
        return name

    def uid_domain(self, node: Node | None, path: str) -> str:
        if node is None:
            return ""
        raw = self.scalar(node, path, "a domain like 'example.org'")
        if raw is None:
            return ""
        if not DOMAIN.fullmatch(raw):
            self.add(node, path, f"expected a domain name like 'example.org', got '{raw}'")
            return ""
        return raw.lower()

    def track(self, node: Node, path: str) -> tuple[str, Track | None]:
        path = self.labelled(node, path)
        fields = self.mapping(node, path, ("id", "name"), ("description", "color", "aliases"))
        if fields is None:
            return path, None
        color = ""
        if "color" in fields:
            color_node = fields["color"]
            if _is_null(color_node):
                self.add(
                    color_node,
                    f"{path}.color",
                    'expected a color like "#2563eb", got nothing; quote it (a bare # starts a YAML comment)',
                )
            else:
                raw = self.scalar(color_node, f"{path}.color", 'a color like "#2563eb"')
                if raw is not None and not COLOR.fullmatch(raw.strip()):
                    self.add(
                        color_node,
                        f"{path}.color",
                        f"expected a color like \"#2563eb\", got '{raw}'",
                    )
                color = (raw or "").strip().lower()
        track = Track(
            id=self.slug(fields["id"], f"{path}.id") if "id" in fields else "",
            name=self.text(fields.get("name"), f"{path}.name", required=True),
            description=self.text(fields.get("description"), f"{path}.description"),
            color=color,
            aliases=self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids"),
        )
        return path, track

    def speaker(self, node: Node, path: str) -> tuple[str, Speaker | None]:
        path = self.labelled(node, path)
        fields = self.mapping(node, path, ("id", "name"), ("role", "affiliation", "bio", "aliases"))
        if fields is None:
            return path, None
        speaker = Speaker(
            id=self.slug(fields["id"], f"{path}.id") if "id" in fields else "",
            name=self.text(fields.get("name"), f"{path}.name", required=True),
            role=self.text(fields.get("role"), f"{path}.role"),
            affiliation=self.text(fields.get("affiliation"), f"{path}.affiliation"),
            bio=self.text(fields.get("bio"), f"{path}.bio"),
            aliases=self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids"),
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
            ),
        )
        if fields is None:
            return path, None
        start = self.local_time(fields.get("start"), f"{path}.start")
        end = self.session_end(node, path, fields, start)
        tracks: tuple[str, ...] = ()
        if "track" in fields and "tracks" in fields:
            self.add(
                fields["tracks"],
                f"{path}.tracks",
                "give either 'track' or 'tracks', not both",
            )
        elif "track" in fields:
            tracks = (t,) if (t := self.slug(fields["track"], f"{path}.track", "track id")) else ()
            tracks = self.resolve(node, path, "track", tracks, "track")
        elif "tracks" in fields:
            tracks = self.slugs(fields["tracks"], f"{path}.tracks", "track ids")
            tracks = self.resolve(node, path, "tracks", tracks, "track")
        speakers = self.slugs(fields.get("speakers"), f"{path}.speakers", "speaker ids")
        speakers = self.resolve(node, path, "speakers", speakers, "speaker")
        plenary = self.boolean(fields.get("plenary"), f"{path}.plenary")
        if not tracks and not plenary and not {"track", "tracks"} & fields.keys():
            self.add(
                node,
                path,
                "missing 'track', 'tracks' or 'plenary: true'; every session belongs to a track or to all of them",
            )
        status = CONFIRMED
        if "status" in fields:
            raw = self.scalar(fields["status"], f"{path}.status", "confirmed or cancelled")
            if raw is not None and raw not in STATUSES:
                self.add(
                    fields["status"],
                    f"{path}.status",
                    f"expected 'confirmed' or 'cancelled', got '{raw}'" + suggest(raw.lower(), STATUSES),
                )
            elif raw is not None:
                status = raw
        if start is None or end is None:
            return path, None
        session = Session(
            id=self.slug(fields["id"], f"{path}.id") if "id" in fields else "",
            title=self.text(
                fields.get("title"),
                f"{path}.title",
                required=True,
                max_bytes=MAX_TITLE_BYTES,
            ),
            start=start,
            end=end,
            tracks=tracks,
            plenary=plenary,
            speakers=speakers,
            status=status,
            description=self.text(fields.get("description"), f"{path}.description"),
            url=self.url(fields.get("url"), f"{path}.url"),
            location=self.text(fields.get("location"), f"{path}.location"),
            join_url=self.url(fields.get("join_url"), f"{path}.join_url"),
            aliases=self.slugs(fields.get("aliases"), f"{path}.aliases", "old ids"),
        )
        return path, session

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
        """Report ids and aliases used twice among the items of one list."""
        if not isinstance(node, SequenceNode):
            return
        seen: dict[str, Node] = {}
        for index, item in enumerate(node.value):
            label = self.labelled(item, f"{path}[{index}]")
            names: list[tuple[str, Node]] = []
            ident = self.field_node(item, "id")
            if isinstance(ident, ScalarNode):
                names.append(("id", ident))
            aliases = self.field_node(item, "aliases")
            if isinstance(aliases, SequenceNode):
                names += [("aliases", a) for a in aliases.value if isinstance(a, ScalarNode)]
            for field_name, name_node in names:
                name = str(name_node.value)
                if name in seen:
                    first = seen[name].start_mark
                    self.add(
                        name_node,
                        f"{label}.{field_name}",
                        f"{kind} id '{name}' is already used at line {first.line + 1}; ids must be unique and are never reused",
                    )
                else:
                    seen[name] = name_node

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
                suffix = f"[{index}]"
                where = value_node.value[index] if index < len(value_node.value) else value_node
            self.add(
                where,
                f"{path}.{field}{suffix}",
                f"unknown {kind} '{ref}'{suggest(ref, names)}",
            )
        return tuple(resolved)

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
        booked: dict[str, list[tuple[Session, Node, str]]] = {}
        for node, path, session in sessions:
            if session.cancelled:
                continue
            for speaker in session.speakers:
                booked.setdefault(speaker, []).append((session, node, path))
        for speaker, slots in booked.items():
            slots.sort(key=lambda slot: (slot[0].start, slot[0].end))
            for (earlier, _, _), (later, node, path) in _pairs(slots):
                if later.start < earlier.end:
                    self.add(
                        self.field_node(node, "speakers") or node,
                        f"{path}.speakers",
                        f"speaker '{speaker}' is also in session '{earlier.id}' "
                        f"({earlier.start:%Y-%m-%d %H:%M}-{earlier.end:%H:%M}) at the same time",
                    )


def _pairs(items: list[T]) -> Iterator[tuple[T, T]]:
    """Yield each item with every later one that could overlap it."""
    for index, item in enumerate(items):
        for later in items[index + 1 :]:
            yield item, later
