"""The VEVENTs feeds are assembled from: rendered once, shared by every feed and every publication."""

from __future__ import annotations

from ..cache import BoundedCache
from ..ledger import Entry, Stay
from ..render.ics import render_event
from ..text import LEFT_NOTE, REMOVED_NOTE

PART_CACHE_SIZE = 50_000


class PartCache:
    """Rendered VEVENTs shared by every feed and every publication; bounded."""

    def __init__(self, size: int = PART_CACHE_SIZE) -> None:
        self._parts: BoundedCache[tuple[str, ...], bytes] = BoundedCache(size)

    def event(self, entry: Entry, page: str, note: str, identity: tuple[str, ...] = ()) -> bytes:
        """Return the VEVENT for entry, rendering it only the first time."""
        key = (*(identity or part_identity(entry)), page, note)
        found = self._parts.get(key)
        if found is not None:
            return found
        part = render_event(entry, page, note)
        self._parts.put(key, part)
        return part

    def table(self, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], bytes]:
        """Return the parts held for keys (a release keeps them, so that nothing renders them again)."""
        return {key: part for key in keys if (part := self._parts.get(key)) is not None}

    def adopt(self, parts: dict[tuple[str, ...], bytes]) -> None:
        """Take parts rendered by another process (a release's), keeping the cache bounded."""
        for key, part in parts.items():
            if key not in self._parts:
                self._parts.put(key, part)


def part_identity(entry: Entry) -> tuple[str, ...]:
    """Return what a session's VEVENT bytes depend on, besides its page URL and note."""
    moved = entry.moved_from.isoformat() if entry.moved_from else ""
    return (
        entry.uid,
        entry.id,
        str(entry.sequence),
        entry.fingerprint,
        entry.modified.isoformat(),
        entry.created.isoformat(),
        moved,
    )


def member_note(entry: Entry, stay: Stay) -> str:
    """Return the note a feed puts on a member: why it is a cancelled placeholder, if it is one."""
    if entry.removed is not None:
        return REMOVED_NOTE
    if not stay.live:
        return LEFT_NOTE
    return ""
