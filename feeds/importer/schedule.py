"""What frab schedule.xml and c3voc schedule.json share: durations, zones, cancellations and our own links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, available_timezones

from ..catalog import kind_prefix
from ..render.frab import PLENARY
from ..text import (
    ADD_TO_CALENDAR,
    CANCELLED_PREFIX,
    JOIN_ONLINE,
    MORE_INFORMATION,
    REMOVED_NOTE,
    SESSION_PAGE,
    SPEAKER_LINK,
    TRACK_LINK,
    is_id,
)
from .text import plain

DURATION = re.compile(r"(\d{1,4}):(\d{2})(?::(\d{2}))?")
MOVED_NOTE = re.compile(r"Moved from [^\n]+")
# Zones people name first when several fit the same offsets; the rest follow in alphabetical order.
PREFERRED_ZONES = ("UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles")


def parse_duration(value: str) -> timedelta | None:
    """Return a frab duration, 'HH:MM' or 'HH:MM:SS' (hours may pass 24), as a timedelta."""
    match = DURATION.fullmatch(value.strip())
    if not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_instant(value: str) -> datetime | None:
    """Return an ISO 8601 date-time with its offset, or None when it has none or is not one."""
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def known_zone(name: str) -> ZoneInfo | None:
    """Return the IANA zone of that name, or None."""
    if name not in _zone_names():
        return None
    return ZoneInfo(name)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def guess_zone(moments: list[datetime]) -> str:
    """Return an IANA zone whose offsets agree with every moment's own offset, or ''."""
    offsets = {(moment.astimezone(ZoneInfo("UTC")), moment.utcoffset()) for moment in moments}
    if not offsets:
        return ""
    distinct = {offset for _, offset in offsets}
    if len(distinct) == 1:
        (offset,) = distinct
        if offset is not None and offset == timedelta(0):
            return "UTC"
        if offset is not None and offset % timedelta(hours=1) == timedelta(0):
            hours = int(offset / timedelta(hours=1))
            # The Etc zones count the other way round: Etc/GMT+7 is seven hours behind UTC.
            return f"Etc/GMT{-hours:+d}"
    ordered = [name for name in PREFERRED_ZONES] + sorted(_zone_names() - set(PREFERRED_ZONES))
    for name in ordered:
        if "/" not in name and name != "UTC":
            continue
        zone = ZoneInfo(name)
        if all(instant.astimezone(zone).utcoffset() == offset for instant, offset in offsets):
            return name
    return ""


@dataclass(slots=True)
class OwnLinks:
    """What this service's own schedule export says in links: the session id, its speakers and tracks."""

    session_id: str = ""
    url: str = ""
    join_url: str = ""
    speakers: list[tuple[str, str]] = field(default_factory=list)
    tracks: list[tuple[str, str]] = field(default_factory=list)
    others: int = 0


def _tail(href: str, base: str, kind: str) -> str:
    prefix = f"{base}{kind_prefix(kind)}/"
    if not href.startswith(prefix):
        return ""
    ident = unquote(href[len(prefix) :])
    return ident if is_id(ident) else ""


def read_links(links: list[tuple[str, str]]) -> OwnLinks:
    """Return what (title, href) links say when they come from this service's export, else only a count."""
    found = OwnLinks()
    base = ""
    for title, href in links:
        if title == SESSION_PAGE:
            path = urlsplit(href).path
            head, _, ident = path.rpartition(kind_prefix("session") + "/")
            if is_id(ident):
                base = href[: len(href) - len(path)] + head
                found.session_id = ident
    for title, href in links:
        if base and title == SESSION_PAGE:
            continue
        if base and title == ADD_TO_CALENDAR and href.endswith(".ics"):
            continue
        speaker = _tail(href, base, "speaker") if base else ""
        track = _tail(href, base, "track") if base else ""
        if speaker and title.startswith(SPEAKER_LINK):
            found.speakers.append((speaker, title[len(SPEAKER_LINK) :]))
        elif track and title.startswith(TRACK_LINK):
            found.tracks.append((track, title[len(TRACK_LINK) :]))
        elif title == MORE_INFORMATION and not found.url:
            found.url = href
        elif title == JOIN_ONLINE and not found.join_url:
            found.join_url = href
        else:
            found.others += 1
    return found


def is_cancelled(title: str, opted_out: bool) -> bool:
    """Return whether a schedule entry is a cancellation as frab exports show one."""
    return opted_out and title.startswith(CANCELLED_PREFIX)


def is_removed(cancelled: bool, notes: str) -> bool:
    """Return whether the entry is a removed session's placeholder, which stays out of event.yaml."""
    return cancelled and notes.strip() == REMOVED_NOTE


def description_of(abstract: object, description: object, own: bool) -> str:
    """Return one plain-text description from a frab abstract and description, without our own notes."""
    first = plain(abstract)
    second = plain(description)
    if own:
        second = MOVED_NOTE.sub("", second).strip()
    if not first or first == second:
        return second
    if not second or second in first:
        return first
    return f"{first}\n\n{second}"


def is_plenary_type(kind: str) -> bool:
    """Return whether a frab type marks a plenary session."""
    return kind.strip().lower() == PLENARY
