"""Drive real gunicorn at full speed while event.yaml is rewritten: valid, broken, half-written, missing.

Used by tests/publish/test_live_edits.py (a short run) and benchmarks/live_edits.py (60 s on demand).
"""

from __future__ import annotations

import hashlib
import http.client
import multiprocessing
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from icalendar import Calendar

from feeds.config import Settings
from feeds.ledger import Ledger, LedgerFile, advance
from feeds.load import parse_event
from feeds.publish.publication import Publication

from .servers import Server

ROOT = Path(__file__).resolve().parents[2]
PATHS = ["/conference.ics", "/tracks/developer-experience.ics", "/sessions/thrift.ics", "/speakers/nandhini.ics"]
MARK = "title: Thrift unification"
BASE = "https://feeds.example.org"  # tests.support.servers.Server's FEEDS_BASE_URL


@dataclass
class Report:
    """What a run did and saw."""

    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    valid_edits: int = 0
    broken_edits: int = 0
    bad_bodies: list[str] = field(default_factory=list)
    bodies: set[str] = field(default_factory=set)  # sha256 of every distinct 200 body
    revisions: int = 0
    final_ok: bool = False
    ledger_ok: bool = False

    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"{self.requests} requests ({', '.join(f'{k}: {v}' for k, v in sorted(self.statuses.items()))}), "
            f"p99 {self.p99():.1f} ms; {self.valid_edits} valid edits applied, {self.broken_edits} broken edits survived; "
            f"{len(self.bodies)} distinct feed bodies, {len(self.bad_bodies)} bad; "
            f"final state {'matches' if self.final_ok else 'DOES NOT match'} the last valid edit; "
            f"ledger {'intact and equal to a replay of its' if self.ledger_ok else 'DAMAGED or unlike a replay of its'} "
            f"{self.revisions} revisions"
        )


def version_text(base: str, version: int) -> str:
    """Return the event text of valid version n: the Thrift talk's title carries the number."""
    return base.replace(MARK, f"{MARK} v{version}", 1)


def check_body(data: bytes, titles: dict[str, int]) -> str:
    """Return '' when data is a complete feed of exactly one known version, else what is wrong."""
    if not data.startswith(b"BEGIN:VCALENDAR\r\n") or not data.endswith(b"END:VCALENDAR\r\n"):
        return "incomplete body"
    try:
        events = Calendar.from_ical(data).walk("VEVENT")
    except ValueError as err:
        return f"unparsable: {err}"
    versions = {titles.get(str(e["SUMMARY"])) for e in events if str(e["SUMMARY"]).startswith("Thrift unification")}
    if len(versions) > 1 or None in versions:
        return f"mixed or unknown versions {versions}"
    return ""


def load(port: int, seconds: float, titles: dict[str, int], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Request feeds back to back on one keep-alive connection; report statuses, latencies and bad bodies."""
    report = Report()
    deadline = time.monotonic() + seconds
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    index = 0
    while time.monotonic() < deadline:
        path = PATHS[index % len(PATHS)]
        index += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            report.statuses[-1] = report.statuses.get(-1, 0) + 1
            report.bad_bodies.append(f"{path}: connection error {err!r}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.requests += 1
        report.statuses[status] = report.statuses.get(status, 0) + 1
        if status == 200:
            digest = hashlib.sha256(data).hexdigest()
            if digest not in report.bodies:
                report.bodies.add(digest)
                problem = check_body(data, titles)
                if problem:
                    report.bad_bodies.append(f"{path}: {problem}")
    connection.close()
    queue.put(report)


def broken_variants(text: str) -> list[tuple[str, str]]:
    return [
        ("syntax error", text.replace("sessions:", "sessions: [", 1)),
        ("unknown speaker", text.replace("speakers: [hui-lei]", "speakers: [hui-lee]", 1)),
        ("bad time", text.replace("start: 2023-07-19 10:05", "start: 10am", 1)),
        ("tab", text.replace("\n  - id: thrift", "\n\t- id: thrift", 1)),
        ("empty", ""),
    ]


def edit_loop(event: Path, base: str, edits: int, seconds: float, rng: random.Random, report: Report) -> str:
    """Rewrite event in every way an editor can; return the text of the last valid version."""
    pause = seconds / max(edits, 1)
    last_valid = event.read_text()
    version = 0
    for number in range(edits):
        kind = rng.choice(["valid", "valid", "broken", "half", "missing", "slow"])
        if kind == "valid":
            version += 1
            last_valid = version_text(base, version)
            temporary = event.with_name(".event.yaml.swp")
            temporary.write_text(last_valid)
            os.replace(temporary, event)
            report.valid_edits += 1
        elif kind == "broken":
            _, text = broken_variants(last_valid)[number % 5]
            event.write_text(text)
            time.sleep(pause / 2)
            event.write_text(last_valid)
            report.broken_edits += 1
        elif kind == "half":
            with event.open("w") as out:  # a non-atomic save, observed half way
                out.write(last_valid[: len(last_valid) // 2])
                out.flush()
                time.sleep(0.05)
                out.write(last_valid[len(last_valid) // 2 :])
            report.broken_edits += 1
        elif kind == "missing":
            event.unlink()
            time.sleep(0.05)
            event.write_text(last_valid)
            report.broken_edits += 1
        else:  # a slow, valid, non-atomic save
            version += 1
            last_valid = version_text(base, version)
            with event.open("w") as out:
                for start in range(0, len(last_valid), 4096):
                    out.write(last_valid[start : start + 4096])
                    out.flush()
                    time.sleep(0.002)
            report.valid_edits += 1
        time.sleep(pause)
    return last_valid


def run(seconds: float = 60, edits: int = 100, clients: int = 4, workers: int = 3, seed: int = 1) -> Report:
    """Run the whole exercise in a temporary folder and return the report."""
    folder = Path(tempfile.mkdtemp(prefix="feeds-live-"))
    try:
        return _run(folder, seconds, edits, clients, workers, random.Random(seed))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, seconds: float, edits: int, clients: int, workers: int, rng: random.Random) -> Report:
    base = (ROOT / "event.yaml").read_text()
    event = folder / "event.yaml"
    event.write_text(version_text(base, 0))
    titles = {f"Thrift unification v{n}": n for n in range(edits + 1)}
    titles |= {f"Cancelled: Thrift unification v{n}": n for n in range(edits + 1)}
    server = Server(event, workers=workers, FEEDS_RELOAD_SECONDS="1", FEEDS_SETTLE_SECONDS="0.3")
    port = server.port
    report = Report()
    try:
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        context = multiprocessing.get_context("fork")
        loaders = [context.Process(target=load, args=(port, seconds, titles, queue)) for _ in range(clients)]
        for process in loaders:
            process.start()
        last_valid = edit_loop(event, base, edits, seconds * 0.9, rng, report)
        for _ in loaders:
            part: Report = queue.get(timeout=seconds + 60)
            report.requests += part.requests
            report.latencies_ms += part.latencies_ms
            report.bad_bodies += part.bad_bodies
            report.bodies |= part.bodies
            for status, count in part.statuses.items():
                report.statuses[status] = report.statuses.get(status, 0) + count
        for process in loaders:
            process.join()
        report.final_ok = _final_state_matches(port, last_valid, workers)
        versions = [version_text(base, n) for n in range(edits + 1)]
        report.ledger_ok, report.revisions, known = replay(folder / "event.ledger.json", versions)
        report.bad_bodies += [f"body {digest[:12]} is no recorded revision's feed" for digest in report.bodies - known]
    finally:
        server.stop()
    return report


def _final_state_matches(port: int, last_valid: str, workers: int) -> bool:
    expected = hashlib.sha256(last_valid.encode()).hexdigest()
    title = next(line.split("title: ", 1)[1] for line in last_valid.splitlines() if MARK in line).split("  #")[0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answers = []
        for _ in range(workers * 4):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sessions/thrift.ics")
            body = connection.getresponse().read()
            connection.request("GET", "/healthz")
            health = connection.getresponse().read()
            answers.append(expected.encode() in health and f"SUMMARY:{title}\r\n".encode() in body)
        if all(answers):
            return True
        time.sleep(0.3)
    return False


def replay(path: Path, versions: list[str]) -> tuple[bool, int, set[str]]:
    """Replay the ledger's revisions from the versions written; return (ledger consistent, revisions, body digests).

    Each revision names the sha256 of the event file it published and its time.
    Advancing an empty ledger through them must give the ledger on disk (its
    snapshot and log), and the feeds of each step are the only bodies a server
    may have sent.
    """
    recorded = LedgerFile(path).read_any()
    if recorded is None:
        return False, 0, set()
    texts = {hashlib.sha256(text.encode()).hexdigest(): text for text in versions}
    settings = Settings(event_file=path.with_name("event.yaml"), ledger_file=path, base_url=BASE)
    ledger: Ledger | None = None
    known: set[str] = set()
    for revision in recorded.revisions:
        text = texts.get(revision.source_sha256)
        if text is None:
            return False, len(recorded.revisions), known  # a revision of a file that was never a valid version
        event = parse_event(text.encode())
        ledger, _ = advance(ledger, event, revision.at, settings.tombstone_days)
        publication = Publication(event, ledger, settings)
        bodies = publication.render_all(BASE)
        for feed in PATHS:
            key = publication.lookup(feed)
            if key is not None:
                known.add(hashlib.sha256(bodies[key].data).hexdigest())
    consistent = ledger is not None and ledger == recorded
    return consistent, len(recorded.revisions), known
