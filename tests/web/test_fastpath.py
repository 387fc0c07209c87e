"""The WSGI fast path answers feed requests exactly as the Flask routes do, and passes on all else."""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.middleware.proxy_fix import ProxyFix

from feeds.web.fastpath import FeedFastPath, is_feed_path

from ..support.paths import REAL_EVENT, SMALL_EVENT, Clock
from ..support.servers import Server

Exchange = tuple[str, list[tuple[str, str]], bytes]


class Pair:
    """The same event served twice: with the fast path, and by Flask alone (the reference)."""

    def __init__(self, make_app: Callable[..., Flask], event_file: Path, **config: Any) -> None:
        self.fast = make_app(event_file, **config)
        self.flask = make_app(event_file, **config, FAST_PATH=False)
        assert fast_path_of(self.flask) is None
        self.passed_on: list[str] = []
        layer = fast_path_of(self.fast)
        assert layer is not None
        inner = layer.app

        def record(environ: dict[str, Any], start_response: Any) -> Any:
            self.passed_on.append(environ["PATH_INFO"])
            return inner(environ, start_response)

        layer.app = record

    def ask(self, path: str, method: str = "GET", headers: dict[str, str] | None = None, **kwargs: Any) -> Exchange:
        """Return the fast path's answer after checking that Flask alone gives the same status, headers and body."""
        fast = exchange(self.fast.test_client(), path, method, headers, **kwargs)
        assert fast == exchange(self.flask.test_client(), path, method, headers, **kwargs), (method, path, headers)
        return fast

    def paths(self) -> list[str]:
        """Return every URL path a feed is served at: canonical, aliases, and feeds kept for their tombstones."""
        publication = self.fast.extensions["feeds"].current
        return sorted(publication.paths)


def fast_path_of(app: Flask) -> FeedFastPath | None:
    """Return the app's fast path (inside ProxyFix when the proxy is trusted), if it has one."""
    layer = app.wsgi_app.app if isinstance(app.wsgi_app, ProxyFix) else app.wsgi_app
    return layer if isinstance(layer, FeedFastPath) else None


def exchange(client: FlaskClient, path: str, method: str, headers: dict[str, str] | None, **kwargs: Any) -> Exchange:
    with client.open(path, method=method, headers=headers or {}, **kwargs) as response:
        return response.status, response.headers.to_wsgi_list(), response.data


def conditions(etag: str, last_modified: str) -> list[tuple[str, dict[str, str], int]]:
    """Return (name, request headers, expected status) for every kind of revalidation."""
    moment = parsedate_to_datetime(last_modified)
    before = format_datetime(moment - timedelta(seconds=1), usegmt=True)
    after = format_datetime(moment + timedelta(days=1), usegmt=True)
    return [
        ("unconditional", {}, 200),
        ("etag", {"If-None-Match": etag}, 304),
        ("weak etag", {"If-None-Match": f"W/{etag}"}, 304),
        ("other etag", {"If-None-Match": '"other"'}, 200),
        ("any", {"If-None-Match": "*"}, 304),
        ("list with it", {"If-None-Match": f'"other",W/{etag} , "more"'}, 304),
        ("list without it", {"If-None-Match": '"a", "b"'}, 200),
        ("empty", {"If-None-Match": ""}, 200),
        ("unquoted", {"If-None-Match": etag.strip('"')}, 200),
        ("since before", {"If-Modified-Since": before}, 200),
        ("since equal", {"If-Modified-Since": last_modified}, 304),
        ("since after", {"If-Modified-Since": after}, 304),
        ("since without zone", {"If-Modified-Since": last_modified.replace("GMT", "-0000")}, 304),
        ("since garbage", {"If-Modified-Since": "garbage"}, 200),
        ("since empty", {"If-Modified-Since": ""}, 200),
        ("both, other etag wins", {"If-None-Match": '"other"', "If-Modified-Since": after}, 200),
        ("both, etag wins", {"If-None-Match": etag, "If-Modified-Since": before}, 304),
    ]


def write(event_file: Path, text: str, stamp: int) -> None:
    """Save the event file with a distinct modification time in the past (settled at once)."""
    event_file.write_text(text, encoding="utf-8")
    os.utime(event_file, (stamp, stamp))


def second_revision(event_file: Path, clock: Clock) -> None:
    """Rename a speaker and a session (keeping aliases), delete a session and retitle another."""
    text = event_file.read_text(encoding="utf-8")
    dropped = text[text.index("  - id: dropped\n") : text.index("  - id: night-owl\n")]
    for old, new in [
        (dropped, ""),
        ("  - id: zoe\n", "  - id: zoe-u\n    aliases: [zoe]\n"),
        ("speakers: [ada, zoe]", "speakers: [ada, zoe-u]"),
        ("  - id: engines\n", "  - id: looms\n    aliases: [engines]\n"),
        ("title: Across the DST change", "title: Across the DST change, retitled"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    clock.advance(days=1)
    write(event_file, text, 1_700_000_000)


@pytest.fixture(params=["small", "small, second revision", "real"])
def pair(request: pytest.FixtureRequest, make_app: Callable[..., Flask], tmp_path: Path, clock: Clock) -> Pair:
    event_file = tmp_path / "event.yaml"
    shutil.copy(REAL_EVENT if request.param == "real" else SMALL_EVENT, event_file)
    pair = Pair(make_app, event_file)
    if request.param == "small, second revision":
        second_revision(event_file, clock)
        assert {"/speakers/zoe.ics", "/sessions/engines.ics", "/sessions/dropped.ics"} <= set(pair.paths())
    return pair


def test_every_feed_answers_exactly_as_flask_does(pair: Pair) -> None:
    paths = pair.paths()
    assert len(paths) >= 10
    for path in paths:
        status, headers, full = pair.ask(path)
        assert status == "200 OK", path
        assert full.startswith(b"BEGIN:VCALENDAR\r\n")
        found = dict(headers)
        for name, ask, expected in conditions(found["ETag"], found["Last-Modified"]):
            for method in ("GET", "HEAD"):
                status, headers, body = pair.ask(path, method, ask)
                assert int(status[:3]) == expected, (path, name, method)
                assert body == (full if expected == 200 and method == "GET" else b"")
    assert pair.passed_on == []


def test_headers_are_those_of_the_contract(make_app: Callable[..., Flask], event_dir: Path) -> None:
    pair = Pair(make_app, event_dir / "event.yaml")
    status, headers, body = pair.ask("/tracks/systems.ics")
    assert status == "200 OK"
    assert [name for name, _ in headers] == [
        "ETag",
        "Last-Modified",
        "Cache-Control",
        "X-Content-Type-Options",
        "Content-Type",
        "Content-Length",
    ]
    found = dict(headers)
    assert found["Content-Type"] == "text/calendar; charset=utf-8"
    assert found["Content-Length"] == str(len(body))
    status, revalidated, _ = pair.ask("/tracks/systems.ics", headers={"If-None-Match": found["ETag"]})
    assert status == "304 NOT MODIFIED"
    again = dict(revalidated)
    assert (again["ETag"], again["Last-Modified"]) == (found["ETag"], found["Last-Modified"])
    assert "Content-Disposition" not in again and "Content-Type" not in again
    assert pair.passed_on == []


# Odd requests, each answered as before: (path, method, whether the fast path answers it or leaves it to Flask).
ODD_REQUESTS = [
    ("/tracks/%73ystems.ics", "GET", True),  # the server decodes the path: it is /tracks/systems.ics
    ("/conference.ics?", "GET", True),  # an empty query is no query
    ("/conference.ics?x=1", "GET", False),
    ("/sessions/engines.ics?download=1", "GET", False),
    ("/sessions/engines.ics?download=1", "HEAD", False),
    ("/sessions/engines.ics?%64ownload=%31", "GET", False),
    ("/tracks/systems.ics?download=1", "GET", False),
    ("/conference.ics/", "GET", False),
    ("/tracks/systems.ics/", "GET", False),
    ("//conference.ics", "GET", False),
    ("/tracks//systems.ics", "GET", False),
    ("/tracks/./systems.ics", "GET", False),
    ("/tracks/..%2fconference.ics", "GET", False),
    ("/tracks/..%2f..%2fevent.yaml.ics", "GET", False),
    ("/tracks/%2e%2e%2fsystems.ics", "GET", False),
    ("/tracks/systems%2f.ics", "GET", False),
    ("/tracks/Systems.ics", "GET", False),
    ("/TRACKS/systems.ics", "GET", False),
    ("/tracks/systems.ICS", "GET", False),
    ("/tracks/systems.ics.ics", "GET", False),
    ("/tracks/systems", "GET", False),
    ("/tracks/.ics", "GET", False),
    ("/tracks/systèmes.ics", "GET", False),
    ("/tracks/%00.ics", "GET", False),
    ("/tracks/" + "a" * 10_000 + ".ics", "GET", False),
    ("/tracks/" + "a" * 65 + ".ics", "GET", False),
    ("/tracks/nope.ics", "GET", False),
    ("/tracks/nope.ics", "HEAD", False),
    ("/rooms/systems.ics", "GET", False),
    ("/conference", "GET", False),
    ("/custom.ics?track=systems", "GET", False),
    ("/custom.ics", "GET", False),
    ("/qr/conference.svg", "GET", False),
    ("/schedule.xml", "GET", False),
    ("/healthz", "GET", False),
    ("/", "GET", False),
    ("/static/feeds.css", "GET", False),
    *[
        (path, method, False)
        for path in ("/conference.ics", "/sessions/engines.ics")
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS")
    ],
]


@pytest.mark.parametrize(("path", "method", "answered"), ODD_REQUESTS, ids=lambda value: str(value)[:40])
def test_odd_requests_answer_as_before(
    make_app: Callable[..., Flask], event_dir: Path, path: str, method: str, answered: bool
) -> None:
    pair = Pair(make_app, event_dir / "event.yaml")
    pair.ask(path, method)
    assert (pair.passed_on == []) is answered


@pytest.mark.parametrize(
    ("path", "shaped"),
    [
        ("/conference.ics", True),
        ("/tracks/systems.ics", True),
        ("/speakers/a-b-2.ics", True),
        ("/sessions/" + "a" * 64 + ".ics", True),
        ("/sessions/" + "a" * 65 + ".ics", False),
        ("/custom.ics", False),
        ("/tracks/a/b.ics", False),
        ("/tracks/-a.ics", False),
        ("/tracks/a--b.ics", False),
        ("/tracks/.ics", False),
        ("/tracks/a.ics/", False),
        ("/rooms/a.ics", False),
        ("tracks/a.ics", False),
        ("", False),
    ],
)
def test_only_paths_shaped_like_the_feed_routes_are_looked_up(path: str, shaped: bool) -> None:
    assert is_feed_path(path) is shaped


def test_without_a_publication_flask_answers_the_503(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_text("event: [\n")
    pair = Pair(make_app, tmp_path / "event.yaml")
    status, _, _ = pair.ask("/conference.ics")
    assert status.startswith("503")
    assert pair.passed_on == ["/conference.ics"]


def test_a_failure_on_the_fast_path_is_left_to_flask(
    make_app: Callable[..., Flask], event_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pair = Pair(make_app, event_dir / "event.yaml")

    def broken(force: bool = False) -> None:
        raise RuntimeError("a bug in the reload check")

    for app in (pair.fast, pair.flask):
        app.extensions["feeds"].check = broken
    status, _, body = pair.ask("/conference.ics")
    assert status.startswith("500") and b"Internal error" in body
    assert pair.passed_on == ["/conference.ics"]
    assert "the feed fast path failed on /conference.ics" in caplog.text


def test_a_base_url_derived_from_the_request_is_left_to_flask(make_app: Callable[..., Flask], event_dir: Path) -> None:
    pair = Pair(make_app, event_dir / "event.yaml", BASE_URL="")
    status, _, body = pair.ask("/sessions/engines.ics", base_url="http://calendar.local:8000")
    assert status == "200 OK" and b"http://calendar.local:8000/sessions/engines" in body
    assert pair.passed_on == ["/sessions/engines.ics"]


def test_behind_a_trusted_proxy_the_fast_path_sees_what_flask_sees(
    make_app: Callable[..., Flask], event_dir: Path
) -> None:
    pair = Pair(make_app, event_dir / "event.yaml", TRUST_PROXY=True)
    assert isinstance(pair.fast.wsgi_app, ProxyFix) and isinstance(pair.fast.wsgi_app.app, FeedFastPath)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "elsewhere.example", "X-Forwarded-For": "10.0.0.9"}
    pair.ask("/conference.ics", headers=forwarded)
    assert pair.passed_on == []


@pytest.mark.parametrize("reload_seconds", [0, 3600])
def test_edits_are_picked_up_on_the_request_path_as_by_flask(
    make_app: Callable[..., Flask], event_dir: Path, clock: Clock, reload_seconds: int
) -> None:
    event_file = event_dir / "event.yaml"
    pair = Pair(make_app, event_file, RELOAD_SECONDS=reload_seconds)
    first = pair.ask("/tracks/systems.ics")
    text = event_file.read_text(encoding="utf-8")
    clock.advance(hours=1)
    write(event_file, text.replace("title: Across the DST change", "title: Across the clock change"), 1_700_000_000)
    moved = pair.ask("/tracks/systems.ics")
    assert (moved == first) is (reload_seconds == 3600)
    assert (b"Across the clock change" in moved[2]) is (reload_seconds == 0)
    write(event_file, "event: [\n", 1_700_000_100)  # a broken save keeps the last good revision
    assert pair.ask("/tracks/systems.ics") == moved
    assert pair.passed_on == []


# -- through gunicorn: the very bytes on the wire ------------------------------------------------------


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    shutil.copy(REAL_EVENT, tmp_path / "event.yaml")
    started: list[Server] = []
    try:
        started.append(Server(tmp_path / "event.yaml", workers=1))
        started.append(Server(tmp_path / "event.yaml", workers=1, FEEDS_FAST_PATH="false"))
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


def wire(server: Server, method: str, target: str, headers: dict[str, str]) -> bytes:
    """Return the raw HTTP/1.1 answer to one request, without its Date line."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return re.sub(rb"\r\nDate: [^\r]*", b"", b"".join(chunks), count=1)


@pytest.mark.slow
def test_gunicorn_sends_the_same_bytes_with_and_without_the_fast_path(servers: tuple[Server, Server]) -> None:
    fast, reference = servers
    _, headers, _ = fast.get("/conference.ics")
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    targets = [
        "/conference.ics",
        "/tracks/%61i-platform.ics",
        "/sessions/host-welcome.ics?download=1",
        "/tracks/..%2fconference.ics",
        "/tracks/nope.ics",
        "/",
    ]
    for target in targets:
        for method in ("GET", "HEAD"):
            for ask in ({}, {"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
                answer = wire(fast, method, target, ask)
                assert answer == wire(reference, method, target, ask), (method, target, ask)
                assert answer.startswith(b"HTTP/1.1 ")
