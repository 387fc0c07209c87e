"""Words, ids and change kinds that more than one module writes or reads, each defined here once.

This module is the bottom of the package: it imports nothing from feeds, and everything may import it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

# An id is a slug: it is part of every URL of its session, track or speaker.
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # plain groups: the JSON Schema regex subset editors share
MAX_ID_LENGTH = 64

CANCELLED_PREFIX = "Cancelled: "
# What a session's entry says once it left the schedule or one calendar; the importer recognises the first.
REMOVED_NOTE = "Removed from the schedule."
LEFT_NOTE = "No longer part of this calendar. The session is still on the schedule: see its page below."
# Link titles of the conference-app export, read back by the importer.
MORE_INFORMATION = "More information"
ADD_TO_CALENDAR = "Add to calendar"
JOIN_ONLINE = "Join online"
SESSION_PAGE = "Session page"
SPEAKER_LINK = "Speaker: "
TRACK_LINK = "Track: "

# Letters that Unicode does not decompose into an ASCII letter and a mark.
LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "ð": "d",
    }
)

# Characters XML 1.0 cannot carry; the loader already removes control characters, this is a second guard.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ChangeKind(StrEnum):
    """What one revision did to one session; the values are the ledger's stored words."""

    ADDED = "added"
    MOVED = "moved"
    RETITLED = "retitled"
    CANCELLED = "cancelled"
    UNCANCELLED = "uncancelled"
    REMOVED = "removed"
    RESTORED = "restored"
    TRACKS = "tracks"
    SPEAKERS = "speakers"
    DETAILS = "details"
    RENAMED_ID = "renamed-id"


# How a change reads to an organizer reviewing a draft ({old}, {new}).
ORGANIZER_CHANGE_TEXT: dict[str, str] = {
    ChangeKind.ADDED: "added ({new})",
    ChangeKind.MOVED: "moved: {old} -> {new}",
    ChangeKind.RETITLED: "renamed: '{old}' -> '{new}'",
    ChangeKind.CANCELLED: "cancelled",
    ChangeKind.UNCANCELLED: "no longer cancelled",
    ChangeKind.REMOVED: "removed from the schedule (stays as a cancelled placeholder)",
    ChangeKind.RESTORED: "back on the schedule ({new})",
    ChangeKind.TRACKS: "tracks: {old} -> {new}",
    ChangeKind.SPEAKERS: "speakers: {old} -> {new}",
    ChangeKind.DETAILS: "description, location or links changed",
    ChangeKind.RENAMED_ID: "id changed: {old} -> {new}",
}

# How a change reads to attendees in the changes feed ({title}, {old}, {new}, {span}; page paths for a new id).
ATTENDEE_CHANGE_TEXT: dict[str, str] = {
    ChangeKind.ADDED: "Added: {title}, {new}",
    ChangeKind.MOVED: "Moved: {title}, {span}",
    ChangeKind.RETITLED: "Renamed: {old} -> {new}",
    ChangeKind.CANCELLED: CANCELLED_PREFIX + "{title}",
    ChangeKind.UNCANCELLED: "No longer cancelled: {title}",
    ChangeKind.REMOVED: "Removed: {title}",
    ChangeKind.RESTORED: "Back on the schedule: {title}, {new}",
    ChangeKind.TRACKS: "Tracks changed: {title}: {old} -> {new}",
    ChangeKind.SPEAKERS: "Speakers changed: {title}: {old} -> {new}",
    ChangeKind.DETAILS: "Details changed: {title} (description, location or links)",
    ChangeKind.RENAMED_ID: "New address: {title}: {old} -> {new}",
}


def is_id(text: str) -> bool:
    """Return whether text can be an id: a slug of at most MAX_ID_LENGTH characters."""
    return len(text) <= MAX_ID_LENGTH and SLUG.fullmatch(text) is not None


def shown_id(text: str) -> str:
    """Return an id as asked for, cut to MAX_ID_LENGTH characters: a page never echoes a huge address."""
    return text if len(text) <= MAX_ID_LENGTH else text[: MAX_ID_LENGTH - 3] + "..."


def shorten(slug: str, limit: int = MAX_ID_LENGTH) -> str:
    """Return slug cut to at most limit characters, at a hyphen where there is one."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    if slug[limit] != "-" and "-" in cut:
        cut = cut[: cut.rindex("-")]
    return cut.strip("-")


def slugify(text: str) -> str:
    """Return a lowercase ASCII id built from any text ('' when it has no letters or digits)."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(LETTERS)).encode("ascii", "ignore").decode()
    return shorten("-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())))


def cancelled_title(title: str, cancelled: bool = True) -> str:
    """Return 'Cancelled: title' for a cancelled session, the title otherwise."""
    return CANCELLED_PREFIX + title if cancelled else title


def uncancelled_title(title: str) -> str:
    """Return the title without the 'Cancelled: ' prefix."""
    return title.removeprefix(CANCELLED_PREFIX)


def plural(count: int, noun: str) -> str:
    """Return '1 change' or '14 changes': the count with the noun in the right number."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def suggest(wrong: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or ''."""
    close = difflib.get_close_matches(wrong, list(choices), n=1, cutoff=0.65)
    return f"; did you mean '{close[0]}'?" if close else ""


def clean_xml_text(value: str) -> str:
    """Return text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)
