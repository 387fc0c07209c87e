"""Releases: rendered once into files, served by every process, held, drafted, named, previewed, crash-safe."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from feeds import cli
from feeds.ledger import LedgerFile, parse_ledger
from feeds.publish.store import ReleaseStore
from feeds.publish.verdict import WatchLock
from feeds.render import ics

from ..support.paths import Clock
from ..support.servers import fetch, free_port

UID = "{}@tiny.example.org"
FEEDS = ["/conference.ics", "/tracks/systems.ics", "/tracks/people.ics", "/speakers/ada.ics", "/sessions/opening.ics"]


def save(path: Path, old: str, new: str) -> None:
    """Edit the event file as an organizer's editor does, with a distinct modification time."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    stamp = path.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))


def tree_digest(folder: Path) -> dict[str, str]:
    """Return every file below folder (links as their targets) with a hash of its bytes."""
    found = {}
    for item in sorted(folder.rglob("*")):
        relative = str(item.relative_to(folder))
        if item.is_symlink():
            found[relative] = "-> " + os.readlink(item)
        elif item.is_file():
            found[relative] = hashlib.sha256(item.read_bytes()).hexdigest()
    return found


def summaries(client: FlaskClient, path: str = "/conference.ics") -> dict[str, tuple[str, int]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return {
        str(e["UID"]): (str(e["SUMMARY"]), int(e["SEQUENCE"])) for e in Calendar.from_ical(response.data).walk("VEVENT")
    }


def test_a_release_is_a_folder_of_the_files_every_server_sends(client: FlaskClient, event_dir: Path) -> None:
    releases = event_dir / "event.releases"
    assert os.readlink(releases / "current") == "r/000001"
    manifest = json.loads((releases / "r/000001/.feeds/manifest.json").read_text())
    assert manifest["number"] == 1 and manifest["base_url"] == "https://feeds.example.org"
    for path in [*FEEDS, "/schedule.xml", "/schedule.json", "/changes.atom"]:
        response = client.get(path)
        file, content_type, etag, _, size, _ = manifest["files"][path]
        assert (releases / "current" / file).read_bytes() == response.data, path
        assert (response.headers["Content-Type"], response.headers["ETag"], size) == (
            content_type,
            etag,
            len(response.data),
        )
    assert client.get("/healthz").get_json()["release"]["number"] == 1


def test_an_edit_is_the_next_release_and_unchanged_files_are_shared_with_the_last(
    client: FlaskClient, event_dir: Path
) -> None:
    save(event_dir / "event.yaml", "title: Across the DST change", "title: Across the change")
    assert summaries(client)[UID.format("night-owl")] == ("Across the change", 1)
    releases = event_dir / "event.releases"
    assert os.readlink(releases / "current") == "r/000002"
    old, new = releases / "r/000001", releases / "r/000002"
    # The people track does not hold the night owl: its file is the same inode in both releases.
    assert (old / "tracks/people.ics").stat().st_ino == (new / "tracks/people.ics").stat().st_ino
    for path in ("conference.ics", "tracks/systems.ics", "sessions/night-owl.ics"):
        assert (old / path).stat().st_ino != (new / path).stat().st_ino, path


def test_a_worker_that_does_not_watch_serves_the_release_without_rendering_anything(
    make_app: Callable[..., Flask], event_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = make_app(event_dir / "event.yaml").test_client()
    expected = {path: watcher.get(path).data for path in [*FEEDS, "/schedule.xml", "/changes.atom"]}

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a reader must not render")

    monkeypatch.setattr(WatchLock, "take", classmethod(lambda cls, folder: WatchLock.THEIRS))
    monkeypatch.setattr(ics, "render_event", refuse)
    monkeypatch.setattr("feeds.publish.parts.render_event", refuse)
    monkeypatch.setattr("feeds.publish.publication.render_calendar", refuse)
    reader = make_app(event_dir / "event.yaml").test_client()
    assert {path: reader.get(path).data for path in expected} == expected
    # It follows the next release written by the watcher (here: a command), never parsing event.yaml itself.
    monkeypatch.undo()
    save(event_dir / "event.yaml", "title: Opening", "title: Welcome")
    assert cli.main(["publish", str(event_dir / "event.yaml")]) == 0
    monkeypatch.setattr(WatchLock, "take", classmethod(lambda cls, folder: WatchLock.THEIRS))
    monkeypatch.setattr("feeds.publish.parts.render_event", refuse)
    monkeypatch.setattr("feeds.publish.publication.render_calendar", refuse)
    monkeypatch.setattr("feeds.publish.watcher.IncrementalParser.parse", refuse)
    assert summaries(reader)[UID.format("opening")] == ("Welcome", 1)
    assert reader.get("/healthz").get_json()["release"]["number"] == 2


def test_a_reader_reports_the_watchers_verdict_on_a_broken_file(
    make_app: Callable[..., Flask], event_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = make_app(event_dir / "event.yaml").test_client()
    save(event_dir / "event.yaml", "start: 2024-03-30 09:15", "start: 9.15am")
    problems = watcher.get("/healthz").get_json()["last_error"]
    assert "got '9.15am'" in problems[0]
    monkeypatch.setattr(WatchLock, "take", classmethod(lambda cls, folder: WatchLock.THEIRS))
    reader = make_app(event_dir / "event.yaml").test_client()
    health = reader.get("/healthz").get_json()
    assert (health["status"], health["last_error"], health["release"]["number"]) == ("degraded", problems, 1)


def test_a_mass_removal_is_held_and_released_by_feeds_publish(
    client: FlaskClient, event_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = event_dir / "event.yaml"
    before = {feed: client.get(feed).data for feed in FEEDS}
    text = path.read_text()
    text = text.replace("    title: Opening\n", "    title: Opening\n    status: cancelled\n")
    night_owl = text.index("  - id: night-owl")
    path.write_text(text[:night_owl])
    os.utime(path, (path.stat().st_mtime + 10,) * 2)
    assert {feed: client.get(feed).data for feed in FEEDS} == before
    (held,) = client.get("/healthz").get_json()["held"]
    assert "2 sessions of 3 would be cancelled or removed at once (opening, night-owl)" in held
    assert "more than FEEDS_HOLD_REMOVALS (20%)" in held
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: " + held in out
    assert "the server holds them back" in out
    assert cli.main(["publish", str(path)]) == 0
    assert summaries(client)[UID.format("opening")] == ("Cancelled: Opening", 1)
    assert client.get("/healthz").get_json()["held"] is None


def test_the_hold_share_is_a_setting(make_app: Callable[..., Flask], event_dir: Path) -> None:
    client = make_app(event_dir / "event.yaml", HOLD_REMOVALS=1.0).test_client()
    path = event_dir / "event.yaml"
    text = path.read_text().replace("    title: Opening\n", "    title: Opening\n    status: cancelled\n")
    path.write_text(text[: text.index("  - id: night-owl")])
    os.utime(path, (path.stat().st_mtime + 10,) * 2)
    assert summaries(client)[UID.format("opening")] == ("Cancelled: Opening", 1)


def test_manual_mode_keeps_saves_as_drafts_until_a_named_release(
    make_app: Callable[..., Flask],
    event_dir: Path,
    capsys: pytest.CaptureFixture[str],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = event_dir / "event.yaml"
    manual = make_app(path, PUBLISH="manual").test_client()
    # Nothing was ever released: nothing is served until an organizer releases the file.
    assert manual.get("/conference.ics").status_code == 503
    assert "4 changes not yet released" in manual.get("/healthz").get_json()["draft"][0]
    monkeypatch.setenv("FEEDS_BASE_URL", "https://feeds.example.org")
    assert cli.main(["publish", str(path)]) == 0
    assert capsys.readouterr().out.startswith("Released release 1 of ")
    client = make_app(path, PUBLISH="manual").test_client()
    before = {feed: client.get(feed).data for feed in FEEDS}
    save(path, "title: Across the DST change", "title: Across the change")
    clock.advance(hours=1)
    assert {feed: client.get(feed).data for feed in FEEDS} == before
    draft = client.get("/healthz").get_json()["draft"]
    assert draft[0].endswith(
        f"1 change not yet released (FEEDS_PUBLISH=manual); review them with 'feeds diff {path}' "
        f"or 'feeds preview {path}', then run 'feeds publish {path}'"
    )
    assert draft[1] == "  night-owl: renamed: 'Across the DST change' -> 'Across the change'"
    assert cli.main(["publish", str(path), "--name", "Day 2 update"]) == 0
    out = capsys.readouterr().out
    assert 'Released release 2 "Day 2 update" of ' in out
    assert "  night-owl: renamed: 'Across the DST change' -> 'Across the change'" in out
    after = {feed: client.get(feed).data for feed in FEEDS}
    # The name is no feed's business: feeds without the night owl keep their bytes.
    assert after["/tracks/people.ics"] == before["/tracks/people.ics"]
    assert after["/conference.ics"] != before["/conference.ics"]
    assert b"<title>Day 2 update: " in client.get("/changes.atom").data
    assert b"<version>Day 2 update (" in client.get("/schedule.xml").data
    assert json.loads(client.get("/schedule.json").data)["schedule"]["version"].startswith("Day 2 update (")
    assert "Schedule version: Day 2 update, " in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").get_json()["release"]["name"] == "Day 2 update"
    assert cli.main(["publish", str(path), "--name", "Again"]) == 0
    assert 'Nothing to release: release 2 "Day 2 update"' in capsys.readouterr().out
    assert cli.main(["log", str(path)]) == 0
    log = capsys.readouterr().out.splitlines()
    assert log[0].startswith("Releases of tiny-conf (2 releases in ")
    assert log[1].startswith("     2  ") and '"Day 2 update": 1 change (retitled 1)  <- served' in log[1]
    assert log[2].startswith("     1  ") and ": 4 changes (added 4)" in log[2]


def test_a_release_name_must_be_plain_and_short(event_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["publish", str(event_dir / "event.yaml"), "--name", "x" * 81]) == 1
    assert capsys.readouterr().err == "error: --name: a release name has at most 80 characters, got 81\n"


def test_preview_serves_the_draft_and_what_would_change_writing_nothing(
    make_app: Callable[..., Flask], event_dir: Path
) -> None:
    make_app(event_dir / "event.yaml").test_client().get("/conference.ics")
    path = event_dir / "event.yaml"
    save(path, "title: Opening", "title: Welcome")
    before = tree_digest(event_dir)
    preview = make_app(path, PREVIEW=True).test_client()
    assert summaries(preview)[UID.format("opening")] == ("Welcome", 1)
    page = preview.get("/preview").get_data(as_text=True)
    assert "opening: renamed: &#39;Opening&#39; -&gt; &#39;Welcome&#39;" in page
    assert "Nothing has been released" in page
    for feed in [*FEEDS, "/", "/schedule.xml", "/changes.atom"]:
        assert preview.get(feed).status_code == 200, feed
    assert tree_digest(event_dir) == before
    # Outside preview there is no such page.
    assert make_app(path).test_client().get("/preview").status_code == 404


def test_feeds_preview_command_serves_on_loopback(event_dir: Path) -> None:
    port = free_port()
    before = tree_digest(event_dir)
    command = [sys.executable, "-m", "feeds.cli", "preview", str(event_dir / "event.yaml"), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        status = 0
        while time.monotonic() < deadline:
            try:
                status, _, body = fetch(f"http://127.0.0.1:{port}/preview", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        assert b"What subscribers would see change" in body
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"Previewing {event_dir / 'event.yaml'} at http://127.0.0.1:{port}/" in output
    assert tree_digest(event_dir) == before


def test_diff_of_a_copy_elsewhere_compares_with_the_served_events_ledger(
    client: FlaskClient,
    event_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path_factory.mktemp("checkout") / "event.yaml"
    shutil.copy(event_dir / "event.yaml", elsewhere)
    save(elsewhere, "title: Opening", "title: Welcome")
    assert cli.main(["diff", str(elsewhere)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"No ledger at {elsewhere.with_name('event.ledger.json')}: compared with nothing")
    assert "  opening: added" in out
    monkeypatch.setenv("FEEDS_EVENT_FILE", str(event_dir / "event.yaml"))
    assert cli.main(["diff", str(elsewhere)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Compared with the ledger of the served event, {event_dir / 'event.ledger.json'}")
    assert "  opening: renamed: 'Opening' -> 'Welcome'" in out
    assert "added" not in out
    assert cli.main(["diff", str(elsewhere), "--ledger", str(event_dir / "event.ledger.json")]) == 0
    assert "(--ledger)" in capsys.readouterr().out


def test_a_writer_killed_before_recording_leaves_the_old_release_served_and_the_next_writer_cleans_up(
    client: FlaskClient, event_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases = event_dir / "event.releases"
    before = client.get("/conference.ics").data
    ledger = (event_dir / "event.ledger.json").read_bytes()

    class Killed(BaseException):
        pass

    def die(self: LedgerFile, *_: object) -> None:
        raise Killed

    monkeypatch.setattr(LedgerFile, "write", die)
    save(event_dir / "event.yaml", "title: Opening", "title: Welcome")
    with pytest.raises(Killed):
        cli.main(["publish", str(event_dir / "event.yaml")])
    (releases / "r" / ".000002.partial-left").mkdir()  # what a writer killed while writing files leaves
    monkeypatch.undo()
    assert (event_dir / "event.ledger.json").read_bytes() == ledger
    assert os.readlink(releases / "current") == "r/000001"
    other = ReleaseStore(releases)
    assert other.newest() is not None and other.newest().number == 1  # type: ignore[union-attr]
    # The folder written for release 2 was never pointed at; the next writer writes it again and serves it.
    assert summaries(client)[UID.format("opening")] == ("Welcome", 1)
    assert client.get("/conference.ics").data != before
    assert os.readlink(releases / "current") == "r/000002"
    assert not list((releases / "r").glob(".*"))
    recorded = LedgerFile(event_dir / "event.ledger.json").read_any()
    assert recorded is not None and recorded.release == 2


def test_a_writer_killed_after_recording_is_completed_by_the_next_check(
    client: FlaskClient, event_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Killed(BaseException):
        pass

    def die(self: ReleaseStore, number: int) -> None:
        raise Killed

    monkeypatch.setattr(ReleaseStore, "point", die)
    save(event_dir / "event.yaml", "title: Opening", "title: Welcome")
    with pytest.raises(Killed):
        cli.main(["publish", str(event_dir / "event.yaml")])
    monkeypatch.undo()
    assert os.readlink(event_dir / "event.releases/current") == "r/000001"
    assert summaries(client)[UID.format("opening")] == ("Welcome", 1)
    assert os.readlink(event_dir / "event.releases/current") == "r/000002"


def test_the_export_writes_the_released_bytes(client: FlaskClient, event_dir: Path, tmp_path: Path) -> None:
    assert (
        cli.main(
            ["export", str(tmp_path / "site"), str(event_dir / "event.yaml"), "--base-url", "https://feeds.example.org"]
        )
        == 0
    )
    current = event_dir / "event.releases/current"
    manifest = json.loads((current / ".feeds/manifest.json").read_text())
    for path, (file, *_) in manifest["files"].items():
        assert (tmp_path / "site" / file).read_bytes() == (current / file).read_bytes(), path


def test_an_old_ledger_is_read_and_written_back_with_release_numbers(
    event_dir: Path, make_app: Callable[..., Flask]
) -> None:
    make_app(event_dir / "event.yaml").test_client().get("/")
    path = event_dir / "event.ledger.json"
    data = json.loads(path.read_text())
    data["version"] = 1
    for revision in data["revisions"]:
        del revision["number"], revision["name"]
    path.write_text(json.dumps(data, indent=1))
    assert parse_ledger(path.read_bytes()).release == 1
    save(event_dir / "event.yaml", "title: Opening", "title: Welcome")
    make_app(event_dir / "event.yaml").test_client().get("/")
    # The first release after reading an old snapshot writes the snapshot anew, in the current version.
    written = json.loads(path.read_text())
    assert written["version"] == 2
    assert [(r["number"], r["name"]) for r in written["revisions"]] == [(1, ""), (2, "")]
    assert not (event_dir / "event.ledger.log").exists()


def test_a_watcher_new_to_a_release_renders_only_what_the_next_edit_changed(
    make_app: Callable[..., Flask], event_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app(event_dir / "event.yaml").test_client().get("/conference.ics")
    rendered: list[str] = []
    real = ics.render_event

    def counted(entry: object, page: str, note: str) -> bytes:
        rendered.append(page)
        return real(entry, page, note)  # type: ignore[arg-type]

    monkeypatch.setattr("feeds.publish.parts.render_event", counted)
    fresh = make_app(event_dir / "event.yaml").test_client()  # as after a restart: no part rendered in this process
    fresh.get("/custom.ics?track=systems,people")
    assert rendered == [], "custom feeds are assembled from the release's parts"
    save(event_dir / "event.yaml", "title: Across the DST change", "title: Across the change")
    assert summaries(fresh)[UID.format("night-owl")] == ("Across the change", 1)
    assert rendered == ["https://feeds.example.org/sessions/night-owl"]
