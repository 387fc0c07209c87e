"""Nothing lost: a release killed at any instant leaves the old or the new release served, whole.

A child process releases the real event in a loop and is SIGKILLed at random
moments; after each kill the ledger loads, no SEQUENCE went down, `current`
names a complete release of the ledger's newest revision or the one before,
and a fresh server sends exactly that release's bytes. A gunicorn watcher
killed mid-release is replaced without a reader noticing, and a deployment
whose files are read-only serves its release and says why it cannot release.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from feeds import cli, create_app
from feeds.ledger import Ledger, LedgerFile
from feeds.publish.publication import etag_of, revision_name
from feeds.publish.release import Release
from feeds.publish.store import ReleaseStore
from feeds.publish.verdict import WatchLock

from ..support.paths import ROOT
from ..support.servers import Server, fetch, free_port

pytestmark = pytest.mark.slow

BASE_URL = "https://feeds.example.org"
MARK = "title: Thrift unification"
THRIFT = "thrift@atscaleconference.com"
KILLS = 15

# Releases the real event in a loop, alternating two valid versions, through release_event as the watcher does.
# The snapshot is rewritten every few releases (not every 100) so that kills also land inside a snapshot write.
WRITER = """
import sys
from datetime import timedelta
from pathlib import Path

import feeds.ledger.files
from feeds.ledger import LedgerFile
from feeds.load import parse_event
from feeds.config import Settings
from feeds.publish.record import release_event

feeds.ledger.files.COMPACT_AFTER = 3
folder, mark = Path(sys.argv[1]), sys.argv[2]
text = (folder / "event.yaml").read_text()
events = [parse_event(text.replace(mark, mark + suffix, 1).encode()) for suffix in (" (A)", " (B)")]
start = LedgerFile(folder / "event.ledger.json").read_any().revised
moments = iter(range(1, 10**9))
settings = Settings(
    folder / "event.yaml",
    folder / "event.ledger.json",
    base_url=sys.argv[3],
    clock=lambda: start + timedelta(seconds=next(moments)),
)
print("ready", flush=True)
previous = None
for round_number in range(10**9):
    previous = release_event(settings, events[round_number % 2], previous=previous).publication or previous
"""


def copy_event(folder: Path) -> Path:
    """Copy the real event and its ledger into folder; return the event file."""
    for name in ("event.yaml", "event.ledger.json", "event.ledger.log"):
        if (ROOT / name).exists():
            shutil.copyfile(ROOT / name, folder / name)
    return folder / "event.yaml"


def served_release(releases: Path, ledger: Ledger) -> Release:
    """Return the release `current` names, after checking it is complete and of the ledger's newest or last revision."""
    store = ReleaseStore(releases)
    number = store.current_number()
    release = store.load(number)
    assert release is not None, f"current -> {os.readlink(releases / 'current')} is not a complete release"
    assert number in (ledger.release, ledger.release - 1), (number, ledger.release)
    _, rendered_from = release.state()
    assert rendered_from.release == number
    assert revision_name(rendered_from) == release.revision
    if number == ledger.release:
        assert release.revision == revision_name(ledger)
    else:  # killed after recording the ledger, before switching the pointer: the release before the newest
        assert rendered_from.revisions[-1] == ledger.revisions[-2]
    assert release.files, "a release rendered with a base URL holds its feed files"
    for path, item in release.files.items():
        data = (release.folder / item.file).read_bytes()
        assert (etag_of(data), len(data)) == (item.etag, item.size), path
    return release


def serve_as_reader(event: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Return what a fresh app that only follows releases (not the watcher) sends for every feed URL."""
    with monkeypatch.context() as patch:
        patch.setattr(WatchLock, "take", classmethod(lambda cls, folder: WatchLock.THEIRS))
        app = create_app(
            {"EVENT_FILE": str(event), "BASE_URL": BASE_URL, "RELOAD_SECONDS": 0, "SETTLE_SECONDS": 0, "TESTING": True}
        )
        client = app.test_client()
        release = app.extensions["feeds"].served()
        assert release is not None
        answers = {}
        for path in release.files:
            response = client.get(path)
            assert response.status_code == 200, path
            answers[path] = response.data
        return answers


def test_a_release_killed_at_any_instant_leaves_the_old_or_the_new_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = copy_event(tmp_path)
    ledger_file = LedgerFile(tmp_path / "event.ledger.json")
    releases = tmp_path / "event.releases"
    monkeypatch.setenv("FEEDS_BASE_URL", BASE_URL)
    assert cli.main(["publish", str(event)]) == 0
    first = ledger_file.read_any()
    assert first is not None
    sequences = {uid: entry.sequence for uid, entry in first.sessions.items()}
    rng = random.Random(12)
    outcomes = {"newest": 0, "one before": 0, "partial folder left": 0}
    started = time.monotonic()
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), MARK, BASE_URL], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.4))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        ledger = ledger_file.read_any()  # whatever instant the kill hit, the ledger loads
        assert ledger is not None and ledger.event == first.event
        for uid, entry in ledger.sessions.items():
            assert entry.sequence >= sequences.get(uid, 0), (uid, sequences[uid], entry.sequence)
            sequences[uid] = entry.sequence
        release = served_release(releases, ledger)
        outcomes["newest" if release.number == ledger.release else "one before"] += 1
        outcomes["partial folder left"] += any((releases / "r").glob(".*.partial-*"))
        on_disk = {path: (release.folder / item.file).read_bytes() for path, item in release.files.items()}
        assert serve_as_reader(event, monkeypatch) == on_disk
    elapsed = time.monotonic() - started
    final = ledger_file.read_any()
    assert final is not None
    print(f"{KILLS} kills in {elapsed:.1f} s, ledger at release {final.release}: {outcomes}")
    assert final.release > first.release + KILLS, "the writer released between kills"
    assert final.sessions[THRIFT].sequence > first.sessions[THRIFT].sequence
    # The next writer releases normally and clears whatever the killed ones left.
    assert cli.main(["publish", str(event)]) == 0
    last = ledger_file.read_any()
    assert last is not None and last.release == final.release + 1
    assert last.sessions[THRIFT].sequence == final.sessions[THRIFT].sequence + 1
    release = served_release(releases, last)
    assert release.number == last.release
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.partial-*")) == []
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.tmp")) == []
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob(".*") if p.name != ".feeds") == []
    assert serve_as_reader(event, monkeypatch) == {
        path: (release.folder / item.file).read_bytes() for path, item in release.files.items()
    }


# Releases version (B) of the event normally, then version (A) with a SIGKILL at one chosen point of the release.
KILLED_AT = """
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import feeds.ledger.files
import feeds.publish.store
from feeds.ledger import LedgerFile
from feeds.load import parse_event
from feeds.config import Settings
from feeds.publish.record import release_event

folder, mark, base_url, point = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
text = (folder / "event.yaml").read_text()
first, second = (parse_event(text.replace(mark, mark + suffix, 1).encode()) for suffix in (" (B)", " (A)"))
start = LedgerFile(folder / "event.ledger.json").read_any().revised
moments = iter(range(1, 10**9))
clock = lambda: start + timedelta(seconds=next(moments))
settings = Settings(folder / "event.yaml", folder / "event.ledger.json", base_url=base_url, clock=clock)
release_event(settings, first)


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


class Os:
    # The os module, but killed at one call.

    def __getattr__(self, name):
        return getattr(os, name)

    def write(self, handle, data):
        os.write(handle, bytes(data[: len(data) // 2]))
        die()

    def replace(self, source, target):
        if str(target).endswith(self.target):
            die()
        os.replace(source, target)


if point == "tree half written":
    feeds.publish.store._fsync_written = die
elif point == "tree written, ledger not":
    feeds.ledger.LedgerFile.write = die
elif point == "log line half written":
    feeds.ledger.files.os = Os()
elif point == "snapshot written to a temporary file":
    feeds.ledger.files.COMPACT_AFTER = 0
    feeds.ledger.files.os = Os()
    feeds.ledger.files.os.target = "event.ledger.json"
elif point == "ledger written, pointer not":
    feeds.publish.store.ReleaseStore.point = die
elif point == "new pointer made, not switched":
    feeds.publish.store.os = Os()
    feeds.publish.store.os.target = "current"
release_event(settings, second)
print("the release finished: the kill point was never reached")
"""

# What each kill point leaves on disk before the next writer comes (relative glob patterns).
LEFT_BEHIND = {
    "tree half written": "event.releases/r/.*.partial-*",
    "tree written, ledger not": "",
    "log line half written": "",
    "snapshot written to a temporary file": ".event.ledger.json.*.tmp",
    "ledger written, pointer not": "",
    "new pointer made, not switched": "event.releases/.current.*.tmp",
}


@pytest.mark.parametrize("point", list(LEFT_BEHIND))
def test_a_release_killed_at_each_step_is_finished_or_undone_by_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    event = copy_event(tmp_path)
    ledger_file = LedgerFile(tmp_path / "event.ledger.json")
    releases = tmp_path / "event.releases"
    result = subprocess.run(
        [sys.executable, "-c", KILLED_AT, str(tmp_path), MARK, BASE_URL, point],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    ledger = ledger_file.read_any()
    assert ledger is not None
    release = served_release(releases, ledger)
    recorded = point in ("ledger written, pointer not", "new pointer made, not switched")
    expected = ledger.release - 1 if recorded else ledger.release
    assert release.number == expected
    assert b"SUMMARY:Thrift unification (B)\r\n" in (release.folder / "sessions/thrift.ics").read_bytes()
    if LEFT_BEHIND[point]:
        assert list(tmp_path.glob(LEFT_BEHIND[point])), f"the kill left no {LEFT_BEHIND[point]}"
    if point == "log line half written":
        assert not ledger_file.log_path.read_bytes().endswith(b"\n")
    on_disk = {path: (release.folder / item.file).read_bytes() for path, item in release.files.items()}
    assert serve_as_reader(event, monkeypatch) == on_disk
    sequence = ledger.sessions[THRIFT].sequence
    # The next writer releases what event.yaml says now, and nothing the killed one left remains.
    monkeypatch.setenv("FEEDS_BASE_URL", BASE_URL)
    assert cli.main(["publish", str(event)]) == 0
    last = ledger_file.read_any()
    assert last is not None and last.release == ledger.release + 1
    assert last.sessions[THRIFT].sequence == sequence + 1
    newest = served_release(releases, last)
    assert newest.number == last.release
    assert b"SUMMARY:Thrift unification\r\n" in (newest.folder / "sessions/thrift.ics").read_bytes()
    left = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob(".*") if p.name != ".feeds"]
    assert left == []
    log_bytes = ledger_file.log_path.read_bytes() if ledger_file.log_path.exists() else b""
    assert log_bytes == b"" or log_bytes.endswith(b"\n")
    assert serve_as_reader(event, monkeypatch) == {
        path: (newest.folder / item.file).read_bytes() for path, item in newest.files.items()
    }


def flock_holder(path: Path) -> int | None:
    """Return the pid holding a flock on path (from /proc/locks), None when nobody does."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK":
            continue
        if int(fields[5].rsplit(":", 1)[1]) == inode:
            return int(fields[4])
    return None


@dataclass
class Poller:
    """A subscriber polling feeds on fresh connections; every answer it got, and when."""

    port: int
    paths: list[str]
    answers: list[tuple[float, str, int, bytes]] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        index = 0
        while not stop.is_set():
            path = self.paths[index % len(self.paths)]
            index += 1
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                self.answers.append((time.monotonic(), path, response.status, response.read()))
            except (OSError, http.client.HTTPException) as err:
                self.failures.append((time.monotonic(), f"{path}: {err!r}"))
            finally:
                connection.close()
            time.sleep(0.005)


def bodies_on_disk(releases: Path) -> dict[str, set[str]]:
    """Return, per URL path, the ETags of every complete release folder on disk."""
    found: dict[str, set[str]] = {}
    for manifest in releases.glob("r/[0-9]*/.feeds/manifest.json"):
        for path, item in json.loads(manifest.read_bytes())["files"].items():
            found.setdefault(path, set()).add(item[2])
    return found


def save_version(event: Path, base: str, version: int) -> None:
    """Save a valid version of the event as an editor does (a new file renamed over the old one)."""
    temporary = event.with_name(".event.yaml.swp")
    temporary.write_text(base.replace(MARK, f"{MARK} v{version}", 1))
    os.replace(temporary, event)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait until condition holds; fail with what after seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def kill_the_watcher_mid_release(
    event: Path, base: str, versions: range, inside: Callable[[int], bool]
) -> tuple[int, int, float, dict[str, int]]:
    """Save versions until the watcher is caught inside a release (as inside(pid) says) and SIGKILL it there.

    Return its pid, the version it was releasing, when it died and what it left: partial folders and `current`.
    """
    releases = event.parent / "event.releases"
    for version in versions:  # a save is released in tens of milliseconds: try until a kill lands inside one
        watcher = flock_holder(releases / "watch.lock")
        assert watcher is not None
        pointer = os.readlink(releases / "current")
        save_version(event, base, version)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.readlink(releases / "current") == pointer:
            if inside(watcher):
                os.kill(watcher, signal.SIGKILL)
                moment = time.monotonic()
                left = {
                    "partial folders": len(list((releases / "r").glob(".*.partial-*"))),
                    "current": ReleaseStore(releases).current_number(),
                }
                return watcher, version, moment, left
        wait_for(lambda: flock_holder(releases / "watch.lock") is not None, 5, "the watcher let go of its lock")
    raise AssertionError(f"the watcher was never caught inside a release in {len(versions)} saves")


def test_a_gunicorn_watcher_killed_mid_release_is_replaced_and_readers_never_notice(tmp_path: Path) -> None:
    event = copy_event(tmp_path)
    base = event.read_text()
    releases = tmp_path / "event.releases"
    ledger_file = LedgerFile(tmp_path / "event.ledger.json")
    server = Server(event, workers=3, FEEDS_RELOAD_SECONDS="0.05", FEEDS_SETTLE_SECONDS="0")
    pollers = [Poller(server.port, ["/conference.ics", "/sessions/thrift.ics"]) for _ in range(3)]
    stop = threading.Event()
    threads = [threading.Thread(target=poller.run, args=(stop,)) for poller in pollers]
    # Kill one watcher while it holds the ledger lock (rendering, or recording), the next while it writes a folder.
    triggers: list[tuple[str, Callable[[int], bool]]] = [
        ("holding the ledger lock", lambda pid: flock_holder(tmp_path / "event.ledger.json.lock") == pid),
        ("writing a release folder", lambda pid: any((releases / "r").glob(".*.partial-*"))),
    ]
    kills = []
    try:
        wait_for(lambda: flock_holder(releases / "watch.lock") is not None, 10, "no worker took the watch lock")
        for thread in threads:
            thread.start()
        version = 0
        for what, inside in triggers:
            pid, version, moment, left = kill_the_watcher_mid_release(
                event, base, range(version + 1, version + 40), inside
            )
            kills.append((what, pid, version, moment, left))
            # Another worker takes the watch lock and releases the save the killed watcher was releasing.
            wait_for(
                lambda killed=pid: flock_holder(releases / "watch.lock") not in (None, killed),
                15,
                "no worker took over the watch",
            )
            title = f"SUMMARY:Thrift unification v{version}\r\n".encode()
            wait_for(
                lambda title=title: title in server.get("/sessions/thrift.ics")[2],
                15,
                "the killed save was not released",
            )
            ledger = ledger_file.read_any()
            assert ledger is not None
            served_release(releases, ledger)
        # The next valid save is released and every worker serves it.
        save_version(event, base, version + 1)
        newer = f"SUMMARY:Thrift unification v{version + 1}\r\n".encode()

        def every_worker_serves_the_newest() -> bool:
            number = ReleaseStore(releases).current_number()
            healths = {json.loads(server.get("/healthz")[2])["release"]["number"] for _ in range(9)}
            bodies = {server.get("/sessions/thrift.ics")[2] for _ in range(9)}
            return healths == {number} and len(bodies) == 1 and newer in bodies.pop()

        wait_for(every_worker_serves_the_newest, 15, "the workers do not all serve the newest release")
        stop.set()
        for thread in threads:
            thread.join()
        known = bodies_on_disk(releases)
        answers = [answer for poller in pollers for answer in poller.answers]
        failures = [failure for poller in pollers for failure in poller.failures]
        for what, pid, version, _, left in kills:
            print(f"killed watcher {pid} {what}, releasing save {version}: {left}")
        print(f"{len(answers)} answers; failed requests: {failures}")
        assert sorted({status for _, _, status, _ in answers}) == [200]
        for _, path, _, data in answers:
            assert etag_of(data) in known[path], f"{path}: a body that no release on disk holds"
        # Only a request a killed worker was answering can fail, and only at that moment.
        assert len(failures) <= len(pollers) * len(kills), failures
        assert all(min(abs(at - kill[3]) for kill in kills) < 2 for at, _ in failures), failures
        assert len([at for at, _, _, _ in answers if at > kills[-1][3]]) > 20
        for poller in pollers:  # in the order each subscriber got them, SEQUENCE never goes down
            seen = [
                int(found[1])
                for _, path, _, data in poller.answers
                if path == "/sessions/thrift.ics"
                for found in [re.search(rb"SEQUENCE:(\d+)", data)]
                if found
            ]
            assert seen and seen == sorted(seen), seen
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join()
        server.stop()


def unshare_or_skip() -> str:
    """Return the unshare command when it can make a private mount namespace; skip (never as root or in CI) if not."""
    unshare = shutil.which("unshare")
    works = (
        unshare is not None
        and not subprocess.run([unshare, "-rm", "true"], capture_output=True, check=False).returncode
    )
    if unshare is None or not works:
        if os.geteuid() == 0 or os.environ.get("CI"):
            pytest.fail("unshare -rm (a private mount namespace) must work here: tests run as root or in CI")
        pytest.skip("unshare -rm (a private mount namespace) is not available here")
    return unshare


def test_a_read_only_deployment_serves_its_release_and_says_why_it_cannot_release(tmp_path: Path) -> None:
    unshare = unshare_or_skip()
    writable = tmp_path / "writable"
    writable.mkdir()
    event = copy_event(writable)
    save_version(event, event.read_text(), 1)
    env = {**os.environ, "FEEDS_BASE_URL": BASE_URL}
    subprocess.run([sys.executable, "-m", "feeds.cli", "publish", str(event)], cwd=ROOT, env=env, check=True)
    deployed = tmp_path / "deployed"
    deployed.mkdir()
    for name in ("event.yaml", "event.ledger.json", "event.ledger.log"):
        if (writable / name).exists():
            shutil.copyfile(writable / name, deployed / name)
    shutil.copytree(writable / "event.releases", deployed / "event.releases", symlinks=True)
    store = ReleaseStore(deployed / "event.releases")
    release = store.load(store.current_number())
    assert release is not None and release.number == 2
    # A change saved in the deployment itself cannot be released there.
    save_version(deployed / "event.yaml", (ROOT / "event.yaml").read_text(), 2)
    before = {str(p.relative_to(deployed)): p.read_bytes() for p in sorted(deployed.rglob("*")) if p.is_file()}
    port = free_port()
    settings = {
        **env,
        "FEEDS_EVENT_FILE": str(deployed / "event.yaml"),
        "FEEDS_RELOAD_SECONDS": "0.1",
        "FEEDS_SETTLE_SECONDS": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    mount = 'mount -o bind,ro "$1" "$1" && shift && exec "$@"'
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:feeds.gunicorn_conf",
        "--access-logfile=/dev/null",
    ]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [unshare, "-rm", "sh", "-c", mount, "sh", str(deployed), *gunicorn, "wsgi:app"],
            cwd=ROOT,
            env=settings,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            try:
                return fetch(base + "/healthz")[0] == 200
            except OSError:
                return False

        wait_for(answers, 30, "gunicorn did not start in the read-only mount")
        for path, item in release.files.items():
            status, headers, body = fetch(base + path)
            assert (status, headers["ETag"]) == (200, item.etag), path
            assert body == (release.folder / item.file).read_bytes(), path

        def every_worker_says_why() -> bool:
            healths = [json.loads(fetch(base + "/healthz")[2]) for _ in range(8)]
            return all(health["warning"] and health["release"]["number"] == 2 for health in healths)

        wait_for(every_worker_says_why, 15, "a worker's /healthz does not say why the save is not released")
        health = json.loads(fetch(base + "/healthz")[2])
        print(f"/healthz of the read-only deployment: status {health['status']}, warning {health['warning']!r}")
        assert "Read-only file system" in health["warning"]
        assert "are not released" in health["warning"] and "feeds publish" in health["warning"]
        assert b"v1\r\n" in fetch(base + "/sessions/thrift.ics")[2]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    after = {str(p.relative_to(deployed)): p.read_bytes() for p in sorted(deployed.rglob("*")) if p.is_file()}
    assert after == before
    print(log.read_text())  # shown with -s: what the organizer's log says
