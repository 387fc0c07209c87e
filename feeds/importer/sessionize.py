"""Read Sessionize's "All data" JSON: sessions, speakers, rooms, categories and questions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .draft import DraftEvent, DraftSession
from .schedule import known_zone
from .sourcetext import JsonArray, JsonObject, decode, load_json, position
from .text import one_line, plain

FORMAT_NAME = "Sessionize JSON"
# A category is the track list when its title says so: "Track", "Tracks", "Which track does your session best fit into?".
TRACK_CATEGORY = re.compile(r"\btracks?\b", re.IGNORECASE)


class _Reader:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.draft = DraftEvent(source=name, format_name=FORMAT_NAME)

    def problem(self, value: object, message: str) -> None:
        offset = value.offset if isinstance(value, JsonObject | JsonArray) else 0
        line, column = position(self.text, offset)
        self.draft.problem(line, column, message)

    def read(self, root: Any, zone_name: str) -> DraftEvent:
        draft = self.draft
        if not isinstance(root, JsonObject) or not isinstance(root.get("sessions"), list):
            self.problem(
                root, "expected Sessionize's All data JSON, an object with sessions, speakers, rooms and categories"
            )
            return draft
        draft.timezone = zone_name
        zone = known_zone(zone_name) if zone_name else None
        if zone is None:
            self.problem(
                root,
                "Sessionize times carry no time zone; give the event's zone with --timezone, for example --timezone Europe/Berlin"
                if not zone_name
                else f"unknown time zone '{zone_name}'; use an IANA name like Europe/Berlin",
            )
            return draft
        rooms = {str(room.get("id")): one_line(room.get("name")) for room in _objects(root.get("rooms"))}
        tracks, others = self.categories(root)
        speakers = self.speakers(root)
        questions = {str(q.get("id")): one_line(q.get("question")) for q in _objects(root.get("questions"))}
        sessions = _listed(root.get("sessions"))
        # Sessionize groups sessions by day in some exports: [{"groupName": ..., "sessions": [...]}].
        flat: list[Any] = []
        for item in sessions:
            if isinstance(item, dict) and isinstance(item.get("sessions"), list) and "title" not in item:
                flat.extend(item["sessions"])
            else:
                flat.append(item)
        for session in flat:
            self.session(session, zone, rooms, tracks, others, speakers, questions)
        return draft

    def categories(self, root: JsonObject) -> tuple[dict[str, str], dict[str, str]]:
        tracks: dict[str, str] = {}
        others: dict[str, str] = {}
        for category in _objects(root.get("categories")):
            title = one_line(category.get("title"))
            is_track = TRACK_CATEGORY.search(title) is not None and not tracks
            for item in _objects(category.get("items")):
                ident = str(item.get("id"))
                item_name = one_line(item.get("name"))
                if is_track and item_name:
                    tracks[ident] = self.draft.track(f"category:{ident}", item_name, source_id=ident)
                elif item_name:
                    others[ident] = title or "a category"
        return tracks, others

    def speakers(self, root: JsonObject) -> dict[str, str]:
        found: dict[str, str] = {}
        for speaker in _objects(root.get("speakers")):
            ident = str(speaker.get("id") or "")
            full = one_line(speaker.get("fullName")) or one_line(
                f"{speaker.get('firstName') or ''} {speaker.get('lastName') or ''}"
            )
            if not ident or not full:
                self.problem(speaker, "a speaker without an id or a name")
                continue
            found[ident] = self.draft.speaker(
                f"speaker:{ident}",
                full,
                role=one_line(speaker.get("tagLine")),
                bio=plain(speaker.get("bio")),
                source_id=ident,
            )
            if speaker.get("links"):
                self.draft.lose("links", "speaker")
        return found

    def session(  # noqa: C901, PLR0912 - one branch per optional field of a Sessionize session
        self,
        session: Any,
        zone: ZoneInfo,
        rooms: dict[str, str],
        tracks: dict[str, str],
        others: dict[str, str],
        speakers: dict[str, str],
        questions: dict[str, str],
    ) -> None:
        if not isinstance(session, JsonObject):
            self.problem(session, "a session that is not an object")
            return
        title = one_line(session.get("title"))
        start = _local(session.get("startsAt"), zone)
        end = _local(session.get("endsAt"), zone)
        if not title:
            self.problem(session, "a session without a title")
            return
        if start is None or end is None:
            if session.get("startsAt") is None:
                self.draft.lose("no time yet (not scheduled, left out)")
            else:
                self.problem(session, f"session '{title}': startsAt/endsAt are not times like 2024-05-02T09:00:00")
            return
        line, column = position(self.text, session.offset)
        draft = DraftSession(
            title=title,
            start=start,
            end=end,
            line=line,
            column=column,
            description=plain(session.get("description")),
            location=rooms.get(str(session.get("roomId")), "") or one_line(session.get("room")),
            source_id=str(session.get("id") or ""),
            plenary=bool(session.get("isPlenumSession") or session.get("isServiceSession")),
            cancelled=str(session.get("status") or "").lower() in {"cancelled", "canceled"},
        )
        if end <= start:
            self.problem(session, f"session '{title}' ends at {end:%H:%M}, not after its start at {start:%H:%M}")
            return
        for item in _listed(session.get("categoryItems")):
            key = str(item.get("id") if isinstance(item, dict) else item)
            if key in tracks:
                draft.tracks.append(tracks[key])
            elif key in others:
                self.draft.lose(f"a '{others[key]}' category")
        for speaker in _listed(session.get("speakers")):
            key = str(speaker.get("id") if isinstance(speaker, dict) else speaker)
            if key in speakers:
                draft.speakers.append(speakers[key])
            else:
                self.problem(session, f"session '{title}' names speaker '{key}', who is not in the speakers list")
        for answer in _objects(session.get("questionAnswers")):
            if answer.get("answerValue"):
                question = questions.get(str(answer.get("questionId")), "a question")
                self.draft.lose(f"an answer to '{question}'")
        for field in ("liveUrl", "recordingUrl"):
            if session.get(field):
                self.draft.lose(f"a {field}")
        self.draft.sessions.append(draft)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(value: Any) -> list[JsonObject]:
    return [item for item in value if isinstance(item, JsonObject)] if isinstance(value, list) else []


def _local(value: Any, zone: ZoneInfo) -> datetime | None:
    """Return a Sessionize local time ('2024-05-02T09:00:00') in the event zone."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)


def read_sessionize(data: bytes, name: str, zone_name: str = "") -> DraftEvent:
    """Return the draft event of a Sessionize All data JSON."""
    text = decode(data, name)
    return _Reader(text, name).read(load_json(text, name), zone_name)
