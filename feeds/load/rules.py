"""The rules across items of event.yaml: unique ids, references, the event's days, speakers' overlaps.

Each rule reads items already checked field by field, with the nodes they came from, and
reports through a `Reporter` at the node to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol, TypeVar

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..model import OVERLAP_WARNING, Session, Speaker, Track
from ..text import suggest
from .messages import quote
from .nodes import field_node, is_null, item_index, labelled

T = TypeVar("T")
Item = Track | Speaker | Session
# Each item as checking gave it: the node it came from, its path in messages, the item.
Checked = tuple[Node, str, T]


class Reporter(Protocol):
    """Where rules report: a problem stops publishing, a warning does not."""

    def add(self, node: Node, path: str, message: str) -> None: ...

    def warn(self, node: Node, path: str, message: str) -> None: ...


def known_names(items: Sequence[Track | Speaker]) -> dict[str, str]:
    """Return every id and alias of the items, each mapped to the id it stands for."""
    names: dict[str, str] = {}
    for item in items:
        if item.id:
            names[item.id] = item.id
        for alias in item.aliases:
            names.setdefault(alias, item.id)
    return names


def unique_ids(report: Reporter, kind: str, node: Node | None, path: str) -> None:
    """Report ids and aliases used twice among the items of one list; ids are checked first."""
    if not isinstance(node, SequenceNode):
        return
    ids: list[tuple[str, Node, str]] = []
    aliases: list[tuple[str, Node, str]] = []
    for index, item in enumerate(node.value):
        label = labelled(item, f"{path}[{index}]")
        ident = field_node(item, "id")
        owner = str(ident.value) if isinstance(ident, ScalarNode) else ""
        if isinstance(ident, ScalarNode) and not is_null(ident):
            ids.append((f"{label}.id", ident, owner))
        listed = field_node(item, "aliases")
        if isinstance(listed, SequenceNode):
            aliases += [
                (f"{label}.aliases[{i}]", a, owner)
                for i, a in enumerate(listed.value)
                if isinstance(a, ScalarNode) and not is_null(a)
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
            message = f"{kind} id {quote(name)} is already used at line {line}; ids must be unique and are never reused"
        elif first_owner == owner and not first_is_alias:
            message = f"{quote(name)} is this {kind}'s own id; remove it from aliases"
        else:
            what = "an alias of" if first_is_alias else "the id of"
            message = (
                f"{quote(name)} is already {what} {kind} {quote(first_owner)} (line {line}); "
                f"an alias must not match another {kind}'s id or alias"
            )
        report.add(name_node, where, message)


def unique_source_ids(report: Reporter, kind: str, items: Sequence[Checked[Item]]) -> None:
    """Report a source_id that two items of one kind share."""
    seen: dict[str, tuple[Node, str]] = {}
    for node, path, item in items:
        if not item.source_id:
            continue
        where = field_node(node, "source_id") or node
        if item.source_id not in seen:
            seen[item.source_id] = (where, item.id)
            continue
        first, owner = seen[item.source_id]
        mark = first.start_mark
        report.add(
            where,
            f"{path}.source_id",
            f"source_id {quote(item.source_id)} is already the source_id of {kind} {quote(owner)} "
            f"(line {mark.line + 1}, column {mark.column + 1}); each {kind} comes from a different item of its source",
        )


def resolve(
    report: Reporter, names: dict[str, str], node: Node, path: str, field: str, refs: tuple[str, ...], kind: str
) -> tuple[str, ...]:
    """Return refs as canonical ids, reporting unknown ones with a suggestion."""
    value_node = field_node(node, field)
    resolved: list[str] = []
    for index, ref in enumerate(refs):
        if ref in names:
            if names[ref] not in resolved:
                resolved.append(names[ref])
            continue
        where = value_node or node
        suffix = ""
        if isinstance(value_node, SequenceNode):
            position = item_index(value_node, ref, index)
            suffix = f"[{position}]"
            where = value_node.value[position]
        report.add(where, f"{path}.{field}{suffix}", f"unknown {kind} {quote(ref)}{suggest(ref, names)}")
    return tuple(resolved)


def within_days(report: Reporter, days: tuple[date, date] | None, node: Node, path: str, session: Session) -> None:
    """Report a session that starts before the event's first day or ends after its last."""
    if days is None:
        return
    first, last = days
    local_end = session.end - timedelta(microseconds=1)
    if session.start.date() < first or local_end.date() > last:
        where = field_node(node, "start") or node
        report.add(
            where,
            f"{path}.start",
            f"{session.start:%Y-%m-%d %H:%M}-{session.end:%H:%M} is outside the event's days "
            f"({first.isoformat()} to {last.isoformat()}); fix the date or event.first_day/last_day",
        )


def overlaps(report: Reporter, policy: str, speakers: dict[str, str], sessions: Sequence[Checked[Session]]) -> None:
    """Report each session whose speaker is already in an earlier session that has not ended."""
    booked: dict[str, list[tuple[Session, Node, str]]] = {}
    for node, path, session in sessions:
        if session.cancelled:
            continue
        for speaker in session.speakers:
            booked.setdefault(speaker, []).append((session, node, path))
    say = report.warn if policy == OVERLAP_WARNING else report.add
    for speaker, slots in booked.items():
        slots.sort(key=lambda slot: (slot[0].start, slot[0].end))
        busy = slots[0][0]  # of the sessions so far, the one that ends last
        for later, node, path in slots[1:]:
            if later.start < busy.end:
                listed = field_node(node, "speakers")
                where, suffix = listed or node, ""
                if isinstance(listed, SequenceNode):
                    for index, item in enumerate(listed.value):
                        if isinstance(item, ScalarNode) and speakers.get(str(item.value)) == speaker:
                            where, suffix = item, f"[{index}]"
                            break
                say(
                    where,
                    f"{path}.speakers{suffix}",
                    f"speaker {quote(speaker)} is also in session {quote(busy.id)} "
                    f"({busy.start:%Y-%m-%d %H:%M}-{busy.end:%H:%M}) at the same time",
                )
            if later.end > busy.end:
                busy = later


def unbooked(report: Reporter, speakers: Sequence[Checked[Speaker]], sessions: Sequence[Session]) -> None:
    """Warn about each speaker that no session lists."""
    booked = {ident for session in sessions for ident in session.speakers}
    for node, path, speaker in speakers:
        if speaker.id and speaker.id not in booked:
            report.warn(
                node,
                path,
                f"speaker {quote(speaker.name)} is in no session; add {quote(speaker.id)} to a session's "
                "speakers, or remove the speaker",
            )
