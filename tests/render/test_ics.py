"""iCalendar output: golden bytes, the feed contract, and independent parsers."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from icalendar import Calendar

from feeds.render.ics import render_timezone, transitions

from ..support.paths import GOLDEN, REAL_EVENT

GOLDEN_FEEDS = {
    "conference.ics": "/conference.ics",
    "track-systems.ics": "/tracks/systems.ics",
    "track-people.ics": "/tracks/people.ics",
    "speaker-zoe.ics": "/speakers/zoe.ics",
    "session-engines.ics": "/sessions/engines.ics",
}
ZONES = [
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/Dublin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
]


def unfold(data: bytes) -> list[str]:
    """Return the logical content lines of iCalendar bytes."""
    return data.decode().replace("\r\n ", "").split("\r\n")[:-1]


def props(data: bytes, name: str) -> list[str]:
    """Return the unfolded lines of one property name."""
    return [line for line in unfold(data) if re.match(rf"{name}[;:]", line)]


@pytest.mark.parametrize(("golden", "path"), GOLDEN_FEEDS.items())
def test_feed_matches_golden_file(client, golden: str, path: str) -> None:
    data = client.get(path).data
    target = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":
        target.write_bytes(data)
    assert data == target.read_bytes(), (
        f"{path} differs from {target}; run UPDATE_GOLDEN=1 pytest after checking the change"
    )


def test_assembled_feed_equals_one_icalendar_calendar(client) -> None:
    data = client.get("/conference.ics").data
    assert Calendar.from_ical(data).to_ical() == data


def test_lines_are_crlf_and_folded_at_75_octets_without_splitting_characters(client) -> None:
    for path in GOLDEN_FEEDS.values():
        data = client.get(path).data
        assert b"\n" not in data.replace(b"\r\n", b"")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75
            line.decode("utf-8")  # a fold never splits a UTF-8 sequence


def test_uid_sequence_and_stamps_are_the_same_in_every_feed(client) -> None:
    seen: dict[str, tuple[str, ...]] = {}
    for path in GOLDEN_FEEDS.values():
        for event in Calendar.from_ical(client.get(path).data).walk("VEVENT"):
            uid = str(event["UID"])
            stamp = (
                str(event["SEQUENCE"]),
                event["DTSTAMP"].to_ical().decode(),
                event["LAST-MODIFIED"].to_ical().decode(),
            )
            assert seen.setdefault(uid, stamp) == stamp
    assert set(seen) == {f"{ident}@tiny.example.org" for ident in ("opening", "engines", "dropped", "night-owl")}


def test_calendar_properties_follow_the_contract(client) -> None:
    data = client.get("/tracks/people.ics").data
    assert props(data, "NAME") == ["NAME:Tiny Conf 2024 · People\\, Process"]
    assert props(data, "X-WR-CALNAME") == ["X-WR-CALNAME:Tiny Conf 2024 · People\\, Process"]
    assert props(data, "REFRESH-INTERVAL") == ["REFRESH-INTERVAL;VALUE=DURATION:PT1H"]
    assert props(data, "X-PUBLISHED-TTL") == ["X-PUBLISHED-TTL:PT1H"]
    assert props(data, "VERSION") == ["VERSION:2.0"]
    assert props(data, "CALSCALE") == ["CALSCALE:GREGORIAN"]
    assert len(props(data, "PRODID")) == 1
    assert props(data, "DESCRIPTION")[0].startswith("DESCRIPTION:The People\\, Process track")
    assert props(data, "X-WR-CALDESC")
    assert not props(data, "METHOD")


def test_events_carry_every_contract_property(client) -> None:
    cal = Calendar.from_ical(client.get("/sessions/engines.ics").data)
    (event,) = cal.walk("VEVENT")
    for name in (
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "UID",
        "DTSTAMP",
        "SEQUENCE",
        "LAST-MODIFIED",
        "STATUS",
        "DESCRIPTION",
        "URL",
        "LOCATION",
        "CATEGORIES",
        "CONFERENCE",
    ):
        assert name in event, name
    assert str(event["SUMMARY"]) == "Engines, looms; and a backslash \\ here"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.start == datetime(2024, 3, 30, 9, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event["CATEGORIES"].cats == ["Systems", "People, Process"]
    assert str(event["URL"]) == "https://feeds.example.org/sessions/engines"
    description = str(event["DESCRIPTION"])
    assert description.startswith("First line.\n\nSecond paragraph")
    assert "Speakers:\n- Ada Lovelace (Analyst, Analytical Engines; Ltd.)\n- Zoë Ünïcode (Ümlaut GmbH)" in description
    assert description.endswith(
        "Session page: https://feeds.example.org/sessions/engines\n"
        "More: https://tiny.example.org/talks/engines\nJoin: https://stream.tiny.example.org/live"
    )


def test_cancelled_session_is_kept_and_marked(client) -> None:
    cal = Calendar.from_ical(client.get("/tracks/people.ics").data)
    by_uid = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    dropped = by_uid["dropped@tiny.example.org"]
    assert str(dropped["STATUS"]) == "CANCELLED"
    assert str(dropped["SUMMARY"]) == "Cancelled: A cancelled talk"
    assert "CONFERENCE" not in dropped


def test_plenary_is_in_every_track_feed(client) -> None:
    for track in ("systems", "people"):
        uids = [str(e["UID"]) for e in Calendar.from_ical(client.get(f"/tracks/{track}.ics").data).walk("VEVENT")]
        assert "opening@tiny.example.org" in uids


def test_session_across_dst_change_has_exact_instants(client) -> None:
    cal = Calendar.from_ical(client.get("/sessions/night-owl.ics").data)
    (event,) = cal.walk("VEVENT")
    assert event.start.astimezone(UTC) == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_timezone_comes_before_the_first_event(client) -> None:
    data = client.get("/conference.ics").data
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert data.count(b"BEGIN:VTIMEZONE") == 1


@pytest.mark.parametrize("zone", ZONES)
def test_timezone_has_outlook_shape_and_matches_zoneinfo(zone: str) -> None:
    data = render_timezone(zone, date(2024, 3, 1), date(2024, 11, 30))
    cal = Calendar.from_ical(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + data + b"END:VCALENDAR\r\n")
    (vtimezone,) = cal.walk("VTIMEZONE")
    standard, daylight = vtimezone.walk("STANDARD"), vtimezone.walk("DAYLIGHT")
    assert len(standard) == 1
    assert b"RDATE" not in data
    if transitions(ZoneInfo(zone), 2024):
        assert len(daylight) == 1
        for part in standard + daylight:
            rule = part["RRULE"]
            assert rule["FREQ"] == ["YEARLY"]
            assert len(rule["BYDAY"]) == 1
            assert len(rule["BYMONTH"]) == 1
    else:
        assert daylight == []
    # Every hour of three years resolves to the same offset as zoneinfo.
    tz = vtimezone.to_tz()
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            for day in (1, 8, 15, 22, 28):
                for hour in (0, 1, 2, 3, 12):
                    naive = datetime(year, month, day, hour, 30)
                    expected = naive.replace(tzinfo=ZoneInfo(zone))
                    got = naive.replace(tzinfo=tz)
                    assert got.utcoffset() == expected.utcoffset(), (zone, naive)


def test_every_real_feed_parses_with_home_assistant_ical(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    from ical.calendar_stream import IcsCalendarStream

    (tmp_path / "event.yaml").write_bytes(REAL_EVENT.read_bytes())
    app = make_app(tmp_path / "event.yaml")
    publication = app.extensions["feeds"].current
    for key, body in publication.render_all("https://feeds.example.org").items():
        calendar = IcsCalendarStream.calendar_from_ics(body.data.decode())
        ours = Calendar.from_ical(body.data)
        theirs = {e.uid: e for e in calendar.events}
        for event in ours.walk("VEVENT"):
            other = theirs[str(event["UID"])]
            assert other.summary == str(event["SUMMARY"]), key
            assert other.description == str(event["DESCRIPTION"]), key
            assert other.dtstart == event.start, key
            assert other.dtend == event.end, key


def _resolve(data: bytes) -> object:
    cal = Calendar.from_ical(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + data + b"END:VCALENDAR\r\n")
    (vtimezone,) = cal.walk("VTIMEZONE")
    return vtimezone


@pytest.mark.parametrize(
    ("first", "last", "offset"),
    [
        (date(2019, 7, 18), date(2019, 7, 19), timedelta(hours=-3)),  # after daylight time ended for good
        (date(2019, 1, 10), date(2019, 1, 11), timedelta(hours=-2)),  # its last weeks of daylight time
    ],
)
def test_zone_that_drops_daylight_time_gets_the_offset_of_the_event_days(first: date, last: date, offset) -> None:
    # São Paulo changed offset once in 2019: daylight time ended on 17 February and never came back.
    assert len(transitions(ZoneInfo("America/Sao_Paulo"), 2019)) == 1
    vtimezone = _resolve(render_timezone("America/Sao_Paulo", first, last))
    (standard,) = vtimezone.walk("STANDARD")
    assert vtimezone.walk("DAYLIGHT") == []
    assert "RRULE" not in standard
    assert standard["TZOFFSETTO"].td == offset
    assert standard["TZOFFSETFROM"].td == offset


def test_event_days_across_a_lone_offset_change_get_each_offset_in_turn() -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    vtimezone = _resolve(render_timezone("America/Sao_Paulo", date(2019, 2, 15), date(2019, 2, 19)))
    assert len(vtimezone.walk("STANDARD")) == 2
    assert vtimezone.walk("DAYLIGHT") == []
    tz = vtimezone.to_tz()
    for hours in range(24 * 7):
        naive = datetime(2019, 2, 14) + timedelta(hours=hours)
        if naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
            continue  # the repeated hour: the loader refuses such times
        assert naive.replace(tzinfo=tz).utcoffset() == naive.replace(tzinfo=zone).utcoffset(), naive
