"""Check a feed's bytes without any iCalendar library: lines, property names, time zones.

The VTIMEZONE check holds the feed to the shape Outlook parses (MS-OXCICAL):
one STANDARD and one DAYLIGHT, each with a YEARLY RRULE with a single BYDAY
and BYMONTH and no RDATE; a single STANDARD for a zone without daylight time.
Outlook applies those rules to every year, so the check also recomputes each
year's transitions from the rules alone and compares them with zoneinfo.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_OCTETS = 75
NAME = re.compile(r"[A-Za-z0-9-]+")
PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)')
OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?")
BYDAY = re.compile(r"([+-]?[1-5])(MO|TU|WE|TH|FR|SA|SU)")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UTC_TIME = re.compile(r"\d{8}T\d{6}Z")
LOCAL_TIME = re.compile(r"\d{8}T\d{6}")

ALLOWED = {
    "VCALENDAR": {
        "PRODID",
        "VERSION",
        "CALSCALE",
        "NAME",
        "X-WR-CALNAME",
        "DESCRIPTION",
        "X-WR-CALDESC",
        "X-WR-TIMEZONE",
        "REFRESH-INTERVAL",
        "X-PUBLISHED-TTL",
        "URL",
        "X-APPLE-CALENDAR-COLOR",
    },
    "VTIMEZONE": {"TZID"},
    "STANDARD": {"DTSTART", "RRULE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"},
    "DAYLIGHT": {"DTSTART", "RRULE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"},
    "VEVENT": {
        "UID",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "SEQUENCE",
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "STATUS",
        "TRANSP",
        "DESCRIPTION",
        "URL",
        "LOCATION",
        "CATEGORIES",
        "CONFERENCE",
    },
}
REQUIRED_EVENT = {"UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "SUMMARY", "DTSTART", "DTEND", "STATUS", "URL"}
CHILDREN = {"VCALENDAR": {"VTIMEZONE", "VEVENT"}, "VTIMEZONE": {"STANDARD", "DAYLIGHT"}}


@dataclass(frozen=True, slots=True)
class Property:
    """One content line: name, parameters and the raw (still escaped) value."""

    name: str
    params: dict[str, str]
    value: str


@dataclass(slots=True)
class Component:
    """A BEGIN/END block with its properties and children, in file order."""

    name: str
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        """Return every property with this name."""
        return [p for p in self.properties if p.name == name]

    def one(self, name: str) -> Property:
        """Return the only property with this name, failing when there are none or several."""
        found = self.all(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name} properties, expected 1"
        return found[0]


def content_lines(data: bytes) -> list[str]:
    """Return the unfolded lines, checking CRLF ends and 75-octet folds that never split a character."""
    assert data.endswith(b"\r\n"), "the calendar does not end with CRLF"
    physical = data[:-2].split(b"\r\n")
    logical: list[bytes] = []
    for number, line in enumerate(physical, 1):
        assert b"\r" not in line, f"line {number}: a bare CR"
        assert b"\n" not in line, f"line {number}: a bare LF"
        assert len(line) <= MAX_OCTETS, f"line {number} is {len(line)} octets: {line[:80]!r}"
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AssertionError(f"line {number} splits a UTF-8 character: {line!r}") from error
        if line[:1] in (b" ", b"\t"):
            assert logical, "the calendar starts with a continuation line"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def parse_line(line: str) -> Property:
    """Return one content line split into name, parameters and value."""
    match = NAME.match(line)
    assert match, f"not a content line: {line[:80]!r}"
    at = match.end()
    params: dict[str, str] = {}
    while line[at : at + 1] == ";":
        param = PARAM.match(line, at)
        assert param, f"bad parameter in {line[:80]!r}"
        assert param.group(1).upper() not in params, f"parameter given twice in {line[:80]!r}"
        params[param.group(1).upper()] = param.group(2)
        at = param.end()
    assert line[at : at + 1] == ":", f"no ':' after the name and parameters in {line[:80]!r}"
    return Property(match.group(0).upper(), params, line[at + 1 :])


def parse_calendar(data: bytes) -> Component:
    """Return the VCALENDAR in data, checking nesting and that only known properties appear."""
    stack: list[Component] = []
    root: Component | None = None
    for line in content_lines(data):
        prop = parse_line(line)
        if prop.name == "BEGIN":
            child = Component(prop.value)
            if stack:
                assert child.name in CHILDREN.get(stack[-1].name, set()), f"{child.name} inside {stack[-1].name}"
                stack[-1].children.append(child)
            else:
                assert root is None and child.name == "VCALENDAR", "one VCALENDAR, and nothing else, at the top"
                root = child
            stack.append(child)
        elif prop.name == "END":
            assert stack and stack[-1].name == prop.value, f"END:{prop.value} does not close the open component"
            stack.pop()
        else:
            assert stack, f"{prop.name} outside any component"
            allowed = ALLOWED[stack[-1].name]
            assert prop.name in allowed, f"unexpected property {prop.name} in {stack[-1].name}: {line[:80]!r}"
            stack[-1].properties.append(prop)
    assert root is not None and not stack, "the calendar is not closed"
    return root


def check_properties(root: Component) -> None:
    """Check that no property repeats and that every event has what the contract requires."""
    for component in [root, *walk(root)]:
        names = [p.name for p in component.properties]
        repeated = {n for n in names if names.count(n) > 1}
        assert not repeated, f"{component.name} repeats {sorted(repeated)}"
    for event in events_of(root):
        missing = REQUIRED_EVENT - {p.name for p in event.properties}
        assert not missing, f"event {event.all('UID')} lacks {sorted(missing)}"


def walk(component: Component) -> list[Component]:
    """Return every component below this one, depth first."""
    found = []
    for child in component.children:
        found += [child, *walk(child)]
    return found


def events_of(root: Component) -> list[Component]:
    """Return the VEVENTs of a calendar."""
    return [c for c in root.children if c.name == "VEVENT"]


def check_times(root: Component) -> dict[str, set[int]]:
    """Check date-time forms and the order of VTIMEZONEs; return the years each TZID is used in."""
    zones = [c for c in root.children if c.name == "VTIMEZONE"]
    first_event = next((i for i, c in enumerate(root.children) if c.name == "VEVENT"), len(root.children))
    assert all(root.children.index(z) < first_event for z in zones), "a VTIMEZONE comes after the first VEVENT"
    defined = [z.one("TZID").value for z in zones]
    assert len(defined) == len(set(defined)), f"a VTIMEZONE is given twice: {defined}"
    used: dict[str, set[int]] = {}
    for event in events_of(root):
        for prop in event.properties:
            if prop.name in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
                assert UTC_TIME.fullmatch(prop.value) and not prop.params, f"{prop.name} is not a UTC time: {prop}"
            if prop.name not in ("DTSTART", "DTEND"):
                continue
            tzid = prop.params.get("TZID")
            if tzid is None:
                assert UTC_TIME.fullmatch(prop.value), f"{prop.name} is floating or not a date-time: {prop}"
                continue
            assert tzid not in ("UTC", "Etc/UTC", "GMT"), f"TZID={tzid}: UTC needs no time zone"
            assert LOCAL_TIME.fullmatch(prop.value), f"{prop.name} has a TZID and a UTC time: {prop}"
            assert tzid in defined, f"TZID={tzid} has no VTIMEZONE"
            used.setdefault(tzid, set()).add(int(prop.value[:4]))
    for tzid in defined:
        assert tzid in used, f"VTIMEZONE {tzid} is not used by any event"
    return used


def zone_transitions(zone: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """Return (UTC instant, offset before, offset after) for each offset change of the zone in year."""
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found = []
    offset = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + timedelta(hours=1)
        after = following.astimezone(zone).utcoffset()
        if after != offset:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if middle.astimezone(zone).utcoffset() == offset else (low, middle)
            assert offset is not None and after is not None
            found.append((high, offset, after))
            offset = after
        moment = following
    return found


def parse_offset(value: str) -> timedelta:
    """Return a UTC offset such as -0800 or +1245 as a timedelta."""
    match = OFFSET.fullmatch(value)
    assert match, f"bad UTC offset {value!r}"
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)), seconds=int(match.group(4) or 0))


def rule_day(year: int, month: int, byday: str) -> date:
    """Return the day a single BYDAY (such as -1SU or 2SU) names in a month of a year."""
    match = BYDAY.fullmatch(byday)
    assert match, f"BYDAY={byday} is not one ordinal weekday"
    ordinal, weekday = int(match.group(1)), WEEKDAYS.index(match.group(2))
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    return date(year, month, days[ordinal - 1 if ordinal > 0 else ordinal])


def check_outlook_shape(vtimezone: Component, years: set[int]) -> None:
    """Check a VTIMEZONE has Outlook's shape and its rules give zoneinfo's transitions in every year."""
    tzid = vtimezone.one("TZID").value
    zone = ZoneInfo(tzid)
    changes = {year: zone_transitions(zone, year) for year in years}
    counts = {len(found) for found in changes.values()}
    kinds = sorted(c.name for c in vtimezone.children)
    for part in vtimezone.children:
        assert not part.all("RDATE"), f"{tzid}: RDATE in {part.name}"
        for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
            part.one(name)
    if not counts <= {0, 2}:
        check_fixed_offsets(vtimezone, zone)
        return
    if counts == {0}:
        assert kinds == ["STANDARD"], f"{tzid} has no daylight time but the VTIMEZONE has {kinds}"
        (standard,) = vtimezone.children
        assert not standard.all("RRULE"), f"{tzid}: a zone without daylight time needs no RRULE"
        for year in years:
            offset = datetime(year, 6, 1, tzinfo=UTC).astimezone(zone).utcoffset()
            assert parse_offset(standard.one("TZOFFSETTO").value) == offset, f"{tzid} {year}: wrong offset"
            assert parse_offset(standard.one("TZOFFSETFROM").value) == offset, f"{tzid} {year}: wrong offset"
        return
    assert kinds == ["DAYLIGHT", "STANDARD"], f"{tzid}: expected one STANDARD and one DAYLIGHT, got {kinds}"
    parts = {c.name: c for c in vtimezone.children}
    standard_to = parse_offset(parts["STANDARD"].one("TZOFFSETTO").value)
    daylight_to = parse_offset(parts["DAYLIGHT"].one("TZOFFSETTO").value)
    assert daylight_to > standard_to, f"{tzid}: DAYLIGHT's offset must be the larger one"
    assert parse_offset(parts["STANDARD"].one("TZOFFSETFROM").value) == daylight_to, (
        f"{tzid}: STANDARD starts elsewhere"
    )
    assert parse_offset(parts["DAYLIGHT"].one("TZOFFSETFROM").value) == standard_to, (
        f"{tzid}: DAYLIGHT starts elsewhere"
    )
    for year, found in changes.items():
        onsets = []
        for part in parts.values():
            rule = dict(item.split("=", 1) for item in part.one("RRULE").value.split(";"))
            assert set(rule) == {"FREQ", "BYMONTH", "BYDAY"}, f"{tzid}: RRULE {rule} is not FREQ, BYMONTH, BYDAY"
            assert rule["FREQ"] == "YEARLY", f"{tzid}: RRULE is not YEARLY"
            assert re.fullmatch(r"\d{1,2}", rule["BYMONTH"]), f"{tzid}: BYMONTH={rule['BYMONTH']} is not one month"
            start = datetime.strptime(part.one("DTSTART").value, "%Y%m%dT%H%M%S")
            # Parsers that honour DTSTART need both rules in force before the first time the feed uses.
            assert start < datetime(min(years), 1, 1), (
                f"{tzid}: {part.name} starts at {start}, after {min(years)} began"
            )
            wall = datetime.combine(rule_day(year, int(rule["BYMONTH"]), rule["BYDAY"]), start.time())
            assert start <= wall, f"{tzid}: {part.name} DTSTART {start} is after its {year} onset"
            offset_from = parse_offset(part.one("TZOFFSETFROM").value)
            onsets.append(
                ((wall - offset_from).replace(tzinfo=UTC), offset_from, parse_offset(part.one("TZOFFSETTO").value))
            )
        assert sorted(onsets) == found, f"{tzid} {year}: the rules give {sorted(onsets)}, zoneinfo {found}"


def check_fixed_offsets(vtimezone: Component, zone: ZoneInfo) -> None:
    """Check the form for a zone that changes offset once in a year: STANDARD parts without rules, in turn."""
    tzid = vtimezone.one("TZID").value
    assert {c.name for c in vtimezone.children} == {"STANDARD"}, f"{tzid}: a lone offset change needs no DAYLIGHT"
    first, *onsets = vtimezone.children
    assert first.one("DTSTART").value == "19700101T000000", f"{tzid}: the first STANDARD must start in 1970"
    offset = parse_offset(first.one("TZOFFSETTO").value)
    assert parse_offset(first.one("TZOFFSETFROM").value) == offset, f"{tzid}: the first STANDARD changes nothing"
    for part in vtimezone.children:
        assert not part.all("RRULE"), f"{tzid}: a lone offset change needs no RRULE"
    for part in onsets:
        offset_from, offset_to = (
            parse_offset(part.one("TZOFFSETFROM").value),
            parse_offset(part.one("TZOFFSETTO").value),
        )
        assert offset_from == offset, f"{tzid}: STANDARD onsets do not follow each other"
        wall = datetime.strptime(part.one("DTSTART").value, "%Y%m%dT%H%M%S")
        moment = (wall - offset_from).replace(tzinfo=UTC)
        assert (moment, offset_from, offset_to) in zone_transitions(zone, moment.year), (
            f"{tzid}: no offset change at {moment}"
        )
        offset = offset_to


def check_feed(data: bytes) -> Component:
    """Run every byte-level check on one feed and return its parsed components."""
    root = parse_calendar(data)
    check_properties(root)
    used = check_times(root)
    for vtimezone in (c for c in root.children if c.name == "VTIMEZONE"):
        check_outlook_shape(vtimezone, used[vtimezone.one("TZID").value])
    return root
