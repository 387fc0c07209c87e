"""Read pretalx/frab/c3voc schedule.json: the day/room layout and the flat "schema2" layout."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..text import is_id, uncancelled_title
from .draft import DraftEvent, DraftSession, end_after
from .schedule import (
    description_of,
    is_cancelled,
    is_plenary_type,
    is_removed,
    known_zone,
    parse_duration,
    parse_instant,
    read_links,
)
from .sourcetext import JsonArray, JsonObject, decode, load_json, position
from .text import one_line, plain

FORMAT_NAME = "c3voc schedule.json"


class _Reader:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.draft = DraftEvent(source=name, format_name=FORMAT_NAME)

    def where(self, value: object) -> tuple[int, int]:
        offset = value.offset if isinstance(value, JsonObject | JsonArray) else 0
        return position(self.text, offset)

    def problem(self, value: object, message: str) -> None:
        line, column = self.where(value)
        self.draft.problem(line, column, message)

    def read(self, root: Any, zone_name: str) -> DraftEvent:
        draft = self.draft
        schedule = root.get("schedule") if isinstance(root, dict) else None
        conference = schedule.get("conference") if isinstance(schedule, dict) else None
        if not isinstance(schedule, dict) or not isinstance(conference, JsonObject):
            self.problem(root, 'expected {"schedule": {"conference": ...}}, the c3voc/pretalx schedule.json shape')
            return draft
        draft.name = one_line(conference.get("title"))
        draft.id_hint = str(conference.get("acronym") or "")
        draft.url = str(conference.get("url") or schedule.get("base_url") or "")
        draft.description = plain(conference.get("description"))
        draft.timezone = zone_name or str(conference.get("time_zone_name") or "")
        zone = known_zone(draft.timezone) if draft.timezone else None
        if zone is None:
            if draft.timezone:
                self.problem(conference, f"unknown time zone '{draft.timezone}'; give --timezone with an IANA name")
            else:
                self.problem(conference, "the conference has no time_zone_name; give --timezone ZONE")
            return draft
        tracks = conference.get("tracks")
        for track in tracks if isinstance(tracks, list) else []:
            if isinstance(track, dict) and one_line(track.get("name")):
                track_name = one_line(track.get("name"))
                slug = str(track.get("slug") or "")
                draft.track(
                    f"id:{slug}" if slug else track_name,
                    track_name,
                    color=str(track.get("color") or ""),
                    id_hint=slug,
                )
        events = schedule.get("events")
        if isinstance(events, list):
            for event in events:
                self.event(event, zone, None)
            return draft
        days = conference.get("days")
        if not isinstance(days, list):
            self.problem(conference, "the conference has neither days nor events")
            return draft
        for day in days:
            rooms = day.get("rooms") if isinstance(day, dict) else None
            if not isinstance(rooms, dict):
                self.problem(day, "a day without a rooms object")
                continue
            for room_name, room_events in rooms.items():
                if not isinstance(room_events, list):
                    self.problem(rooms, f"room '{room_name}' is not a list of events")
                    continue
                for event in room_events:
                    self.event(event, zone, (day, str(room_name)))
        return draft

    def event(self, event: Any, zone: ZoneInfo, placed: tuple[Any, str] | None) -> None:
        if not isinstance(event, JsonObject):
            self.problem(event, "an event that is not an object")
            return
        title = one_line(event.get("title"))
        if not title:
            self.problem(event, "an event without a title")
            return
        start = self.start(event, zone, placed[0] if placed else None)
        if start is None:
            return
        end = parse_instant(str(event.get("end") or ""))
        duration = parse_duration(str(event.get("duration") or "")) if end is None else end - start
        if duration is None and event.get("duration"):
            self.problem(event, f"duration '{event.get('duration')}' is not HH:MM")
            return
        if duration is not None and duration < timedelta(0):
            self.problem(event, f"event '{title}' ends before it starts")
            return
        if duration is None or duration <= timedelta(0):
            self.draft.lose("no duration (given one minute, since event.yaml needs an end after the start)")
            duration = timedelta(minutes=1)
        raw_links = event.get("links")
        links = [
            (one_line(link.get("title")), str(link.get("url") or "").strip())
            for link in (raw_links if isinstance(raw_links, list) else [])
            if isinstance(link, dict)
        ]
        own = read_links(links)
        cancelled = is_cancelled(title, event.get("do_not_record") is True) or str(
            event.get("state") or ""
        ).lower() in {
            "canceled",
            "cancelled",
        }
        notes = _localized(event.get("description"))
        if is_removed(cancelled, plain(notes)):
            self.draft.lose("was a removed session's placeholder (left out)")
            return
        room = event.get("room")
        location = one_line(room.get("name") if isinstance(room, dict) else room) or (placed[1] if placed else "")
        session = DraftSession(
            title=uncancelled_title(title) if cancelled else title,
            start=start,
            end=end_after(start, duration),
            line=self.where(event)[0],
            column=self.where(event)[1],
            cancelled=cancelled,
            description=description_of(_localized(event.get("abstract")), notes, bool(own.session_id)),
            url=str(event.get("url") or "") if not own.session_id else own.url,
            location=location,
            source_id=str(event.get("guid") or event.get("code") or event.get("id") or ""),
            id_hint=own.session_id,
            join_url=own.join_url,
            plenary=is_plenary_type(str(event.get("type") or "")),
        )
        self.tracks(session, event, own.tracks)
        self.speakers(session, event, bool(own.session_id))
        self.losses(event, own.others, event.get("do_not_record") is True and not cancelled)
        self.draft.sessions.append(session)

    def start(self, event: JsonObject, zone: ZoneInfo, day: Any) -> datetime | None:
        raw = str(event.get("date") or "") if "date" in event else str(event.get("start") or "")
        moment = parse_instant(raw)
        if moment is not None:
            return moment.astimezone(zone)
        clock_text = str(event.get("start") or "")
        day_text = str(day.get("date") or "") if isinstance(day, dict) else ""
        try:
            clock = time.fromisoformat(clock_text)
            day_date = datetime.strptime(day_text, "%Y-%m-%d").date()
        except ValueError:
            self.problem(
                event, f"event '{one_line(event.get('title'))}' has no date and time with an offset (got '{raw}')"
            )
            return None
        return datetime.combine(day_date, clock, zone)

    def tracks(self, session: DraftSession, event: JsonObject, own: list[tuple[str, str]]) -> None:
        draft = self.draft
        if own:
            for ident, track_name in own:
                session.tracks.append(draft.track(f"id:{ident}", track_name, id_hint=ident))
            return
        track = event.get("track")
        if isinstance(track, dict):
            slug = str(track.get("slug") or "")
            known = next((t.key for t in draft.tracks if slug and t.id_hint == slug), "")
            if known or slug:
                session.tracks.append(
                    known or draft.track(f"id:{slug}", one_line(track.get("name")) or slug, id_hint=slug)
                )
            return
        track_name = one_line(track)
        if track_name and not (session.plenary and track_name.lower() == "plenary"):
            known = next((t.key for t in draft.tracks if t.name == track_name), "")
            session.tracks.append(known or draft.track(track_name, track_name))

    def speakers(self, session: DraftSession, event: JsonObject, own_document: bool) -> None:
        people = event.get("persons")
        if not isinstance(people, list):
            people = event.get("participants")
        for person in people if isinstance(people, list) else []:
            if not isinstance(person, dict):
                self.problem(people, "a person that is not an object")
                continue
            person_name = one_line(person.get("public_name") or person.get("name"))
            if not person_name:
                continue
            page = str(person.get("url") or "")
            ident = _own_speaker_id(page) if own_document else ""
            upstream = str(person.get("guid") or person.get("code") or person.get("id") or "")
            key = f"id:{ident}" if ident else (f"person:{upstream}" if upstream else f"name:{person_name}")
            session.speakers.append(
                self.draft.speaker(
                    key,
                    person_name,
                    bio=plain(person.get("biography")),
                    source_id="" if ident else upstream,
                    id_hint=ident,
                )
            )

    def losses(self, event: JsonObject, other_links: int, opt_out: bool) -> None:
        draft = self.draft
        if event.get("language"):
            draft.lose("a language")
        if event.get("subtitle"):
            draft.lose("a subtitle")
        kind = str(event.get("type") or "").lower()
        if kind and kind not in {"talk", "plenary", "lecture"}:
            draft.lose("a type other than talk")
        if other_links:
            draft.lose("links besides its page (event.yaml keeps one url per session)")
        if event.get("attachments"):
            draft.lose("attachments")
        if opt_out:
            draft.lose("a recording opt-out")


def _own_speaker_id(page: str) -> str:
    """Return the speaker id in a person url of this service's export."""
    ident = page.rsplit("/speakers/", 1)[1] if "/speakers/" in page else ""
    return ident if is_id(ident) else ""


def _localized(value: Any) -> Any:
    """Return the English text of a translation map, else its first text, else the value."""
    if isinstance(value, dict):
        return value.get("en") or next((text for text in value.values() if text), "")
    return value


def read_c3voc_json(data: bytes, name: str, zone_name: str = "") -> DraftEvent:
    """Return the draft event of a c3voc/pretalx schedule.json."""
    text = decode(data, name)
    reader = _Reader(text, name)
    return reader.read(load_json(text, name), zone_name)
