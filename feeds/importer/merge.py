"""Merge a new import into an existing event.yaml, keeping ids, comments and hand-made edits.

The merge works on lines of a file in the layout `feeds import` writes (docs/event-format.md's layout:
top-level `event:`, `tracks:`, `speakers:` and `sessions:`, list items starting `  - `, fields indented
four spaces). Comment lines belong to what follows them: the next field, item or section, so they move
with it. On each item it matched, the import replaces the fields it owns (OWNED, and SOMETIMES_OWNED when
it writes that field for at least one item of the kind) and leaves every other field as written. The
`event` section is kept except that its days widen to cover the sessions. Hand-made items without a
`source_id` stay. A file in another layout is refused with a message rather than merged by guesswork.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .writer import field as render_field
from .writer import render_item

OWNED = {
    "tracks": ("name", "source_id"),
    "speakers": ("name", "source_id"),
    "sessions": ("title", "start", "end", "duration", "track", "tracks", "plenary", "speakers", "status", "source_id"),
}
SOMETIMES_OWNED = {
    "tracks": ("color",),
    "speakers": ("role", "affiliation", "bio"),
    "sessions": ("url", "location", "join_url", "description"),
}
SECTIONS = ("event", "tracks", "speakers", "sessions")
TOP_KEY = re.compile(r"^([A-Za-z_]+):(.*)$")
ITEM_START = re.compile(r"^  - ([A-Za-z_]+):")
FIELD_START = re.compile(r"^    ([A-Za-z_]+):")
EVENT_FIELD = re.compile(r"^  ([A-Za-z_]+):")
HEADER_LINE = re.compile(r"^# Imported from .*$", re.MULTILINE)


class MergeError(Exception):
    """The existing file is not in a layout the merge can keep intact."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


@dataclass(slots=True)
class Field:
    """One field of an item: the comment lines before it and its own lines."""

    key: str
    lines: list[str]
    lead: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Item:
    """One list item: the comment lines before it, and its fields."""

    lead: list[str]
    fields: list[Field]
    tail: list[str] = field(default_factory=list)

    def value(self, key: str) -> str:
        found = next((f for f in self.fields if f.key == key), None)
        loaded = _loaded(found) if found is not None else None
        return "" if loaded is None else str(loaded)

    def lines(self) -> list[str]:
        out = list(self.lead)
        for index, entry in enumerate(self.fields):
            out.extend(entry.lead)
            if index == 0:
                out.append("  - " + entry.lines[0].removeprefix("    "))
                out.extend(entry.lines[1:])
            else:
                out.extend(entry.lines)
        out.extend(self.tail)
        return out


@dataclass(slots=True)
class Section:
    """A top-level key: the lines before it, its own line, and its body."""

    lead: list[str]
    head: str
    body: list[str]
    line: int = 1


def _split_sections(text: str) -> tuple[list[str], dict[str, Section], list[str]]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header: list[str] = []
    sections: dict[str, Section] = {}
    pending: list[str] = []
    current: Section | None = None
    for number, line in enumerate(lines, start=1):
        match = TOP_KEY.match(line)
        if match:
            key = match.group(1)
            if key not in SECTIONS or key in sections:
                raise MergeError(number, f"top-level key '{key}' is not one the merge knows or appears twice")
            if current is None:
                header, pending = _split_header(pending)
            current = Section(pending, line, [], number)
            sections[key] = current
            pending = []
        elif line.strip() == "" or line.lstrip().startswith("#"):
            pending.append(line)
        elif current is None:
            raise MergeError(number, "text before the first section")
        else:
            current.body.extend(pending)
            current.body.append(line)
            pending = []
    return header, sections, pending


def _split_header(lines: list[str]) -> tuple[list[str], list[str]]:
    """Return the file's opening comment block and the lines that lead the first section."""
    if "" in lines:
        cut = len(lines) - lines[::-1].index("")
        return lines[:cut], lines[cut:]
    return lines, []


def _items(section: Section, name: str) -> tuple[list[Item], list[str]]:
    items: list[Item] = []
    pending: list[str] = []
    if section.head.strip() != f"{name}:":
        if section.head.strip() in {f"{name}: []", f"{name}:[]"}:
            return [], []
        raise MergeError(section.line, f"'{name}' must be a list written one item per '  - ' line")
    for line in section.body:
        if ITEM_START.match(line):
            key = ITEM_START.match(line).group(1)  # type: ignore[union-attr]
            # Comments indented like fields, right after an item's last field, close that item.
            closing = 0
            while items and closing < len(pending) and pending[closing].startswith("    #"):
                closing += 1
            if closing:
                items[-1].tail.extend(pending[:closing])
            items.append(Item(pending[closing:], [Field(key, ["    " + line[4:]])]))
            pending = []
        elif not items:
            if line.strip() and not line.lstrip().startswith("#"):
                raise MergeError(section.line, f"'{name}' has a line before its first '  - ' item: {line.strip()[:40]}")
            pending.append(line)
        elif FIELD_START.match(line):
            items[-1].fields.append(Field(FIELD_START.match(line).group(1), [line], pending))  # type: ignore[union-attr]
            pending = []
        elif line.strip() == "" or line.lstrip().startswith("#"):
            pending.append(line)
        else:
            items[-1].fields[-1].lines.extend(pending)
            items[-1].fields[-1].lines.append(line)
            pending = []
    if items:
        items[-1].tail.extend(pending)
    return items, [] if items else pending


def _rendered(key: str, value: Any) -> list[str]:
    return render_field(key, value, "    ").split("\n")


def _update(item: Item, new: dict[str, Any], owned: tuple[str, ...]) -> None:
    kept = [entry for entry in item.fields if entry.key not in owned or entry.key in new]
    for entry in item.fields:
        if entry not in kept and entry.lead:
            # A comment on a field that the source no longer has moves to the next field.
            following = item.fields[item.fields.index(entry) + 1 :]
            if following:
                following[0].lead[:0] = entry.lead
    item.fields = kept
    for key in owned:
        if key not in new:
            continue
        existing = next((entry for entry in item.fields if entry.key == key), None)
        if existing is not None:
            if not _same(existing, new[key]):
                # An unchanged value keeps its lines as written, with any comment at their end.
                existing.lines = _rendered(key, new[key])
            continue
        position = next((i for i, entry in enumerate(item.fields) if entry.key == "description"), len(item.fields))
        item.fields.insert(position, Field(key, _rendered(key, new[key])))


def _text_of(text: str) -> Any:
    """Return YAML text as strings, lists and mappings, with no value turned into a number, date or boolean."""
    try:
        return yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return None


def _loaded(entry: Field) -> Any:
    loaded = _text_of("\n".join(line[4:] if line.startswith("    ") else line for line in entry.lines))
    return loaded.get(entry.key) if isinstance(loaded, dict) else None


def _plain(value: Any) -> Any:
    """Return a value as the text event.yaml holds: true/false for booleans, strings in lists."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value).strip()


def _same(entry: Field, value: Any) -> bool:
    """Return whether a field as written already says value."""
    same: bool = _plain(_loaded(entry)) == _plain(value)
    return same


def _in_style(item: Item, new: dict[str, Any], end: str) -> dict[str, Any]:
    """Return the new fields written the way the item already writes them: end or duration, track or tracks."""
    keys = {entry.key for entry in item.fields}
    styled: dict[str, Any] = {}
    for key, value in new.items():
        if key == "duration" and "end" in keys and end:
            styled["end"] = end
        elif key == "track" and "tracks" in keys:
            styled["tracks"] = [value]
        else:
            styled[key] = value
    return styled


def _new_item(new: dict[str, Any]) -> Item:
    lines = render_item(new)
    fields: list[Field] = []
    for line in lines:
        match = ITEM_START.match(line) or FIELD_START.match(line)
        if match:
            fields.append(Field(match.group(1), ["    " + line[4:]]))
        else:
            fields[-1].lines.append(line)
    return Item([], fields)


def merge(existing: str, document: dict[str, Any], header_line: str, ends: dict[str, str]) -> str:
    """Return the existing event.yaml text with the imported document merged in; ends are local end times by id."""
    header, sections, trailing = _split_sections(existing)
    missing = [name for name in SECTIONS if name not in sections]
    if missing:
        raise MergeError(1, f"the file has no '{missing[0]}:' section")
    defaults = _update_event(sections["event"], document["event"])
    imported = {name: {item["id"] for item in document[name]} for name in OWNED}
    kept: dict[str, list[Item]] = {}
    spacing: dict[str, bool] = {}
    for name, always in OWNED.items():
        owned = always + tuple(key for key in SOMETIMES_OWNED[name] if any(key in item for item in document[name]))
        items, loose = _items(sections[name], name)
        incoming = {new["id"]: new for new in document[name]}
        merged: list[Item] = []
        # Items keep the file's order; removed ones go, unless they were made by hand (no source_id).
        for old in items:
            ident = old.value("id")
            if ident in incoming:
                new = incoming.pop(ident)
                styled = _in_style(old, new, ends.get(ident, "") if name == "sessions" else "")
                present = {entry.key for entry in old.fields}
                for key, value in defaults.items():
                    # The event's own location or join link already applies; do not repeat it on the session.
                    if name == "sessions" and key not in present and styled.get(key) == value:
                        del styled[key]
                _update(old, styled, owned)
                merged.append(old)
            elif not old.value("source_id"):
                merged.append(old)
        for new in incoming.values():
            # New sessions go before the first later one; new tracks and speakers at the end.
            later = next(
                (i for i, item in enumerate(merged) if name == "sessions" and item.value("start") > str(new["start"])),
                len(merged),
            )
            merged.insert(later, _new_item(new))
        kept[name] = merged
        spacing[name] = any(item.lead[:1] == [""] for item in items[1:]) or (not items and name == "sessions")
        sections[name].body = loose
    _drop_unused(kept, imported)
    out = list(header)
    for name in SECTIONS:
        section = sections[name]
        out.extend(section.lead)
        if name == "event":
            out.append(section.head)
            out.extend(section.body)
            continue
        if not kept[name]:
            out.append(f"{name}: []")
            continue
        out.append(f"{name}:")
        for index, item in enumerate(kept[name]):
            _space(item, first=index == 0, spaced=spacing[name])
            out.extend(item.lines())
    out.extend(trailing)
    text = "\n".join(out) + "\n"
    return HEADER_LINE.sub(header_line.replace("\\", "\\\\"), text, count=1)


def _space(item: Item, first: bool, spaced: bool) -> None:
    """Keep the list's spacing: a blank line before every item but the first when the list has them."""
    if first:
        while item.lead[:1] == [""]:
            item.lead.pop(0)
    elif spaced and item.lead[:1] != [""]:
        item.lead.insert(0, "")


def _update_event(section: Section, event: dict[str, Any]) -> dict[str, str]:
    """Widen the event's days, add speaker_overlaps, and return its location and join_url as written."""
    found: dict[str, int] = {}
    for index, line in enumerate(section.body):
        match = EVENT_FIELD.match(line)
        if match and not line.startswith("   "):
            found[match.group(1)] = index
    for key, pick in (("first_day", min), ("last_day", max)):
        if key not in found:
            section.body.append(render_field(key, event[key], "  "))
            continue
        old = str(_text_of(section.body[found[key]].strip().split(":", 1)[1]) or "")
        chosen = pick(old, event[key]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", old) else event[key]
        section.body[found[key]] = render_field(key, chosen, "  ")
    if "speaker_overlaps" not in found:
        section.body.append(render_field("speaker_overlaps", event["speaker_overlaps"], "  "))
    defaults = {}
    for key in ("location", "join_url"):
        if key in found:
            loaded = _text_of(section.body[found[key]].strip())
            if isinstance(loaded, dict) and loaded.get(key):
                defaults[key] = str(loaded[key])
    return defaults


def _drop_unused(kept: dict[str, list[Item]], imported: dict[str, set[str]]) -> None:
    """Drop hand-made tracks and speakers that no session refers to any more."""
    used: dict[str, set[str]] = {"tracks": set(), "speakers": set()}
    for session in kept["sessions"]:
        for key, name in (("track", "tracks"), ("tracks", "tracks"), ("speakers", "speakers")):
            entry = next((f for f in session.fields if f.key == key), None)
            if entry is None:
                continue
            loaded = _text_of("\n".join(line[4:] for line in entry.lines))
            value = loaded.get(key) if isinstance(loaded, dict) else None
            used[name].update(str(v) for v in (value if isinstance(value, list) else [value] if value else []))
    for name in ("tracks", "speakers"):
        kept[name] = [item for item in kept[name] if item.value("id") in imported[name] | used[name]]
