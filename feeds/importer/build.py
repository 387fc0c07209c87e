"""Turn a draft event into event.yaml's fields: ids, local times, durations, and the summary of what was lost."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..load import DOMAIN, MAX_TITLE_BYTES, resolve_local
from ..model import Event
from ..render.frab import session_guid
from .draft import DraftEvent, DraftSession, end_after
from .ids import IdMaker, slug_of

COLOR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
FALLBACK_DOMAIN = "import.invalid"
FALLBACK_URL = "https://import.invalid/"
MAX_SOURCE_ID = 200


@dataclass(slots=True)
class Built:
    """event.yaml's fields as plain data, with warnings and the summary of what event.yaml cannot say."""

    document: dict[str, Any]
    ends: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def format_duration(span: timedelta) -> str:
    """Return a duration in event.yaml's form: 20m, 1h, 1h30m."""
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def acronym_to_id(acronym: str) -> str:
    """Return an event id from a frab acronym (the schedule export writes hyphens as underscores)."""
    return slug_of(acronym.replace("_", "-"), "")


class _Matcher:
    """Find the item of an existing event.yaml that an imported item is, by source id and then by name."""

    def __init__(self, items: tuple[Any, ...], kind: str, source: str) -> None:
        self.by_source = {item.source_id: item.id for item in items if getattr(item, "source_id", "")}
        self.items = items
        self.kind = kind
        self.source = source
        self.used: set[str] = set()
        self.warnings: list[str] = []

    def find(self, source_id: str, label: str, fallback: Any) -> str:
        found = self.by_source.get(source_id, "") if source_id else ""
        if found and found not in self.used:
            self.used.add(found)
            return found
        for item in self.items:
            if item.id not in self.used and fallback(item) and not (source_id and getattr(item, "source_id", "")):
                self.used.add(item.id)
                if source_id:
                    # The source has an id the file does not record yet: say how the match was made, once.
                    how = "title and time" if self.kind == "session" else "name"
                    self.warnings.append(
                        f"{self.source}: {self.kind} '{label}' matched '{item.id}' by {how}, "
                        "not by a source id; check that it is the same one"
                    )
                return str(item.id)
        return ""


def build(draft: DraftEvent, existing: Event | None = None) -> Built:
    """Return event.yaml's fields for the draft, keeping the ids of an existing event's matching items."""
    zone = ZoneInfo(draft.timezone)
    built = Built(document={})
    _clean_times(draft, zone)
    _clean_source_ids(draft, built)
    track_ids = _track_ids(draft, existing, built)
    speaker_ids = _speaker_ids(draft, existing, built)
    session_ids = _session_ids(draft, existing, built)
    sessions = sorted(
        zip(draft.sessions, session_ids, strict=True), key=lambda pair: (pair[0].start.astimezone(UTC), pair[1])
    )
    days = [session.start.astimezone(zone).date() for session, _ in sessions]
    days += [(session.end - timedelta(microseconds=1)).astimezone(zone).date() for session, _ in sessions]
    if draft.first_day:
        days.append(draft.first_day)
    if draft.last_day:
        days.append(draft.last_day)
    today = datetime.now(UTC).astimezone(zone).date()
    event_id = acronym_to_id(draft.id_hint) or slug_of(draft.name, "imported-event")
    url = draft.url if draft.url.startswith(("https://", "http://")) else ""
    host = (urlsplit(url).hostname or "") if url else ""
    domain = _uid_domain(draft, event_id, host)
    if domain == FALLBACK_DOMAIN:
        built.warnings.append(
            f"event.uid_domain: the source names no web address; '{FALLBACK_DOMAIN}' is written; "
            "set your own domain before the first publication and never change it afterwards"
        )
    if not url:
        built.warnings.append(
            f"event.url: the source names no web address; replace '{FALLBACK_URL}' with the event's page"
        )
    name = draft.name or event_id.replace("-", " ").title()
    event: dict[str, Any] = {
        "id": event_id,
        "name": name,
        "timezone": draft.timezone,
        "uid_domain": domain,
        "url": url or FALLBACK_URL,
        "description": draft.description or f"{name}, imported from {draft.format_name}.",
        "first_day": min(days, default=today).isoformat(),
        "last_day": max(days, default=today).isoformat(),
        "speaker_overlaps": "warning",
    }
    join_urls = {session.join_url for session in draft.sessions if _web(session.join_url)}
    shared_join = (
        join_urls.pop() if len(join_urls) == 1 and all(s.join_url or s.cancelled for s in draft.sessions) else ""
    )
    if shared_join:
        event["join_url"] = shared_join
    locations = {session.location for session in draft.sessions}
    shared_location = locations.pop() if len(locations) == 1 else ""
    if shared_location:
        event["location"] = shared_location
    tracks = []
    for track, ident in zip(draft.tracks, track_ids, strict=True):
        item: dict[str, Any] = {"id": ident, "name": track.name or ident}
        color = _color(track.color, draft)
        if color:
            item["color"] = color
        if track.source_id:
            item["source_id"] = track.source_id
        tracks.append(item)
    speakers = []
    for speaker, ident in zip(draft.speakers, speaker_ids, strict=True):
        item = {"id": ident, "name": speaker.name}
        for key in ("role", "affiliation", "bio"):
            if getattr(speaker, key):
                item[key] = getattr(speaker, key)
        if speaker.source_id:
            item["source_id"] = speaker.source_id
        speakers.append(item)
    track_of = {track.key: ident for track, ident in zip(draft.tracks, track_ids, strict=True)}
    speaker_of = {speaker.key: ident for speaker, ident in zip(draft.speakers, speaker_ids, strict=True)}
    built.document = {
        "event": event,
        "tracks": tracks,
        "speakers": speakers,
        "sessions": [
            _session(session, ident, zone, track_of, speaker_of, draft, (shared_location, shared_join))
            for session, ident in sessions
        ],
    }
    built.ends = {ident: f"{session.end.astimezone(zone):%Y-%m-%d %H:%M}" for session, ident in sessions}
    built.summary = [_lost_line(kind, what, count) for (kind, what), count in sorted(draft.lost.items())]
    return built


def _lost_line(kind: str, what: str, count: int) -> str:
    """Return one summary line: '12 sessions had a language', '1 session was a removed session's placeholder'."""
    noun = kind if count == 1 else f"{kind}s"
    if what.startswith("was "):
        return f"{count} {noun} {what if count == 1 else 'were ' + what[4:]}"
    return f"{count} {noun} had {what}"


def _uid_domain(draft: DraftEvent, event_id: str, host: str) -> str:
    """Return the calendar domain: the site's host when our own export's guids prove it, else event id + host.

    Schedule tools host many conferences on one site (pretalx.com); the event id in front keeps the UIDs of
    two conferences with a session of the same id apart.
    """
    if not host or not DOMAIN.fullmatch(host):
        return FALLBACK_DOMAIN
    own = [(s.id_hint, s.source_id) for s in draft.sessions if s.id_hint and s.source_id]
    if own and all(session_guid(f"{ident}@{host}") == guid for ident, guid in own):
        return host
    combined = f"{event_id}.{host}"
    return combined if DOMAIN.fullmatch(combined) else host


def _clean_source_ids(draft: DraftEvent, built: Built) -> None:
    """Keep source ids printable, at most 200 characters, and unique per kind, as event.yaml requires."""
    for kind, items in (("track", draft.tracks), ("speaker", draft.speakers), ("session", draft.sessions)):
        seen: set[str] = set()
        for item in items:
            value = "".join(ch for ch in item.source_id.strip() if ch.isprintable())[:MAX_SOURCE_ID]
            if value and value in seen:
                built.warnings.append(
                    f"{draft.source}: two {kind}s have the source id '{value}'; the second is imported without it"
                )
                value = ""
            seen.add(value)
            item.source_id = value


def _clean_times(draft: DraftEvent, zone: ZoneInfo) -> None:
    for session in draft.sessions:
        start = session.start.astimezone(zone)
        if start.second or start.microsecond:
            draft.lose("a start time with seconds (rounded down to the minute)")
            session.start = start.replace(second=0, microsecond=0)
        if session.end - session.start < timedelta(minutes=1):
            session.end = end_after(session.start, timedelta(minutes=1))
        local = session.start.astimezone(zone).replace(tzinfo=None)
        aware, why = resolve_local(local, zone)
        if aware is None:
            draft.problem(
                session.line,
                session.column,
                f"session '{session.title}' starts at {local:%Y-%m-%d %H:%M}, which {why.format(zone=zone.key)}; "
                "event.yaml cannot say which of the two is meant",
            )


def _track_ids(draft: DraftEvent, existing: Event | None, built: Built) -> list[str]:
    matcher = _Matcher(existing.tracks if existing else (), "track", draft.source)
    kept = [matcher.find(t.source_id, t.name, lambda item, t=t: item.name == t.name) for t in draft.tracks]
    maker = IdMaker(kept)
    hinted = [
        ident or (t.id_hint if maker.claim(t.id_hint) else "") for t, ident in zip(draft.tracks, kept, strict=True)
    ]
    result = [ident or maker.make(t.name, "track") for t, ident in zip(draft.tracks, hinted, strict=True)]
    built.warnings.extend(matcher.warnings)
    return result


def _speaker_ids(draft: DraftEvent, existing: Event | None, built: Built) -> list[str]:
    matcher = _Matcher(existing.speakers if existing else (), "speaker", draft.source)
    kept = [matcher.find(s.source_id, s.name, lambda item, s=s: item.name == s.name) for s in draft.speakers]
    maker = IdMaker(kept)
    hinted = [
        ident or (s.id_hint if maker.claim(s.id_hint) else "") for s, ident in zip(draft.speakers, kept, strict=True)
    ]
    result = [ident or maker.make(s.name, "speaker") for s, ident in zip(draft.speakers, hinted, strict=True)]
    built.warnings.extend(matcher.warnings)
    return result


def _session_ids(draft: DraftEvent, existing: Event | None, built: Built) -> list[str]:
    matcher = _Matcher(existing.sessions if existing else (), "session", draft.source)
    kept = [
        matcher.find(s.source_id, s.title, lambda item, s=s: item.title == s.title and item.start == s.start)
        for s in draft.sessions
    ]
    maker = IdMaker(kept)
    if existing is not None:
        # Ids of removed sessions stay taken: an id is never reused for something else.
        maker.taken.update(item.id for item in existing.sessions)
        maker.taken.update(alias for item in existing.sessions for alias in item.aliases)
    hinted = [
        ident or (s.id_hint if maker.claim(s.id_hint) else "") for s, ident in zip(draft.sessions, kept, strict=True)
    ]
    result = [ident or maker.make(s.title, "session") for s, ident in zip(draft.sessions, hinted, strict=True)]
    built.warnings.extend(matcher.warnings)
    return result


def _color(value: str, draft: DraftEvent) -> str:
    match = COLOR.fullmatch(value.strip())
    if not match:
        if value.strip():
            draft.lose("a colour that is not #RRGGBB (left out)", "track")
        return ""
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return f"#{digits.lower()}"


def _title(title: str, draft: DraftEvent) -> str:
    if len(title.encode()) <= MAX_TITLE_BYTES:
        return title
    draft.lose(f"a title over {MAX_TITLE_BYTES} bytes (shortened)")
    cut = title.encode()[: MAX_TITLE_BYTES - 3].decode(errors="ignore").rstrip()
    return cut + "…"


def _session(
    session: DraftSession,
    ident: str,
    zone: ZoneInfo,
    track_of: dict[str, str],
    speaker_of: dict[str, str],
    draft: DraftEvent,
    shared: tuple[str, str],
) -> dict[str, Any]:
    shared_location, shared_join = shared
    start = session.start.astimezone(zone)
    span = session.end.astimezone(UTC) - session.start.astimezone(UTC)
    item: dict[str, Any] = {
        "id": ident,
        "title": _title(session.title, draft),
        "start": f"{start:%Y-%m-%d %H:%M}",
        "duration": format_duration(span),
    }
    tracks = list(dict.fromkeys(track_of[key] for key in session.tracks))
    if len(tracks) == 1:
        item["track"] = tracks[0]
    elif tracks or not session.plenary:
        item["tracks"] = tracks
    if session.plenary:
        item["plenary"] = True
    speakers = list(dict.fromkeys(speaker_of[key] for key in session.speakers))
    if speakers:
        item["speakers"] = speakers
    if session.cancelled:
        item["status"] = "cancelled"
    if session.url:
        if _web(session.url):
            item["url"] = session.url
        else:
            draft.lose("a web address that is not http(s) (left out)")
    if session.location and session.location != shared_location:
        item["location"] = session.location
    if _web(session.join_url) and session.join_url != shared_join:
        item["join_url"] = session.join_url
    if session.source_id:
        item["source_id"] = session.source_id
    if session.description:
        item["description"] = session.description
    return item


def _web(url: str) -> bool:
    """Return whether url is an http(s) address event.yaml accepts."""
    return url.startswith(("https://", "http://")) and not any(ch.isspace() for ch in url)
