"""Merge a new import into an existing event.yaml, keeping ids, comments and hand-made edits.

The file is read and written with ruamel.yaml's round-trip mode, so comments and the order and quoting of
untouched values survive. Only the fields an import writes (OWNED) are replaced or removed on the items
it matched; every other field, the whole `event` section except its days, and hand-made items without a
`source_id` stay as they are.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

# Fields an import always owns on the items it matched; other fields (such as url or bio) are owned only
# when the import writes them for at least one item of that kind, so a source that never says them
# leaves what the organizer wrote.
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
HEADER_LINE = re.compile(r"^# Imported from .*$", re.MULTILINE)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _value(key: str, value: Any) -> Any:
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if key == "color":
        return DoubleQuotedScalarString(value)
    return value


def _fill(target: CommentedMap, item: dict[str, Any], owned: tuple[str, ...]) -> None:
    for key in owned:
        if key in item:
            target[key] = _value(key, item[key])
        elif key in target:
            del target[key]
    # Keep the documented key order for keys this merge adds: description last.
    if "description" in target and list(target)[-1] != "description":
        target.move_to_end("description")


def _widen(event: CommentedMap, key: str, new: str, pick: Any) -> None:
    old = str(event.get(key, new))
    try:
        chosen = pick(date.fromisoformat(old), date.fromisoformat(new)).isoformat()
    except ValueError:
        chosen = new
    if chosen != old:
        event[key] = chosen


def merge(existing: str, document: dict[str, Any], header_line: str) -> str:
    """Return the existing event.yaml text with the imported document merged in."""
    yaml = _yaml()
    data = yaml.load(existing)
    event = data["event"]
    _widen(event, "first_day", document["event"]["first_day"], min)
    _widen(event, "last_day", document["event"]["last_day"], max)
    if "speaker_overlaps" not in event:
        event["speaker_overlaps"] = document["event"]["speaker_overlaps"]
    imported_ids = {section: {item["id"] for item in document[section]} for section in OWNED}
    for section, always in OWNED.items():
        owned = always + tuple(
            key for key in SOMETIMES_OWNED[section] if any(key in item for item in document[section])
        )
        old_items = data.get(section) or CommentedSeq()
        by_id = {str(item.get("id")): item for item in old_items if isinstance(item, CommentedMap)}
        merged = CommentedSeq()
        for item in document[section]:
            target = by_id.get(item["id"])
            if target is None:
                target = CommentedMap()
                target["id"] = item["id"]
            _fill(target, item, owned)
            for key in item:
                if key not in target:
                    target[key] = _value(key, item[key])
            merged.append(target)
        for old in old_items:
            if not isinstance(old, dict) or str(old.get("id")) in imported_ids[section]:
                continue
            if not old.get("source_id"):
                merged.append(old)
        data[section] = merged
    used_tracks = {t for s in data["sessions"] for t in _ids(s.get("tracks")) + _ids(s.get("track"))}
    used_speakers = {p for s in data["sessions"] for p in _ids(s.get("speakers"))}
    for section, used in (("tracks", used_tracks), ("speakers", used_speakers)):
        data[section] = CommentedSeq(
            item
            for item in data[section]
            if str(item.get("id")) in imported_ids[section] or str(item.get("id")) in used
        )
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    return HEADER_LINE.sub(header_line.replace("\\", "\\\\"), text, count=1)


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]
