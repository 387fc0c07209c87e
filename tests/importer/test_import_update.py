"""feeds import --update: a newer upstream schedule merged in, seen through the served feeds' UIDs and SEQUENCEs."""

from __future__ import annotations

import copy
import difflib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from feeds import cli
from feeds.load import load_event

from ..support.paths import IMPORT_FIXTURES, REAL_EVENT, SMALL_EVENT, Clock

PRETALX = IMPORT_FIXTURES / "pretalx.json"
DOMAIN = "pycon-de-2024.pretalx.example.org"


def uid(ident: str) -> str:
    return f"{ident}@{DOMAIN}"


class Upstream:
    """The pretalx schedule as a test edits it, and the organizer's event.yaml re-imported from it."""

    def __init__(self, folder: Path, client: FlaskClient, clock: Clock) -> None:
        self.folder = folder
        self.client = client
        self.clock = clock
        self.data: dict[str, Any] = json.loads(PRETALX.read_text(encoding="utf-8"))
        self.event_file = folder / "event.yaml"
        self.stamp = 1_700_000_000

    def talks(self) -> list[dict[str, Any]]:
        return [
            talk
            for day in self.data["schedule"]["conference"]["days"]
            for room in day["rooms"].values()
            for talk in room
        ]

    def talk(self, code: str) -> dict[str, Any]:
        return next(talk for talk in self.talks() if talk["code"] == code)

    def source(self) -> Path:
        path = self.folder / "schedule.json"
        path.write_text(json.dumps(self.data), encoding="utf-8")
        return path

    def touch(self) -> None:
        self.stamp += 10
        os.utime(self.event_file, (self.stamp, self.stamp))
        self.clock.advance(hours=1)

    def reimport(self, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
        code = cli.main(["import", str(self.source()), "--update", str(self.event_file), *extra])
        out, err = capsys.readouterr()
        assert code == 0, err
        self.touch()
        return out + err

    def events(self, path: str = "/conference.ics") -> dict[str, Any]:
        response = self.client.get(path)
        assert response.status_code == 200, path
        return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


@pytest.fixture
def upstream(
    tmp_path: Path, make_app: Callable[..., Flask], clock: Clock, capsys: pytest.CaptureFixture[str]
) -> Upstream:
    event_file = tmp_path / "event.yaml"
    assert cli.main(["import", str(PRETALX), "-o", str(event_file)]) == 0
    capsys.readouterr()
    text = event_file.read_text(encoding="utf-8")
    # The organizer's own edits: a comment, a join link, a track description, an alias and a hand-made session.
    text = text.replace(
        "  - id: pandas-the-next-ten-years\n",
        "  # Confirmed by phone on 2 April.\n  - id: pandas-the-next-ten-years\n",
    )
    text = text.replace(
        "    name: Python Core\n", "    name: Python Core\n    description: The language itself and CPython.\n"
    )
    text = text.replace(
        "    location: Titanium\n    source_id: 3c9e1a7e-0d5b-5a43-9b0e-6f1d2c3b4a02\n",
        "    location: Titanium\n    join_url: https://stream.example.org/titanium\n    aliases: [pandas]\n"
        "    source_id: 3c9e1a7e-0d5b-5a43-9b0e-6f1d2c3b4a02\n",
    )
    text += (
        "\n  # Not in pretalx: organized by us.\n"
        "  - id: social-evening\n    title: Social evening\n    start: 2024-04-22 19:00\n    duration: 3h\n"
        "    plenary: true\n    location: Rooftop\n"
    )
    event_file.write_text(text, encoding="utf-8")
    app = make_app(event_file)
    client = app.test_client()
    found = Upstream(tmp_path, client, clock)
    found.touch()
    assert client.get("/conference.ics").status_code == 200
    return found


def test_a_move_retitle_removal_addition_and_renamed_speaker_keep_identities(
    upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    before = upstream.events()
    assert {uid("pandas-the-next-ten-years"), uid("typing-for-the-rest-of-us"), uid("social-evening")} <= set(before)
    assert all(event["SEQUENCE"] == 0 for event in before.values())
    speaker_feed = upstream.client.get("/speakers/marie-curie-data.ics")
    assert speaker_feed.status_code == 200

    upstream.talk("ML42")["date"] = "2024-04-22T11:00:00+02:00"
    upstream.talk("ML42")["start"] = "11:00"
    upstream.talk("CORE7")["title"] = "Typing for everyone"
    rooms = upstream.data["schedule"]["conference"]["days"][1]["rooms"]
    rooms["Titanium"] = []
    new_talk = copy.deepcopy(upstream.talk("KEY1"))
    new_talk.update(
        guid="3c9e1a7e-0d5b-5a43-9b0e-6f1d2c3b4a99",
        code="NEW1",
        id=2099,
        title="Late addition: WebAssembly",
        date="2024-04-22T15:00:00+02:00",
        start="15:00",
        track="Python Core",
    )
    upstream.data["schedule"]["conference"]["days"][0]["rooms"]["Helium"].append(new_talk)
    for talk in upstream.talks():
        for person in talk["persons"]:
            if person["code"] == "EFGH34":
                person["name"] = person["public_name"] = "Marie Curie"
    report = upstream.reimport(capsys)
    assert "Traceback" not in report

    text = upstream.event_file.read_text(encoding="utf-8")
    event = load_event(upstream.event_file)
    after = upstream.events()
    # A move upstream is a move here: same UID, SEQUENCE + 1, "Moved from".
    moved = after[uid("pandas-the-next-ten-years")]
    assert moved["SEQUENCE"] == 1
    assert str(moved["DESCRIPTION"]).startswith("Moved from Mon 22 Apr 10:00")
    # A retitle keeps the id and the UID.
    retitled = after[uid("typing-for-the-rest-of-us")]
    assert (str(retitled["SUMMARY"]), retitled["SEQUENCE"]) == ("Typing for everyone", 1)
    # A removal upstream removes it here: subscribers see a cancelled placeholder.
    removed = after[uid("growing-a-local-user-group")]
    assert str(removed["STATUS"]) == "CANCELLED"
    assert event.session("growing-a-local-user-group") is None
    # A new session is added with a new id; nothing else changed.
    assert after[uid("late-addition-webassembly")]["SEQUENCE"] == 0
    assert after[uid("keynote-the-future-of-python")]["SEQUENCE"] == 0
    assert after[uid("social-evening")]["SEQUENCE"] == 0
    # A renamed speaker keeps their id and feed address.
    marie = event.speaker("marie-curie-data")
    assert marie is not None and marie.name == "Marie Curie"
    assert upstream.client.get("/speakers/marie-curie-data.ics").status_code == 200
    # The organizer's edits survive: the comment, the join link, the alias, the track description, the hand-made session.
    assert "  # Confirmed by phone on 2 April.\n  - id: pandas-the-next-ten-years\n" in text
    pandas = event.session("pandas-the-next-ten-years")
    assert pandas is not None
    assert (pandas.join_url, pandas.aliases) == ("https://stream.example.org/titanium", ("pandas",))
    core = event.track("python-core")
    assert core is not None and core.description == "The language itself and CPython."
    assert "  # Not in pretalx: organized by us.\n" in text
    assert event.session("social-evening") is not None
    assert text.startswith(f"# Imported from {upstream.folder / 'schedule.json'} (c3voc schedule.json) on ")


def test_an_unchanged_upstream_changes_nothing_subscribers_see(
    upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    before = upstream.client.get("/conference.ics").data
    upstream.reimport(capsys)
    assert upstream.client.get("/conference.ics").data == before
    out = upstream.reimport(capsys, "--dry-run")
    assert "would change 0 things" in out


def test_dry_run_of_an_update_prints_the_move_and_writes_nothing(
    upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    text = upstream.event_file.read_text(encoding="utf-8")
    upstream.talk("ML42")["date"] = "2024-04-22T11:00:00+02:00"
    out = upstream.reimport(capsys, "--dry-run")
    assert "  pandas-the-next-ten-years: moved: " in out
    assert upstream.event_file.read_text(encoding="utf-8") == text


def test_items_without_source_ids_are_matched_by_title_and_time_with_a_warning(
    upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = upstream.event_file.read_text(encoding="utf-8").splitlines(keepends=True)
    upstream.event_file.write_text("".join(line for line in lines if "source_id:" not in line), encoding="utf-8")
    upstream.touch()
    report = upstream.reimport(capsys)
    assert "session 'pandas: the next ten years' matched 'pandas-the-next-ten-years' by title and time" in report
    event = load_event(upstream.event_file)
    pandas = event.session("pandas-the-next-ten-years")
    assert pandas is not None and pandas.source_id == "3c9e1a7e-0d5b-5a43-9b0e-6f1d2c3b4a02"
    assert all(e["SEQUENCE"] == 0 for e in upstream.events().values())


@pytest.mark.parametrize("name", ["real", "small"])
def test_reimporting_our_own_export_into_the_original_file_only_records_source_ids(
    make_app: Callable[..., Flask], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    event_file = tmp_path / "event.yaml"
    shutil.copy(REAL_EVENT if name == "real" else SMALL_EVENT, event_file)
    original = event_file.read_text(encoding="utf-8")
    client = make_app(event_file).test_client()
    before = client.get("/conference.ics").data
    exported = tmp_path / "schedule.json"
    exported.write_bytes(client.get("/schedule.json").data)
    assert cli.main(["import", str(exported), "--update", str(event_file), "--dry-run"]) == 0
    assert "would change 0 things" in capsys.readouterr().out
    assert cli.main(["import", str(exported), "--update", str(event_file)]) == 0
    capsys.readouterr()
    merged = event_file.read_text(encoding="utf-8")
    added = [
        line for line in difflib.ndiff(original.splitlines(), merged.splitlines()) if line.startswith(("+ ", "- "))
    ]
    # Every comment, blank line, end: and tracks: style stays; only the source ids and the overlap policy are new.
    assert all(line.startswith("+ ") for line in added), added
    assert {line.split(":")[0].strip("+ ") for line in added} == {"source_id", "speaker_overlaps"}
    assert sum(line.startswith("+     source_id: ") for line in added) == len(load_event(event_file).sessions)
    os.utime(event_file, (1_800_000_000, 1_800_000_000))
    assert client.get("/conference.ics").data == before


def test_a_file_in_another_layout_is_refused_not_merged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_file = tmp_path / "event.yaml"
    assert cli.main(["import", str(PRETALX), "-o", str(event_file)]) == 0
    text = event_file.read_text(encoding="utf-8")
    start = text.index("tracks:\n")
    end = text.index("\n# Speakers")
    flow = 'tracks: [{id: community, name: Community}, {id: python-core, name: Python Core}, {id: pydata-machine-learning, name: "PyData: Machine Learning"}]\n'
    event_file.write_text(text[:start] + flow + text[end:], encoding="utf-8")
    before = event_file.read_text(encoding="utf-8")
    line = before[: before.index("tracks: [")].count("\n") + 1
    capsys.readouterr()
    assert cli.main(["import", str(PRETALX), "--update", str(event_file)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{event_file}:{line}:1: cannot merge into this file: 'tracks' must be a list written one item per '  - ' line"
        in err
    )
    assert event_file.read_text(encoding="utf-8") == before
