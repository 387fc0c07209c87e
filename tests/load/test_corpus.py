"""The hostile event.yaml corpus end to end: `feeds check` exits 1 with the exact lines, and a running
server handed the same file keeps serving the previous feeds byte for byte."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from feeds import cli
from feeds.load import DEFAULT_MAX_BYTES

from ..support.load_cases import BASE_BYTES, CASES

FEEDS = ["/conference.ics", "/tracks/systems.ics", "/speakers/ada.ics", "/sessions/teams.ics"]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_check_prints_exact_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: bytes, expected: list[str]
) -> None:
    path = tmp_path / "event.yaml"
    path.write_bytes(source)
    assert cli.main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[: len(expected)] == [line.replace("event.yaml:", f"{path}:", 1) for line in expected]
    assert lines[-1].endswith("found; nothing was published from this file.")


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_running_server_keeps_serving_the_last_good_feeds(
    make_app: Callable[..., Flask], tmp_path: Path, source: bytes, expected: list[str]
) -> None:
    path = tmp_path / "event.yaml"
    path.write_bytes(BASE_BYTES)
    client = make_app(path).test_client()
    before = {feed: (r.data, r.headers["ETag"]) for feed in FEEDS if (r := client.get(feed)).status_code == 200}
    assert len(before) == len(FEEDS)
    ledger = (tmp_path / "event.ledger.json").read_bytes()
    path.write_bytes(source)
    os.utime(path, (1_800_000_000, 1_800_000_000))
    after = {feed: (r.data, r.headers["ETag"]) for feed in FEEDS if (r := client.get(feed)).status_code == 200}
    assert after == before
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["last_error"][0] == expected[0].replace("event.yaml:", f"{path}:", 1)
    assert (tmp_path / "event.ledger.json").read_bytes() == ledger
    # A server started now (a restart, a new worker) serves the same release, from the release folder.
    restarted = make_app(path).test_client()
    again = {feed: (r.data, r.headers["ETag"]) for feed in FEEDS if (r := restarted.get(feed)).status_code == 200}
    assert again == before
    modified = {
        feed: (restarted.get(feed).headers["Last-Modified"], client.get(feed).headers["Last-Modified"])
        for feed in FEEDS
    }
    assert all(theirs == ours for theirs, ours in modified.values())
    assert restarted.get("/healthz").get_json()["release"] == health["release"]


# -- the ledger ------------------------------------------------------------------------------------

RESTORE = (
    "it was left unchanged and nothing was published from it; restore it from a backup or version control "
    "(deleting it would restart every SEQUENCE at 0 and subscribers would miss changes)"
)
LEDGER_CASES = [
    pytest.param(
        lambda data: data[: data.index(b'"sessions"')],
        "event.ledger.json:8:2: is not valid JSON: Expecting property name enclosed in double quotes "
        f"(the file ends early: was it cut off?); {RESTORE}",
        id="truncated",
    ),
    pytest.param(
        lambda data: b"",
        f"event.ledger.json:1:1: is not valid JSON: Expecting value (the file ends early: was it cut off?); {RESTORE}",
        id="empty",
    ),
    pytest.param(
        lambda data: b"<<<<<<< HEAD\n" + data,
        f"event.ledger.json:1:1: is not valid JSON: Expecting value; {RESTORE}",
        id="merge conflict",
    ),
    pytest.param(
        lambda data: data.replace(b'"format": "feeds-ledger"', b'"format": "\xff"'),
        f"event.ledger.json:2:13: is not UTF-8 text; {RESTORE}",
        id="not UTF-8",
    ),
    pytest.param(
        lambda data: b'{"sessions": {}}\n',
        f'event.ledger.json:1:1: is not a feeds ledger (no "format": "feeds-ledger"); {RESTORE}',
        id="other JSON",
    ),
    pytest.param(
        lambda data: data.replace(b'"version": 2', b'"version": 9'),
        "event.ledger.json:3:2: is ledger version 9; this feeds reads versions up to 2; upgrade feeds or restore the ledger",
        id="newer version",
    ),
    pytest.param(
        lambda data: data.replace(b'"event": "conf"', b'"event": "other-conf"'),
        "event.ledger.json:4:2: belongs to event 'other-conf', but the event file is 'conf'; "
        "point FEEDS_LEDGER_FILE at this event's ledger (the file was left unchanged)",
        id="another event",
    ),
]


@pytest.mark.parametrize(("damage", "expected"), LEDGER_CASES)
def test_damaged_ledger_stops_check_and_keeps_the_server_on_its_last_revision(
    make_app: Callable[..., Flask],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[bytes], bytes],
    expected: str,
) -> None:
    path, ledger = tmp_path / "event.yaml", tmp_path / "event.ledger.json"
    path.write_bytes(BASE_BYTES)
    client = make_app(path).test_client()
    before = {feed: (r.data, r.headers["ETag"]) for feed in FEEDS if (r := client.get(feed)).status_code == 200}
    assert len(before) == len(FEEDS)
    good = ledger.read_bytes()
    damaged = damage(good)
    ledger.write_bytes(damaged)
    message = expected.replace("event.ledger.json", str(ledger), 1)

    assert cli.main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: {message}\n")

    # The organizer saves a valid edit: nothing is published while the ledger is damaged.
    path.write_bytes(BASE_BYTES.replace(b"title: Opening", b"title: Opening words"))
    os.utime(path, (1_800_000_000, 1_800_000_000))
    after = {feed: (r.data, r.headers["ETag"]) for feed in FEEDS if (r := client.get(feed)).status_code == 200}
    assert after == before
    health = client.get("/healthz").get_json()
    assert (health["status"], health["last_error"]) == ("degraded", [message])
    assert ledger.read_bytes() == damaged

    # Restored from a backup, the ledger takes the edit as the next revision.
    ledger.write_bytes(good)
    os.utime(path, (1_800_000_100, 1_800_000_100))
    assert b"SUMMARY:Opening words" in client.get("/conference.ics").data
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_file_over_the_default_size_limit_is_refused_unparsed(
    make_app: Callable[..., Flask], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "event.yaml"
    path.write_bytes(BASE_BYTES)
    client = make_app(path).test_client()
    before = {feed: client.get(feed).data for feed in FEEDS}
    padding = b"# " + b"x" * 97 + b"\n"
    huge = BASE_BYTES + padding * (DEFAULT_MAX_BYTES // len(padding) + 1)
    path.write_bytes(huge)
    os.utime(path, (1_800_000_000, 1_800_000_000))

    def parse_event(*args: object) -> None:
        raise AssertionError("an oversized file was parsed")

    monkeypatch.setattr("feeds.load.parse_event", parse_event)
    message = f"{path}:1:1: the file is {len(huge):,} bytes; the limit is 5,000,000; make it smaller or raise FEEDS_MAX_EVENT_BYTES"
    assert cli.main(["check", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == message
    assert {feed: client.get(feed).data for feed in FEEDS} == before
    assert client.get("/healthz").get_json()["last_error"] == [message]
