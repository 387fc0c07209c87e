"""HTTP behaviour of every route: headers, conditional GET, HEAD, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..support.paths import FIRST_PUBLISHED, REAL_EVENT

FEED_PATHS = ["/conference.ics", "/tracks/systems.ics", "/speakers/ada.ics", "/sessions/engines.ics"]


@pytest.mark.parametrize("path", FEED_PATHS)
def test_feed_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Last-Modified"] == format_datetime(FIRST_PUBLISHED, usegmt=True)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert "Content-Disposition" not in response.headers
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers


def test_same_bytes_whatever_the_client_says(client: FlaskClient) -> None:
    plain = client.get("/conference.ics")
    fancy = client.get(
        "/conference.ics",
        headers={"User-Agent": "Microsoft Outlook 16", "Accept": "text/html", "Accept-Encoding": "gzip"},
    )
    assert fancy.data == plain.data
    assert fancy.headers["ETag"] == plain.headers["ETag"]


def test_if_none_match_answers_304_with_validators(client: FlaskClient) -> None:
    first = client.get("/conference.ics")
    again = client.get("/conference.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    listed = client.get("/conference.ics", headers={"If-None-Match": f'"nope", W/{first.headers["ETag"]}'})
    assert listed.status_code == 304
    assert client.get("/conference.ics", headers={"If-None-Match": "*"}).status_code == 304


def test_if_none_match_wins_over_if_modified_since(client: FlaskClient) -> None:
    first = client.get("/conference.ics")
    response = client.get(
        "/conference.ics",
        headers={"If-None-Match": '"stale"', "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert response.status_code == 200
    assert response.data == first.data


def test_if_modified_since(client: FlaskClient) -> None:
    first = client.get("/conference.ics")
    assert (
        client.get("/conference.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    )
    older = "Tue, 09 Jan 2024 12:00:00 GMT"
    assert client.get("/conference.ics", headers={"If-Modified-Since": older}).status_code == 200
    assert client.get("/conference.ics", headers={"If-Modified-Since": "garbage"}).status_code == 200


def test_head_is_get_without_body(client: FlaskClient) -> None:
    get = client.get("/tracks/systems.ics")
    head = client.head("/tracks/systems.ics")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(get.data))


def test_single_session_download(client: FlaskClient) -> None:
    response = client.get("/sessions/engines.ics?download=1")
    assert response.headers["Content-Disposition"] == 'attachment; filename="engines.ics"'
    assert response.data == client.get("/sessions/engines.ics").data


@pytest.mark.parametrize(
    "path",
    [
        "/tracks/nope.ics",
        "/speakers/nope.ics",
        "/sessions/nope.ics",
        "/tracks/Systems.ics",
        "/tracks/..%2f..%2fetc%2fpasswd.ics",
        "/rooms/a.ics",
        "/tracks/" + "a" * 10_000 + ".ics",
        "/tracks/systèmes.ics",
        "/conference.ics/extra",
    ],
)
def test_unknown_feed_is_a_short_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert len(response.data) < 200
    assert b"Traceback" not in response.data


EVERY_ROUTE = [
    "/",
    "/conference.ics",
    "/tracks/systems.ics",
    "/tracks/systems",
    "/speakers/ada",
    "/sessions/engines",
    "/sessions/engines.ics?download=1",
    "/custom.ics?track=systems",
    "/links",
    "/links/preview",
    "/healthz",
    "/static/feeds.css",
    "/schedule.xml",
    "/schedule.json",
    "/changes.atom",
    "/qr/conference.svg",
    "/qr/tracks/systems.svg",
]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
@pytest.mark.parametrize("path", EVERY_ROUTE)
def test_other_methods_are_405(client: FlaskClient, path: str, method: str) -> None:
    with client.get(path) as served:
        assert served.status_code == 200
    response = client.open(path, method=method, data=b"x" * 100_000)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert len(response.data) < 200 and b"Traceback" not in response.data


def test_index_lists_every_feed_with_https_and_webcal(client: FlaskClient) -> None:
    response = client.get("/calendars")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    for path in [*FEED_PATHS, "/tracks/people.ics", "/speakers/zoe.ics", "/sessions/night-owl.ics"]:
        assert f'href="https://feeds.example.org{path}"' in html
        assert f'href="webcal://feeds.example.org{path}"' in html


def test_base_url_is_derived_from_the_request_when_not_configured(
    make_app: Callable[..., Flask], event_dir: Path
) -> None:
    client = make_app(event_dir / "event.yaml", BASE_URL="").test_client()
    data = client.get("/sessions/engines.ics", base_url="http://calendar.local:8000").data
    assert b"URL;VALUE=URI:http://calendar.local:8000/sessions/engines" in data


def test_healthz_reports_what_is_served(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok"
    assert body["event"] == "tiny-conf"
    assert body["counts"] == {"sessions": 4, "speakers": 3, "tracks": 2, "feeds": 10}
    assert len(body["event_sha256"]) == 64
    assert body["last_error"] is None


def test_broken_file_at_start_answers_503_not_a_traceback(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_text("event: [\n")
    client = make_app(tmp_path / "event.yaml").test_client()
    response = client.get("/conference.ics")
    assert response.status_code == 503
    assert str(tmp_path) not in response.get_data(as_text=True)
    health = client.get("/healthz").get_json()
    assert health["status"] == "unavailable"
    assert health["last_error"][0].startswith(f"{tmp_path / 'event.yaml'}:")


def test_real_event_serves_every_feed(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_bytes(REAL_EVENT.read_bytes())
    client = make_app(tmp_path / "event.yaml").test_client()
    html = client.get("/calendars").get_data(as_text=True)
    paths = sorted({part.split('"')[0] for part in html.split('href="https://feeds.example.org')[1:]} - {"/calendars"})
    assert len(paths) == 1 + 4 + 25 + 14
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.data.startswith(b"BEGIN:VCALENDAR\r\n")


# -- odd paths never reach the file system ----------------------------------------------------------

OPENED: list[str] = []
WATCHING: list[bool] = []


def _record_opens(event: str, args: tuple[object, ...]) -> None:
    if WATCHING and event in {"open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile"}:
        OPENED.append(f"{event} {args[0]!r}")


sys.addaudithook(_record_opens)  # audit hooks stay for the process; this one records only while WATCHING

ODD = [
    "..%2f..%2fevent.yaml",
    "..%2F..%2Fevent.ledger.json",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..",
    "a%2fb",
    "a%5cb",
    "%00",
    "systèmes",
    "%F0%9F%93%85",
    "a" * 10_000,
    "event.yaml",
]
ODD_PATHS = [
    path
    for odd in ODD
    for path in (
        f"/{odd}",
        f"/{odd}.ics",
        f"/tracks/{odd}.ics",
        f"/speakers/{odd}.ics",
        f"/sessions/{odd}.ics",
        f"/tracks/{odd}",
        f"/speakers/{odd}",
        f"/sessions/{odd}",
        f"/qr/tracks/{odd}.svg",
        f"/static/{odd}",
        f"/static/css/{odd}",
    )
]


def test_odd_paths_are_404s_that_never_open_a_file(make_app: Callable[..., Flask], event_dir: Path) -> None:
    client = make_app(event_dir / "event.yaml", RELOAD_SECONDS=3600).test_client()
    # Warm up: the event is loaded and every template read once, as on a running server.
    for path in ("/", "/tracks/systems", "/tracks/nope", "/conference.ics", "/nope", "/static/nope.css"):
        client.get(path)
    WATCHING.append(True)
    try:
        answers = {path: client.get(path) for path in ODD_PATHS}
    finally:
        WATCHING.clear()
    assert OPENED == []
    for path, response in answers.items():
        shown = path[:80]
        assert response.status_code == 404, shown
        assert len(response.data) < 4000, shown  # an address is never echoed whole
        assert b"Traceback" not in response.data and str(event_dir).encode() not in response.data, shown


def test_an_unexpected_error_is_a_plain_500_without_details(
    client: FlaskClient, event_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = f"{event_dir}/event.yaml"

    def broken(*args: object) -> None:
        raise OSError(f"cannot read {secret}")

    monkeypatch.setattr("feeds.web.items.session_rows", broken)
    response = client.get("/tracks/systems")
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = response.get_data(as_text=True)
    assert text.startswith("Internal error (") and text.rstrip().endswith("it has been logged.")
    assert "Traceback" not in text and str(event_dir) not in text and "OSError" not in text
    # The log has what the operator needs, under the digest the client saw.
    digest = text[len("Internal error (") :].split(")", 1)[0]
    assert any(digest in record.getMessage() and record.exc_info for record in caplog.records)


# Headers that describe a body, which a 304 has not: every other header of the 200 is repeated.
BODY_HEADERS = {"Content-Length", "Content-Type", "Content-Disposition", "Content-Encoding"}


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "flask"])
@pytest.mark.parametrize(
    "path",
    ["/conference.ics", "/sessions/engines.ics?download=1", "/schedule.xml", "/changes.atom", "/qr/conference.svg"],
)
def test_a_304_carries_the_headers_of_its_200(
    make_app: Callable[..., Flask], event_dir: Path, path: str, fast_path: bool
) -> None:
    client = make_app(event_dir / "event.yaml", FAST_PATH=fast_path).test_client()
    full = client.get(path)
    assert full.status_code == 200
    for ask in ({"If-None-Match": full.headers["ETag"]}, {"If-Modified-Since": full.headers["Last-Modified"]}):
        again = client.get(path, headers=ask)
        assert again.status_code == 304, ask
        assert {name: again.headers[name] for name, _ in again.headers} == {
            name: full.headers[name] for name, _ in full.headers if name not in BODY_HEADERS
        }, ask


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "flask"])
def test_a_page_has_no_validators_so_a_conditional_request_gets_the_same_200(
    make_app: Callable[..., Flask], event_dir: Path, fast_path: bool
) -> None:
    client = make_app(event_dir / "event.yaml", FAST_PATH=fast_path).test_client()
    full = client.get("/tracks/systems")
    assert full.status_code == 200 and "ETag" not in full.headers and "Last-Modified" not in full.headers
    again = client.get(
        "/tracks/systems", headers={"If-None-Match": "*", "If-Modified-Since": "Tue, 01 Jan 2030 00:00:00 GMT"}
    )
    assert again.status_code == 200
    assert list(again.headers.items()) == list(full.headers.items())
