"""Source bytes to text, and JSON read with the line and column of every object and array."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from collections.abc import Callable
from typing import Any

from ..load import byte_position
from .draft import SourceError, SourceProblem

# The pure-Python scanner lets parse_object and parse_array be replaced; typeshed does not list these names.
_make_scanner: Any = getattr(json.scanner, "py_make_scanner")  # noqa: B009
_json_object: Any = getattr(json.decoder, "JSONObject")  # noqa: B009
_json_array: Any = getattr(json.decoder, "JSONArray")  # noqa: B009
MAX_DEPTH = 64


def decode(data: bytes, name: str) -> str:
    """Return UTF-8 source bytes as text, or fail at the first byte that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = byte_position(data, err.start)
        raise SourceError(
            [SourceProblem(name, line, column, f"byte 0x{data[err.start]:02x} is not UTF-8; save the file as UTF-8")]
        ) from None


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of text[offset]."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class JsonObject(dict[str, Any]):
    """A JSON object that remembers where it starts in the source."""

    offset = 0


class JsonArray(list[Any]):
    """A JSON array that remembers where it starts in the source."""

    offset = 0


class _TooDeep(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Decoder(json.JSONDecoder):
    """The standard decoder with located objects and arrays and a nesting limit."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parse_object = self._object
        self.parse_array = self._array
        self.scan_once = _make_scanner(self)

    def _nested(self, start: int, parse: Callable[[], tuple[Any, int]]) -> tuple[Any, int]:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(start)
            return parse()
        finally:
            self.depth -= 1

    # json's scanner passes the hooks; this reader builds its own objects.
    def _object(
        self,
        s_and_end: tuple[str, int],
        strict: bool,
        scan_once: Any,
        hook: Any,  # noqa: ARG002
        pairs_hook: Any,  # noqa: ARG002
        memo: Any = None,
    ) -> tuple[JsonObject, int]:
        start = s_and_end[1] - 1

        def parse() -> tuple[Any, int]:
            found: tuple[Any, int] = _json_object(s_and_end, strict, scan_once, None, None, memo)
            return found

        value, end = self._nested(start, parse)
        located = JsonObject(value)
        located.offset = start
        return located, end

    def _array(self, s_and_end: tuple[str, int], scan_once: Any) -> tuple[JsonArray, int]:
        start = s_and_end[1] - 1
        value, end = self._nested(start, lambda: _json_array(s_and_end, scan_once))
        located = JsonArray(value)
        located.offset = start
        return located, end


def load_json(text: str, name: str) -> Any:
    """Return parsed JSON whose objects and arrays know their offsets, or fail with the position."""
    try:
        return _Decoder().decode(text)
    except json.JSONDecodeError as err:
        raise SourceError([SourceProblem(name, err.lineno, err.colno, f"not valid JSON: {err.msg}")]) from None
    except _TooDeep as err:
        line, column = position(text, err.offset)
        raise SourceError(
            [
                SourceProblem(
                    name, line, column, f"nested more than {MAX_DEPTH} levels deep; no schedule is shaped like this"
                )
            ]
        ) from None
