"""The schedule for conference apps: frab schedule.xml and its JSON twin, from a publication.

Giggity, ConfClerk, info-beamer room displays and the c3voc recording pipeline
read the frab format. Both documents are built from one `Schedule` value, so
they always say the same thing, and that value is a pure function of the
publication (event, ledger): every replica and the static export write the
same bytes. docs/formats.md describes the shape and the choices made here.
"""

from __future__ import annotations

import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ..catalog import feed_key, page_path, session_page_path
from ..ledger import Entry, Ledger, Stay, describe_time
from ..model import Event
from ..text import (
    ADD_TO_CALENDAR,
    JOIN_ONLINE,
    MORE_INFORMATION,
    REMOVED_NOTE,
    SESSION_PAGE,
    SPEAKER_LINK,
    TRACK_LINK,
    cancelled_title,
    clean_xml_text,
)
from .source import Published

# A session with no location (neither its own nor the event's) still needs a room for these apps.
ONLINE_ROOM = "Online"
DEFAULT_ROOM = "Main room"
TALK = "talk"
PLENARY = "plenary"
# The c3voc acronym pattern allows hyphens only in a trailing '-2YYY-word'.
ACRONYM_TAIL = re.compile(r"(.+?)(-2[0-9]{3}-[a-z]+)")


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker as the apps list them, with the address of their page when they have one."""

    name: str
    biography: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown with a session."""

    url: str
    title: str


@dataclass(frozen=True, slots=True)
class Talk:
    """One session in the schedule (frab calls it an event)."""

    guid: str
    id: int
    start: datetime
    duration: timedelta
    room: str
    slug: str
    url: str
    title: str
    track: str
    type: str
    abstract: str
    description: str
    persons: tuple[Person, ...]
    links: tuple[Link, ...]
    cancelled: bool


@dataclass(frozen=True, slots=True)
class Day:
    """One conference day: its rooms in a stable order, each with its sessions in time order."""

    index: int
    date: date
    start: datetime
    end: datetime
    rooms: tuple[tuple[str, tuple[Talk, ...]], ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Everything schedule.xml and schedule.json say."""

    version: str
    title: str
    acronym: str
    start: date
    end: date
    timeslot: timedelta
    time_zone_name: str
    base_url: str
    url: str
    tracks: tuple[tuple[str, str, str], ...]
    rooms: tuple[str, ...]
    days: tuple[Day, ...]


def session_guid(uid: str) -> str:
    """Return the frab guid of a session: uuid5 of its iCalendar UID, stable forever."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, uid))


def frab_acronym(event_id: str) -> str:
    """Return the conference acronym the c3voc schema accepts: the event id with underscores for hyphens.

    A trailing '-YYYY-word' keeps its hyphens, as the schema allows; ids shorter than four characters are
    padded with underscores. Importers turn underscores back into hyphens.
    """
    match = ACRONYM_TAIL.fullmatch(event_id)
    head, tail = (match.group(1), match.group(2)) if match else (event_id, "")
    head = head.replace("-", "_").ljust(4, "_")
    return head + tail


def room_guid(name: str, uid_domain: str) -> str:
    """Return a stable guid for a room name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"room:{name}@{uid_domain}"))


def room_of(location: str, join_url: str) -> str:
    """Return the room a session is listed in: its location, else Online or the default room."""
    if location:
        return location
    return ONLINE_ROOM if join_url else DEFAULT_ROOM


def format_duration(span: timedelta) -> str:
    """Return a duration as frab's HH:MM."""
    minutes = max(0, math.ceil(span.total_seconds() / 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_version(ledger: Ledger) -> str:
    """Return the schedule's version: the newest release's name and time, or its time alone."""
    moment = f"{ledger.revised.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    return f"{ledger.release_name} ({moment})" if ledger.release_name else moment


def schedule_modified(publication: Published) -> datetime:
    """Return the Last-Modified of the schedule documents: the ledger's latest revision."""
    return publication.ledger.revised


def build_schedule(publication: Published, base_url: str) -> Schedule:
    """Return the schedule the apps see: every session of the conference feed, tombstones included."""
    event = publication.event
    info = event.info
    zone = info.zone
    base_url = base_url.rstrip("/")
    members = publication.members("conference")
    talks = [_talk(event, entry, stay, base_url) for entry, stay in members]
    dates = [talk.start.date() for talk in talks]
    first = min([info.first_day, *dates])
    last = max([info.last_day, *dates])
    rooms = tuple(dict.fromkeys(talk.room for talk in talks))
    days = []
    for index in range((last - first).days + 1):
        day = first + timedelta(days=index)
        on_day = [talk for talk in talks if talk.start.date() == day]
        grouped = tuple(
            (room, tuple(talk for talk in on_day if talk.room == room))
            for room in rooms
            if any(talk.room == room for talk in on_day)
        )
        days.append(
            Day(
                index=index + 1,
                date=day,
                start=datetime.combine(day, time(0), zone),
                end=datetime.combine(day + timedelta(days=1), time(0), zone),
                rooms=grouped,
            )
        )
    return Schedule(
        version=schedule_version(publication.ledger),
        title=info.name,
        acronym=frab_acronym(info.id),
        start=info.first_day,
        end=info.last_day,
        timeslot=_timeslot([talk for talk in talks if not talk.cancelled]),
        time_zone_name=info.timezone,
        base_url=base_url + "/",
        url=info.url,
        tracks=tuple((track.id, track.name, track.color) for track in event.tracks),
        rooms=rooms,
        days=tuple(days),
    )


def _talk(event: Event, entry: Entry, stay: Stay, base_url: str) -> Talk:
    content = entry.content
    zone = event.info.zone
    removed = entry.removed is not None or not stay.live
    cancelled = content.cancelled or removed
    notes = []
    if removed:
        notes.append(REMOVED_NOTE)
    elif entry.moved_from is not None and not cancelled:
        notes.append(f"Moved from {describe_time(entry.moved_from, content.zone_label)}")
    page = base_url + session_page_path(entry.id)
    links = [Link(page, SESSION_PAGE)]
    if content.url and content.url != page:
        links.append(Link(content.url, MORE_INFORMATION))
    if content.join_url and not cancelled:
        links.append(Link(content.join_url, JOIN_ONLINE))
    links.append(Link(f"{page}.ics", ADD_TO_CALENDAR))
    persons = []
    for ident, credit in content.speakers:
        speaker = event.speaker(ident)
        if speaker is None:
            persons.append(Person(credit))
            continue
        speaker_page = base_url + page_path(feed_key("speaker", speaker.id))
        persons.append(Person(speaker.name, speaker.bio, speaker_page))
        links.append(Link(speaker_page, SPEAKER_LINK + speaker.name))
    links.extend(
        Link(base_url + page_path(feed_key("track", ident)), TRACK_LINK + name) for ident, name in content.tracks
    )
    track = content.tracks[0][1] if content.tracks else ("Plenary" if content.plenary else "")
    start = content.start.astimezone(zone)
    return Talk(
        guid=session_guid(entry.uid),
        id=entry.number,
        start=start,
        duration=content.end.astimezone(UTC) - content.start.astimezone(UTC),
        room=room_of(content.location, content.join_url),
        slug=f"{event.info.id}-{entry.number}-{entry.id}",
        url=page,
        title=cancelled_title(content.title, cancelled),
        track=track,
        type=PLENARY if content.plenary else TALK,
        abstract=content.description,
        description="\n\n".join(notes),
        persons=tuple(persons),
        links=tuple(links),
        cancelled=cancelled,
    )


def _timeslot(talks: list[Talk]) -> timedelta:
    """Return the largest step (at most an hour) that every start and duration is a multiple of."""
    step = 0
    for talk in talks:
        step = math.gcd(step, talk.start.hour * 60 + talk.start.minute, round(talk.duration.total_seconds() / 60))
    return timedelta(minutes=min(step, 60) if step else 15)


def _add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: clean_xml_text(value) for key, value in attributes.items()})
    element.text = clean_xml_text(text)
    return element


def render_schedule_xml(publication: Published, base_url: str) -> bytes:
    """Return schedule.xml in the frab format (valid against the voc schedule XSD)."""
    schedule = build_schedule(publication, base_url)
    root = ET.Element("schedule")
    _add(root, "version", schedule.version)
    conference = _add(root, "conference")
    _add(conference, "title", schedule.title)
    _add(conference, "acronym", schedule.acronym)
    _add(conference, "start", schedule.start.isoformat())
    _add(conference, "end", schedule.end.isoformat())
    _add(conference, "days", str(len(schedule.days)))
    _add(conference, "timeslot_duration", format_duration(schedule.timeslot))
    for day in schedule.days:
        day_element = _add(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=day.start.isoformat(),
            end=day.end.isoformat(),
        )
        for room, talks in day.rooms:
            room_element = _add(day_element, "room", name=room)
            for talk in talks:
                _add_talk(room_element, talk)
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def _add_talk(parent: ET.Element, talk: Talk) -> None:
    element = _add(parent, "event", guid=talk.guid, id=str(talk.id))
    _add(element, "date", talk.start.isoformat())
    _add(element, "start", f"{talk.start:%H:%M}")
    _add(element, "duration", format_duration(talk.duration))
    _add(element, "room", talk.room)
    _add(element, "slug", talk.slug)
    _add(element, "title", talk.title)
    _add(element, "subtitle")
    _add(element, "track", talk.track)
    _add(element, "type", talk.type)
    _add(element, "abstract", talk.abstract)
    _add(element, "description", talk.description)
    if talk.cancelled:
        # The c3voc pipeline reads optout as "do not record"; a cancelled session has nothing to record.
        recording = _add(element, "recording")
        _add(recording, "license")
        _add(recording, "optout", "true")
    persons = _add(element, "persons")
    for person in talk.persons:
        _add(persons, "person", person.name)
    links = _add(element, "links")
    for link in talk.links:
        _add(links, "link", link.title, href=link.url)


def render_schedule_json(publication: Published, base_url: str) -> bytes:
    """Return schedule.json in the shape of frab's and pretalx's JSON export (the c3voc schedule JSON)."""
    schedule = build_schedule(publication, base_url)
    data = {
        "schedule": {
            "url": schedule.base_url + "schedule.json",
            "version": schedule.version,
            "base_url": schedule.base_url,
            "conference": {
                "acronym": schedule.acronym,
                "title": schedule.title,
                "start": schedule.start.isoformat(),
                "end": schedule.end.isoformat(),
                "daysCount": len(schedule.days),
                "timeslot_duration": format_duration(schedule.timeslot),
                "time_zone_name": schedule.time_zone_name,
                "url": schedule.url,
                "tracks": [{"name": name, "slug": slug, "color": color} for slug, name, color in schedule.tracks],
                "rooms": [
                    {"name": room, "guid": room_guid(room, publication.event.info.uid_domain)}
                    for room in schedule.rooms
                ],
                "days": [
                    {
                        "index": day.index,
                        "date": day.date.isoformat(),
                        "day_start": day.start.isoformat(),
                        "day_end": day.end.isoformat(),
                        "rooms": {room: [_talk_json(talk) for talk in talks] for room, talks in day.rooms},
                    }
                    for day in schedule.days
                ],
            },
        }
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _talk_json(talk: Talk) -> dict[str, Any]:
    return {
        "guid": talk.guid,
        "id": talk.id,
        "date": talk.start.isoformat(),
        "start": f"{talk.start:%H:%M}",
        "duration": format_duration(talk.duration),
        "room": talk.room,
        "slug": talk.slug,
        "url": talk.url,
        "title": talk.title,
        "subtitle": "",
        "track": talk.track,
        "type": talk.type,
        "language": "",
        "abstract": talk.abstract,
        "description": talk.description,
        "recording_license": "",
        "do_not_record": talk.cancelled,
        "persons": [_person_json(person) for person in talk.persons],
        "links": [{"url": link.url, "title": link.title} for link in talk.links],
        "attachments": [],
    }


def _person_json(person: Person) -> dict[str, str]:
    data = {"name": person.name, "public_name": person.name, "biography": person.biography}
    if person.url:
        data["url"] = person.url
    return data
