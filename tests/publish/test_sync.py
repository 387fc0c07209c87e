"""Scenarios: organizers edit event.yaml while subscribers poll; calendars must follow."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from feeds import cli
from feeds.ledger import LedgerFile, LedgerReadOnlyError

from ..support.organizer import UID, Organizer, remove_session
from ..support.paths import ROOT, Clock


def unchanged(before: dict[str, tuple[bytes, str]], after: dict[str, tuple[bytes, str]]) -> set[str]:
    return {path for path in before if after.get(path) == before[path]}


def stamp(clock: Clock) -> str:
    return clock.now.strftime("%Y%m%dT%H%M%SZ")


def test_move_bumps_sequence_notes_the_old_time_and_leaves_other_feeds_alone(
    organizer: Organizer, clock: Clock
) -> None:
    before = organizer.snapshot()
    organizer.edit(
        "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
    )
    after = organizer.snapshot()
    event = organizer.events("/conference.ics")[UID.format("engines")]
    assert event["SEQUENCE"] == 1
    assert event["LAST-MODIFIED"].to_ical().decode() == stamp(clock)
    assert event["DTSTAMP"].to_ical().decode() == stamp(clock)
    assert str(event["DESCRIPTION"]).startswith("Moved from Sat 30 Mar 09:15 CET\n\nFirst line.")
    assert unchanged(before, after) == {
        "/speakers/host.ics",
        "/sessions/opening.ics",
        "/sessions/dropped.ics",
        "/sessions/night-owl.ics",
    }
    others = organizer.events("/conference.ics")
    assert others[UID.format("opening")]["SEQUENCE"] == 0
    # A later edit that does not move it drops the note (it describes the latest revision only).
    organizer.edit("Second paragraph", "Second, revised paragraph")
    event = organizer.events("/conference.ics")[UID.format("engines")]
    assert event["SEQUENCE"] == 2
    assert str(event["DESCRIPTION"]).startswith("First line.")


def test_retitle(organizer: Organizer, clock: Clock) -> None:
    organizer.edit("title: Opening", "title: Welcome and opening")
    for path in ("/conference.ics", "/tracks/systems.ics", "/speakers/host.ics", "/sessions/opening.ics"):
        event = organizer.events(path)[UID.format("opening")]
        assert str(event["SUMMARY"]) == "Welcome and opening"
        assert event["SEQUENCE"] == 1
        assert event["LAST-MODIFIED"].to_ical().decode() == stamp(clock)
        assert not str(event["DESCRIPTION"]).startswith("Moved")


def test_cancel_and_uncancel(organizer: Organizer) -> None:
    organizer.edit("    title: Opening\n", "    title: Opening\n    status: cancelled\n")
    event = organizer.events("/tracks/people.ics")[UID.format("opening")]
    assert (str(event["STATUS"]), str(event["SUMMARY"]), event["SEQUENCE"]) == ("CANCELLED", "Cancelled: Opening", 1)
    organizer.edit("    status: cancelled\n", "")
    event = organizer.events("/tracks/people.ics")[UID.format("opening")]
    assert (str(event["STATUS"]), str(event["SUMMARY"]), event["SEQUENCE"]) == ("CONFIRMED", "Opening", 2)


def test_deleted_session_stays_as_tombstone_then_expires(
    organizer: Organizer, client: FlaskClient, clock: Clock
) -> None:
    organizer.write(remove_session(organizer.path.read_text(), "night-owl"))
    removed_at = stamp(clock)
    for path in ("/conference.ics", "/tracks/systems.ics", "/sessions/night-owl.ics"):
        event = organizer.events(path)[UID.format("night-owl")]
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["SUMMARY"]) == "Cancelled: Across the DST change"
        assert event["SEQUENCE"] == 1
        assert event["LAST-MODIFIED"].to_ical().decode() == removed_at
        assert str(event["DESCRIPTION"]).startswith("Removed from the schedule.")
    clock.advance(days=29)
    assert UID.format("night-owl") in organizer.events("/conference.ics")
    clock.advance(days=1)
    assert UID.format("night-owl") not in organizer.events("/conference.ics")
    assert UID.format("night-owl") not in organizer.events("/tracks/systems.ics")
    assert client.get("/sessions/night-owl.ics").status_code == 404


def test_change_track_leaves_tombstone_in_old_track(organizer: Organizer) -> None:
    organizer.edit("tracks: [systems, people]", "tracks: [systems]")
    people = organizer.events("/tracks/people.ics")[UID.format("engines")]
    systems = organizer.events("/tracks/systems.ics")[UID.format("engines")]
    assert str(people["STATUS"]) == "CANCELLED"
    assert str(people["SUMMARY"]).startswith("Cancelled: ")
    assert str(people["DESCRIPTION"]).startswith("No longer part of this calendar.")
    assert str(systems["STATUS"]) == "CONFIRMED"
    assert people["SEQUENCE"] == systems["SEQUENCE"] == 1
    # Moving back brings it back live, with a higher SEQUENCE.
    organizer.edit("tracks: [systems]", "tracks: [systems, people]")
    people = organizer.events("/tracks/people.ics")[UID.format("engines")]
    assert (str(people["STATUS"]), people["SEQUENCE"]) == ("CONFIRMED", 2)


def test_change_speakers_leaves_tombstone_in_old_speaker_feed(organizer: Organizer) -> None:
    organizer.edit("speakers: [ada, zoe]", "speakers: [ada]")
    zoe = organizer.events("/speakers/zoe.ics")
    assert str(zoe[UID.format("engines")]["STATUS"]) == "CANCELLED"
    assert str(zoe[UID.format("dropped")]["STATUS"]) == "CANCELLED"  # cancelled by the organizers all along
    ada = organizer.events("/speakers/ada.ics")[UID.format("engines")]
    assert "Zoë" not in str(ada["DESCRIPTION"])
    assert ada["SEQUENCE"] == 1


def test_rename_with_alias_keeps_uid_and_old_url(organizer: Organizer, client: FlaskClient) -> None:
    organizer.edit("  - id: engines\n", "  - id: engine-room\n    aliases: [engines]\n")
    new = client.get("/sessions/engine-room.ics")
    old = client.get("/sessions/engines.ics")
    assert new.status_code == old.status_code == 200
    assert new.data == old.data
    assert new.headers["ETag"] == old.headers["ETag"]
    events = organizer.events("/conference.ics")
    assert UID.format("engines") in events
    assert UID.format("engine-room") not in events
    assert str(events[UID.format("engines")]["URL"]).endswith("/sessions/engine-room")
    assert all(str(e["STATUS"]) == "CONFIRMED" for uid, e in events.items() if uid != UID.format("dropped"))


def test_rename_without_alias_is_held_until_published_and_check_warns(
    organizer: Organizer, event_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = organizer.snapshot()
    organizer.edit("  - id: engines\n", "  - id: engine-room\n")
    # Held: subscribers keep what they had, and /healthz says why and what to do.
    assert organizer.snapshot() == before
    (held,) = organizer.client.get("/healthz").get_json()["held"]
    assert "session 'engine-room' looks like 'engines' renamed (same title)" in held
    assert held.endswith("add the alias, or release it as it is with 'feeds publish'")
    assert cli.main(["check", str(event_dir / "event.yaml")]) == 0
    assert "add `aliases: [engines]`" in capsys.readouterr().out
    # Released anyway: the old event is cancelled and the new one added.
    assert cli.main(["publish", str(event_dir / "event.yaml")]) == 0
    assert "Released release 2" in capsys.readouterr().out
    events = organizer.events("/conference.ics")
    assert str(events[UID.format("engines")]["STATUS"]) == "CANCELLED"
    assert str(events[UID.format("engine-room")]["STATUS"]) == "CONFIRMED"
    assert organizer.client.get("/healthz").get_json()["held"] is None
    # The organizer previews the same mistake on the next edit: check says what line to add.
    organizer.edit("  - id: engine-room\n", "  - id: engine-hall\n")
    assert cli.main(["check", str(event_dir / "event.yaml")]) == 0
    out = capsys.readouterr().out
    line = organizer.path.read_text().splitlines().index("  - id: engine-hall") + 1
    assert f"event.yaml:{line}:5: session 'engine-hall' looks like 'engine-room' renamed (same title); " in out
    assert "add `aliases: [engine-room]`" in out


def test_broken_edit_keeps_last_good_feeds_and_recovers(organizer: Organizer, client: FlaskClient) -> None:
    before = organizer.snapshot()
    good = organizer.path.read_text()
    organizer.write(good.replace("start: 2024-03-30 09:15", "start: 9.15am"))
    assert organizer.snapshot() == before
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any(
        "event.yaml:42:12: sessions[1] (id 'engines').start: expected 'YYYY-MM-DD HH:MM', got '9.15am'" in line
        for line in health["last_error"]
    )
    organizer.write(good[: len(good) // 2])  # half-written save
    assert organizer.snapshot() == before
    organizer.path.unlink()  # an editor's save that replaces the file
    assert organizer.snapshot() == before
    assert "missing" in client.get("/healthz").get_json()["last_error"][0]
    organizer.write(good.replace("title: Opening", "title: Opening!"))
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert str(organizer.events("/conference.ics")[UID.format("opening")]["SUMMARY"]) == "Opening!"


def test_ledger_records_every_revision(organizer: Organizer, event_dir: Path) -> None:
    organizer.edit("title: Opening", "title: Opening!")
    organizer.client.get("/conference.ics")  # the first request after a save publishes it
    snapshot = json.loads((event_dir / "event.ledger.json").read_text())
    assert (snapshot["format"], snapshot["version"]) == ("feeds-ledger", 2)
    # The release is one appended line holding only what it changed.
    (line,) = (event_dir / "event.ledger.log").read_text().splitlines()
    step = json.loads(line)
    assert step["release"] == 2
    assert list(step["sessions"]) == [UID.format("opening")]
    assert [c["kind"] for c in step["revision"]["changes"]] == ["retitled"]
    ledger = LedgerFile(event_dir / "event.ledger.json").read("tiny-conf")
    assert ledger is not None
    entry = ledger.sessions[UID.format("opening")]
    assert (entry.sequence, entry.content.title) == (1, "Opening!")
    assert not list(event_dir.glob(".event.ledger.*.tmp"))


def test_corrupt_ledger_is_reported_and_never_overwritten(make_app: Callable[..., Flask], event_dir: Path) -> None:
    ledger = event_dir / "event.ledger.json"
    for damage in (
        b'{"format": "feeds-ledger", "version": 1, "sess',
        b"not json at all",
        b'{"format": "feeds-ledger", "version": 1}',
    ):
        ledger.write_bytes(damage)
        app = make_app(event_dir / "event.yaml")
        client = app.test_client()
        assert client.get("/conference.ics").status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503
        (message,) = health.get_json()["last_error"]
        assert message.startswith(str(ledger))
        assert "restore it from a backup" in message
        assert ledger.read_bytes() == damage


def test_ledger_of_another_event_is_refused(make_app: Callable[..., Flask], event_dir: Path) -> None:
    app = make_app(event_dir / "event.yaml")
    app.test_client().get("/conference.ics")
    ledger = event_dir / "event.ledger.json"
    text = ledger.read_text().replace('"event": "tiny-conf"', '"event": "other-conf"')
    ledger.write_text(text)
    client = make_app(event_dir / "event.yaml").test_client()
    # The release already made keeps being served; nothing is recorded in another event's ledger.
    assert client.get("/conference.ics").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert "belongs to event 'other-conf'" in health["last_error"][0]
    assert ledger.read_text() == text
    assert ledger.read_text() == text


def test_read_only_ledger_keeps_serving_the_newest_release(
    make_app: Callable[..., Flask], event_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    writable = make_app(event_dir / "event.yaml").test_client()
    committed = writable.get("/conference.ics")
    ledger_bytes = (event_dir / "event.ledger.json").read_bytes()

    def refuse(self: LedgerFile) -> None:
        raise LedgerReadOnlyError(f"{self.path}: cannot be written here (Read-only file system)")

    monkeypatch.setattr(LedgerFile, "locked", refuse)
    clock.advance(days=3)
    # An edit saved where nothing can be recorded is not released: every replica serves the newest release.
    text = (event_dir / "event.yaml").read_text().replace("title: Opening", "title: Opening!")
    (event_dir / "event.yaml").write_text(text)
    replicas = [make_app(event_dir / "event.yaml").test_client() for _ in range(2)]
    clock.advance(hours=5)
    for replica in replicas:
        response = replica.get("/conference.ics")
        assert (response.data, response.headers["ETag"]) == (committed.data, committed.headers["ETag"])
    assert (event_dir / "event.ledger.json").read_bytes() == ledger_bytes
    warning = replicas[0].get("/healthz").get_json()["warning"]
    assert "cannot be written here" in warning
    assert "feeds publish" in warning


def test_diff_previews_without_writing(
    organizer: Organizer, event_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = event_dir / "event.ledger.json"
    recorded = ledger.read_bytes()
    text = organizer.path.read_text()
    text = text.replace(
        "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
    )
    text = text.replace("    title: Opening\n", "    title: Opening\n    status: cancelled\n")
    organizer.path.write_text(remove_session(text, "night-owl"))
    assert cli.main(["diff", str(organizer.path)]) == 0
    out = capsys.readouterr().out
    assert "  engines: moved: Sat 30 Mar 09:15-10:00 CET -> Sat 30 Mar 11:00-11:45 CET" in out
    assert "  opening: cancelled" in out
    assert "  night-owl: removed from the schedule" in out
    assert "/tracks/people.ics" in out
    assert ledger.read_bytes() == recorded


def test_unchanged_save_keeps_bytes_and_ledger(organizer: Organizer, event_dir: Path) -> None:
    before = organizer.snapshot()
    recorded = (event_dir / "event.ledger.json").read_bytes()
    organizer.write(organizer.path.read_text() + "\n# a comment only\n")
    assert organizer.snapshot() == before
    assert (event_dir / "event.ledger.json").read_bytes() == recorded


def test_renamed_track_and_speaker_with_alias_keep_bytes_under_both_urls(
    organizer: Organizer, client: FlaskClient
) -> None:
    before = organizer.snapshot()
    text = organizer.path.read_text()
    text = text.replace("  - id: people\n", "  - id: process\n    aliases: [people]\n")
    text = text.replace("tracks: [systems, people]", "tracks: [systems, process]").replace(
        "track: people", "track: process"
    )
    text = text.replace("  - id: zoe\n", "  - id: zoe-u\n    aliases: [zoe]\n")
    organizer.write(text)
    for old, new in (("/tracks/people.ics", "/tracks/process.ics"), ("/speakers/zoe.ics", "/speakers/zoe-u.ics")):
        old_response, new_response = client.get(old), client.get(new)
        assert old_response.data == new_response.data
        assert old_response.headers["ETag"] == new_response.headers["ETag"]
        events = Calendar.from_ical(new_response.data).walk("VEVENT")
        assert all(e["SEQUENCE"] == 0 for e in events)
        assert [str(e["STATUS"]) for e in events] == [
            str(e["STATUS"]) for e in Calendar.from_ical(before[old][0]).walk("VEVENT")
        ]
    # Only the calendar-level link to the feed's page changed; no event was revised.
    assert organizer.snapshot()["/conference.ics"] == before["/conference.ics"]


READ_ONLY_SCRIPT = """
import sys
from pathlib import Path
from feeds.config import Settings
from feeds.load import load_event
from feeds.publish.publication import Publication
from feeds.publish.record import sync_ledger
settings = Settings(Path(sys.argv[1]), Path(sys.argv[2]))
event = load_event(settings.event_file, settings.max_event_bytes)
ledger, warning = sync_ledger(event, settings)
publication = Publication(event, ledger, settings)
print(warning)
print(publication.body("conference", "https://x").data.count(b"BEGIN:VEVENT"))
"""


def test_ledger_on_a_read_only_file_system_is_served_read_only(event_dir: Path) -> None:
    """A real read-only mount (not a simulated error), made in a private mount namespace."""
    import shutil
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], capture_output=True, check=False).returncode:
        pytest.skip("unshare -rm (a private mount namespace) is not available here")
    folder = event_dir
    ledger = folder / "event.ledger.json"
    command = 'mount -o bind,ro "$1" "$1" && shift && exec "$@"'
    result = subprocess.run(
        [
            unshare,
            "-rm",
            "sh",
            "-c",
            command,
            "sh",
            str(folder),
            sys.executable,
            "-c",
            READ_ONLY_SCRIPT,
            str(folder / "event.yaml"),
            str(ledger),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    warning, count = result.stdout.splitlines()
    assert "cannot be written here (Read-only file system)" in warning
    assert "feeds publish" in warning
    assert count == "4"
    assert not ledger.exists()


def test_deleted_track_keeps_serving_its_tombstones_until_they_expire(
    organizer: Organizer, client: FlaskClient, clock: Clock
) -> None:
    text = organizer.path.read_text()
    text = text.replace('  - id: people\n    name: People, Process\n    color: "#16a34a"\n', "")
    text = text.replace("tracks: [systems, people]", "tracks: [systems]").replace("track: people", "track: systems")
    organizer.write(text)
    events = organizer.events("/tracks/people.ics")
    assert set(events) == {UID.format(i) for i in ("opening", "engines", "dropped")}
    assert all(str(e["STATUS"]) == "CANCELLED" for e in events.values())
    # The plenary left the deleted track's feed: SEQUENCE goes up everywhere, though nothing else changed.
    assert organizer.events("/conference.ics")[UID.format("opening")]["SEQUENCE"] == 1
    response = client.get("/tracks/people.ics")
    assert b"X-WR-CALNAME:Tiny Conf 2024 \xc2\xb7 People\\, Process" in response.data
    clock.advance(days=31)
    assert client.get("/tracks/people.ics").status_code == 404


def test_deleted_then_restored_session_comes_back_with_the_same_uid(organizer: Organizer) -> None:
    original = organizer.path.read_text()
    organizer.write(remove_session(original, "night-owl"))
    assert str(organizer.events("/conference.ics")[UID.format("night-owl")]["STATUS"]) == "CANCELLED"
    organizer.write(original)
    event = organizer.events("/conference.ics")[UID.format("night-owl")]
    assert (str(event["STATUS"]), str(event["SUMMARY"]), event["SEQUENCE"]) == ("CONFIRMED", "Across the DST change", 2)
    assert str(organizer.events("/tracks/systems.ics")[UID.format("night-owl")]["STATUS"]) == "CONFIRMED"


def test_last_modified_follows_the_newest_revision_in_each_feed(
    organizer: Organizer, client: FlaskClient, clock: Clock
) -> None:
    before = client.get("/speakers/host.ics").headers["Last-Modified"]
    organizer.edit("title: Across the DST change", "title: Across the DST change (late)")
    assert client.get("/speakers/host.ics").headers["Last-Modified"] == before
    changed = client.get("/tracks/systems.ics")
    assert changed.headers["Last-Modified"] == clock.now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    # A client holding the old copy is not told 304.
    assert client.get("/tracks/systems.ics", headers={"If-Modified-Since": before}).status_code == 200


def test_a_file_dated_in_the_future_is_still_picked_up(make_app: Callable[..., Flask], event_dir: Path) -> None:
    import time

    path = event_dir / "event.yaml"
    client = make_app(path, SETTLE_SECONDS=0.2).test_client()
    path.write_text(path.read_text().replace("title: Opening", "title: Opening!"))
    future = time.time() + 3600  # a skewed clock on the machine that saved it
    os.utime(path, (future, future))
    first = client.get("/sessions/opening.ics").data
    time.sleep(0.25)
    second = client.get("/sessions/opening.ics").data
    assert b"SUMMARY:Opening\r\n" in first  # still settling: an editor may be writing
    assert b"SUMMARY:Opening!\r\n" in second


def test_a_server_started_on_a_broken_file_serves_the_newest_release_never_an_older_one(
    make_app: Callable[..., Flask], event_dir: Path
) -> None:
    path = event_dir / "event.yaml"
    first = make_app(path).test_client()
    first.get("/conference.ics")
    path.write_bytes(path.read_bytes().replace(b"title: Opening", b"title: Opening (new)"))
    newest = first.get("/conference.ics")
    assert b"SUMMARY:Opening (new)" in newest.data
    path.write_bytes(b"sessions: [\n")
    releases = event_dir / "event.releases"
    # Even with the pointer gone (a copy of the folder without its link), the newest complete release is served.
    (releases / "current").unlink()
    client = make_app(path).test_client()
    response = client.get("/conference.ics")
    assert (response.status_code, response.data) == (200, newest.data)
    health = client.get("/healthz").get_json()
    assert health["release"]["number"] == 2
    assert health["status"] == "degraded"


def test_a_server_started_while_the_event_file_is_missing_serves_the_newest_release(
    make_app: Callable[..., Flask], event_dir: Path
) -> None:
    path = event_dir / "event.yaml"
    before = make_app(path).test_client().get("/conference.ics")
    path.unlink()  # an editor that saves by deleting and writing anew, caught in between
    client = make_app(path).test_client()
    after = client.get("/conference.ics")
    assert (after.status_code, after.data, after.headers["ETag"]) == (200, before.data, before.headers["ETag"])
    assert client.get("/healthz").get_json()["last_error"] == [
        f"{path}: the file is missing; still serving release 1 of 2024-01-10 12:00 UTC",
    ]
