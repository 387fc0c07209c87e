"""Turn ledger entries into iCalendar bytes. The only module that imports icalendar.

A feed is assembled from parts that icalendar wrote: the calendar header, the
VTIMEZONE and one VEVENT per session. Each part is rendered once and shared by
every feed that holds the session; `render_calendar` gives the same bytes as
building the whole calendar with icalendar in one go (the tests check that).
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vRecur, vText
from icalendar import Event as VEvent

from .ledger import Content, Entry, describe_time

END = b"END:VCALENDAR\r\n"


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
    return found


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
def render_timezone(name: str, year: int) -> bytes:
    """Return a VTIMEZONE in Outlook's shape: one STANDARD and one DAYLIGHT with YEARLY rules."""
    zone = ZoneInfo(name)
    component = Timezone()
    component.add("tzid", name)
    changes = transitions(zone, year)
    if len(changes) != 2:
        moment = datetime(year, 1, 1, 12, tzinfo=UTC).astimezone(zone)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", moment.utcoffset())
        standard.add("tzoffsetto", moment.utcoffset())
        standard.add("tzname", moment.tzname())
        component.add_component(standard)
        return bytes(component.to_ical())
    parts = []
    for index, moment in enumerate(changes):
        before = (moment - timedelta(minutes=1)).astimezone(zone)
        after = moment.astimezone(zone)
        offset_before, offset_after = before.utcoffset(), after.utcoffset()
        assert offset_before is not None and offset_after is not None
        daylight = offset_after > offset_before
        part = TimezoneDaylight() if daylight else TimezoneStandard()
        onset = moment
        if _same_rule_last_year(zone, index, year):
            onset = transitions(zone, year - 1)[index]
        part.add("dtstart", (onset + offset_before).replace(tzinfo=None))
        part.add("rrule", _yearly_rule(zone, moment, index, year))
        part.add("tzoffsetfrom", offset_before)
        part.add("tzoffsetto", offset_after)
        part.add("tzname", after.tzname())
        parts.append((0 if not daylight else 1, part))
    for _, part in sorted(parts, key=lambda pair: pair[0]):
        component.add_component(part)
    return bytes(component.to_ical())


def _same_rule_last_year(zone: ZoneInfo, index: int, year: int) -> bool:
    now, before = transitions(zone, year), transitions(zone, year - 1)
    if len(before) != len(now):
        return False
    this, last = now[index].astimezone(zone), before[index].astimezone(zone)
    return this.month == last.month and _nth_weekday(this.date())[1] == _nth_weekday(last.date())[1]


def render_header(header: CalendarHeader) -> bytes:
    """Return the calendar's opening lines and properties, without its END line."""
    cal = Calendar()
    cal.add("prodid", header.product)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # icalendar escapes only the properties it knows; NAME and X-WR-* need vText.
    cal.add("name", vText(header.title))
    cal.add("x-wr-calname", vText(header.title))
    cal.add("description", vText(header.description))
    cal.add("x-wr-caldesc", vText(header.description))
    cal.add("x-wr-timezone", vText(header.timezone))
    cal.add("refresh-interval", header.refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(header.refresh))
    if header.url:
        cal.add("url", header.url, parameters={"VALUE": "URI"})
    if header.color:
        cal.add("x-apple-calendar-color", vText(header.color))
    data = bytes(cal.to_ical())
    assert data.endswith(END)
    return data[: -len(END)]


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
    event.add("summary", f"Cancelled: {content.title}" if cancelled else content.title)
    event.add("dtstart", content.start)
    event.add("dtend", content.end)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    moved = None if cancelled else entry.moved_from
    event.add("description", session_description(content, page, tombstone, moved, cancelled))
    event.add("url", page, parameters={"VALUE": "URI"})
    if content.location:
        event.add("location", content.location)
    categories = [name for _, name in content.tracks] or (["Plenary"] if content.plenary else [])
    if categories:
        event.add("categories", categories)
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
