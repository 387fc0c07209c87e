"""What a page says about itself to link previews and search engines: Open Graph, Twitter cards, schema.org.

Pure functions of the event and the page's rows; the templates print the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..model import EventInfo
from .agenda import SessionRow

SCHEMA = "https://schema.org"
# Link previews cut a description around here; a longer one is shortened at a word.
DESCRIPTION_LIMIT = 200


@dataclass(frozen=True, slots=True)
class PageMeta:
    """A page's title, summary and address for link previews, its feed, and its structured data."""

    title: str
    description: str
    url: str
    feed_url: str = ""
    feed_title: str = ""
    json_ld: str = ""


def summary(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Return text on one line, cut at a word to at most limit characters, with an ellipsis when cut."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def script_json(data: dict[str, Any]) -> str:
    """Return JSON safe inside a <script> element: no '<', '>' or '&' that could end it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def iso(moment: datetime) -> str:
    """Return an aware time as ISO 8601 with its offset, to the minute or second."""
    return moment.isoformat()


def attendance_mode(location: str, join_url: str) -> str:
    """Return the schema.org attendance mode: online with only a join link, mixed with a room as well."""
    if join_url and location and location.casefold() != "online":
        return f"{SCHEMA}/MixedEventAttendanceMode"
    if join_url or location.casefold() == "online":
        return f"{SCHEMA}/OnlineEventAttendanceMode"
    return f"{SCHEMA}/OfflineEventAttendanceMode"


def places(location: str, join_url: str, page_url: str) -> list[dict[str, str]]:
    """Return where the event happens: a VirtualLocation (the join link, else the page) online, a Place for a room."""
    online = location.casefold() == "online"
    found = []
    if join_url or online:
        found.append({"@type": "VirtualLocation", "url": join_url or page_url})
    if location and not online:
        found.append({"@type": "Place", "name": location})
    return found


def conference_data(info: EventInfo, page_url: str) -> dict[str, Any]:
    """Return the schema.org Event of the conference itself."""
    data: dict[str, Any] = {
        "@type": "Event",
        "name": info.name,
        "url": info.url or page_url,
        "startDate": info.first_day.isoformat(),
        "endDate": info.last_day.isoformat(),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "eventAttendanceMode": attendance_mode(info.location, info.join_url),
    }
    if info.description:
        data["description"] = summary(info.description, 500)
    location = places(info.location, info.join_url, info.url or page_url)
    if location:
        data["location"] = location if len(location) > 1 else location[0]
    return data


def session_data(info: EventInfo, row: SessionRow, page_url: str, conference_url: str) -> dict[str, Any]:
    """Return the schema.org Event of one session: status, times, where, who, and the conference it is part of."""
    session = row.session
    location = session.location or info.location
    planned_join = session.join_url or info.join_url
    # A cancelled session keeps how it was to be attended, but no link to join it.
    join_url = "" if session.cancelled else planned_join
    if session.cancelled:
        status = "EventCancelled"
    elif row.previous_start is not None:
        status = "EventRescheduled"
    else:
        status = "EventScheduled"
    data: dict[str, Any] = {
        "@type": "Event",
        "name": session.title,
        "url": page_url,
        "startDate": iso(session.start),
        "endDate": iso(session.end),
        "eventStatus": f"{SCHEMA}/{status}",
        "eventAttendanceMode": attendance_mode(location, planned_join),
        "superEvent": conference_data(info, conference_url),
    }
    if row.previous_start is not None and not session.cancelled:
        data["previousStartDate"] = iso(row.previous_start)
    if session.description:
        data["description"] = summary(session.description, 500)
    where = places(location, join_url, page_url)
    if where:
        data["location"] = where if len(where) > 1 else where[0]
    if row.speakers:
        data["performer"] = [
            {"@type": "Person", "name": speaker.name}
            | ({"affiliation": {"@type": "Organization", "name": speaker.affiliation}} if speaker.affiliation else {})
            for speaker in row.speakers
        ]
    return data


def json_ld(data: dict[str, Any]) -> str:
    """Return a schema.org JSON-LD document for a <script type="application/ld+json"> element."""
    return script_json({"@context": SCHEMA, **data})
