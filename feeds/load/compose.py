"""Turn the bytes of an event file into YAML nodes, with every guard: size, encoding, aliases, depth.

Scalars stay text: nothing is typed here. libyaml (PyYAML's C binding) scans and parses where
it is installed; the nodes are composed by the same guarded composer on either path,
and a file the fast path cannot compose is composed again by the pure-Python path, so both give
the same nodes and the same messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .messages import reader_error, yaml_error
from .nodes import MAP_TAG, SEQ_TAG, STR_TAG
from .problems import EventFileError, byte_position, file_error

LIBYAML_AVAILABLE: bool = yaml.__with_libyaml__
if LIBYAML_AVAILABLE:
    from yaml._yaml import CParser

DEFAULT_MAX_BYTES = 5_000_000  # 5 MB
# Values that YAML aliases (*name) may repeat in all; a "billion laughs" file stops here.
MAX_REPEATED_NODES = 10_000
# Line breaks for YAML that editors show on one line (often pasted from web pages): read as spaces,
# so that line numbers match what the organizer sees.
SEPARATORS = ("\u2028", "\u2029", "\x85")
NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE

Engine = Literal["libyaml", "python"]
ENGINES: tuple[Engine, ...] = ("libyaml", "python") if LIBYAML_AVAILABLE else ("python",)


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the raw bytes of the event file, refusing a missing or oversized one."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise file_error(
                    name,
                    f"the file is {size:,} bytes; the limit is {max_bytes:,}; make it smaller or raise FEEDS_MAX_EVENT_BYTES",
                )
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise file_error(name, "the file does not exist; create it or set FEEDS_EVENT_FILE") from None
    except IsADirectoryError:
        raise file_error(name, "is a folder, not a file; point FEEDS_EVENT_FILE at event.yaml") from None
    except PermissionError:
        raise file_error(name, "cannot be read (permission denied)") from None
    except OSError as err:
        raise file_error(name, f"cannot be read ({err.strerror or err})") from None
    if len(data) > max_bytes:
        raise file_error(name, f"the file is over {max_bytes:,} bytes; make it smaller or raise FEEDS_MAX_EVENT_BYTES")
    return data


def decode(data: bytes, filename: str) -> str:
    """Return the file as text: UTF-8 without a byte-order mark, editors' one-line separators as spaces."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = byte_position(data, err.start)
        raise file_error(
            filename,
            f"the file is not UTF-8 text (byte 0x{data[err.start]:02x}); save it as UTF-8",
            line,
            column,
        ) from None
    for separator in SEPARATORS:
        if separator in text:
            text = text.replace(separator, " ")
    return text


MAX_DEPTH = 200  # lists and mappings inside each other; event.yaml needs 4


class _Frame:
    """A list or mapping being composed: its node, its anchor, and a key still waiting for its value."""

    __slots__ = ("anchor", "before", "items", "key", "listed", "node")

    def __init__(self, node: SequenceNode | MappingNode, anchor: str | None, before: int) -> None:
        self.node, self.anchor, self.before = node, anchor, before
        self.items: list[Any] = node.value
        self.listed = isinstance(node, SequenceNode)
        self.key: Node | None = None


class Composer:
    """Compose one document from parser events into nodes, without typing any scalar, with the guards.

    Aliases may repeat at most MAX_REPEATED_NODES values in all and may not sit inside the value
    they repeat; lists and mappings nest at most MAX_DEPTH deep. `sizes` holds, for each anchor,
    how many values it stands for.
    """

    def __init__(self, get_event: Callable[[], Any], filename: str) -> None:
        self.get_event = get_event
        self.filename = filename
        self.sizes: dict[str, int] = {}
        self.anchors: dict[str, Node] = {}
        self.open: set[str] = set()  # anchors whose value is still being composed
        self.composed = 0  # values so far, an alias counting as every value it repeats
        self.repeated = 0  # values repeated through aliases

    def compose(self) -> Node | None:
        """Return the root node of the only document, or None for an empty stream."""
        get = self.get_event
        get()  # the stream starts
        if isinstance(get(), yaml.StreamEndEvent):
            return None
        root = self.document()
        after = get()
        if not isinstance(after, yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                root.start_mark,
                "but found another document",
                after.start_mark,
            )
        return root

    def alias(self, event: Any) -> Node:
        """Return the node an alias repeats, counting it against the budget."""
        anchor = event.anchor
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        if anchor in self.open:
            raise file_error(
                self.filename,
                f"the YAML alias '*{anchor}' is inside the value it repeats ('&{anchor}'), so it never ends; remove it",
                line,
                column,
            )
        size = self.sizes.get(anchor, 1)
        self.composed += size
        self.repeated += size
        if self.repeated > MAX_REPEATED_NODES:
            raise file_error(
                self.filename,
                f"with this one, YAML aliases (*name) repeat more than {MAX_REPEATED_NODES:,} values; "
                "write the values out or nest fewer aliases",
                line,
                column,
            )
        if anchor not in self.anchors:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {anchor!r}", event.start_mark)
        return self.anchors[anchor]

    def anchored(self, anchor: str, node: Node, event: Any) -> None:
        """Record the node an anchor names, refusing an anchor defined twice."""
        if anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        self.anchors[anchor] = node

    def document(self) -> Node:  # noqa: PLR0912 - one branch per YAML event kind, in the loop that must stay fast
        """Return the root node of the document whose start was read, reading up to its end."""
        get = self.get_event
        stack: list[_Frame] = []
        root: Node | None = None
        composed = 0
        scalar_event, alias_event, sequence_start = yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent
        mapping_start, sequence_end, mapping_end = yaml.MappingStartEvent, yaml.SequenceEndEvent, yaml.MappingEndEvent
        top: _Frame | None = None
        while True:
            event: Any = get()
            kind = event.__class__
            node: Node
            if kind is scalar_event:
                composed += 1
                tag = event.tag
                node = ScalarNode(
                    STR_TAG if tag is None or tag == "!" else tag,
                    event.value,
                    event.start_mark,
                    event.end_mark,
                    event.style or None,  # libyaml writes '' for plain text, PyYAML None
                )
                if event.anchor is not None:
                    self.anchored(event.anchor, node, event)
                    self.sizes[event.anchor] = 1
            elif kind is sequence_end or kind is mapping_end:
                frame = stack.pop()
                top = stack[-1] if stack else None
                node = frame.node
                node.end_mark = event.end_mark
                if frame.anchor is not None:
                    self.open.discard(frame.anchor)
                    self.sizes[frame.anchor] = composed - frame.before
            elif kind is sequence_start or kind is mapping_start:
                composed += 1
                tag = event.tag
                started: SequenceNode | MappingNode
                if kind is sequence_start:
                    tag = SEQ_TAG if tag is None or tag == "!" else tag
                    started = SequenceNode(tag, [], event.start_mark, None, event.flow_style)
                else:
                    tag = MAP_TAG if tag is None or tag == "!" else tag
                    started = MappingNode(tag, [], event.start_mark, None, event.flow_style)
                if event.anchor is not None:
                    self.anchored(event.anchor, started, event)
                    self.open.add(event.anchor)
                top = _Frame(started, event.anchor, composed - 1)
                stack.append(top)
                if len(stack) > MAX_DEPTH:
                    raise file_error(
                        self.filename,
                        f"lists and mappings are nested more than {MAX_DEPTH} deep here; flatten them",
                        event.start_mark.line + 1,
                        event.start_mark.column + 1,
                    )
                continue
            elif kind is alias_event:
                self.composed = composed
                node = self.alias(event)
                composed = self.composed
            else:  # the document ends
                assert root is not None
                return root
            if top is None:
                root = node
            elif top.listed:
                top.items.append(node)
            elif top.key is None:
                top.key = node
            else:
                top.items.append((top.key, node))
                top.key = None


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python reader, scanner and parser."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def composer(text: str, filename: str, engine: Engine = "python") -> tuple[Composer, Callable[[], None]]:
    """Return a guarded composer of text on engine's parser, and the function that frees the parser."""
    parser = CParser(text) if engine == "libyaml" and LIBYAML_AVAILABLE else _PythonParser(text)
    return Composer(parser.get_event, filename), parser.dispose


def engine_for(text: str, engine: Engine | None = None) -> Engine:
    """Return the engine that composes text as PyYAML would: libyaml, unless text has what libyaml reads differently.

    libyaml accepts a tab inside plain text and some characters that PyYAML refuses; such a
    file goes to Python, which gives its message (or the same nodes).
    """
    wanted = engine or ENGINES[0]
    if wanted == "libyaml" and ("\t" in text or NON_PRINTABLE.search(text)):
        return "python"
    return wanted


def compose(text: str, filename: str, engine: Engine | None = None) -> Node:
    """Return the root node of the text, or raise EventFileError saying what is wrong and where.

    By default libyaml parses, where it is installed; a file it cannot compose (a syntax
    error, a guard) is composed again in pure Python, which gives the organizer's message.
    """
    if engine_for(text, engine) == "libyaml":
        fast, free = composer(text, filename, "libyaml")
        try:
            node = fast.compose()
        except (yaml.YAMLError, EventFileError):
            node = None
        finally:
            free()
        if node is not None:
            return node
    return _compose_in_python(text, filename)


def _compose_in_python(text: str, filename: str) -> Node:
    try:
        slow, free = composer(text, filename, "python")
    except yaml.reader.ReaderError as err:
        raise reader_error(err, text, filename) from None
    try:
        node = slow.compose()
    except yaml.MarkedYAMLError as err:
        raise yaml_error(err, text, filename) from None
    finally:
        free()
    if node is None:
        raise file_error(
            filename,
            "the file is empty (or only comments); it needs event, tracks, speakers and sessions (see docs/event-format.md)",
        )
    return node
