"""Measure the feeds service against its targets, in one go: `.venv/bin/python benchmarks/run.py`.

Writes a synthetic festival (5,000 sessions, 2,000 speakers, 20 tracks) into a
temporary folder, then measures on this machine and prints each ratio next to
its target:

- warm feed GET req/s through gunicorn, against a bare Flask route that returns
  the same bytes under the same gunicorn settings (wrk on 127.0.0.1);
- 304 revalidation req/s, the same comparison;
- rendering every feed, against serializing each session once with icalendar;
- reloading after a one-session edit, against a full build;
- the peak RSS of one gunicorn worker holding the synthetic event;
- a warm feed GET through the deploy/ nginx site, against nginx serving the same
  file from a plain root, and gunicorn alone against that ceiling; uncached
  custom feeds of three tracks through nginx and gunicorn, with their profile.
- the home page's HTML size and Chromium's load time of it (Debian's /usr/bin/chromium).

Then it prints where the time of a full build and of a reload goes. wrk comes
from Debian; when it is missing and this runs as root, it is installed with
apt-get (otherwise the script says how). Options: --seconds (per wrk run,
default 10), --sessions (default 5000), --keep (keep the temporary folder),
--only-nginx (only the deploy/ nginx measures).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import render_event_yaml  # noqa: E402
from feeds import ledger, load  # noqa: E402
from feeds.config import Settings, default_ledger_path  # noqa: E402
from feeds.publish import parts, record, store, watcher  # noqa: E402
from feeds.publish import publication as publish  # noqa: E402
from feeds.publish.publication import Publication  # noqa: E402
from feeds.publish.publisher import Publisher  # noqa: E402
from feeds.publish.record import sync_ledger  # noqa: E402
from feeds.render import ics  # noqa: E402
from tests.support import servers  # noqa: E402

BASE = "https://feeds.example.org"
SPEAKER_FEED = "/speakers/speaker-0042.ics"


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    measure: str
    measured: str
    ratio: float
    target: str
    ok: bool


def settings_for(folder: Path) -> Settings:
    event = folder / "event.yaml"
    return Settings(
        event_file=event,
        ledger_file=default_ledger_path(event),
        base_url=BASE,
        reload_seconds=0,
        settle_seconds=0,
        max_event_bytes=50 * 1024 * 1024,
    )


def clear_caches() -> None:
    """Forget everything rendered in this process, for a cold measurement.

    The parts of event.yaml a reload reuses are kept by each Publisher (its IncrementalParser):
    a new Publisher starts without any, so each full build below composes the whole file.
    """
    for cached in (ics.render_timezone, ics._transitions, ics._shared_header_lines, ics._header_order):
        cached.cache_clear()
    gc.collect()


# -- in-process measures -----------------------------------------------------------------


def measure_render(folder: Path) -> tuple[float, float, int]:
    """Return (CPU seconds to render every feed, CPU seconds to serialize each session once, feeds).

    CPU time, and the best of five runs of each taken in turn: other jobs on a shared machine
    then hardly change the ratio.
    """
    settings = settings_for(folder)
    event = load.load_event(settings.event_file, settings.max_event_bytes)
    book, _ = sync_ledger(event, settings)
    entries = list(book.sessions.values())

    def baseline() -> float:
        clear_caches()
        start = time.process_time()
        for entry in entries:
            ics.render_event(entry, f"{BASE}/sessions/{entry.id}", "")
        return time.process_time() - start

    feeds = 0

    def ours() -> float:
        nonlocal feeds
        clear_caches()
        start = time.process_time()
        feeds = len(Publication(event, book, settings).render_all(BASE))
        return time.process_time() - start

    runs = [(ours(), baseline()) for _ in range(5)]
    return min(run[0] for run in runs), min(run[1] for run in runs), feeds


class Phases:
    """Wall time spent in the main steps of loading, patched in for one measurement."""

    STEPS = (
        ("read event.yaml", watcher, "read_source"),
        (
            "parse and check event.yaml (PyYAML composer + checks; changed parts only on reload)",
            load.IncrementalParser,
            "parse",
        ),
        ("read and parse the ledger (snapshot and log)", ledger.LedgerFile, "read"),
        ("compare the event with the ledger (advance)", record, "advance"),
        ("record the ledger (append a line, or the snapshot)", ledger.LedgerFile, "write"),
        ("build the publication", publish.Publication, "__init__"),
        ("write the release folder (links, new files, state, manifest)", store.ReleaseStore, "write_tree"),
        ("  render every feed (changed ones only on reload)", publish.Publication, "render_all"),
        ("    assemble a feed (all feeds together)", publish.Publication, "_render"),
        ("      serialize a VEVENT with icalendar", parts, "render_event"),
        ("  save the state for pages and custom feeds (pickle)", store.pickle, "dump"),
    )

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def patched(self) -> Iterator[None]:
        originals = []
        for label, owner, name in self.STEPS:
            real = getattr(owner, name)
            originals.append((owner, name, real))

            def timed(*args: Any, _real: Any = real, _label: str = label, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return _real(*args, **kwargs)
                finally:
                    self.seconds[_label] = self.seconds.get(_label, 0.0) + time.perf_counter() - start

            setattr(owner, name, timed)
        try:
            yield
        finally:
            for owner, name, real in originals:
                setattr(owner, name, real)


def edit_one_session(event_file: Path, number: int) -> None:
    """Move one session five minutes later (it stays within its slot, so the file stays valid)."""
    text = event_file.read_text(encoding="utf-8")
    marker = f"  - id: session-{number:04d}\n"
    at = text.index(marker)
    start = text.index("    start: ", at)
    end = text.index("\n", start)
    moment = datetime.strptime(text[start + len("    start: ") : end], "%Y-%m-%d %H:%M")
    moved = moment.replace(minute=moment.minute + 5)
    event_file.write_text(text[:start] + f"    start: {moved:%Y-%m-%d %H:%M}" + text[end:], encoding="utf-8")


def measure_reload(folder: Path) -> tuple[float, float, dict[str, float], dict[str, float]]:
    """Return (full build seconds, one-session release seconds, full build phases, release phases).

    A full build starts from nothing (no ledger, no release folder); a release is what the watcher
    does after a one-session edit.
    """
    settings = settings_for(folder)
    builds = []
    build_phases = Phases()
    for run in range(2):
        clear_caches()
        for made in (settings.ledger_file, settings.ledger_file.with_suffix(".log")):
            made.unlink(missing_ok=True)
        shutil.rmtree(store.default_release_dir(settings.ledger_file), ignore_errors=True)
        phases = build_phases if run == 1 else Phases()
        with phases.patched():
            start = time.perf_counter()
            publisher = Publisher(settings)
            builds.append(time.perf_counter() - start)
        assert publisher.current is not None and not publisher.status.errors, publisher.status
        assert publisher.parser.reused == 0, "the full build reused parts of event.yaml"
    reloads = []
    reload_phases: list[Phases] = []
    count = len(publisher.current.event.sessions)
    for number in (count // 4, count // 2, 3 * count // 4):
        edit_one_session(settings.event_file, number)
        phases = Phases()
        with phases.patched():
            start = time.perf_counter()
            publisher.check()
            reloads.append(time.perf_counter() - start)
        reload_phases.append(phases)
        assert not publisher.status.errors, publisher.status.errors
        assert publisher.parser.incremental and publisher.parser.composed == 1, "the reload composed more than the edit"
    middle = reloads.index(statistics.median(reloads))
    return min(builds), reloads[middle], build_phases.seconds, reload_phases[middle].seconds


# -- gunicorn and wrk ----------------------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Return status, headers and body of a GET; a large synthetic feed may take a while."""
    return servers.fetch(url, headers, timeout=60)


class Gunicorn:
    """gunicorn with the project's settings (feeds/gunicorn_conf.py) on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], ready: str) -> None:
        self.port = servers.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "--config", "python:feeds.gunicorn_conf", app]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PORT": str(self.port), **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if fetch(self.base + ready)[0] in (200, 304):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn {app} did not start")
        self.wait_idle()

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def cpu_seconds(self) -> float:
        """Return the CPU time gunicorn's master and workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def wait_idle(self, timeout: float = 300) -> None:
        """Wait until every worker has booted (loaded and rendered the event) and is idle."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.cpu_seconds()
            if now - before <= 0.05:  # under 5% of one core over a second: booted and idle
                return
            before = now

    def peak_rss_mb(self) -> float:
        """Return the largest peak resident set size among the workers, in MB."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found.group(1)) / 1024)
        return max(peaks)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def ensure_wrk() -> str:
    """Return the wrk command, installing Debian's package when it is missing and this runs as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing Debian's package (apt-get install wrk) ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

        def apt_get(*words: str) -> int:
            done = subprocess.run(["apt-get", *words], check=False, capture_output=True, env=env)
            return done.returncode

        if apt_get("install", "-y", "-qq", "wrk") != 0:
            apt_get("update", "-qq")
            apt_get("install", "-y", "-qq", "wrk")
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("wrk is needed for the HTTP measures: install it (Debian: sudo apt-get install wrk) and run again")


def wrk(command: str, url: str, seconds: float, headers: dict[str, str] | None = None) -> tuple[float, int]:
    """Return requests per second that wrk measured against url (2 threads, 16 connections), and the requests."""
    args = [command, "-t2", "-c16", f"-d{seconds:.0f}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Socket errors: (.*)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad or (errors and re.search(r"(read|write|timeout) [1-9]", errors.group(1))):
        raise RuntimeError(f"wrk saw errors against {url}:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not found or not total:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return float(found.group(1)), int(total.group(1))


# What must match between the service's answer and the baseline's (Date and Server differ by nature).
COMPARED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "X-Content-Type-Options",
)


@dataclass(frozen=True)
class Http:
    """Best requests per second and least server CPU per request, per (kind, server)."""

    rate: dict[tuple[str, str], float]
    cpu: dict[tuple[str, str], float]
    rss_mb: float
    feed_bytes: int
    workers: int


def measure_http(folder: Path, seconds: float, sessions: int) -> Http:
    """Drive the service and the baselines with wrk in turn; then edit once under load and read the peak RSS."""
    command = ensure_wrk()
    env = {
        "FEEDS_EVENT_FILE": str(folder / "event.yaml"),
        "FEEDS_BASE_URL": BASE,
        "FEEDS_MAX_EVENT_BYTES": str(50 * 1024 * 1024),
    }
    feeds = Gunicorn("wsgi:app", env, "/healthz")
    bare: Gunicorn | None = None
    try:
        status, headers, body = fetch(feeds.base + SPEAKER_FEED)
        assert status == 200, status
        etag = headers["ETag"]
        (folder / "body.ics").write_bytes(body)
        bare = Gunicorn(
            "benchmarks.bare:app",
            {
                "BENCH_BODY": str(folder / "body.ics"),
                "BENCH_ETAG": etag,
                "BENCH_LAST_MODIFIED": headers["Last-Modified"],
            },
            "/feed.ics",
        )
        targets = {
            "feeds": (feeds, feeds.base + SPEAKER_FEED),
            "same": (bare, bare.base + "/feed.ics"),
            "minimal": (bare, bare.base + "/minimal.ics"),
        }
        for ask in ({}, {"If-None-Match": etag}):
            ours, same = fetch(targets["feeds"][1], ask), fetch(targets["same"][1], ask)
            assert ours[0] == same[0] and ours[2] == same[2], "the baseline answers other bytes"
            for name in COMPARED_HEADERS:
                assert ours[1].get(name) == same[1].get(name), f"the baseline answers another {name}"
        rate: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for _ in range(3):  # in turn, keeping the best of each, to even out drift on a shared machine
            for name, (server, url) in targets.items():
                for kind, ask in (("get", {}), ("304", {"If-None-Match": etag})):
                    before = server.cpu_seconds()
                    per_second, requests = wrk(command, url, seconds, ask)
                    rate.setdefault((kind, name), []).append(per_second)
                    cpu.setdefault((kind, name), []).append((server.cpu_seconds() - before) / requests * 1e6)
        workers = len(feeds.workers())
        # One more edit while serving: a worker holds the old and the new publication for a moment.
        edit_one_session(folder / "event.yaml", sessions - 2)
        digest = hashlib.sha256((folder / "event.yaml").read_bytes()).hexdigest()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen = {json.loads(fetch(feeds.base + "/healthz")[2])["event_sha256"] for _ in range(3 * workers)}
            if seen == {digest}:
                break
            time.sleep(0.5)
        rss = feeds.peak_rss_mb()
    finally:
        feeds.stop()
        if bare is not None:
            bare.stop()
    return Http(
        rate={key: max(values) for key, values in rate.items()},
        cpu={key: min(values) for key, values in cpu.items()},
        rss_mb=rss,
        feed_bytes=len(body),
        workers=workers,
    )


@dataclass(frozen=True)
class Releases:
    """What one edit of the festival costs a 5-worker server, and what a new worker needs to start."""

    everywhere_seconds: float
    workers_cpu: float
    watcher_cpu: float
    first_answer_seconds: float
    first_answer_in_process: float
    rss_mb: float
    watcher_rss_mb: float
    workers: int


def cpu_of(pid: int) -> float:
    """Return the CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """Return the peak resident set size of a process, in MB."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else 0.0


def release_numbers(base: str, asks: int) -> set[int]:
    """Return the release numbers /healthz reported over several requests (each on a new connection)."""
    return {json.loads(fetch(base + "/healthz")[2])["release"]["number"] for _ in range(asks)}


FIRST_ANSWER = """
import sys, time
started = time.perf_counter()
from feeds import create_app
client = create_app().test_client()
response = client.get(sys.argv[1])
assert response.status_code == 200, response.status_code
print(time.perf_counter() - started)
"""


def measure_releases(folder: Path, sessions: int) -> Releases:
    """Edit one session under a 5-worker gunicorn: time until every worker serves it, and the CPU it cost them all."""
    env = {
        "FEEDS_EVENT_FILE": str(folder / "event.yaml"),
        "FEEDS_BASE_URL": BASE,
        "FEEDS_MAX_EVENT_BYTES": str(50 * 1024 * 1024),
        "FEEDS_RELOAD_SECONDS": "0.05",
        "FEEDS_SETTLE_SECONDS": "0",
        "WEB_CONCURRENCY": "5",
    }
    server = Gunicorn("wsgi:app", env, "/healthz")
    try:
        workers = server.workers()
        before = release_numbers(server.base, 20)
        assert len(before) == 1, before
        # The polling below costs the workers CPU too: measure it alone first, over as many polls.
        cpu = {pid: cpu_of(pid) for pid in workers}
        polls = 0
        started = time.perf_counter()
        edit_one_session(folder / "event.yaml", sessions // 3)
        deadline = started + 120
        while release_numbers(server.base, 3 * len(workers)) != {max(before) + 1}:
            assert time.perf_counter() < deadline, "the release did not reach every worker"
            polls += 1
            time.sleep(0.01)
        everywhere = time.perf_counter() - started
        server.wait_idle()
        spent = {pid: cpu_of(pid) - cpu[pid] for pid in workers}
        quiet = {pid: cpu_of(pid) for pid in workers}
        for _ in range(polls + 1):
            release_numbers(server.base, 3 * len(workers))
            time.sleep(0.01)
        server.wait_idle()
        polling = {pid: cpu_of(pid) - quiet[pid] for pid in workers}
        spent = {pid: max(spent[pid] - polling[pid], 0.0) for pid in workers}
        # A new worker while this server runs: it finds the release and serves it (the watch is taken).
        command = [sys.executable, "-c", FIRST_ANSWER, SPEAKER_FEED]
        spawned = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
        first_answer = time.perf_counter() - spawned
        in_process = float(done.stdout.strip().splitlines()[-1])
        for path in list(json.loads((folder / "event.releases/current/.feeds/manifest.json").read_text())["files"])[
            :3000
        ]:
            fetch(server.base + path)
        watcher = max(spent, key=lambda pid: spent[pid])  # the one that released the edit
        peaks = {pid: peak_rss_mb(pid) for pid in workers}
    finally:
        server.stop()
    return Releases(
        everywhere_seconds=everywhere,
        workers_cpu=sum(spent.values()),
        watcher_cpu=max(spent.values()),
        first_answer_seconds=first_answer,
        first_answer_in_process=in_process,
        rss_mb=max(peak for pid, peak in peaks.items() if pid != watcher),
        watcher_rss_mb=peaks[watcher],
        workers=len(workers),
    )


# -- nginx in front (deploy/) ---------------------------------------------------------------


@dataclass(frozen=True)
class Deploy:
    """Warm feed GET req/s through the deploy/ nginx, plain nginx and gunicorn; custom feeds through both."""

    site: float
    ceiling: float
    site_cpu: float
    ceiling_cpu: float
    gunicorn: float
    custom: float
    custom_requests: int
    profile: str


def nginx_cpu_seconds(server: Any) -> float:
    """Return the CPU time an nginx's workers have used so far."""
    pid = server.process.pid
    total = 0
    for worker in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def three_track_queries(tracks: int = 20) -> list[str]:
    """Return every custom-feed query of three distinct tracks of the festival."""
    found = []
    for a in range(tracks):
        for b in range(a + 1, tracks):
            for c in range(b + 1, tracks):
                found.append(f"/custom.ics?track=track-{a:02d},track-{b:02d},track-{c:02d}")
    return found


def cycling_script(paths: list[str], folder: Path) -> Path:
    """Write a wrk script that requests paths in turn, each wrk thread starting half the list apart."""
    script = folder / "cycle.lua"
    listed = ",\n".join(f'  "{path}"' for path in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "local threads = 0\n"
        "function setup(thread)\n  thread:set('offset', threads * math.floor(#paths / 2))\n"
        "  threads = threads + 1\nend\n"
        "local i = 0\n"
        "function init(args)\n  i = offset\nend\n"
        "function request()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n",
        encoding="utf-8",
    )
    return script


def profile_custom_feeds(folder: Path, count: int = 40) -> str:
    """Return where the time of uncached three-track custom feeds goes, in one process (cProfile)."""
    import cProfile
    import io
    import pstats

    publisher = Publisher(settings_for(folder))
    publication = publisher.current
    assert publication is not None
    queries = three_track_queries()[:count]
    keys = [tuple(f"track:{ident}" for ident in query.split("=", 1)[1].split(",")) for query in queries]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for chosen in keys:
        publication.custom_body(chosen, BASE)
    profiler.disable()
    seconds = (time.perf_counter() - start) / count
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(14)
    lines = [line for line in out.getvalue().splitlines() if line.strip()][-16:]
    return f"uncached three-track custom feed in one process: {seconds * 1000:.1f} ms each\n" + "\n".join(lines)


def measure_deploy(folder: Path, seconds: float) -> Deploy:
    """Drive the deploy/ nginx, a plain static nginx and gunicorn alone on one speaker feed; then custom feeds."""
    from feeds.deploy import Limits, Nginx, describe_service, load_app, render_site

    command = ensure_wrk()
    env = {
        "FEEDS_EVENT_FILE": str(folder / "event.yaml"),
        "FEEDS_BASE_URL": BASE,
        "FEEDS_MAX_EVENT_BYTES": str(50 * 1024 * 1024),
    }
    feeds = Gunicorn("wsgi:app", env, "/healthz")
    site: Nginx | None = None
    ceiling: Nginx | None = None
    try:
        status, headers, body = fetch(feeds.base + SPEAKER_FEED)
        assert status == 200, status
        # The release nginx serves: here only the measured feed, with the service's Last-Modified as its time.
        modified = parsedate_to_datetime(headers["Last-Modified"]).timestamp()
        for root in (folder / "releases" / "r" / "000001", folder / "plain"):
            target = root / SPEAKER_FEED.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            os.utime(target, (modified, modified))
        (folder / "releases" / "current").symlink_to("r/000001")
        os.environ.update(env)
        files = describe_service(load_app(folder / "event.yaml"))
        unlimited = Limits(rate=100_000, burst=100_000, connections=10_000)
        site_port, ceiling_port = servers.free_port(), servers.free_port()
        site = Nginx(
            render_site(
                files, folder / "releases", f"127.0.0.1:{feeds.port}", f"127.0.0.1:{site_port}", limits=unlimited
            ),
            folder / "nginx-site",
            site_port,
        )
        plain = (
            f"server {{\n    listen 127.0.0.1:{ceiling_port};\n    root {folder / 'plain'};\n"
            "    types { text/calendar ics; }\n    charset utf-8;\n    charset_types text/calendar;\n}\n"
        )
        ceiling = Nginx(plain, folder / "nginx-plain", ceiling_port)
        assert fetch(site.base + SPEAKER_FEED)[2] == fetch(ceiling.base + SPEAKER_FEED)[2] == body
        rates: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for _ in range(5):  # in turn, keeping the best of each: nginx is quick enough for others' jobs to matter
            for name, server, url in (
                ("site", site, site.base + SPEAKER_FEED),
                ("ceiling", ceiling, ceiling.base + SPEAKER_FEED),
                ("gunicorn", None, feeds.base + SPEAKER_FEED),
            ):
                before = nginx_cpu_seconds(server) if server is not None else 0.0
                per_second, count = wrk(command, url, seconds)
                rates.setdefault(name, []).append(per_second)
                if server is not None:
                    cpu.setdefault(name, []).append((nginx_cpu_seconds(server) - before) / count * 1e6)
        script = cycling_script(three_track_queries(), folder)
        output = subprocess.run(
            [command, "-t2", "-c8", f"-d{seconds:.0f}s", "--timeout", "30s", "-s", str(script), site.base + "/"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if re.search(r"Non-2xx or 3xx responses: (\d+)", output):
            raise RuntimeError(f"wrk saw errors on custom feeds:\n{output}")
        custom = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    finally:
        for server in (site, ceiling):
            if server is not None:
                server.stop()
        feeds.stop()
    return Deploy(
        site=max(rates["site"]),
        ceiling=max(rates["ceiling"]),
        site_cpu=min(cpu["site"]),
        ceiling_cpu=min(cpu["ceiling"]),
        gunicorn=max(rates["gunicorn"]),
        custom=custom,
        custom_requests=requests,
        profile=profile_custom_feeds(folder),
    )


def deploy_rows(deploy: Deploy) -> list[Row]:
    """Return the rows of the nginx measures: one target, two reported."""
    return [
        Row(
            "warm feed GET req/s through the deploy/ nginx vs nginx serving the file from a plain root",
            f"{deploy.site:.0f} vs {deploy.ceiling:.0f} req/s "
            f"({deploy.site_cpu:.1f} vs {deploy.ceiling_cpu:.1f} us nginx CPU per request)",
            deploy.site / deploy.ceiling,
            ">= 0.8x",
            deploy.site / deploy.ceiling >= 0.8,
        ),
        Row(
            "the same feed through gunicorn alone vs that nginx ceiling",
            f"{deploy.gunicorn:.0f} vs {deploy.ceiling:.0f} req/s",
            deploy.gunicorn / deploy.ceiling,
            "reported",
            True,
        ),
        Row(
            "uncached custom feed of 3 tracks (1,140 combinations in turn) through nginx and gunicorn",
            f"{deploy.custom:.1f} req/s ({deploy.custom_requests} requests)",
            0.0,
            "reported",
            True,
        ),
    ]


def measure_parse(folder: Path, repeats: int = 3) -> tuple[float, float]:
    """Return the best CPU seconds of a full load and check of event.yaml, and of libyaml only scanning it into events."""
    import yaml

    data = (folder / "event.yaml").read_bytes()
    text = data.decode()

    def scan() -> None:
        for _ in yaml.parse(text, Loader=yaml.CSafeLoader):
            pass

    def full() -> None:
        load.parse_event(data, "event.yaml")

    def best(step: Any) -> float:
        times = []
        for _ in range(repeats):
            gc.collect()
            started = time.process_time()
            step()
            times.append(time.process_time() - started)
        return min(times)

    return best(full), best(scan)


def parse_row(folder: Path) -> Row:
    """Return the row of the parse cost: a full load and check against libyaml scanning the same file."""
    ours, scan = measure_parse(folder)
    return Row(
        "full load and check of event.yaml vs libyaml scanning it into events",
        f"{ours:.2f} s vs {scan:.2f} s",
        ours / scan,
        "<= 3x",
        ours / scan <= 3,
    )


# -- the report ----------------------------------------------------------------------------


def measure_home_page(folder: Path, runs: int = 3) -> tuple[int, float]:
    """Return the festival home page's HTML size and Chromium's best load time (ms, to the load event) of it."""
    from playwright.sync_api import sync_playwright

    env = {
        "FEEDS_EVENT_FILE": str(folder / "event.yaml"),
        "FEEDS_BASE_URL": "",
        "FEEDS_MAX_EVENT_BYTES": str(50 * 1024 * 1024),
        "WEB_CONCURRENCY": "1",
    }
    server = Gunicorn("wsgi:app", env, "/healthz")
    try:
        status, _, body = fetch(server.base + "/")
        assert status == 200, status
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            try:
                for _ in range(runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.goto(server.base + "/", wait_until="load")
                    times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
                    context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    return len(body), min(times)


def table(rows: list[Row]) -> str:
    header = ("measure", "measured", "ratio", "target", "met")
    cells = [header] + [
        (r.measure, r.measured, f"{r.ratio:.2f}x" if r.ratio else "", r.target, "yes" if r.ok else "NO") for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def minimal_table(http: Http) -> str:
    """Return req/s and server CPU per request of the service and both baselines."""
    lines = [
        "| request | service | bare, same answer | bare, minimal answer (bytes + ETag) |",
        "|---|---|---|---|",
    ]
    for kind in ("get", "304"):
        cells = [
            f"{http.rate[(kind, name)]:.0f} req/s, {http.cpu[(kind, name)]:.0f} us CPU"
            for name in ("feeds", "same", "minimal")
        ]
        lines.append(f"| {'GET 200' if kind == 'get' else 'GET 304'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def phase_table(build: dict[str, float], reload: dict[str, float]) -> str:
    lines = ["| step | full build (s) | reload (s) |", "|---|---|---|"]
    for label, _, _ in Phases.STEPS:
        lines.append(f"| {label} | {build.get(label, 0.0):.2f} | {reload.get(label, 0.0):.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each wrk run (default 10)")
    parser.add_argument("--sessions", type=int, default=5000, help="sessions in the synthetic event (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--only-nginx", action="store_true", help="measure only the rows of the deploy/ nginx")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    try:
        (folder / "event.yaml").write_text(render_event_yaml(args.sessions), encoding="utf-8")
        size = (folder / "event.yaml").stat().st_size
        print(
            f"synthetic event: {args.sessions} sessions, 2000 speakers, 20 tracks ({size / 1e6:.1f} MB) in {folder}; "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, libyaml {'yes' if load.LIBYAML_AVAILABLE else 'no'}",
            flush=True,
        )
        if args.only_nginx:
            print("nginx, gunicorn and wrk ...", file=sys.stderr, flush=True)
            deploy = measure_deploy(folder, args.seconds)
            print(table(deploy_rows(deploy)))
            print()
            print(deploy.profile)
            return 0 if all(row.ok for row in deploy_rows(deploy)) else 1
        print("rendering ...", file=sys.stderr, flush=True)
        ours, baseline, feed_count = measure_render(folder)
        print("full build and reload ...", file=sys.stderr, flush=True)
        build, reload, build_phases, reload_phases = measure_reload(folder)
        print("a release under 5 workers ...", file=sys.stderr, flush=True)
        releases = measure_releases(folder, args.sessions)
        print("gunicorn and wrk ...", file=sys.stderr, flush=True)
        http = measure_http(folder, args.seconds, args.sessions)
        print("nginx in front ...", file=sys.stderr, flush=True)
        deploy = measure_deploy(folder, args.seconds)
        print("parse cost ...", file=sys.stderr, flush=True)
        parsing = parse_row(folder)
        print("home page in Chromium ...", file=sys.stderr, flush=True)
        home_bytes, home_ms = measure_home_page(folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    get = (http.rate[("get", "feeds")], http.rate[("get", "same")])
    revalidate = (http.rate[("304", "feeds")], http.rate[("304", "same")])
    rows = [
        Row(
            f"one-session edit: until all {releases.workers} workers serve the new release, vs a full build",
            f"{releases.everywhere_seconds:.2f} s vs {build:.2f} s",
            releases.everywhere_seconds / build,
            "<= 0.05x",
            releases.everywhere_seconds / build <= 0.05,
        ),
        Row(
            f"CPU of all {releases.workers} workers for that edit, vs the one that released it",
            f"{releases.workers_cpu:.2f} s vs {releases.watcher_cpu:.2f} s",
            releases.workers_cpu / releases.watcher_cpu,
            "<= 1.3x",
            releases.workers_cpu / releases.watcher_cpu <= 1.3,
        ),
        Row(
            "a new worker on an existing release: its first feed answer (after Python's own start)",
            f"{releases.first_answer_in_process:.2f} s ({releases.first_answer_seconds:.2f} s with the interpreter)",
            0.0,
            "<= 0.5 s",
            releases.first_answer_in_process <= 0.5,
        ),
        Row(
            "peak RSS of a serving worker (after serving 3,000 feeds), and of the watcher that released",
            f"{releases.rss_mb:.0f} MB (the watcher: {releases.watcher_rss_mb:.0f} MB)",
            0.0,
            "<= 150 MB",
            releases.rss_mb <= 150,
        ),
        Row(
            f"warm feed GET req/s ({http.feed_bytes / 1024:.0f} KB speaker feed), gunicorn vs bare Flask route",
            f"{get[0]:.0f} vs {get[1]:.0f} req/s",
            get[0] / get[1],
            ">= 1.2x",
            get[0] / get[1] >= 1.2,
        ),
        Row(
            "304 revalidation req/s, same comparison",
            f"{revalidate[0]:.0f} vs {revalidate[1]:.0f} req/s",
            revalidate[0] / revalidate[1],
            ">= 1.2x",
            revalidate[0] / revalidate[1] >= 1.2,
        ),
        Row(
            f"render every feed ({feed_count}) vs serializing each session once with icalendar",
            f"{ours:.2f} s vs {baseline:.2f} s",
            ours / baseline,
            "<= 1.5x",
            ours / baseline <= 1.5,
        ),
        Row(
            "the watcher's release after a one-session edit (in process) vs a full build",
            f"{reload:.2f} s vs {build:.2f} s",
            reload / build,
            "reported",
            True,
        ),
        parsing,
        Row(
            "home page (one day of the agenda): HTML size, Chromium's load to the load event (best of 3)",
            f"{home_bytes / 1000:.0f} kB, {home_ms:.0f} ms",
            0.0,
            "<= 300 kB, <= 2000 ms",
            home_bytes <= 300_000 and home_ms <= 2000,
        ),
    ]
    print()
    print(
        f"gunicorn: feeds/gunicorn_conf.py, {http.workers} sync workers; wrk: 2 threads, 16 connections, "
        f"{args.seconds:.0f} s, best of 3 runs taken in turn. The bare route answers the same status, headers and body.\n"
        "Render times are CPU seconds, best of 5; build and reload times are wall seconds."
    )
    rows += deploy_rows(deploy)
    print(table(rows))
    print()
    print(minimal_table(http))
    print()
    print("where the time goes (wall seconds, steps nest: rendering happens inside building the publication):")
    print(phase_table(build_phases, reload_phases))
    print()
    print(deploy.profile)
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
