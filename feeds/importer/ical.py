"""Read an iCalendar file (such as a shared Google Calendar's export): one session per VEVENT occurrence."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from .draft import DraftEvent, DraftSession, SourceError, SourceProblem, end_after
from .ical_lines import Component, Line, parse_components, parse_ical_duration, split_text_list, unescape
from .schedule import known_zone
from .sourcetext import decode
from .text import one_line, plain

FORMAT_NAME = "iCalendar"
# "Speaker: Ada Lovelace", "Speakers: Ada Lovelace, Grace Hopper and Zoë", "With: ..." on a line of the description.
DEFAULT_SPEAKER_PATTERN = r"^(?:speakers?|presenters?|hosts?|with)\s*:\s*(?P<names>.+)$"
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b)\s*")
# When a recurring event never ends and nothing else bounds the event, this many days are expanded.
OPEN_RECURRENCE_DAYS = 7
WINDOWS_ZONES = {
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "UTC": "UTC",
}


class _Reader:
    """Read the VEVENTs of one iCalendar file into a draft event, one session per occurrence."""

    def __init__(self, name: str, zone_name: str, speaker_pattern: str) -> None:
        self.draft = DraftEvent(source=name, format_name=FORMAT_NAME)
        self.zone_name = zone_name
        try:
            self.pattern = re.compile(speaker_pattern or DEFAULT_SPEAKER_PATTERN, re.IGNORECASE | re.MULTILINE)
        except re.error as err:
            raise SourceError(
                [
                    SourceProblem(
                        name, 1, 1, f"--speaker-pattern '{speaker_pattern}' is not a regular expression ({err})"
                    )
                ]
            ) from None
        self.zones: dict[str, ZoneInfo] = {}
        self.warned: set[str] = set()
        self.zone: ZoneInfo = ZoneInfo("UTC")

    def read(self, text: str) -> DraftEvent:
        draft = self.draft
        roots = parse_components(text, draft)
        calendars = [root for root in roots if root.name == "VCALENDAR"]
        if not calendars:
            draft.problem(1, 1, "no BEGIN:VCALENDAR; this is not an iCalendar file")
            return draft
        calendar = calendars[0]
        for timezone in (child for child in calendar.children if child.name == "VTIMEZONE"):
            tzid = timezone.get("TZID")
            location = timezone.get("X-LIC-LOCATION")
            for candidate in (tzid.value if tzid else "", location.value if location else ""):
                zone = known_zone(candidate.strip()) or known_zone(WINDOWS_ZONES.get(candidate.strip(), ""))
                if tzid and zone is not None:
                    self.zones[tzid.value.strip()] = zone
                    break
        events = [child for child in calendar.children if child.name == "VEVENT"]
        name = calendar.get("X-WR-CALNAME")
        draft.name = one_line(unescape(name.value)) if name else ""
        description = calendar.get("X-WR-CALDESC")
        draft.description = plain(unescape(description.value)) if description else ""
        draft.timezone = self.event_zone(calendar, events)
        if not draft.timezone:
            draft.problem(1, 1, "the file names no time zone and its times are local; give --timezone ZONE")
            return draft
        self.zone = ZoneInfo(draft.timezone)
        self.expand(events)
        return draft

    def event_zone(self, calendar: Component, events: list[Component]) -> str:
        if self.zone_name:
            if known_zone(self.zone_name) is None:
                self.draft.problem(1, 1, f"unknown time zone '{self.zone_name}' given with --timezone")
                return ""
            return self.zone_name
        wr = calendar.get("X-WR-TIMEZONE")
        if wr and known_zone(wr.value.strip()):
            return wr.value.strip()
        for event in events:
            start = event.get("DTSTART")
            tzid = start.params.get("TZID", "") if start else ""
            if tzid in self.zones:
                return str(self.zones[tzid].key)
            if start and start.value.strip().endswith("Z"):
                return "UTC"
        return ""

    def zone_of(self, line: Line) -> ZoneInfo:
        tzid = line.params.get("TZID", "").strip()
        if not tzid:
            return self.zone
        zone = self.zones.get(tzid) or known_zone(tzid) or known_zone(WINDOWS_ZONES.get(tzid, ""))
        if zone is not None:
            return zone
        if tzid not in self.warned:
            self.warned.add(tzid)
            self.draft.warnings.append(
                f"{self.draft.source}:{line.line}:{line.column}: TZID '{tzid}' is no zone name and the file has no "
                f"VTIMEZONE for it; its times are read as {self.zone.key}"
            )
        return self.zone

    def moment(self, line: Line | None) -> tuple[datetime | None, bool]:
        """Return the aware time of a DTSTART/DTEND-like line and whether it is a whole day."""
        if line is None:
            return None, False
        value = line.value.strip()
        try:
            if line.params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
                day = datetime.strptime(value, "%Y%m%d").date()
                return datetime.combine(day, time(0), self.zone), True
            if value.endswith("Z"):
                return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC")).astimezone(
                    self.zone
                ), False
            return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=self.zone_of(line)), False
        except ValueError:
            self.draft.problem(line.line, line.column, f"{line.name} '{value}' is not a date-time like 20240330T091500")
            return None, False

    def expand(self, events: list[Component]) -> None:
        overrides: dict[tuple[str, datetime], Component] = {}
        plain_events: list[Component] = []
        for event in events:
            recurrence = event.get("RECURRENCE-ID")
            recurring_uid = event.get("UID")
            if recurrence is not None and recurring_uid is not None:
                moment, _ = self.moment(recurrence)
                if moment is not None:
                    overrides[(recurring_uid.value.strip(), moment)] = event
                    continue
            plain_events.append(event)
        bounds = [self.moment(e.get("DTSTART"))[0] for e in plain_events if e.get("RRULE") is None]
        known = [b for b in bounds if b is not None]
        for event in plain_events:
            start, whole_day = self.moment(event.get("DTSTART"))
            if start is None:
                if event.get("DTSTART") is None:
                    self.draft.problem(event.line, 1, "a VEVENT without DTSTART")
                continue
            length = self.length(event, start, whole_day)
            if length is None:
                continue
            uid_property = event.get("UID")
            uid = uid_property.value.strip() if uid_property else ""
            rule = event.get("RRULE")
            if rule is None:
                self.session(event, start, length, uid, uid)
                continue
            for occurrence in self.occurrences(event, rule, start, known):
                source_id = f"{uid}/{occurrence.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
                override = overrides.pop((uid, occurrence), None)
                if override is not None:
                    moved, day_only = self.moment(override.get("DTSTART"))
                    moved_length = self.length(override, moved, day_only) if moved else None
                    if moved is not None and moved_length is not None:
                        self.session(override, moved, moved_length, uid, source_id)
                    continue
                self.session(event, occurrence, length, uid, source_id)
        for (uid, occurrence), override in overrides.items():
            moved, day_only = self.moment(override.get("DTSTART"))
            moved_length = self.length(override, moved, day_only) if moved else None
            if moved is not None and moved_length is not None:
                self.session(
                    override, moved, moved_length, uid, f"{uid}/{occurrence.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
                )

    def length(self, event: Component, start: datetime, whole_day: bool) -> timedelta | None:
        end, _ = self.moment(event.get("DTEND"))
        if end is not None:
            return end.astimezone(ZoneInfo("UTC")) - start.astimezone(ZoneInfo("UTC"))
        duration = event.get("DURATION")
        if duration is not None:
            span = parse_ical_duration(duration.value)
            if span is None:
                self.draft.problem(
                    duration.line, duration.column, f"DURATION '{duration.value.strip()}' is not like PT1H30M"
                )
            return span
        return timedelta(days=1) if whole_day else timedelta(0)

    def occurrences(self, event: Component, rule: Line, start: datetime, known: list[datetime]) -> list[datetime]:
        rules = rruleset()
        try:
            rules.rrule(rrulestr(rule.value.strip(), dtstart=start))  # type: ignore[arg-type]
        except (ValueError, TypeError) as err:
            self.draft.problem(rule.line, rule.column, f"RRULE '{rule.value.strip()}' cannot be read ({err})")
            return []
        for extra in event.every("RDATE"):
            for part in extra.value.split(","):
                moment, _ = self.moment(Line("RDATE", extra.params, part, extra.line, extra.column))
                if moment is not None:
                    rules.rdate(moment)
        for excluded in event.every("EXDATE"):
            for part in excluded.value.split(","):
                moment, _ = self.moment(Line("EXDATE", excluded.params, part, excluded.line, excluded.column))
                if moment is not None:
                    rules.exdate(moment)
        last_known = max(known, default=start)
        limit_day = last_known.date() if known else start.date() + timedelta(days=OPEN_RECURRENCE_DAYS - 1)
        first_day = min([start.date(), *(k.date() for k in known)])
        window_end = datetime.combine(limit_day + timedelta(days=1), time(0), self.zone)
        found = [
            moment for moment in rules.between(start - timedelta(seconds=1), window_end) if moment.date() >= first_day
        ]
        if not known and "UNTIL" not in rule.value.upper() and "COUNT" not in rule.value.upper():
            self.draft.warnings.append(
                f"{self.draft.source}:{rule.line}:{rule.column}: the recurring event never ends; "
                f"its first {OPEN_RECURRENCE_DAYS} days were imported"
            )
        return found

    def session(self, event: Component, start: datetime, length: timedelta, uid: str, source_id: str) -> None:
        draft = self.draft
        summary = event.get("SUMMARY")
        title = one_line(unescape(summary.value)) if summary else ""
        if not title:
            draft.lose("no SUMMARY (titled 'Untitled')")
            title = "Untitled"
        if length <= timedelta(0):
            draft.lose("no duration (given one minute, since event.yaml needs an end after the start)")
            length = timedelta(minutes=1)
        description_line = event.get("DESCRIPTION")
        description = plain(unescape(description_line.value)) if description_line else ""
        status = event.get("STATUS")
        location = event.get("LOCATION")
        url = event.get("URL")
        session = DraftSession(
            title=title,
            start=start,
            end=end_after(start, length),
            line=event.line,
            column=1,
            description=description,
            location=one_line(unescape(location.value)) if location else "",
            url=url.value.strip() if url else "",
            cancelled=bool(status and status.value.strip().upper() == "CANCELLED"),
            source_id=source_id or uid,
        )
        for categories in event.every("CATEGORIES"):
            for item in split_text_list(categories.value):
                track_name = one_line(item)
                if track_name:
                    session.tracks.append(draft.track(track_name, track_name))
        self.speakers(event, session, description)
        if event.get("METHOD") is not None:
            draft.lose("a METHOD inside the VEVENT (ignored; it belongs to the calendar)")
        if event.get("ATTACH") is not None:
            draft.lose("attachments")
        draft.sessions.append(session)

    def speakers(self, event: Component, session: DraftSession, description: str) -> None:
        people: list[tuple[str, str]] = []
        for attendee in event.every("ATTENDEE"):
            if attendee.params.get("CUTYPE", "").upper() in {"ROOM", "RESOURCE"}:
                continue
            if attendee.params.get("ROLE", "").upper() == "NON-PARTICIPANT":
                continue
            people.append((attendee.params.get("CN", ""), attendee.value))
        for match in self.pattern.finditer(description):
            names = match.groupdict().get("names") or match.group(0)
            people.extend((part, "") for part in NAME_SEPARATORS.split(names))
        organizer = event.get("ORGANIZER")
        if not people and organizer is not None:
            people.append((organizer.params.get("CN", ""), organizer.value))
        for common_name, address in people:
            person = one_line(common_name.strip("'\" ."))
            if not person or "@" in person:
                continue
            mail = address.strip().lower().removeprefix("mailto:")
            upstream = str(uuid.uuid5(uuid.NAMESPACE_URL, f"acct:{mail}")) if "@" in mail else ""
            key = f"person:{upstream}" if upstream else f"name:{person}"
            existing = next((s.key for s in self.draft.speakers if s.name == person), "")
            chosen = existing or self.draft.speaker(key, person, source_id=upstream)
            if chosen not in session.speakers:
                session.speakers.append(chosen)


def read_ical(data: bytes, name: str, zone_name: str = "", speaker_pattern: str = "") -> DraftEvent:
    """Return the draft event of an iCalendar file."""
    return _Reader(name, zone_name, speaker_pattern).read(decode(data, name))
