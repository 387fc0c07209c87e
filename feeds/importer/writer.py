"""Write an imported event as a commented, readable event.yaml in the style of docs/event-format.md."""

from __future__ import annotations

import json
import re
from typing import Any

# Words the loader reads as something other than text, or that an organizer would misread.
_RESERVED = {"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"}
_PLAIN_START = re.compile(r"[A-Za-z0-9(\u00a0-\uffff]")
_DAY_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?")
_UNSAFE_INSIDE = re.compile(r":\s|\s#|[\t\n\r]|:$|\s$")
LIST_SECTIONS = ("tracks", "speakers", "sessions")
SECTION_NOTES = {
    "tracks": "# Tracks; each gets its own calendar feed.",
    "speakers": "# Speakers; each gets their own calendar feed.",
    "sessions": "# Sessions in time order. tracks: [] puts a session in the conference feed only.",
}


def scalar(value: str) -> str:
    """Return text as a YAML scalar: plain when that reads back the same, else double-quoted."""
    if (
        value.lower() not in _RESERVED
        and _PLAIN_START.match(value)
        and not _UNSAFE_INSIDE.search(value)
        and not re.fullmatch(r"[-+]?[0-9][0-9_.:eE+-]*", value)
    ) or _DAY_OR_TIME.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def block(value: str, indent: str) -> str:
    """Return multi-line text as a literal block (|), or one quoted line when a block would change it."""
    lines = value.split("\n")
    if any(line != line.rstrip() or "\t" in line for line in lines) or lines[0][:1] == " ":
        return " " + json.dumps(value, ensure_ascii=False)
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return f" |\n{body}"


def field(key: str, value: Any, indent: str) -> str:
    """Return one 'key: value' line (or lines) at the indent."""
    if isinstance(value, bool):
        return f"{indent}{key}: {'true' if value else 'false'}"
    if isinstance(value, list):
        return f"{indent}{key}: [{', '.join(scalar(str(item)) for item in value)}]"
    text = str(value)
    if "\n" in text:
        return f"{indent}{key}:{block(text, indent + '  ')}"
    return f"{indent}{key}: {scalar(text)}"


def render_item(item: dict[str, Any]) -> list[str]:
    """Return the lines of one list item, '  - id: ...' first."""
    lines = []
    for index, (key, value) in enumerate(item.items()):
        line = field(key, value, "    ")
        lines.append("  - " + line[4:] if index == 0 else line)
    return lines


def render_document(header: list[str], document: dict[str, Any]) -> str:
    """Return the whole event.yaml text: the header comment, the event and the three lists."""
    out = [f"# {line}" if line else "#" for line in header]
    out.append("")
    out.append("event:")
    out.extend(field(key, value, "  ") for key, value in document["event"].items())
    for section in LIST_SECTIONS:
        out.append("")
        out.append(SECTION_NOTES[section])
        items = document[section]
        if not items:
            out.append(f"{section}: []")
            continue
        out.append(f"{section}:")
        for index, item in enumerate(items):
            if section == "sessions" and index:
                out.append("")
            out.extend(render_item(item))
    return "\n".join(out) + "\n"
