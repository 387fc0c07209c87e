"""The frab schedule (XML and JSON): golden bytes, the voc XSD, stable ids, cancellations, HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from feeds.catalog import list_feeds
from feeds.ledger import LedgerFile
from feeds.load import load_event
from feeds.render.frab import DEFAULT_ROOM, ONLINE_ROOM, format_duration, frab_acronym, room_of, session_guid
from feeds.render.qr import qr_path

from ..support.organizer import Organizer, remove_session
from ..support.paths import FIRST_PUBLISHED, GOLDEN, REAL_EVENT, SCHEMAS, Clock

# Copies of the public voc/schedule validator's schemas, kept unchanged in the repository (see tests/data/schemas/README.md).
SCHEMA = SCHEMAS / "frab-schedule.xml.xsd"
JSON_SCHEMA = SCHEMAS / "c3voc-schedule.schema.json"
ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
UID = "{}@tiny.example.org"
SMALL_IDS = ["opening", "engines", "dropped", "night-owl"]


@pytest.fixture(scope="session")
def schema() -> etree.XMLSchema:
    assert SCHEMA.is_file(), f"the frab XSD copy is missing at {SCHEMA}; it is part of the repository"
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


@pytest.fixture(scope="session")
def json_schema() -> jsonschema.Draft6Validator:
    document = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft6Validator.check_schema(document)
    return jsonschema.Draft6Validator(document, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)


def assert_valid(schema: etree.XMLSchema, data: bytes) -> None:
    """Fail with the validator's messages unless data is a valid frab schedule.xml."""
    document = etree.fromstring(data)
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)


def assert_valid_json(validator: jsonschema.Draft6Validator, data: bytes) -> None:
    """Fail with every message of the c3voc schema unless data is a valid schedule.json."""
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(json.loads(data))
    ]
    assert not errors, "\n".join(errors[:20])


def xml_events(data: bytes) -> dict[str, ET.Element]:
    """Return the schedule.xml events by guid (each guid once)."""
    found: dict[str, ET.Element] = {}
    for element in ET.fromstring(data).iter("event"):
        guid = element.get("guid") or ""
        assert guid not in found, f"guid {guid} appears twice"
        found[guid] = element
    return found


def json_events(data: bytes) -> dict[str, dict[str, Any]]:
    """Return the schedule.json events by guid (each guid once)."""
    found: dict[str, dict[str, Any]] = {}
    for day in json.loads(data)["schedule"]["conference"]["days"]:
        for room, events in day["rooms"].items():
            for item in events:
                assert item["room"] == room
                assert item["guid"] not in found
                found[item["guid"]] = item
    return found


def text(element: ET.Element, tag: str) -> str:
    return element.findtext(tag) or ""


def flatten(element: ET.Element) -> list[tuple[str, str, dict[str, str]]]:
    """Return an element's tree as (tag, text, attributes) rows, ignoring indentation."""
    return [(e.tag, (e.text or "").strip(), dict(e.attrib)) for e in element.iter()]


def guid(ident: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, UID.format(ident)))


@pytest.fixture
def real_client(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[FlaskClient]:
    folder = tmp_path / "real"
    folder.mkdir()
    shutil.copy(REAL_EVENT, folder / "event.yaml")
    with make_app(folder / "event.yaml").test_client() as test_client:
        yield test_client


# -- golden files and the schema ------------------------------------------


@pytest.mark.parametrize(("golden", "path"), [("schedule.xml", "/schedule.xml"), ("schedule.json", "/schedule.json")])
def test_schedule_matches_golden_file(client: FlaskClient, golden: str, path: str) -> None:
    data = client.get(path).data
    target = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":
        target.write_bytes(data)
    assert data == target.read_bytes(), (
        f"{path} differs from {target}; run UPDATE_GOLDEN=1 pytest after checking the change"
    )


def test_small_and_real_schedules_validate_against_the_xsd(
    schema: etree.XMLSchema, client: FlaskClient, real_client: FlaskClient
) -> None:
    assert_valid(schema, client.get("/schedule.xml").data)
    assert_valid(schema, real_client.get("/schedule.xml").data)


def test_the_xsd_check_rejects_what_the_schema_forbids(schema: etree.XMLSchema, client: FlaskClient) -> None:
    # The check has teeth: the same document with a duplicated id, or a field this XSD has no place for, fails.
    data = client.get("/schedule.xml").data
    duplicated = etree.fromstring(data)
    events = duplicated.findall(".//event")
    events[1].set("id", events[0].get("id") or "")
    assert not schema.validate(duplicated)
    extra = etree.fromstring(data)
    etree.SubElement(extra.find("conference"), "time_zone_name").text = "Europe/Berlin"
    assert not schema.validate(extra)


def test_small_and_real_schedule_json_validate_against_the_c3voc_schema(
    json_schema: jsonschema.Draft6Validator, client: FlaskClient, real_client: FlaskClient
) -> None:
    assert_valid_json(json_schema, client.get("/schedule.json").data)
    assert_valid_json(json_schema, real_client.get("/schedule.json").data)
    conference = json.loads(real_client.get("/schedule.json").data)["schedule"]["conference"]
    assert conference["acronym"] == "systems_scale_summer_2023"


def test_the_json_schema_check_rejects_what_the_schema_forbids(
    json_schema: jsonschema.Draft6Validator, client: FlaskClient
) -> None:
    # The check has teeth: the acronym the export wrote before, and a field an event has no place for, fail.
    data = json.loads(client.get("/schedule.json").data)
    data["schedule"]["conference"]["acronym"] = "systems-scale-summer-2023"
    assert not json_schema.is_valid(data)
    data = json.loads(client.get("/schedule.json").data)
    first_room = next(iter(data["schedule"]["conference"]["days"][0]["rooms"].values()))
    first_room[0]["speaker_ids"] = ["ada"]
    assert not json_schema.is_valid(data)


@pytest.mark.parametrize(
    ("event_id", "acronym"),
    [
        ("systems-scale-summer-2023", "systems_scale_summer_2023"),
        ("tiny-conf", "tiny_conf"),
        ("camp-2024-berlin", "camp-2024-berlin"),
        ("36c3", "36c3"),
        ("ab", "ab__"),
        ("a-b", "a_b_"),
        ("fosdem-2025-x1", "fosdem_2025_x1"),
    ],
)
def test_acronym_follows_the_c3voc_pattern(event_id: str, acronym: str) -> None:
    assert frab_acronym(event_id) == acronym
    assert ACRONYM.fullmatch(acronym)


# -- content ----------------------------------------------------------------


def test_guid_is_derived_from_the_uid_and_id_is_the_ledger_number(client: FlaskClient, event_dir: Path) -> None:
    ledger = LedgerFile(event_dir / "event.ledger.json").read("tiny-conf")
    assert ledger is not None
    events = xml_events(client.get("/schedule.xml").data)
    assert set(events) == {guid(ident) for ident in SMALL_IDS}
    for ident in SMALL_IDS:
        element = events[guid(ident)]
        assert guid(ident) == session_guid(UID.format(ident))
        assert element.get("id") == str(ledger.sessions[UID.format(ident)].number)
        assert text(element, "slug") == f"tiny-conf-{element.get('id')}-{ident}"


def test_times_rooms_tracks_and_people(client: FlaskClient) -> None:
    root = ET.fromstring(client.get("/schedule.xml").data)
    conference = root.find("conference")
    assert conference is not None
    assert [text(conference, tag) for tag in ("title", "acronym", "start", "end", "days", "timeslot_duration")] == [
        "Tiny Conf 2024",
        "tiny_conf",
        "2024-03-30",
        "2024-03-31",
        "2",
        "00:15",
    ]
    days = root.findall("day")
    assert [(d.get("index"), d.get("date"), d.get("start"), d.get("end")) for d in days] == [
        ("1", "2024-03-30", "2024-03-30T00:00:00+01:00", "2024-03-31T00:00:00+01:00"),
        ("2", "2024-03-31", "2024-03-31T00:00:00+01:00", "2024-04-01T00:00:00+02:00"),
    ]
    assert [room.get("name") for room in days[0].findall("room")] == ["Hall A"]
    assert [room.get("name") for room in days[1].findall("room")] == ["Room 2"]
    events = xml_events(ET.tostring(root))
    engines = events[guid("engines")]
    assert [text(engines, tag) for tag in ("date", "start", "duration", "room", "track", "type")] == [
        "2024-03-30T09:15:00+01:00",
        "09:15",
        "00:45",
        "Hall A",
        "Systems",
        "talk",
    ]
    assert [p.text for p in engines.iter("person")] == ["Ada Lovelace", "Zoë Ünïcode"]
    assert [(link.get("href"), link.text) for link in engines.iter("link")] == [
        ("https://feeds.example.org/sessions/engines", "Session page"),
        ("https://tiny.example.org/talks/engines", "More information"),
        ("https://stream.tiny.example.org/live", "Join online"),
        ("https://feeds.example.org/sessions/engines.ics", "Add to calendar"),
        ("https://feeds.example.org/speakers/ada", "Speaker: Ada Lovelace"),
        ("https://feeds.example.org/speakers/zoe", "Speaker: Zoë Ünïcode"),
        ("https://feeds.example.org/tracks/systems", "Track: Systems"),
        ("https://feeds.example.org/tracks/people", "Track: People, Process"),
    ]
    opening = events[guid("opening")]
    assert (text(opening, "track"), text(opening, "type")) == ("Plenary", "plenary")
    # 01:30 CET to 03:30 CEST is one hour of real time, not two.
    night = events[guid("night-owl")]
    assert (text(night, "date"), text(night, "duration"), text(night, "room")) == (
        "2024-03-31T01:30:00+01:00",
        "01:00",
        "Room 2",
    )


def test_cancelled_session_stays_with_prefix_and_no_recording(client: FlaskClient) -> None:
    dropped = xml_events(client.get("/schedule.xml").data)[guid("dropped")]
    assert text(dropped, "title") == "Cancelled: A cancelled talk"
    assert dropped.findtext("recording/optout") == "true"
    assert "Join online" not in [link.text for link in dropped.iter("link")]
    item = json_events(client.get("/schedule.json").data)[guid("dropped")]
    assert (item["title"], item["do_not_record"]) == ("Cancelled: A cancelled talk", True)
    assert json_events(client.get("/schedule.json").data)[guid("engines")]["do_not_record"] is False


def test_json_says_what_the_xml_says(client: FlaskClient, real_client: FlaskClient) -> None:
    for app_client in (client, real_client):
        xml = xml_events(app_client.get("/schedule.xml").data)
        data = app_client.get("/schedule.json").data
        items = json_events(data)
        assert set(items) == set(xml)
        for key, element in xml.items():
            item = items[key]
            assert str(item["id"]) == element.get("id")
            for tag in ("date", "start", "duration", "room", "slug", "title", "track", "type", "abstract"):
                assert item[tag] == text(element, tag), (key, tag)
            assert item["description"] == text(element, "description")
            assert [p["name"] for p in item["persons"]] == [p.text for p in element.iter("person")]
            assert [(link["url"], link["title"]) for link in item["links"]] == [
                (link.get("href"), link.text) for link in element.iter("link")
            ]
        schedule = json.loads(data)["schedule"]
        xml_conference = ET.fromstring(app_client.get("/schedule.xml").data).find("conference")
        assert xml_conference is not None
        assert schedule["version"] == ET.fromstring(app_client.get("/schedule.xml").data).findtext("version")
        conference = schedule["conference"]
        assert conference["daysCount"] == int(text(xml_conference, "days")) == len(conference["days"])
        assert conference["timeslot_duration"] == text(xml_conference, "timeslot_duration")


def test_real_agenda_lists_every_session_once(real_client: FlaskClient) -> None:
    data = real_client.get("/schedule.json").data
    schedule = json.loads(data)["schedule"]
    conference = schedule["conference"]
    assert conference["time_zone_name"] == "America/Los_Angeles"
    assert [room["name"] for room in conference["rooms"]] == ["Online"]
    items = json_events(data)
    feed_uids = {
        line.split(":", 1)[1]
        for line in real_client.get("/conference.ics").data.decode().split("\r\n")
        if line.startswith("UID:")
    }
    assert set(items) == {session_guid(uid) for uid in feed_uids}
    thrift = next(item for item in items.values() if item["slug"].endswith("-thrift"))
    assert (thrift["date"], thrift["duration"]) == ("2023-07-19T10:05:00-07:00", "00:20")


def test_room_is_the_location_else_online_else_the_default() -> None:
    assert room_of("Room 2", "https://example.org/live") == "Room 2"
    assert room_of("", "https://example.org/live") == ONLINE_ROOM == "Online"
    assert room_of("", "") == DEFAULT_ROOM == "Main room"
    assert format_duration(timedelta(hours=1, minutes=5)) == "01:05"
    assert format_duration(timedelta(minutes=59, seconds=30)) == "01:00"


def test_event_without_location_lists_sessions_online_or_in_the_default_room(
    organizer: Organizer, client: FlaskClient, schema: etree.XMLSchema
) -> None:
    organizer.edit("  location: Hall A\n", "")
    rooms = {text(e, "title"): text(e, "room") for e in xml_events(client.get("/schedule.xml").data).values()}
    assert rooms["Opening"] == "Online"
    assert rooms["Across the DST change"] == "Room 2"
    organizer.edit("  join_url: https://stream.tiny.example.org/live\n", "")
    data = client.get("/schedule.xml").data
    rooms = {text(e, "title"): text(e, "room") for e in xml_events(data).values()}
    assert rooms["Opening"] == "Main room"
    assert_valid(schema, data)


# -- edits: a move, a cancellation, a removal -------------------------------


def test_moving_a_session_changes_it_everywhere_and_adds_one_change_entry(
    organizer: Organizer, client: FlaskClient, schema: etree.XMLSchema, json_schema: jsonschema.Draft6Validator
) -> None:
    before_xml = client.get("/schedule.xml")
    before_json = client.get("/schedule.json")
    before_atom = ET.fromstring(client.get("/changes.atom").data)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    organizer.edit(
        "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
    )
    after_xml = client.get("/schedule.xml")
    after_json = client.get("/schedule.json")
    assert after_xml.headers["ETag"] != before_xml.headers["ETag"]
    assert after_json.headers["ETag"] != before_json.headers["ETag"]
    assert client.get("/schedule.xml", headers={"If-None-Match": before_xml.headers["ETag"]}).status_code == 200
    assert client.get("/schedule.xml", headers={"If-None-Match": after_xml.headers["ETag"]}).status_code == 304
    assert_valid(schema, after_xml.data)
    assert_valid_json(json_schema, after_json.data)
    old, new = xml_events(before_xml.data), xml_events(after_xml.data)
    assert set(old) == set(new)
    assert {key: e.get("id") for key, e in old.items()} == {key: e.get("id") for key, e in new.items()}
    moved = new[guid("engines")]
    assert (text(moved, "date"), text(moved, "start"), text(moved, "duration")) == (
        "2024-03-30T11:00:00+01:00",
        "11:00",
        "00:45",
    )
    assert text(moved, "description") == "Moved from Sat 30 Mar 09:15 CET"
    for key in set(old) - {guid("engines")}:
        assert flatten(old[key]) == flatten(new[key])
    old_json, new_json = json_events(before_json.data), json_events(after_json.data)
    assert {k: v["id"] for k, v in old_json.items()} == {k: v["id"] for k, v in new_json.items()}
    assert (new_json[guid("engines")]["date"], new_json[guid("engines")]["start"]) == (
        "2024-03-30T11:00:00+01:00",
        "11:00",
    )
    atom = ET.fromstring(client.get("/changes.atom").data)
    before_entries = before_atom.findall("atom:entry", ns)
    entries = atom.findall("atom:entry", ns)
    assert len(entries) == len(before_entries) + 1
    assert entries[0].findtext("atom:title", namespaces=ns) == (
        "Moved: Engines, looms; and a backslash \\ here, Sat 30 Mar 09:15-10:00 -> 11:00-11:45 CET"
    )
    assert [e.findtext("atom:id", namespaces=ns) for e in entries[1:]] == [
        e.findtext("atom:id", namespaces=ns) for e in before_entries
    ]


def test_removed_session_stays_cancelled_until_its_tombstone_expires(
    organizer: Organizer,
    client: FlaskClient,
    clock: Clock,
    schema: etree.XMLSchema,
    json_schema: jsonschema.Draft6Validator,
) -> None:
    organizer.write(remove_session(organizer.path.read_text(), "night-owl"))
    data = client.get("/schedule.xml").data
    assert_valid(schema, data)
    assert_valid_json(json_schema, client.get("/schedule.json").data)
    night = xml_events(data)[guid("night-owl")]
    assert text(night, "title") == "Cancelled: Across the DST change"
    assert text(night, "description") == "Removed from the schedule."
    assert night.findtext("recording/optout") == "true"
    item = json_events(client.get("/schedule.json").data)[guid("night-owl")]
    assert (item["title"], item["description"], item["do_not_record"]) == (
        "Cancelled: Across the DST change",
        "Removed from the schedule.",
        True,
    )
    clock.advance(days=30)
    data = client.get("/schedule.xml").data
    assert guid("night-owl") not in xml_events(data)
    assert guid("night-owl") not in json_events(client.get("/schedule.json").data)
    assert_valid(schema, data)
    # The empty second day stays: apps show the conference's days, not only the busy ones.
    assert [day.get("date") for day in ET.fromstring(data).findall("day")] == ["2024-03-30", "2024-03-31"]


def test_cancelling_keeps_guid_and_id(organizer: Organizer, client: FlaskClient) -> None:
    before = xml_events(client.get("/schedule.xml").data)[guid("opening")]
    organizer.edit("    title: Opening\n", "    title: Opening\n    status: cancelled\n")
    after = xml_events(client.get("/schedule.xml").data)[guid("opening")]
    assert after.get("id") == before.get("id")
    assert text(after, "title") == "Cancelled: Opening"
    assert "Join online" not in [link.text for link in after.iter("link")]


def test_session_added_later_gets_the_next_number(organizer: Organizer, client: FlaskClient) -> None:
    organizer.write(
        organizer.path.read_text()
        + "  - id: late\n    title: A late addition\n    start: 2024-03-30 14:00\n    duration: 30m\n    track: systems\n"
    )
    events = xml_events(client.get("/schedule.xml").data)
    assert events[guid("late")].get("id") == "5"
    organizer.write(remove_session(organizer.path.read_text(), "late"))
    organizer.write(
        organizer.path.read_text()
        + "  - id: later\n    title: Another one\n    start: 2024-03-30 15:00\n    duration: 30m\n    track: systems\n"
    )
    events = xml_events(client.get("/schedule.xml").data)
    assert events[guid("late")].get("id") == "5"  # a tombstone keeps its number
    assert events[guid("later")].get("id") == "6"  # numbers are never reused


# -- HTTP -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/schedule.xml", "application/xml; charset=utf-8"), ("/schedule.json", "application/json")],
)
def test_schedule_http(client: FlaskClient, path: str, content_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Last-Modified"] == format_datetime(FIRST_PUBLISHED, usegmt=True)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == etag
    assert again.headers["Last-Modified"] == response.headers["Last-Modified"]
    since = client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    assert (
        client.get(
            path, headers={"If-None-Match": '"stale"', "If-Modified-Since": response.headers["Last-Modified"]}
        ).status_code
        == 200
    )
    head = client.head(path)
    assert (head.status_code, head.data, head.headers["ETag"]) == (200, b"", etag)
    assert client.post(path).status_code == 405


def test_same_files_give_same_bytes_in_another_process(
    client: FlaskClient, make_app: Callable[..., Flask], event_dir: Path
) -> None:
    first = {path: client.get(path) for path in ("/schedule.xml", "/schedule.json")}
    with make_app(event_dir / "event.yaml").test_client() as other:
        for path, response in first.items():
            again = other.get(path)
            assert (again.data, again.headers["ETag"]) == (response.data, response.headers["ETag"])


def test_static_export_writes_the_same_bytes(client: FlaskClient, event_dir: Path, tmp_path: Path) -> None:
    from feeds.export import export_event

    outdir = tmp_path / "site"
    export_event(event_dir / "event.yaml", None, "https://feeds.example.org", outdir)
    paths = ["/schedule.xml", "/schedule.json", "/changes.atom"]
    # Every feed's QR code too (the export reaches them through the subscribe panels that show them).
    paths += [qr_path(feed.key) for feed in list_feeds(load_event(event_dir / "event.yaml"))]
    for path in paths:
        file = outdir / path.lstrip("/")
        assert file.is_file(), f"{path} is not in the export"
        assert file.read_bytes() == client.get(path).data, path


def test_markup_in_titles_is_text_in_every_format(
    organizer: Organizer, client: FlaskClient, schema: etree.XMLSchema
) -> None:
    title = "</title><x a='1'> & ]]> \u2028 \"quoted\""
    organizer.edit("title: Opening", "title: " + json.dumps(title))
    data = client.get("/schedule.xml").data
    assert_valid(schema, data)
    assert text(xml_events(data)[guid("opening")], "title") == title
    assert json_events(client.get("/schedule.json").data)[guid("opening")]["title"] == title
    atom = ET.fromstring(client.get("/changes.atom").data)
    assert atom.findtext("atom:entry/atom:title", namespaces={"atom": "http://www.w3.org/2005/Atom"}) == (
        f"Renamed: Opening -> {title}"
    )
