"""Reminders on request: ?alarm=MINUTES adds one display alarm per session and changes nothing else."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from feeds.render.ics import ALARM_MINUTES_MAX, add_alarms, render_alarm

from ..clients.drivers import PYTHON_PARSERS, SETUP_HINT, ClientMissingError, Parser, find_icaljs, find_libical
from ..support.paths import CLIENTS, REAL_EVENT

REQUIRED = os.environ.get("FEEDS_REQUIRE_CLIENTS") == "1"
VALARM = re.compile(rb"BEGIN:VALARM\r\n.*?END:VALARM\r\n", re.DOTALL)
FEEDS = ["/conference.ics", "/tracks/systems.ics", "/speakers/zoe.ics", "/sessions/engines.ics"]


@pytest.fixture
def client(make_app: Callable[..., Flask], event_dir: Path) -> FlaskClient:
    return make_app(event_dir / "event.yaml").test_client()


@pytest.fixture(scope="module")
def parsers(tmp_path_factory: pytest.TempPathFactory) -> list[Parser]:
    """Return every client parser that runs here; under FEEDS_REQUIRE_CLIENTS=1, all five or fail."""
    found = list(PYTHON_PARSERS)
    missing = []
    for find in (find_icaljs, lambda: find_libical(tmp_path_factory.mktemp("libical-alarm"))):
        try:
            found.append(find())
        except ClientMissingError as error:
            missing.append(str(error))
    if missing and REQUIRED:
        pytest.fail(f"FEEDS_REQUIRE_CLIENTS=1, but {'; '.join(missing)}; {SETUP_HINT}", pytrace=False)
    return found


def events(data: bytes) -> list[bytes]:
    """Return each VEVENT's lines."""
    return re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, flags=re.DOTALL)


def test_one_display_alarm_closes_every_session_that_is_not_cancelled(client: FlaskClient) -> None:
    plain = client.get("/conference.ics").data
    reminded = client.get("/conference.ics?alarm=10").data
    assert VALARM.sub(b"", reminded) == plain, "the alarms are the only difference"
    for event in events(reminded):
        cancelled = b"\r\nSTATUS:CANCELLED\r\n" in event
        assert event.count(b"BEGIN:VALARM") == (0 if cancelled else 1)
        if not cancelled:
            assert event.endswith(
                b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:The session starts in 10 minutes.\r\n"
                b"TRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
            )
    assert reminded.count(b"BEGIN:VALARM") == len(events(plain)) - 1, "one session of the small event is cancelled"
    assert all(len(line) <= 75 for line in reminded.split(b"\r\n"))
    assert b"\n" not in reminded.replace(b"\r\n", b"")


@pytest.mark.parametrize("path", FEEDS)
def test_every_feed_takes_an_alarm_and_keeps_uid_and_sequence(client: FlaskClient, path: str) -> None:
    plain = Calendar.from_ical(client.get(path).data)
    reminded = Calendar.from_ical(client.get(path + "?alarm=30").data)
    before = [(str(e["UID"]), int(e["SEQUENCE"])) for e in plain.walk("VEVENT")]
    after = [(str(e["UID"]), int(e["SEQUENCE"])) for e in reminded.walk("VEVENT")]
    assert before == after and before
    for event in reminded.walk("VEVENT"):
        alarms = event.walk("VALARM")
        if event["STATUS"] == "CANCELLED":
            assert alarms == []
        else:
            assert [(str(a["ACTION"]), a["TRIGGER"].dt.total_seconds()) for a in alarms] == [("DISPLAY", -1800.0)]


def test_custom_feeds_and_downloads_take_an_alarm(client: FlaskClient) -> None:
    custom = client.get("/custom.ics?track=people&session=engines&alarm=5")
    assert custom.status_code == 200 and b"TRIGGER:-PT5M\r\n" in custom.data
    assert VALARM.sub(b"", custom.data) == client.get("/custom.ics?track=people&session=engines").data
    download = client.get("/sessions/engines.ics?download=1&alarm=15")
    assert download.headers["Content-Disposition"] == 'attachment; filename="engines.ics"'
    assert b"TRIGGER:-PT15M\r\n" in download.data


def test_alarm_feeds_have_their_own_validators(client: FlaskClient) -> None:
    plain = client.get("/tracks/systems.ics")
    reminded = client.get("/tracks/systems.ics?alarm=10")
    assert reminded.headers["ETag"] != plain.headers["ETag"]
    assert reminded.headers["Last-Modified"] == plain.headers["Last-Modified"]
    assert reminded.headers["Content-Type"] == "text/calendar; charset=utf-8"
    again = client.get("/tracks/systems.ics?alarm=10", headers={"If-None-Match": reminded.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == reminded.headers["ETag"]
    stale = client.get("/tracks/systems.ics?alarm=10", headers={"If-None-Match": plain.headers["ETag"]})
    assert stale.status_code == 200
    head = client.head("/tracks/systems.ics?alarm=10")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == reminded.headers["ETag"]


@pytest.mark.parametrize("minutes", ["0", "1", "10", "90", "1440", str(ALARM_MINUTES_MAX)])
def test_alarm_values_in_bounds(client: FlaskClient, minutes: str) -> None:
    response = client.get(f"/speakers/zoe.ics?alarm={minutes}")
    assert response.status_code == 200
    alarm = Calendar.from_ical(response.data).walk("VALARM")[0]
    assert alarm["TRIGGER"].dt.total_seconds() == -60 * int(minutes)
    assert str(alarm["DESCRIPTION"]).startswith("The session starts")


@pytest.mark.parametrize(
    "value", ["", "-5", "10081", "99999999", "10m", "1.5", " 10", "+10", "١٠", "10&alarm=20", "PT10M"]
)
def test_alarm_values_out_of_bounds_are_plain_400s(client: FlaskClient, value: str) -> None:
    response = client.get("/tracks/systems.ics", query_string={"alarm": value})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith(f"alarm takes whole minutes from 0 to {ALARM_MINUTES_MAX} (one week) before the start")
    assert client.get("/custom.ics", query_string={"session": "engines", "alarm": value}).status_code == 400


def test_render_alarm_refuses_what_the_url_refuses() -> None:
    assert render_alarm(0).startswith(b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:The session starts now.\r\n")
    for minutes in (-1, ALARM_MINUTES_MAX + 1):
        with pytest.raises(ValueError, match="an alarm takes 0 to"):
            render_alarm(minutes)
    assert add_alarms(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 10) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_the_client_parsers_read_the_alarmed_feeds_as_the_plain_ones(
    make_app: Callable[..., Flask], tmp_path: Path, parsers: list[Parser]
) -> None:
    (tmp_path / "event.yaml").write_bytes(REAL_EVENT.read_bytes())
    client = make_app(tmp_path / "event.yaml").test_client()
    paths = ["/conference.ics", "/tracks/ai-platform.ics", "/custom.ics?session=ray-keynote,flux,thrift"]
    plain = [client.get(path).data for path in paths]
    reminded = [client.get(path + ("&" if "?" in path else "?") + "alarm=10").data for path in paths]
    for parser in parsers:
        before, after = parser.parse(plain), parser.parse(reminded)
        for path, old, new in zip(paths, before, after, strict=True):
            assert new.errors == (), (parser.name, path, new.errors)
            assert new.events == old.events, (parser.name, path)


def test_python_clients_see_the_alarm(client: FlaskClient) -> None:
    data = client.get("/tracks/systems.ics?alarm=10").data
    alarms = [alarm for event in vobject.readOne(data.decode()).vevent_list for alarm in event.getChildren()]
    found = [a for a in alarms if a.name == "VALARM"]
    assert found and all(a.action.value == "DISPLAY" and a.trigger.value.total_seconds() == -600 for a in found)
    stream = IcsCalendarStream.calendar_from_ics(data.decode())
    triggers = [alarm.trigger for event in stream.events for alarm in event.alarm]
    assert triggers and all(trigger.total_seconds() == -600 for trigger in triggers)


def test_icaljs_sees_the_alarm(client: FlaskClient) -> None:
    node = shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / "ical.js").is_dir():
        if REQUIRED:
            pytest.fail(f"FEEDS_REQUIRE_CLIENTS=1, but node or ical.js is missing; {SETUP_HINT}", pytrace=False)
        pytest.skip(f"ical.js is not installed; {SETUP_HINT}")
    script = (
        "import ICAL from 'ical.js'; import fs from 'node:fs';"
        "const root = new ICAL.Component(ICAL.parse(fs.readFileSync(0, 'utf8')));"
        "console.log(JSON.stringify(root.getAllSubcomponents('vevent').map(e => e.getAllSubcomponents('valarm')"
        ".map(a => [a.getFirstPropertyValue('action'), a.getFirstPropertyValue('trigger').toSeconds()]))));"
    )
    data = client.get("/conference.ics?alarm=10").data
    result = subprocess.run(
        [node, "--input-type=module", "-e", script], input=data, capture_output=True, cwd=CLIENTS, check=True
    )
    found = json.loads(result.stdout)
    assert sorted(map(len, found)) == [0, *([1] * (len(found) - 1))], "every session but the cancelled one"
    assert all(alarm == ["DISPLAY", -600] for alarms in found for alarm in alarms)
