"""Parse successive versions of one event file, composing again only the parts whose text changed.

One module of about 400 lines: where the file is cut, how each part is composed and checked alone, and
when what a part gave is reused are one argument (the comment below), which holds only as a whole.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..model import Event, EventInfo, Session, Speaker, Track
from . import rules
from .check import Checker
from .compose import NON_PRINTABLE, composer, decode, engine_for
from .document import parse_event, without_cycle_collection
from .messages import quote
from .nodes import SEQ_TAG, STR_TAG
from .problems import EventFileError
from .rules import known_names

T = TypeVar("T")

# A reload after a small edit composes again only the part of the file that changed. The file is
# cut where a top-level section starts (a line starting at column 0) and where an item of the
# tracks, speakers or sessions list starts ("- " at the list's indentation). Each part is composed
# alone by the same guarded loader and checked by the same Checker methods, and what it gave is kept,
# keyed by its exact text, for the next version of the file. The checks across items (unique ids
# and aliases, speakers in two sessions at once, sessions outside the event's days) run over the
# whole model every time, with the same rules.
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

LIST_SECTIONS = {"tracks": "track", "speakers": "speaker", "sessions": "session"}
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

    def parse(self, data: bytes, filename: str = "event.yaml") -> Event:
        """Check and return the event in data like parse_event, reusing what the last file's unchanged parts gave."""
        self.composed, self.reused, self._failed = 0, 0, False
        try:
            with without_cycle_collection():
                event: Event | None = self._assemble(data, filename)
        except Exception:  # a file that does not fit, or any surprise: parse it whole, as before
            event = None
        self.incremental = event is not None
        return event if event is not None else parse_event(data, filename)

    # -- cutting ------------------------------------------------------------------------------------
    def _assemble(self, data: bytes, filename: str) -> Event:
        text = decode(data, filename)
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            raise _FallbackError
        starts = [found.start() + 1 for found in _SECTION_LINE.finditer(text)]
        if text[:1] not in ("", " ", "#", "\r", "\n"):
            starts.insert(0, 0)
        if not starts or not _QUIET_LINES.fullmatch(text, 0, starts[0]) or NON_PRINTABLE.search(text, 0, starts[0]):
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
                if NON_PRINTABLE.search(text, start, first):
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
            context = self._context_for(
                event.value, known_names([t for t, _ in tracks]), known_names([s for s, _ in speakers])
            )
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
        # The checks across items, as Checker.check runs them; where they would report is not needed.
        checker = Checker(filename)
        for session, _ in sessions:
            rules.within_days(checker, event.value.days, _NOWHERE, "", session)
        policy = event.value.info.speaker_overlaps
        rules.overlaps(checker, policy, context.speakers, [(_NOWHERE, "", session) for session, _ in sessions])
        if checker.problems or checker.warnings:
            raise _FallbackError  # an overlap is reported at a speaker in a session, which only its nodes tell
        rules.unbooked(
            checker,
            [
                (_at(position), f"speakers[{index}] (id {quote(speaker.id)})", speaker)
                for index, (speaker, position) in enumerate(speakers)
            ],
            [session for session, _ in sessions],
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
        part, free = composer(chunk, filename, engine_for(chunk))
    except yaml.YAMLError:
        raise _FallbackError from None
    try:
        node = part.compose()
    except (yaml.YAMLError, EventFileError):
        raise _FallbackError from None
    finally:
        free()
    if node is None or part.sizes:  # anchors: their names and the alias budget belong to the whole file
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
    checker = Checker(filename)
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
    checker = Checker(filename)
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
    """Return whether no source_id is used twice among the items (what rules.unique_source_ids reports)."""
    sources = [item.source_id for item, _ in items if item.source_id]
    return len(set(sources)) == len(sources)


def _unique_names(items: Sequence[tuple[Track | Speaker | Session, tuple[int, int]]]) -> bool:
    """Return whether no id or alias is used twice among the items (what rules.unique_ids reports)."""
    names = [item.id for item, _ in items]
    names += [alias for item, _ in items for alias in item.aliases]
    return len(set(names)) == len(names)
