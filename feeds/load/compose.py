"""Turn the bytes of an event file into YAML nodes, with every guard: size, encoding, aliases, depth.

Scalars stay text: nothing is typed here. libyaml (PyYAML's C binding) scans and parses where
it is installed; the nodes are composed in Python by the same guarded composer on either path,
and a file the fast path cannot compose is composed again by the pure-Python path, so both give
the same nodes and the same messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import Node, ScalarNode

from .messages import reader_error, yaml_error
from .problems import EventFileError, byte_position, file_error

LIBYAML_AVAILABLE: bool = yaml.__with_libyaml__
if LIBYAML_AVAILABLE:
    from yaml._yaml import CParser

DEFAULT_MAX_BYTES = 5_000_000  # 5 MB
# Values that YAML aliases (*name) may repeat in all; a "billion laughs" file stops here.
MAX_REPEATED_NODES = 10_000
# Line breaks for YAML that editors show on one line (often pasted from web pages): read as spaces,
# so that line numbers match what the organizer sees.
SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})
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
        return data.decode("utf-8").translate(SEPARATORS)
    except UnicodeDecodeError as err:
        line, column = byte_position(data, err.start)
        raise file_error(
            filename,
            f"the file is not UTF-8 text (byte 0x{data[err.start]:02x}); save it as UTF-8",
            line,
            column,
        ) from None


class _Guarded(yaml.composer.Composer):
    """Compose nodes without typing any scalar, counting what aliases repeat."""

    filename: str

    def start_guards(self, filename: str) -> None:
        yaml.composer.Composer.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)  # type: ignore[arg-type]
        self.filename = filename
        self.composed = 0  # nodes so far, an alias counting as every node it repeats
        self.repeated = 0  # nodes repeated through aliases
        self.sizes: dict[str, int] = {}
        self.open: set[str] = set()  # anchors whose value is still being composed

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) and anchor is not None:
            mark = event.start_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
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


class _PythonLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _Guarded,
    yaml.resolver.BaseResolver,
):
    """The pure-Python reader, scanner and parser under the guarded composer."""

    def __init__(self, stream: str, filename: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        self.start_guards(filename)


if LIBYAML_AVAILABLE:

    class _LibyamlLoader(_Guarded, CParser, yaml.resolver.BaseResolver):
        """libyaml's scanner and parser under the guarded composer."""

        def __init__(self, stream: str, filename: str) -> None:
            CParser.__init__(self, stream)
            self.start_guards(filename)

        def compose_scalar_node(self, anchor: dict[Any, Node]) -> ScalarNode:
            node = super().compose_scalar_node(anchor)
            if not node.style:  # libyaml marks a plain scalar '' where PyYAML writes None
                node.style = None
            return node


def loader(text: str, filename: str, engine: Engine = "python") -> _Guarded:
    """Return a guarded loader of text; its `sizes` name the anchors it composed."""
    if engine == "libyaml" and LIBYAML_AVAILABLE:
        return _LibyamlLoader(text, filename)
    return _PythonLoader(text, filename)


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

    By default libyaml composes, where it is installed; a file it cannot compose (a syntax
    error, a guard, a character PyYAML refuses) is composed again in pure Python, which gives
    the organizer's message.
    """
    if engine_for(text, engine) == "libyaml":
        fast = loader(text, filename, "libyaml")
        try:
            node = fast.get_single_node()
        except (yaml.YAMLError, EventFileError, RecursionError):
            node = None
        finally:
            fast.dispose()  # type: ignore[attr-defined]
        if node is not None:
            return node
    return _compose_in_python(text, filename)


def _compose_in_python(text: str, filename: str) -> Node:
    try:
        slow = _PythonLoader(text, filename)
    except yaml.reader.ReaderError as err:
        raise reader_error(err, text, filename) from None
    try:
        node = slow.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise yaml_error(err, text, filename) from None
    except RecursionError:
        raise file_error(filename, "lists and mappings are nested too deeply to read; flatten the file") from None
    finally:
        slow.dispose()
    if node is None:
        raise file_error(
            filename,
            "the file is empty (or only comments); it needs event, tracks, speakers and sessions (see docs/event-format.md)",
        )
    return node
