"""The production setup of deploy/: nginx serving the current release's files in front of gunicorn."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

import feeds.web.selection
from benchmarks.generate import render_event_yaml
from benchmarks.run import Gunicorn
from feeds import create_app
from feeds.deploy import NGINX, DeployError, Limits, Nginx, describe_service, load_app, render_site
from feeds.export import MANIFEST, META, REPLAYED_HEADERS, ExportReport, export_event
from feeds.web.selection import MAX_CUSTOM_IDS

from .support.paths import REAL_EVENT
from .support.servers import Server, free_port

pytestmark = pytest.mark.slow

BASE = "https://feeds.example.org"


def require_nginx() -> None:
    if NGINX.exists():
        return
    message = "nginx is not installed: run .ci/setup-nginx.sh as root (or apt-get install nginx) to run this test"
    if os.environ.get("FEEDS_REQUIRE_NGINX") == "1":
        pytest.fail(message + " (FEEDS_REQUIRE_NGINX=1)")
    pytest.skip(message)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def request(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET", timeout: float = 10
) -> Answer:
    """Send one request on a new connection; redirects are answers, not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def release(releases: Path, number: int, event_file: Path) -> tuple[Path, ExportReport]:
    """Export the event as release number under releases/r/ (not made current)."""
    folder = releases / "r" / f"{number:06d}"
    report, _ = export_event(event_file, None, BASE, folder, builder=True)
    return folder, report


def make_current(releases: Path, folder: Path) -> None:
    """Point releases/current at folder atomically: a new link, renamed over the old one."""
    link = releases / f".current-{os.getpid()}-{threading.get_ident()}"
    link.symlink_to(folder.relative_to(releases))
    os.replace(link, releases / "current")


@dataclass
class Stack:
    releases: Path
    event_file: Path
    first: Path
    second: Path
    report: ExportReport
    gunicorn: Server
    nginx: Nginx

    @property
    def port(self) -> int:
        return self.nginx.port

    @property
    def service(self) -> int:
        return port_of(self.gunicorn.base)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_nginx()
    root = tmp_path_factory.mktemp("deploy")
    event_dir = root / "event"
    event_dir.mkdir()
    text = REAL_EVENT.read_text(encoding="utf-8")
    # An alias, so that an alias feed (a file) and an alias page (a redirect by the service) exist.
    text = text.replace("  - id: flux\n", "  - id: flux\n    aliases: [flux-talk]\n", 1)
    event_file = event_dir / "event.yaml"
    event_file.write_text(text, encoding="utf-8")
    releases = root / "event.releases"
    first, report = release(releases, 1, event_file)
    make_current(releases, first)
    # The second release comes from a copy of the files, so the service keeps serving the first.
    draft = root / "draft"
    shutil.copytree(event_dir, draft, ignore=shutil.ignore_patterns("*.releases"))
    retitled = text.replace('title: "Flux: sizing', 'title: "Flux in production: sizing', 1)
    assert retitled != text
    (draft / "event.yaml").write_text(retitled, encoding="utf-8")
    time.sleep(1.1)  # a later revision, in whole seconds as Last-Modified has them
    second, _ = release(releases, 2, draft / "event.yaml")
    gunicorn = Server(event_file, workers=2)
    nginx: Nginx | None = None
    try:
        port = free_port()
        site = render_site(
            describe_service(load_app(event_file)), releases, f"127.0.0.1:{port_of(gunicorn.base)}", f"127.0.0.1:{port}"
        )
        nginx = Nginx(site, root / "nginx", port)
        yield Stack(releases, event_file, first, second, report, gunicorn, nginx)
    finally:
        if nginx is not None:
            nginx.stop()
        gunicorn.stop()


def test_every_released_file_answers_as_gunicorn_alone(stack: Stack) -> None:
    paths = [item.url_path for item in stack.report.files]
    assert "/sessions/flux-talk.ics" in paths and "/" in paths and len(paths) > 100
    for path in paths:
        alone = request(stack.service, path)
        served = request(stack.port, path, {"Accept-Encoding": "gzip, br"})
        assert (served.status, alone.status) == (200, 200), path
        assert served.body == alone.body, path
        assert served.headers["Content-Type"] == alone.headers["Content-Type"], path
        assert served.headers["Server"] == "nginx", f"{path} was not served from the release's files"
        assert "Content-Encoding" not in served.headers, path
        for name in REPLAYED_HEADERS:
            assert served.headers.get(name) == alone.headers.get(name), (path, name)
        if "Last-Modified" in alone.headers:
            assert served.headers["Last-Modified"] == alone.headers["Last-Modified"], path
    assert not [line for line in stack.nginx.log.read_text().splitlines() if "[emerg]" in line or "[warn]" in line]


@pytest.mark.parametrize(
    "path",
    [
        "/custom.ics?track=ai-platform&speaker=hitesh",
        "/?track=ai-platform",
        "/?track=nope",
        "/sessions/flux.ics?download=1",
        "/sessions/flux-talk.ics?download=1",
        "/sessions/flux-talk",
        "/tracks/nope.ics",
        "/nope",
        f"/{META}/{MANIFEST}",
        "/links?feed=track:ai-platform",
    ],
)
def test_what_is_not_a_released_file_is_answered_by_gunicorn(stack: Stack, path: str) -> None:
    alone = request(stack.service, path)
    served = request(stack.port, path)
    assert (served.status, served.body) == (alone.status, alone.body)
    for name in ("Content-Type", "Location", "Content-Disposition", "ETag", "Last-Modified", *REPLAYED_HEADERS):
        assert served.headers.get(name) == alone.headers.get(name), name


def test_the_service_alone_answers_health_and_other_methods(stack: Stack) -> None:
    health = request(stack.port, "/healthz")
    assert health.status == 200 and json.loads(health.body)["revision"] == stack.report.revision
    posted = request(stack.port, "/conference.ics", {"Content-Type": "text/plain"}, method="POST")
    assert (posted.status, posted.headers.get("Allow")) == (405, "GET, HEAD")
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(b"POST /conference.ics HTTP/1.1\r\nHost: feeds.example.org\r\nContent-Length: 65536\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 413 "), "nginx refuses a large body before gunicorn reads it"


def test_feeds_have_strong_validators_and_304s_that_repeat_them(stack: Stack) -> None:
    for path in ("/conference.ics", "/tracks/ai-platform.ics", "/sessions/flux-talk.ics", "/schedule.xml"):
        first = request(stack.port, path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        # nginx's ETag: the file's modification time (the feed's Last-Modified) and size, in hex.
        file = stack.first / path.lstrip("/")
        assert etag == f'"{int(file.stat().st_mtime):x}-{file.stat().st_size:x}"', path
        assert not etag.startswith("W/")
        assert parsedate_to_datetime(modified).timestamp() == file.stat().st_mtime
        for ask in ({"If-None-Match": etag}, {"If-Modified-Since": modified}, {"If-None-Match": f'"x", {etag}'}):
            again = request(stack.port, path, ask)
            assert again.status == 304 and again.body == b"", (path, ask)
            assert again.headers["ETag"] == etag and again.headers["Last-Modified"] == modified, (path, ask)
            assert again.headers["Cache-Control"] == "public, max-age=300"
        # If-None-Match wins over If-Modified-Since, as RFC 9110 says.
        stale = request(stack.port, path, {"If-None-Match": '"other"', "If-Modified-Since": modified})
        assert stale.status == 200 and stale.body == first.body
        head = request(stack.port, path, method="HEAD")
        assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(first.body))
        ranged = request(stack.port, path, {"Range": "bytes=0-10"})
        assert ranged.status == 200 and ranged.body == first.body, "whole files only, as the service answers"


def test_a_changed_feed_gets_another_etag_in_the_next_release(stack: Stack) -> None:
    changed = [
        path
        for path in ("/conference.ics", "/sessions/flux.ics")
        if (stack.first / path.lstrip("/")).read_bytes() != (stack.second / path.lstrip("/")).read_bytes()
    ]
    assert changed == ["/conference.ics", "/sessions/flux.ics"]
    before = {path: request(stack.port, path).headers["ETag"] for path in changed}
    make_current(stack.releases, stack.second)
    try:
        for path in changed:
            after = request(stack.port, path)
            assert after.headers["ETag"] != before[path]
            assert after.body == (stack.second / path.lstrip("/")).read_bytes()
            assert request(stack.port, path, {"If-None-Match": before[path]}).status == 200
    finally:
        make_current(stack.releases, stack.first)


def test_a_release_switched_under_load_never_gives_a_mixed_or_failed_answer(stack: Stack) -> None:
    paths = ["/conference.ics", "/sessions/flux.ics", "/tracks/ai-platform.ics", "/", "/schedule.json"]
    expected = {}
    for folder in (stack.first, stack.second):
        for path in paths:
            file = folder / ("index.html" if path == "/" else path.lstrip("/"))
            stat = file.stat()
            expected[(path, file.read_bytes())] = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    assert len({body for _, body in expected}) == 2 * len(paths) - 1, "only the tracks feed is the same in both"
    stop = threading.Event()
    failures: list[str] = []
    counts = {"answers": 0, "flips": 0}
    seen: set[bytes] = set()
    lock = threading.Lock()

    def poll() -> None:
        # One kept-alive connection per client: nginx must follow the link per request, not per connection.
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
        try:
            while not stop.is_set():
                for path in paths:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    body = response.read()
                    etag = expected.get((path, body))
                    with lock:
                        counts["answers"] += 1
                        seen.add(body)
                        if response.status != 200 or etag is None or response.getheader("ETag") != etag:
                            failures.append(
                                f"{path}: {response.status}, {len(body)} bytes, {response.getheader('ETag')}"
                            )
        except (OSError, http.client.HTTPException) as err:
            with lock:
                failures.append(f"connection failed: {err!r}")
        finally:
            connection.close()

    clients = [threading.Thread(target=poll) for _ in range(4)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 4
    try:
        while time.monotonic() < deadline:
            for folder in (stack.second, stack.first):
                make_current(stack.releases, folder)
                counts["flips"] += 1
                time.sleep(0.005)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=20)
        make_current(stack.releases, stack.first)
    assert failures == []
    assert counts["flips"] > 100 and counts["answers"] > 500, counts
    assert {(stack.second / "conference.ics").read_bytes(), (stack.first / "conference.ics").read_bytes()} <= seen


def test_a_second_host_with_a_copy_of_the_release_answers_the_same(stack: Stack, tmp_path: Path) -> None:
    """A copy that keeps modification times (rsync -a, cp -a) gives the same bytes and validators."""
    other = tmp_path / "host-b" / "event.releases"
    shutil.copytree(stack.releases, other, symlinks=True, copy_function=shutil.copy2)
    assert (other / "current").readlink() == (stack.releases / "current").readlink()
    port = free_port()
    site = render_site(
        describe_service(load_app(stack.event_file)), other, f"127.0.0.1:{stack.service}", f"127.0.0.1:{port}"
    )
    host_b = Nginx(site, tmp_path / "nginx-b", port)
    try:
        for item in stack.report.files:
            a, b = request(stack.port, item.url_path), request(port, item.url_path)
            assert (a.status, a.body) == (b.status, b.body) == (200, b.body), item.url_path
            for name in ("Content-Type", "ETag", "Last-Modified", *REPLAYED_HEADERS):
                assert a.headers.get(name) == b.headers.get(name), (item.url_path, name)
    finally:
        host_b.stop()


class Tricklers:
    """Connections from one client that each send a request line, then one header line every few seconds."""

    def __init__(self, port: int, count: int, every: float = 2.0) -> None:
        self.sockets: list[socket.socket] = []
        self.closed = 0
        self.every = every
        self._stop = threading.Event()
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /conference.ics HTTP/1.1\r\nHost: feeds.example.org\r\n")
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._trickle)
        self._thread.start()

    def _trickle(self) -> None:
        line = 0
        while not self._stop.wait(self.every):
            line += 1
            for sock in self.sockets:
                try:
                    sock.sendall(f"X-Slow-{line}: still here\r\n".encode())
                except OSError:
                    self.closed += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


def show(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a measurement on the terminal, past pytest's capture."""
    with capsys.disabled():
        print(f"\n  {line}", end="")


def timed(port: int, path: str, timeout: float) -> tuple[float, int]:
    """Return (seconds, status) of a GET; a timeout is (timeout, 0)."""
    start = time.monotonic()
    try:
        status = request(port, path, timeout=timeout).status
    except (OSError, http.client.HTTPException):
        return timeout, 0
    return time.monotonic() - start, status


def test_slow_clients_do_not_delay_feeds_through_nginx(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    custom = "/custom.ics?track=ai-platform&speaker=hitesh"
    slow = Tricklers(stack.port, 300)
    try:
        time.sleep(2.5)  # every connection has trickled at least one header line
        for path in ("/conference.ics", custom, "/conference.ics", custom):
            seconds, status = timed(stack.port, path, timeout=5)
            show(capsys, f"nginx, 300 slow connections held: {path} took {seconds:.3f} s")
            assert status == 200 and seconds < 1, (path, seconds, status)
        assert slow.closed == 0, "nginx kept every slow connection open while it still sent headers"
    finally:
        slow.close()


def test_slow_clients_against_gunicorn_alone_are_the_reason_for_nginx(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = Tricklers(stack.service, 300)
    try:
        time.sleep(2.5)
        seconds, status = timed(stack.service, "/conference.ics", timeout=3)
        held = 300 - slow.closed
    finally:
        slow.close()
    outcome = f"{seconds:.2f} s, status {status or 'none (timed out)'}"
    show(capsys, f"gunicorn alone, 300 slow connections held: /conference.ics took {outcome}")
    # What happens is recorded, not asserted: sync workers wait on whichever slow client they read first.
    assert held > 0, "the slow connections were refused, so nothing was measured"


def test_a_burst_of_dynamic_requests_from_one_client_is_limited_and_files_are_not(stack: Stack) -> None:
    limits = Limits()
    statuses: list[int] = []
    lock = threading.Lock()

    def burst(offset: int) -> None:
        for n in range(100):
            answer = request(stack.port, f"/custom.ics?session=flux&session=ipnext&x={offset}-{n}")
            with lock:
                statuses.append(answer.status)

    threads = [threading.Thread(target=burst, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    files = [request(stack.port, "/conference.ics").status for _ in range(50)]
    for thread in threads:
        thread.join()
    assert set(statuses) <= {200, 429} and statuses.count(429) > 0, statuses
    assert statuses.count(200) >= limits.burst
    assert files == [200] * 50
    time.sleep(limits.burst / limits.rate)  # the client's allowance refills before any later request


def test_render_site_refuses_what_nginx_would_misread(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="HOST:PORT or unix:/PATH"):
        render_site((), tmp_path, "localhost")
    with pytest.raises(DeployError, match="must not hold spaces"):
        render_site((), tmp_path / "my releases", "127.0.0.1:8000")
    with pytest.raises(DeployError, match="listen must be"):
        render_site((), tmp_path, "127.0.0.1:8000", listen="80; include /etc/passwd")


# -- custom feeds under abuse ---------------------------------------------------------


def worker_rss_mb(server: Gunicorn) -> float:
    """Return the largest resident set size among gunicorn's workers now, in MB."""
    sizes = []
    for child in server.workers():
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{child}/status").read_text())
        if found:
            sizes.append(int(found.group(1)) / 1024)
    return max(sizes)


def random_combinations(count: int, sessions: int, seed: int = 13) -> list[str]:
    """Return count distinct custom-feed queries of the synthetic festival, 1 to 5 ids drawn from every id."""
    ids = [("track", f"track-{n:02d}") for n in range(20)]
    ids += [("speaker", f"speaker-{n:04d}") for n in range(2000)]
    ids += [("session", f"session-{n:04d}") for n in range(sessions)]
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        chosen = rng.sample(ids, rng.randint(1, 5))
        found["&".join(f"{kind}={ident}" for kind, ident in chosen)] = None
    return list(found)


# Bounds for the festival (5,000 sessions): a worker holds the event, its ledger and every rendered
# feed (about 150 MB measured with 2 workers) plus the bounded cache of custom feeds.
FESTIVAL_RSS_MB = 250
NORMAL_FEED_P99_S = 0.5


def test_ten_thousand_custom_feeds_keep_memory_and_normal_feeds_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = 5000
    event = tmp_path / "event.yaml"
    event.write_text(render_event_yaml(sessions), encoding="utf-8")
    queries = random_combinations(10_000, sessions)
    assert all(query.count("=") <= MAX_CUSTOM_IDS for query in queries)
    # Started as benchmarks/run.py starts it: the festival takes a while to load on a busy machine.
    env = {
        "FEEDS_EVENT_FILE": str(event),
        "FEEDS_BASE_URL": BASE,
        "FEEDS_MAX_EVENT_BYTES": str(50 * 1024 * 1024),
        "FEEDS_RELOAD_SECONDS": "3600",
        "WEB_CONCURRENCY": "2",
    }
    server = Gunicorn("wsgi:app", env, "/healthz")
    port = server.port
    try:
        assert request(port, "/speakers/speaker-0042.ics", timeout=120).status == 200  # both workers warm
        assert request(port, "/speakers/speaker-0042.ics", timeout=120).status == 200
        start_rss = worker_rss_mb(server)
        stop = threading.Event()
        latencies: list[float] = []
        failures: list[str] = []
        peak = [start_rss]
        lock = threading.Lock()

        def abuse(part: list[str]) -> None:
            for query in part:
                answer = request(port, f"/custom.ics?{query}", timeout=30)
                if answer.status != 200 or not answer.body.startswith(b"BEGIN:VCALENDAR"):
                    with lock:
                        failures.append(f"{query}: {answer.status}")

        def normal() -> None:
            while not stop.is_set():
                seconds, status = timed(port, "/speakers/speaker-0042.ics", timeout=10)
                with lock:
                    latencies.append(seconds)
                    if status != 200:
                        failures.append(f"normal feed: {status}")
                peak[0] = max(peak[0], worker_rss_mb(server))

        abusers = [threading.Thread(target=abuse, args=(queries[n::4],)) for n in range(4)]
        watcher = threading.Thread(target=normal)
        started = time.monotonic()
        watcher.start()
        for thread in abusers:
            thread.start()
        for thread in abusers:
            thread.join()
        stop.set()
        watcher.join()
        elapsed = time.monotonic() - started
        peak[0] = max(peak[0], worker_rss_mb(server))
    finally:
        server.stop()
    p99 = statistics.quantiles(latencies, n=100)[98]
    show(
        capsys,
        f"{len(queries)} custom feeds in {elapsed:.1f} s ({len(queries) / elapsed:.0f}/s); worker RSS "
        f"{start_rss:.0f} MB at start, {peak[0]:.0f} MB at most; normal feed GET p99 {p99 * 1000:.0f} ms "
        f"over {len(latencies)}",
    )
    assert failures == []
    assert len(latencies) >= 50
    assert peak[0] < FESTIVAL_RSS_MB, (start_rss, peak[0])
    assert p99 < NORMAL_FEED_P99_S, p99


def test_a_static_export_says_custom_feeds_need_the_service(tmp_path: Path) -> None:
    event = tmp_path / "event.yaml"
    shutil.copy(REAL_EVENT, event)
    export_event(event, None, BASE, tmp_path / "static")
    export_event(event, None, BASE, tmp_path / "served", builder=True)
    static = (tmp_path / "static" / "index.html").read_text(encoding="utf-8")
    served = (tmp_path / "served" / "index.html").read_text(encoding="utf-8")
    assert '<form class="builder"' in served and "need the feeds service" not in served
    assert '<form class="builder"' not in static and "Custom calendars of several tracks" in static
    assert "need the feeds service" in static
    static_files = {
        path.relative_to(tmp_path / "static") for path in (tmp_path / "static").rglob("*") if path.is_file()
    }
    served_files = {
        path.relative_to(tmp_path / "served") for path in (tmp_path / "served").rglob("*") if path.is_file()
    }
    # Only the static site needs pages that forward e-mail buttons; the service answers those itself.
    assert served_files < static_files
    assert {path.parts[0] for path in static_files - served_files} == {"subscribe"}
    calendars = [path for path in served_files if path.suffix == ".ics"]
    assert calendars
    for path in calendars:
        assert (tmp_path / "static" / path).read_bytes() == (tmp_path / "served" / path).read_bytes(), path


def process_rss_mb() -> float:
    """Return this process's resident set size now, in MB."""
    found = re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text())
    assert found is not None
    return int(found.group(1)) / 1024


def test_large_custom_feeds_cannot_grow_a_worker_without_bound(tmp_path: Path) -> None:
    event = tmp_path / "event.yaml"
    event.write_text(render_event_yaml(1000), encoding="utf-8")
    client = create_app({"EVENT_FILE": str(event), "BASE_URL": BASE, "RELOAD_SECONDS": 3600}).test_client()
    rng = random.Random(5)
    queries = list(
        dict.fromkeys(",".join(f"track-{n:02d}" for n in sorted(rng.sample(range(20), 10))) for _ in range(400))
    )[:300]
    assert client.get(f"/custom.ics?track={queries[0]}").status_code == 200
    before = process_rss_mb()
    sizes = []
    for query in queries:
        answer = client.get(f"/custom.ics?track={query}")
        assert answer.status_code == 200
        sizes.append(len(answer.data))
    grown = process_rss_mb() - before
    # 300 distinct feeds of half the event each (about 0.5 MB): a cache bounded in bytes keeps a few of them.
    assert min(sizes) > 300_000
    assert grown < 64, f"the process grew by {grown:.0f} MB"


def test_a_query_of_many_unknown_ids_costs_one_suggestion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    event = tmp_path / "event.yaml"
    shutil.copy(REAL_EVENT, event)
    client = create_app({"EVENT_FILE": str(event), "BASE_URL": BASE, "RELOAD_SECONDS": 3600}).test_client()
    calls: list[str] = []
    real = feeds.web.selection.suggest

    def counted(wrong: str, choices: list[str]) -> str:
        calls.append(wrong)
        return real(wrong, choices)

    monkeypatch.setattr(feeds.web.selection, "suggest", counted)
    query = "session=" + ",".join(f"flux{n}" for n in range(MAX_CUSTOM_IDS))
    answer = client.get(f"/custom.ics?{query}")
    assert answer.status_code == 404
    assert answer.data.startswith(b"Unknown session 'flux0'; did you mean 'flux'?; unknown session 'flux1';")
    assert b"and 45 more" in answer.data
    assert calls == ["flux0"]


def test_the_services_own_releases_hold_their_pages_and_nginx_serves_them_as_files(tmp_path: Path) -> None:
    require_nginx()
    event_file = tmp_path / "event.yaml"
    shutil.copy(REAL_EVENT, event_file)
    gunicorn = Server(event_file, workers=2)
    nginx: Nginx | None = None
    try:
        releases = tmp_path / "event.releases"
        deadline = time.monotonic() + 30
        while not (releases / "current" / META / "pages").exists():  # the watcher writes them between requests
            assert time.monotonic() < deadline, "the release's pages were not written"
            time.sleep(0.1)
        port = free_port()
        site = render_site(
            describe_service(load_app(event_file)), releases, f"127.0.0.1:{port_of(gunicorn.base)}", f"127.0.0.1:{port}"
        )
        nginx = Nginx(site, tmp_path / "nginx", port)
        for path in (
            "/",
            "/days/2023-07-19",
            "/tracks/ai-platform",
            "/speakers/ion-stoica",
            "/sessions/thrift",
            "/calendars",
        ):
            alone = request(gunicorn.port, path)
            served = request(port, path)
            assert (served.status, alone.status) == (200, 200), path
            assert served.body == alone.body, path
            assert (releases / "current" / path.lstrip("/")).with_suffix(".html").exists() or path == "/", path
            assert "ETag" in served.headers and "ETag" not in alone.headers, f"{path} was not served from a file"
    finally:
        if nginx is not None:
            nginx.stop()
        gunicorn.stop()
