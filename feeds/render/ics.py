"""Turn ledger entries into iCalendar bytes. The only module that imports icalendar.

A feed is assembled from parts that icalendar wrote: the calendar header, the
VTIMEZONE and one VEVENT per session. Each part is rendered once and shared by
every feed that holds the session; `render_calendar` gives the same bytes as
building the whole calendar with icalendar in one go (the tests check that).
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import (
    Alarm,
    Calendar,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCategory,
    vDuration,
    vRecur,
    vText,
    vUri,
)
from icalendar import Event as VEvent
from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline, Parameters

from ..ledger import Content, Entry, describe_time
from ..text import cancelled_title

BEGIN = b"BEGIN:VCALENDAR\r\n"
END = b"END:VCALENDAR\r\n"
FOLD_OCTETS = 75


@dataclass(frozen=True, slots=True)
class CalendarHeader:
    """The calendar-level properties of one feed."""

    title: str
    description: str
    timezone: str
    refresh: timedelta = timedelta(hours=1)
    color: str = ""
    url: str = ""
    product: str = "-//feeds//Conference feeds//EN"


def transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """Return the UTC instants in year at which the zone's offset changes."""
    return list(_transitions(zone, year))


@lru_cache(maxsize=64)
def _transitions(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    start = datetime(year, 1, 1, tzinfo=UTC)
    hours = (datetime(year + 1, 1, 1, tzinfo=UTC) - start) // timedelta(hours=1)
    found = []
    before = start.astimezone(zone).utcoffset()
    for hour in range(1, hours + 1):
        moment = start + timedelta(hours=hour)
        offset = moment.astimezone(zone).utcoffset()
        if offset != before:
            low, high = moment - timedelta(hours=1), moment
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
            before = offset
    return tuple(found)


def _nth_weekday(day: date) -> tuple[int, int]:
    """Return (n, -1 or n) ordinals of day's weekday within its month."""
    last = month_calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, (-1 if day.day + 7 > last else (day.day - 1) // 7 + 1)


def _yearly_rule(zone: ZoneInfo, moment: datetime, index: int, year: int) -> vRecur:
    """Return the YEARLY rule that reproduces the transition in nearby years."""
    local = (moment - timedelta(seconds=1)).astimezone(zone) + timedelta(seconds=1)
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    nth, last = _nth_weekday(local.date())
    candidates = [last, nth] if last == -1 else [nth]
    for ordinal in candidates:
        ok = True
        for other in (year - 1, year + 1, year + 2):
            found = transitions(zone, other)
            if len(found) <= index:
                continue
            other_local = (found[index] - timedelta(seconds=1)).astimezone(zone)
            other_nth, other_last = _nth_weekday(other_local.date())
            if other_local.month != local.month or (ordinal not in (other_nth, other_last)):
                ok = False
        if ok:
            return vRecur({"FREQ": "YEARLY", "BYMONTH": local.month, "BYDAY": f"{ordinal}{weekday}"})
    return vRecur({"FREQ": "YEARLY", "BYMONTH": local.month, "BYDAY": f"{candidates[0]}{weekday}"})


@lru_cache(maxsize=32)
def render_timezone(name: str, first: date, last: date) -> bytes:
    """Return a VTIMEZONE that is right on the days first to last, in the shape Outlook parses.

    A zone that changes offset twice in first's year gets one STANDARD and one
    DAYLIGHT with YEARLY rules; any other zone gets a single STANDARD with the
    offset of those days, so a zone that dropped daylight time that year (São
    Paulo in 2019) is not written with the offset it had on 1 January.
    """
    zone = ZoneInfo(name)
    component = Timezone()
    component.add("tzid", name)
    year = first.year
    changes = transitions(zone, year)
    if len(changes) != 2:
        for observance in _fixed_offsets(zone, first, last):
            component.add_component(observance)
        return bytes(component.to_ical())
    parts = []
    for index, moment in enumerate(changes):
        before = (moment - timedelta(minutes=1)).astimezone(zone)
        after = moment.astimezone(zone)
        offset_before, offset_after = before.utcoffset(), after.utcoffset()
        assert offset_before is not None and offset_after is not None
        daylight = offset_after > offset_before
        part = TimezoneDaylight() if daylight else TimezoneStandard()
        rule = _yearly_rule(zone, moment, index, year)
        # The rule's first onset is in the year before, so it covers all of year for every parser.
        wall = (moment + offset_before).replace(tzinfo=None)
        part.add("dtstart", datetime.combine(_rule_day(year - 1, rule), wall.time()))
        part.add("rrule", rule)
        part.add("tzoffsetfrom", offset_before)
        part.add("tzoffsetto", offset_after)
        part.add("tzname", after.tzname())
        parts.append((0 if not daylight else 1, part))
    for _, part in sorted(parts, key=lambda pair: pair[0]):
        component.add_component(part)
    return bytes(component.to_ical())


def _fixed_offsets(zone: ZoneInfo, first: date, last: date) -> list[TimezoneStandard]:
    """Return STANDARD parts without rules: the offset on first, then one part per change up to last.

    The days of an event almost never hold a change in such a zone; when they do,
    each change is an onset of its own, which every parser reads.
    """
    start = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC)
    opening = start.astimezone(zone)
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", opening.utcoffset())
    standard.add("tzoffsetto", opening.utcoffset())
    standard.add("tzname", opening.tzname())
    parts = [standard]
    for year in range(first.year, last.year + 2):
        for moment in transitions(zone, year):
            if not start < moment < end:
                continue
            before, after = (moment - timedelta(minutes=1)).astimezone(zone), moment.astimezone(zone)
            offset_before = before.utcoffset()
            assert offset_before is not None
            onset = TimezoneStandard()
            onset.add("dtstart", (moment + offset_before).replace(tzinfo=None))
            onset.add("tzoffsetfrom", offset_before)
            onset.add("tzoffsetto", after.utcoffset())
            onset.add("tzname", after.tzname())
            parts.append(onset)
    return parts


def _rule_day(year: int, rule: vRecur) -> date:
    """Return the day of year that a YEARLY rule with one BYMONTH and one BYDAY (such as -1SU) names."""
    month, byday = int(rule["BYMONTH"]), str(rule["BYDAY"])
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU").index(byday[-2:])
    days = [
        day
        for day in range(1, month_calendar.monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == weekday
    ]
    ordinal = int(byday[:-2])
    return date(year, month, days[min(ordinal, len(days)) - 1 if ordinal > 0 else ordinal])


def render_header(header: CalendarHeader) -> bytes:
    """Return the calendar's opening lines and properties, without its END line."""
    # icalendar writes every line; the lines all feeds share are rendered once.
    lines = dict(_shared_header_lines(header.product, header.timezone, header.refresh))
    # icalendar escapes only the properties it knows; NAME and X-WR-* need vText.
    title, description = PlainText(header.title), PlainText(header.description)
    texts: list[tuple[str, Any]] = [
        ("NAME", title),
        ("X-WR-CALNAME", title),
        ("DESCRIPTION", description),
        ("X-WR-CALDESC", description),
    ]
    if header.color:
        texts.append(("X-APPLE-CALENDAR-COLOR", vText(header.color)))
    for name, value in texts:
        lines[name] = _fold(Contentline.from_parts(name, Parameters(), value))
    if header.url:
        lines["URL"] = _fold(Contentline.from_parts("URL", Parameters({"VALUE": "URI"}), vUri(header.url)))
    return BEGIN + b"".join(lines[name] for name in _header_order(tuple(sorted(lines))))


@lru_cache(maxsize=32)
def _shared_header_lines(product: str, timezone: str, refresh: timedelta) -> dict[str, bytes]:
    cal = Calendar()
    cal.add("prodid", product)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-timezone", vText(timezone))
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    return _content_lines(cal)


def _content_lines(cal: Calendar) -> dict[str, bytes]:
    """Return each calendar property (each added once) as icalendar writes it: name -> folded line with CRLF."""
    return {name: _fold(cal.content_line(name, value)) for name, value in cal.items()}


def _fold(line: Any) -> bytes:
    """Return the content line folded by icalendar, with its CRLF."""
    data = str(line).encode()
    # icalendar folds a line only once it reaches 75 octets; a shorter one comes out as it is.
    return (data if len(data) < FOLD_OCTETS else bytes(line.to_ical())) + b"\r\n"


@lru_cache(maxsize=64)
def _header_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """Return property names in the order icalendar writes a calendar's properties."""
    return tuple(canonsort_keys(list(names), Calendar.canonical_order))


def session_description(
    content: Content, page: str, note: str = "", moved_from: datetime | None = None, cancelled: bool = False
) -> str:
    """Return the plain-text description: notes, abstract, speakers, links."""
    blocks = []
    if note:
        blocks.append(note)
    if moved_from is not None:
        blocks.append(f"Moved from {describe_time(moved_from, content.zone_label)}")
    if content.description:
        blocks.append(content.description)
    if content.speakers:
        label = "Speaker" if len(content.speakers) == 1 else "Speakers"
        blocks.append(f"{label}:\n" + "\n".join(f"- {credit}" for _, credit in content.speakers))
    links = [f"Session page: {page}"]
    if content.url and content.url != page:
        links.append(f"More: {content.url}")
    if content.join_url and not cancelled:
        links.append(f"Join: {content.join_url}")
    blocks.append("\n".join(links))
    return "\n\n".join(blocks)


class PlainText(vText):
    """A TEXT value that keeps every character, where vText turns a literal backslash-N into a line break."""

    def to_ical(self) -> bytes:
        """Return the escaped value: icalendar escapes the text around each backslash-N, here only that is escaped."""
        return b"\\\\N".join(vText(part).to_ical() for part in str(self).split("\\N"))


def unambiguous_time(moment: datetime) -> datetime:
    """Return moment in its zone, or in UTC when its wall-clock time occurs twice there.

    A session whose duration ends in the hour repeated when clocks go back has
    no unambiguous local end: libical and ical.js read the second occurrence,
    icalendar and Home Assistant the first. A UTC time means one instant to all.
    """
    wall = moment.replace(tzinfo=None)
    if wall.replace(tzinfo=moment.tzinfo, fold=0).utcoffset() != wall.replace(tzinfo=moment.tzinfo, fold=1).utcoffset():
        return moment.astimezone(UTC)
    return moment


def render_event(entry: Entry, page: str, tombstone: str = "") -> bytes:
    """Return one VEVENT; with tombstone, the cancelled placeholder explaining why."""
    content = entry.content
    cancelled = content.cancelled or bool(tombstone) or entry.removed is not None
    event = VEvent()
    event.add("uid", entry.uid)
    event.add("dtstamp", entry.modified)
    event.add("created", entry.created)
    event.add("last-modified", entry.modified)
    event.add("sequence", entry.sequence)
    event.add("summary", PlainText(cancelled_title(content.title, cancelled)))
    event.add("dtstart", unambiguous_time(content.start))
    event.add("dtend", unambiguous_time(content.end))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    moved = None if cancelled else entry.moved_from
    event.add("description", PlainText(session_description(content, page, tombstone, moved, cancelled)))
    event.add("url", page, parameters={"VALUE": "URI"})
    if content.location:
        event.add("location", PlainText(content.location))
    categories = [name for _, name in content.tracks] or (["Plenary"] if content.plenary else [])
    if categories:
        value = vCategory(categories)
        value.cats = [PlainText(name) for name in categories]
        event.add("categories", value)
    if content.join_url and not cancelled:
        event.add(
            "conference",
            content.join_url,
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": "Join online"},
        )
    return bytes(event.to_ical())


def render_calendar(header: bytes, timezone: bytes, events: list[bytes]) -> bytes:
    """Return a complete calendar from rendered parts."""
    return b"".join([header, timezone, *events, END])


# Reminders: a feed asked for with ?alarm=MINUTES gets one display alarm per session.
ALARM_MINUTES_MAX = 7 * 24 * 60
END_EVENT = b"END:VEVENT\r\n"
CANCELLED_STATUS = b"\r\nSTATUS:CANCELLED\r\n"


def alarm_description(minutes: int) -> str:
    """Return the text an alarm shows: when the session starts."""
    if minutes == 0:
        return "The session starts now."
    return f"The session starts in {minutes} minute{'s' if minutes != 1 else ''}."


@lru_cache(maxsize=ALARM_MINUTES_MAX + 1)
def render_alarm(minutes: int) -> bytes:
    """Return one VALARM that shows a reminder minutes before the start (0: at the start)."""
    if not 0 <= minutes <= ALARM_MINUTES_MAX:
        raise ValueError(f"an alarm takes 0 to {ALARM_MINUTES_MAX} minutes, got {minutes}")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -timedelta(minutes=minutes))
    alarm.add("description", alarm_description(minutes))
    return bytes(alarm.to_ical())


@lru_cache(maxsize=16)
def add_alarms(calendar: bytes, minutes: int) -> bytes:
    """Return the calendar with one VALARM closing every VEVENT that is not cancelled; nothing else changes.

    A cancelled session keeps no reminder: the client would otherwise announce a
    session that is not taking place.
    """
    alarm = render_alarm(minutes)
    parts = calendar.split(END_EVENT)
    for index, part in enumerate(parts[:-1]):
        event = part[part.rfind(b"BEGIN:VEVENT\r\n") :]
        if CANCELLED_STATUS not in event:
            parts[index] = part + alarm
    return END_EVENT.join(parts)
