"""Monotonic reads under fire: many clients poll every feed of real gunicorn workers while the schedule is saved,
broken, half-written, deleted, held and released by hand, in an order drawn from a seed.

Each client sends one request at a time, each on a new connection (gunicorn's sync
workers close it), so consecutive answers come from any mix of workers. What must
hold for every client: a UID's SEQUENCE never goes down in a feed, a feed's ETag
never comes back after it changed, and every 200 body is, byte for byte, the file
of some release that was on disk. At the end every worker serves the last release.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from icalendar import Calendar

from feeds.publish.publication import etag_of

from ..support.paths import ROOT
from ..support.servers import Server, fetch

pytestmark = pytest.mark.slow

MARK = "title: Thrift unification"


@dataclass
class Client:
    """One subscriber polling every feed in turn; what it saw, and what was wrong with it."""

    paths: list[str]
    port: int
    seen_sequences: dict[tuple[str, str], int] = field(default_factory=dict)
    etags: dict[str, list[str]] = field(default_factory=dict)
    bodies: list[tuple[str, str]] = field(default_factory=list)  # (path, etag of the body)
    statuses: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def poll(self, stop: threading.Event) -> None:
        index = 0
        while not stop.is_set():
            path = self.paths[index % len(self.paths)]
            index += 1
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                data, status = response.read(), response.status
            except (OSError, http.client.HTTPException) as err:
                self.problems.append(f"{path}: {err!r}")
                continue
            finally:
                connection.close()
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status != 200:
                self.problems.append(f"{path}: status {status}")
                continue
            self.check(path, data)

    def check(self, path: str, data: bytes) -> None:
        etag = etag_of(data)
        self.bodies.append((path, etag))
        history = self.etags.setdefault(path, [])
        if not history or history[-1] != etag:
            if etag in history:
                self.problems.append(f"{path}: ETag {etag} came back after {history[-1]}")
            history.append(etag)
        for event in Calendar.from_ical(data).walk("VEVENT"):
            key = (path, str(event["UID"]))
            sequence = int(event["SEQUENCE"])
            if sequence < self.seen_sequences.get(key, -1):
                self.problems.append(f"{path}: SEQUENCE of {key[1]} went from {self.seen_sequences[key]} to {sequence}")
            self.seen_sequences[key] = max(sequence, self.seen_sequences.get(key, -1))


class Archive:
    """Every file of every release that appears on disk, by path and ETag (old releases get cleaned up)."""

    def __init__(self, releases: Path) -> None:
        self.releases = releases
        self.files: dict[str, set[str]] = {}
        self.numbers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.scan()
            time.sleep(0.01)

    def scan(self) -> None:
        for manifest in self.releases.glob("r/[0-9]*/.feeds/manifest.json"):
            number = int(manifest.parent.parent.name)
            if number in self.numbers:
                continue
            try:
                data = json.loads(manifest.read_bytes())
            except (OSError, ValueError):
                continue
            for path, item in data["files"].items():
                self.files.setdefault(path, set()).add(item[2])
            self.numbers.add(number)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.scan()


def publish(event: Path, *options: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "feeds.cli", "publish", str(event), *options],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "FEEDS_BASE_URL": "https://feeds.example.org"},
    )


def drive(event: Path, base: str, rng: random.Random, seconds: float) -> str:
    """Save the event in random ways for about `seconds`; return the text of the last release asked for."""
    released = event.read_text()
    version = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kind = rng.choice(["valid", "valid", "broken", "half", "missing", "hold", "publish"])
        if kind in ("valid", "publish"):
            version += 1
            released = base.replace(MARK, f"{MARK} v{version}", 1)
            temporary = event.with_name(".event.yaml.swp")
            temporary.write_text(released)
            os.replace(temporary, event)
            if kind == "publish":
                publish(event, "--name", f"Update {version}")
        elif kind == "broken":
            event.write_text(released.replace("speakers: [hui-lei]", "speakers: [hui-lee]", 1))
            time.sleep(0.3)
            event.write_text(released)
        elif kind == "half":
            with event.open("w") as out:
                out.write(released[: len(released) // 2])
                out.flush()
                time.sleep(0.2)
                out.write(released[len(released) // 2 :])
        elif kind == "missing":
            event.unlink()
            time.sleep(0.2)
            event.write_text(released)
        else:  # a mass removal: held by the server, then undone by the organizer
            cut = released.index("\n  - id: ai-observability")
            event.write_text(released[:cut] + "\n")
            time.sleep(0.6)
            event.write_text(released)
        time.sleep(rng.uniform(0.1, 0.5))
    return released


@pytest.mark.parametrize("seed", [1, 2])
def test_every_client_sees_each_feed_only_move_forward(tmp_path: Path, seed: int) -> None:
    event = tmp_path / "event.yaml"
    base = (ROOT / "event.yaml").read_text()
    event.write_text(base)
    server = Server(event, workers=3, FEEDS_RELOAD_SECONDS="0.1", FEEDS_SETTLE_SECONDS="0.1")
    try:
        health = json.loads(server.get("/healthz")[2])
        paths = [
            "/conference.ics",
            "/tracks/developer-experience.ics",
            "/sessions/thrift.ics",
            "/speakers/nandhini.ics",
        ]
        archive = Archive(tmp_path / "event.releases")
        clients = [Client(paths, server.port) for _ in range(4)]
        stop = threading.Event()
        threads = [threading.Thread(target=client.poll, args=(stop,)) for client in clients]
        for thread in threads:
            thread.start()
        try:
            last = drive(event, base, random.Random(seed), float(os.environ.get("FEEDS_RELEASE_LOAD_SECONDS", "8")))
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        archive.stop()
        problems = [problem for client in clients for problem in client.problems]
        answered = sum(client.statuses.get(200, 0) for client in clients)
        print(f"seed {seed}: {answered} answers, releases {sorted(archive.numbers)}, {len(problems)} problems")
        assert problems == []
        assert answered > 100
        for client in clients:
            for path, etag in client.bodies:
                assert etag in archive.files[path], f"{path}: a body that no release holds"
        # Every worker ends on the last release, which holds the last valid text.
        line = next(line for line in last.splitlines() if MARK in line)
        summary = f"SUMMARY:{line.split('title: ', 1)[1].split('  #')[0]}\r\n".encode()
        deadline = time.monotonic() + 15
        while True:
            numbers = {json.loads(server.get("/healthz")[2])["release"]["number"] for _ in range(12)}
            bodies = {server.get("/sessions/thrift.ics")[2] for _ in range(12)}
            newest = max(archive.numbers)
            if numbers == {newest} and len(bodies) == 1 and summary in bodies.pop():
                break
            assert time.monotonic() < deadline, (numbers, newest)
            time.sleep(0.2)
        assert newest > health["release"]["number"]
        status, _, body = fetch(server.base + "/sessions/thrift.ics")
        assert status == 200
        assert (tmp_path / "event.releases/current/sessions/thrift.ics").read_bytes() == body
    finally:
        server.stop()
        shutil.rmtree(tmp_path / "event.releases", ignore_errors=True)


def test_a_quiet_server_releases_a_save_without_any_request(tmp_path: Path) -> None:
    event = tmp_path / "event.yaml"
    base = (ROOT / "event.yaml").read_text()
    event.write_text(base)
    server = Server(event, workers=2, FEEDS_RELOAD_SECONDS="0.2", FEEDS_SETTLE_SECONDS="0.1")
    try:
        pointer = tmp_path / "event.releases" / "current"
        first = os.readlink(pointer)
        event.write_text(base.replace(MARK, f"{MARK} (quiet)", 1))
        deadline = time.monotonic() + 20
        while os.readlink(pointer) == first:  # no request is sent meanwhile
            assert time.monotonic() < deadline, "the save was not released without a request"
            time.sleep(0.1)
        assert b"SUMMARY:Thrift unification (quiet)" in (pointer / "sessions/thrift.ics").read_bytes()
    finally:
        server.stop()
