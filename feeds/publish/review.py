"""Reviewing a draft before it is released: what would change, and what looks like a costly mistake.

Pure functions of (event, ledger, changes): `feeds check`, `feeds diff`, the
watcher's holds and the preview all say the same thing about the same draft.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import feed_path
from ..ledger import Change, Ledger, advance, now_utc
from ..model import Event
from ..text import ORGANIZER_CHANGE_TEXT, ChangeKind, plural

RENAME_HINT = (
    "{where}: session '{new}' looks like '{old}' renamed ({why}); to keep subscribers' events, add "
    "`aliases: [{old}]` to it, otherwise they see '{old}' cancelled and a new event"
)
RELEASE_ANYWAY = "or release it as it is with 'feeds publish'"
# Cancelling or removing one session is ordinary; the share rule holds only larger sweeps.
MIN_HELD_REMOVALS = 2


@dataclass(frozen=True, slots=True)
class Hold:
    """Why a draft is not released automatically, and what to do about it."""

    reason: str
    advice: str

    def __str__(self) -> str:
        return f"{self.reason}; {self.advice}"


def change_text(change: Change) -> str:
    """Return what one change did, as an organizer reads it: "moved: Tue 10:00 -> 11:00"."""
    return ORGANIZER_CHANGE_TEXT.get(change.kind, change.kind).format(old=change.old, new=change.new)


def describe(change: Change) -> str:
    """Return one change as an indented line for an organizer."""
    return f"  {change.session}: {change_text(change)}"


def changed_feeds(ledger: Ledger | None, event: Event) -> list[str]:
    """Return the URL paths of the feeds whose bytes releasing event would change."""
    moment = ledger.revised if ledger else now_utc()
    after, _ = advance(ledger, event, moment, 10**6)
    return sorted(
        feed_path(key)
        for key, record in after.feeds.items()
        if ledger is None or key not in ledger.feeds or ledger.feeds[key].fingerprint != record.fingerprint
    )


def rename_warnings(event: Event, ledger: Ledger | None, changes: list[Change]) -> list[str]:
    """Return a warning for each removed session that an added one seems to replace."""
    if ledger is None:
        return []
    removed = [ledger.sessions[c.uid] for c in changes if c.kind == ChangeKind.REMOVED and c.uid in ledger.sessions]
    notes = []
    for change in changes:
        session = event.session(change.session) if change.kind == ChangeKind.ADDED else None
        if session is None:
            continue
        for old in removed:
            why = "same title" if old.content.title == session.title else ""
            why = why or ("same start" if old.content.start == session.start else "")
            if why:
                line, column = event.positions.get(f"session:{session.id}", (1, 1))
                where = f"{event.source_name}:{line}:{column}"
                notes.append(RENAME_HINT.format(where=where, new=session.id, old=old.id, why=why))
    return notes


def find_holds(event: Event, ledger: Ledger | None, changes: list[Change], removal_share: float) -> list[Hold]:
    """Return why the draft should wait for an organizer instead of being released automatically."""
    holds = [Hold(warning, "add the alias, " + RELEASE_ANYWAY) for warning in rename_warnings(event, ledger, changes)]
    if ledger is None:
        return holds
    live = sum(1 for entry in ledger.sessions.values() if entry.removed is None and not entry.content.cancelled)
    gone = [change for change in changes if change.kind in (ChangeKind.REMOVED, ChangeKind.CANCELLED)]
    if len(gone) >= MIN_HELD_REMOVALS and len(gone) > removal_share * live:
        names = ", ".join(change.session for change in gone[:5]) + (", ..." if len(gone) > 5 else "")
        holds.append(
            Hold(
                f"{event.source_name}: {plural(len(gone), 'session')} of {live} would be cancelled or removed at once "
                f"({names}), more than FEEDS_HOLD_REMOVALS ({removal_share:.0%})",
                "if that is a mistake, restore them; " + RELEASE_ANYWAY,
            )
        )
    return holds
