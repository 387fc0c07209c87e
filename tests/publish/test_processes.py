"""Real gunicorn servers on the same files: replicas agree, concurrent edits converge."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.ledger import LedgerFile

from ..support.paths import REAL_EVENT
from ..support.servers import Server, fetch

pytestmark = pytest.mark.slow


@pytest.fixture
def real_event(tmp_path: Path) -> Path:
    shutil.copy(REAL_EVENT, tmp_path / "event.yaml")
    return tmp_path / "event.yaml"


@pytest.fixture
def servers(real_event: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        for _ in range(2):
            started.append(Server(real_event))
        yield started
    finally:
        for server in started:
            server.stop()


def feed_paths(server: Server) -> list[str]:
    html = server.get("/calendars")[2].decode()
    found = {part.split('"')[0] for part in html.split('href="https://feeds.example.org')[1:]}
    return sorted(path for path in found if path.endswith(".ics"))


def test_two_servers_serve_identical_bytes_and_etags(servers: list[Server]) -> None:
    first, second = servers
    paths = feed_paths(first)
    assert len(paths) == 44
    for path in paths:
        a, b = first.get(path), second.get(path)
        assert a[0] == b[0] == 200, path
        assert a[2] == b[2], path
        assert a[1]["ETag"] == b[1]["ETag"]
        assert a[1]["Last-Modified"] == b[1]["Last-Modified"]
        assert a[1]["Content-Type"] == "text/calendar; charset=utf-8"
        again = first.get(path)
        status, _, _ = fetch(first.base + path, {"If-None-Match": again[1]["ETag"]})
        assert status == 304


def wait_for(servers: list[Server], digest: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Several requests per server so that every worker has looked.
        seen = {json.loads(s.get("/healthz")[2])["event_sha256"] for s in servers for _ in range(6)}
        if seen == {digest}:
            return
        time.sleep(0.1)
    raise AssertionError(f"servers did not converge on {digest}")


def test_concurrent_edits_converge_on_identical_bytes_and_an_intact_ledger(
    servers: list[Server], real_event: Path
) -> None:
    import hashlib

    stop = threading.Event()
    statuses: list[int] = []

    def hammer(server: Server) -> None:
        while not stop.is_set():
            statuses.append(server.get("/conference.ics")[0])

    threads = [threading.Thread(target=hammer, args=(s,)) for s in servers for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        text = real_event.read_text()
        for minute in range(5):
            text = text.replace(
                f"title: Thrift unification{'!' * minute}", f"title: Thrift unification{'!' * (minute + 1)}"
            )
            temporary = real_event.with_suffix(".tmp")
            temporary.write_text(text)
            os.replace(temporary, real_event)
            wait_for(servers, hashlib.sha256(text.encode()).hexdigest())
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert set(statuses) == {200}
    ledger = LedgerFile(real_event.parent / "event.ledger.json").read_any()
    assert ledger is not None
    assert ledger.sessions["thrift@atscaleconference.com"].sequence == 5
    assert ledger.sessions["ray-keynote@atscaleconference.com"].sequence == 0
    bodies = {s.get(path)[2] for s in servers for path in ["/sessions/thrift.ics"] * 6}
    assert len(bodies) == 1
    assert b"SUMMARY:Thrift unification!!!!!\r\n" in bodies.pop()


def test_restarted_server_and_respawned_workers_serve_the_newest_release_of_a_broken_file(
    real_event: Path,
) -> None:
    first = Server(real_event, workers=2)
    try:
        paths = feed_paths(first)
        before = {path: first.get(path) for path in paths}
        released = json.loads(first.get("/healthz")[2])["release"]
        real_event.write_text(real_event.read_text().replace("sessions:", "sessions: [", 1))
        time.sleep(0.5)  # past FEEDS_RELOAD_SECONDS and FEEDS_SETTLE_SECONDS: every worker sees the broken file
        # gunicorn replaces a worker killed outright; the new one starts on the broken file.
        workers = [
            int(pid) for pid in Path(f"/proc/{first.process.pid}/task/{first.process.pid}/children").read_text().split()
        ]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        second = Server(real_event, workers=2)  # and a whole new server, as after a deploy or a reboot
        try:
            for server in (first, second):
                deadline = time.monotonic() + 10
                while server.get("/healthz")[0] != 200 and time.monotonic() < deadline:
                    time.sleep(0.1)
                for path, (status, headers, body) in before.items():
                    for _ in range(3):  # reach every worker
                        got = server.get(path)
                        assert (got[0], got[2], got[1]["ETag"], got[1]["Last-Modified"]) == (
                            status,
                            body,
                            headers["ETag"],
                            headers["Last-Modified"],
                        ), path
                health = json.loads(server.get("/healthz")[2])
                assert health["status"] == "degraded"
                assert health["release"] == released
                assert "sessions: [" in real_event.read_text() and health["last_error"]
        finally:
            second.stop()
    finally:
        first.stop()
