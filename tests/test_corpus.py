"""The hostile event.yaml corpus end to end: `feeds check` exits 1 with the exact lines, and a running
server handed the same file keeps serving the previous feeds byte for byte."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from feeds import cli

from .test_load import BASE_BYTES, CASES

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
