"""The HTML pages, the custom feeds and their HTTP behaviour, through Flask's test client."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from feeds.catalog import feed_path
from feeds.publish.publication import Publication
from feeds.publish.publisher import Publisher
from feeds.render.links import feed_links, google_subscribe_url, subscribe_links
from feeds.web.context import EXPORT_ENVIRON
from feeds.web.selection import MAX_CUSTOM_IDS

from ..support.paths import FIRST_PUBLISHED, REAL_EVENT, SMALL_EVENT, Clock

BASE = "https://feeds.example.org"
PAGES = [
    "/",
    "/tracks/systems",
    "/tracks/people",
    "/speakers/ada",
    "/speakers/zoe",
    "/speakers/host",
    "/sessions/opening",
    "/sessions/engines",
    "/sessions/dropped",
    "/sessions/night-owl",
    "/links",
    "/links?feed=track:people",
    "/?track=systems&speaker=zoe",
]
PAYLOAD = "\"><script>alert(1)</script><img src=x onerror=alert(2)>'"
URL_PAYLOAD = "\"'><script>alert(1)</script>"


class Page(HTMLParser):
    """What the tests look at in a page: tags with attributes, text, and scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        """Return the attributes of every tag whose attributes contain the wanted values (class: one of)."""
        found = []
        for name, attrs in self.tags:
            if name != tag:
                continue
            if all(
                value in attrs.get("class", "").split() if key == "class_" else attrs.get(key) == value
                for key, value in wanted.items()
            ):
                found.append(attrs)
        return found

    def hrefs(self, cls: str) -> list[str]:
        """Return the hrefs of the links with this class."""
        return [attrs["href"] for attrs in self.find("a", class_=cls)]

    @property
    def words(self) -> str:
        """Return the visible text with whitespace collapsed."""
        return " ".join("".join(self.text).split())


def get_page(client: FlaskClient, path: str, status: int = 200) -> Page:
    response = client.get(path)
    assert response.status_code == status, path
    assert response.mimetype == "text/html", path
    return Page(response.get_data(as_text=True))


def publication_of(app: Flask) -> Publication:
    publisher: Publisher = app.extensions["feeds"]
    assert publisher.current is not None
    return publisher.current


def assert_secure_html(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'", path
    assert directives["default-src"] == "'none'", path
    assert "unsafe-inline" not in directives.get("style-src", ""), path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_secure_html(response, path)
    html = response.get_data(as_text=True)
    assert html.startswith('<!doctype html>\n<html lang="en">')
    # No inline script, no inline event handler, no inline style: the CSP would block them anyway.
    page = Page(html)
    for tag, attrs in page.tags:
        # JSON-LD is data, not script: the CSP does not apply to it and the browser never runs it.
        assert tag != "script" or attrs.get("src") or attrs.get("type") == "application/ld+json", path
        assert "style" not in attrs, (path, tag)
        assert not [name for name in attrs if name.startswith("on")], (path, tag)
    assert page.find("script", src="/static/feeds.js", defer="")
    assert page.find("link", rel="stylesheet", href="/static/feeds.css")
    assert len(page.find("h1")) == 1, path
    assert page.find("main", id="main")


def test_error_pages_and_static_files_carry_security_headers(client: FlaskClient) -> None:
    for path in ("/tracks/nope", "/speakers/nope", "/sessions/nope", "/links?feed=track:nope"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_secure_html(response, path)
        assert "nope" in response.get_data(as_text=True) or path.startswith("/links")
    for path in ("/static/feeds.css", "/static/feeds.js", "/nowhere", "/custom.ics?track=nope"):
        with client.get(path) as answer:
            assert answer.headers["X-Content-Type-Options"] == "nosniff", path
    preview = client.get("/links/preview")
    assert preview.status_code == 200
    assert "script-src" not in preview.headers["Content-Security-Policy"]
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]


def test_static_files_are_served_from_the_package(client: FlaskClient) -> None:
    with client.get("/static/feeds.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert b"prefers-color-scheme: dark" in css.data
        assert b"url(" not in css.data and b"@import" not in css.data, "no assets from other hosts"
    with client.get("/static/feeds.js") as js:
        assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
        assert b"http" not in js.data and b"fetch(" not in js.data, "the script loads nothing"


@pytest.mark.parametrize(
    ("path", "key", "name"),
    [
        ("/", "conference", "Tiny Conf 2024"),
        ("/tracks/systems", "track:systems", "Tiny Conf 2024 · Systems"),
        ("/speakers/zoe", "speaker:zoe", "Tiny Conf 2024 · Zoë Ünïcode"),
        ("/sessions/engines", "session:engines", "Tiny Conf 2024 · Engines, looms; and a backslash \\ here"),
    ],
)
def test_subscribe_panel_links(app: Flask, client: FlaskClient, path: str, key: str, name: str) -> None:
    feed = publication_of(app).feeds[key]
    links = feed_links(feed, BASE)
    assert links.name == name
    page = get_page(client, path)
    assert page.hrefs("app-google") == [links.google]
    assert page.hrefs("app-outlook") == [links.outlook_com]
    assert page.hrefs("app-microsoft-365") == [links.microsoft_365]
    assert page.hrefs("app-apple") == [links.webcal]
    assert links.webcal == "webcal://feeds.example.org" + feed.path
    assert links.google == google_subscribe_url(BASE + feed.path)
    field = page.find("input", class_="feed-url")
    assert [f["value"] for f in field] == [BASE + feed.path]
    assert field[0]["readonly"] == ""
    button = page.find("button", class_="copy")
    assert button and button[0]["data-copy"] == field[0]["id"] and "hidden" in button[0]
    label = page.find("label", **{"for": field[0]["id"]})
    assert label, "the address field has a label"
    downloads = [attrs for attrs in page.find("a", download="") if attrs["href"].startswith(BASE + feed.path)]
    assert downloads, "a download link"
    assert "If a button does not work:" in page.words
    assert "New Calendar Subscription" in page.words
    qr = page.find("img", src="/qr" + feed.path.removesuffix(".ics") + ".svg")
    assert qr and qr[0]["alt"]


def test_session_page_offers_just_this_session(client: FlaskClient) -> None:
    page = get_page(client, "/sessions/engines")
    assert page.hrefs("app-ics") == [f"{BASE}/sessions/engines.ics?download=1"]
    google = page.hrefs("app-google-event")
    assert len(google) == 1
    assert google[0].startswith(
        "https://calendar.google.com/calendar/render?action=TEMPLATE"
        "&text=Engines%2C%20looms%3B%20and%20a%20backslash%20%5C%20here"
        "&dates=20240330T081500Z/20240330T090000Z&details="
    )
    assert "&location=Hall%20A" in google[0]
    assert "A single added event will not follow changes." in page.words
    assert "Subscribe above instead" in page.words
    assert page.find("a", href="/tracks/systems") and page.find("a", href="/tracks/people")
    assert "Analyst, Analytical Engines; Ltd." in page.words
    # The cancelled session offers no one-off copy.
    dropped = get_page(client, "/sessions/dropped")
    assert not dropped.hrefs("app-google-event") and not dropped.hrefs("app-ics")
    assert "This session is cancelled" in dropped.words


def test_agenda_lists_days_sessions_tracks_and_speakers(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    page = Page(html)
    # One day per page: the home page is the first day, with plain links to the others.
    assert [attrs["id"] for attrs in page.find("h3") if attrs.get("id", "").startswith("day-")] == ["day-2024-03-30"]
    order = [attrs["id"] for attrs in page.find("li", class_="session")]
    assert order == ["session-opening", "session-engines", "session-dropped"]
    assert page.find("a", href="/#day-2024-03-30", **{"aria-current": "page"})
    assert page.find("a", href="/days/2024-03-31")
    second = get_page(client, "/days/2024-03-31")
    assert [attrs["id"] for attrs in second.find("li", class_="session")] == ["session-night-owl"]
    assert second.find("a", href="/days/2024-03-31", **{"aria-current": "page"})
    assert second.find("a", rel="prev", href="/#day-2024-03-30")
    assert client.get("/days/2024-03-30").headers["Location"] == "/"
    assert "The agenda has no day '2024-04-01'" in get_page(client, "/days/2024-04-01", status=404).words
    for path in ("/tracks/systems", "/tracks/people", "/speakers/ada", "/speakers/host"):
        assert page.find("a", href=path), path
    speakers = get_page(client, "/speakers")
    for path in ("/speakers/ada", "/speakers/zoe", "/speakers/host"):
        assert speakers.find("a", href=path), path
    for ident in ("opening", "engines", "dropped"):
        assert page.find("a", href=f"/sessions/{ident}"), ident
    # Times in the event zone, with the UTC instants for the viewer's-time script.
    assert "09:15" in page.words and "10:00 CET" in page.words
    # The agenda's items carry their UTC times; the script adds the viewer's time from them.
    engines = page.find("li", id="session-engines")[0]
    assert engines["data-start"] == "2024-03-30T08:15:00Z" and engines["data-end"] == "2024-03-30T09:00:00Z"
    assert not page.find("span", class_="local-time"), "without the script, event times only"
    slots = get_page(client, "/tracks/systems").find("span", class_="local-time")
    assert slots[1]["data-start"] == "2024-03-30T08:15:00Z" and all("hidden" in slot for slot in slots)
    assert "Plenary, for everyone" in page.words


def test_track_and_speaker_pages(client: FlaskClient) -> None:
    systems = get_page(client, "/tracks/systems")
    assert "Kernels, networks, storage." in systems.words
    # The track's feed has its sessions and the plenaries; so does its page.
    assert [a["id"] for a in systems.find("li", class_="session")] == [
        "session-opening",
        "session-engines",
        "session-night-owl",
    ]
    assert systems.find("rect", fill="#2563eb")
    ada = get_page(client, "/speakers/ada")
    assert "Ada Lovelace" in ada.words and "Writes notes." in ada.words
    assert "Analyst" in ada.words and "Analytical Engines; Ltd." in ada.words
    assert [a["id"] for a in ada.find("li", class_="session")] == ["session-engines"]


def test_cancelled_and_moved_sessions_are_marked(
    app: Flask, client: FlaskClient, event_dir: Path, clock: Clock
) -> None:
    page = get_page(client, "/")
    dropped = page.find("li", id="session-dropped")
    assert "is-cancelled" in dropped[0]["class"].split()
    assert page.find("strong", class_="badge-cancelled")
    assert not page.find("strong", class_="badge-moved")
    event = event_dir / "event.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace(
            "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
        ),
        encoding="utf-8",
    )
    clock.advance(hours=1)
    for path in ("/", "/sessions/engines", "/tracks/systems", "/speakers/ada"):
        page = get_page(client, path)
        moved = page.find("li", id="session-engines") or page.find("article", class_="session-detail")
        assert "is-moved" in moved[0]["class"].split(), path
        assert "Moved from Sat 30 Mar 09:15 CET" in page.words, path
    # The feed says the same.
    assert b"Moved from Sat 30 Mar 09:15 CET" in client.get("/sessions/engines.ics").data


def test_alias_pages_redirect_and_alias_feeds_do_not(make_app: Callable[..., Flask], event_dir: Path) -> None:
    event = event_dir / "event.yaml"
    text = event.read_text(encoding="utf-8")
    text = text.replace("  - id: systems\n", "  - id: systems\n    aliases: [kernels]\n", 1)
    text = text.replace("  - id: ada\n", "  - id: ada\n    aliases: [lovelace]\n", 1)
    text = text.replace("  - id: engines\n", "  - id: engines\n    aliases: [looms]\n", 1)
    event.write_text(text, encoding="utf-8")
    client = make_app(event).test_client()
    for old, new in (
        ("/tracks/kernels", "/tracks/systems"),
        ("/speakers/lovelace", "/speakers/ada"),
        ("/sessions/looms", "/sessions/engines"),
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new
        feed = client.get(old + ".ics")
        assert feed.status_code == 200 and feed.data == client.get(new + ".ics").data
    # Pages show canonical addresses only.
    page = get_page(client, "/tracks/systems")
    assert [f["value"] for f in page.find("input", class_="feed-url")] == [f"{BASE}/tracks/systems.ics"]


def test_pages_with_ids_that_are_not_ids_are_plain_404s(client: FlaskClient) -> None:
    for path in ("/tracks/Systems", "/tracks/a.b", "/speakers/" + "a" * 300 + "!", "/sessions/../etc"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Traceback" not in response.data


# Custom feeds.


def test_custom_feed_is_the_union_with_the_same_event_bytes(app: Flask, client: FlaskClient) -> None:
    response = client.get("/custom.ics?track=people&speaker=host")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Last-Modified"] == format_datetime(FIRST_PUBLISHED, usegmt=True)
    assert "Content-Disposition" not in response.headers
    data = response.data
    assert data == publication_of(app).custom_body(("track:people", "speaker:host"), BASE).data
    events = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S)
    conference = client.get("/conference.ics").data
    uids = [re.search(rb"UID:(\S+)", event).group(1) for event in events]  # type: ignore[union-attr]
    assert uids == [b"opening@tiny.example.org", b"engines@tiny.example.org", b"dropped@tiny.example.org"]
    for event in events:
        assert event in conference, "the same bytes per event as in every other feed"
    assert "X-WR-CALNAME:Tiny Conf 2024 · The host + People\\, Process".encode() in data


@pytest.mark.parametrize(
    "query",
    [
        "track=people&speaker=host",
        "speaker=host&track=people",
        "track=people,people&speaker=host",
        "speaker=host,&track=people&track=people",
        "track=%20people&speaker=host%20",
        "track=people&speaker=host&utm_source=newsletter",
    ],
)
def test_custom_feed_is_the_same_however_it_is_asked(client: FlaskClient, query: str) -> None:
    first = client.get("/custom.ics?track=people&speaker=host")
    response = client.get("/custom.ics?" + query)
    assert response.status_code == 200
    assert response.data == first.data
    assert response.headers["ETag"] == first.headers["ETag"]


def test_custom_feed_accepts_aliases_without_redirecting(make_app: Callable[..., Flask], event_dir: Path) -> None:
    event = event_dir / "event.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace("  - id: people\n", "  - id: people\n    aliases: [humans]\n"),
        encoding="utf-8",
    )
    client = make_app(event).test_client()
    response = client.get("/custom.ics?track=humans&session=night-owl")
    assert response.status_code == 200
    assert response.data == client.get("/custom.ics?session=night-owl&track=people").data
    page = get_page(client, "/?track=humans&session=night-owl")
    assert [f["value"] for f in page.find("input", id="subscribe-custom-url")] == [
        f"{BASE}/custom.ics?track=people&session=night-owl"
    ]


def test_custom_feed_conditional_get_and_head(client: FlaskClient) -> None:
    path = "/custom.ics?session=engines,night-owl"
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    head = client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == first.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(first.data))
    assert client.post(path).status_code == 405


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("track=nope", 404, "Unknown track 'nope'. Every id is listed at /."),
        ("track=sytems", 404, "Unknown track 'sytems'; did you mean 'systems'?"),
        ("speaker=ada&session=nope,engines&track=x", 404, "Unknown track 'x'; unknown session 'nope'."),
        ("speaker=systems", 404, "Unknown speaker 'systems'"),
        ("track=Systems", 404, "Unknown track 'Systems'"),
        ("track=../../etc", 404, "Unknown track '../../etc'"),
        ("session=" + ",".join(["engines"] * (MAX_CUSTOM_IDS + 1)), 400, "at most 50"),
        ("track=" + "a" * 5000, 400, "too long"),
        ("session=" + ",".join(f"nope-{n}" for n in range(50)), 404, "unknown session 'nope-4'; and 45 more."),
        ("", 404, "An empty custom feed"),
        ("track=", 404, "An empty custom feed"),
        ("tracks=systems", 404, "An empty custom feed"),
    ],
)
def test_custom_feed_refusals(client: FlaskClient, query: str, status: int, message: str) -> None:
    response = client.get("/custom.ics?" + query)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert message in text
    assert len(text) < 400 and "Traceback" not in text


def test_custom_feed_takes_exactly_fifty_ids(client: FlaskClient) -> None:
    assert client.get("/custom.ics?session=" + ",".join(["engines"] * MAX_CUSTOM_IDS)).status_code == 200


def test_builder_without_javascript(app: Flask, client: FlaskClient) -> None:
    page = get_page(client, "/")
    form = page.find("form", class_="builder")
    assert form == [{"class": "builder", "action": "/#build", "method": "get"}]
    boxes = [b for b in page.find("input", type="checkbox") if b["name"] in ("track", "speaker", "session")]
    assert {(b["name"], b["value"]) for b in boxes} == {
        ("track", "systems"),
        ("track", "people"),
        ("speaker", "ada"),
        ("speaker", "zoe"),
        ("speaker", "host"),
        ("session", "opening"),
        ("session", "engines"),
        ("session", "dropped"),
        ("session", "night-owl"),
    }
    assert not page.find("input", id="subscribe-custom-url")
    # What the browser sends when the form is submitted: the panel for the canonical URL.
    chosen = get_page(client, "/?session=night-owl&speaker=zoe&track=systems&track=people")
    canonical = f"{BASE}/custom.ics?track=people,systems&speaker=zoe&session=night-owl"
    assert [f["value"] for f in chosen.find("input", id="subscribe-custom-url")] == [canonical]
    name = "Tiny Conf 2024 · Across the DST change + Zoë Ünïcode + People, Process + Systems"
    links = subscribe_links(canonical, name)
    assert chosen.hrefs("app-google")[-1] == links.google
    assert chosen.hrefs("app-outlook")[-1] == links.outlook_com
    assert chosen.hrefs("app-apple")[-1] == links.webcal
    assert f"Calendar name: {name}" in chosen.words
    assert {(b["name"], b["value"]) for b in chosen.find("input", checked="")} == {
        ("track", "systems"),
        ("track", "people"),
        ("speaker", "zoe"),
        ("session", "night-owl"),
    }
    feed = client.get(canonical.removeprefix(BASE))
    assert feed.status_code == 200
    assert f"X-WR-CALNAME:{name}".replace(",", "\\,").encode() in feed.data.replace(b"\r\n ", b"")
    qr = chosen.find("img", class_="") or []
    assert any(img["src"].startswith("data:image/svg+xml;base64,") for img in chosen.find("img")), qr


def test_builder_problems_are_shown_on_the_page(client: FlaskClient) -> None:
    page = get_page(client, "/?track=nope", status=404)
    assert "Unknown track 'nope'" in page.words
    assert page.find("p", role="alert")
    empty = get_page(client, "/?track=", status=400)
    assert "Tick at least one track, speaker or session." in empty.words
    # Parameters the page does not know (a newsletter's tracking) change nothing.
    assert get_page(client, "/?utm_source=mail").words == get_page(client, "/").words


def test_links_page_shows_the_snippets(client: FlaskClient) -> None:
    page = get_page(client, "/links?feed=speaker:zoe")
    assert page.find("option", value="speaker:zoe", selected="")
    sources = {attrs["id"]: attrs for attrs in page.find("textarea")}
    assert set(sources) == {"snippet-html", "snippet-text", "snippet-markdown"}
    # Every button of an e-mail is an https link to this service, which forwards to the calendar app.
    assert "Google Calendar: https://feeds.example.org/subscribe/google/speakers/zoe" in page.words
    assert page.find("iframe", src="/links/preview?feed=speaker:zoe")
    assert page.find("button", class_="copy", **{"data-copy": "snippet-html"})
    assert "feeds links --feed speaker:zoe --format html --base-url https://feeds.example.org" in page.words
    preview = client.get("/links/preview?feed=speaker:zoe").get_data(as_text=True)
    assert 'href="https://feeds.example.org/subscribe/apple/speakers/zoe"' in preview
    assert (
        client.get("/subscribe/apple/speakers/zoe").headers["Location"] == "webcal://feeds.example.org/speakers/zoe.ics"
    )
    assert "<script" not in preview


def test_links_page_says_when_the_base_url_is_guessed(make_app: Callable[..., Flask], event_dir: Path) -> None:
    client = make_app(event_dir / "event.yaml", BASE_URL="").test_client()
    page = get_page(client, "/links")
    assert "FEEDS_BASE_URL is not set" in page.words


def test_absolute_links_follow_the_request_or_a_trusted_proxy(make_app: Callable[..., Flask], event_dir: Path) -> None:
    plain = make_app(event_dir / "event.yaml", BASE_URL="").test_client()
    page = Page(plain.get("/tracks/systems", base_url="http://calendar.local:8000").get_data(as_text=True))
    assert page.hrefs("app-apple") == ["webcal://calendar.local:8000/tracks/systems.ics"]
    proxied = make_app(event_dir / "event.yaml", BASE_URL="", TRUST_PROXY=True).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cal.example.org", "X-Forwarded-For": "203.0.113.9"}
    page = Page(proxied.get("/tracks/systems", headers=headers).get_data(as_text=True))
    assert [f["value"] for f in page.find("input", class_="feed-url")] == ["https://cal.example.org/tracks/systems.ics"]
    # Without trust, forwarded headers are ignored.
    page = Page(plain.get("/tracks/systems", headers=headers).get_data(as_text=True))
    assert [f["value"] for f in page.find("input", class_="feed-url")] == ["http://localhost/tracks/systems.ics"]


def test_a_long_custom_address_drops_the_google_button(make_app: Callable[..., Flask], event_dir: Path) -> None:
    client = make_app(event_dir / "event.yaml", BASE_URL=BASE + "/calendars" * 12).test_client()
    page = get_page(client, "/?session=opening,engines,dropped,night-owl&speaker=ada,zoe,host&track=systems,people")
    google = page.hrefs("app-google")
    assert len(google) == 1 and "conference.ics" in google[0], "the conference keeps its button, the selection not"
    assert "too long for a one-click link" in page.words
    assert page.hrefs("app-apple")


# Hostile text: every text field of event.yaml carries markup; every page must show it as text.


def single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def hostile_event(
    tmp_path: Path,
    payload: str = PAYLOAD,
    url_payload: str = URL_PAYLOAD,
    quoted: Callable[[str], str] = single_quoted,
) -> Path:
    text = SMALL_EVENT.read_text(encoding="utf-8")

    replacements = {
        "name: Tiny Conf 2024": f"name: {quoted('Tiny ' + payload)}",
        "timezone_label: CET": f"timezone_label: {quoted('CET' + payload)}",
        'description: "A one-day test conference; with commas, semicolons; and \\"quotes\\"."': f"description: {quoted('Conf ' + payload)}",
        "url: https://tiny.example.org/\n": f"url: {quoted('https://tiny.example.org/' + url_payload)}\n",
        "location: Hall A": f"location: {quoted('Hall ' + payload)}",
        "join_url: https://stream.tiny.example.org/live": f"join_url: {quoted('https://stream.tiny.example.org/live#' + url_payload)}",
        "name: Systems": f"name: {quoted('Systems ' + payload)}",
        "description: Kernels, networks, storage.": f"description: {quoted('Kernels ' + payload)}",
        "name: People, Process": f"name: {quoted('People ' + payload)}",
        "name: Ada Lovelace": f"name: {quoted('Ada ' + payload)}",
        "role: Analyst": f"role: {quoted('Analyst ' + payload)}",
        "affiliation: Analytical Engines; Ltd.": f"affiliation: {quoted('Engines ' + payload)}",
        "bio: Writes notes.": f"bio: {quoted('Notes ' + payload)}",
        "name: Zoë Ünïcode": f"name: {quoted('Zoë ' + payload)}",
        "title: Opening": f"title: {quoted('Opening ' + payload)}",
        'title: "Engines, looms; and a backslash \\\\ here"': f"title: {quoted('Engines ' + payload)}",
        "url: https://tiny.example.org/talks/engines": f"url: {quoted('https://tiny.example.org/talks/engines?' + url_payload)}",
        "title: A cancelled talk": f"title: {quoted('Dropped ' + payload)}",
        "location: Room 2": f"location: {quoted('Room ' + payload)}",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.replace("      First line.\n", f"      First line {' '.join(payload.splitlines())}\n", 1)
    (tmp_path / "event.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "event.yaml"


def test_markup_in_every_text_field_is_escaped_everywhere(
    make_app: Callable[..., Flask], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_app(hostile_event(tmp_path)).test_client()
    paths = [*PAGES, "/links?feed=speaker:ada", "/links?feed=session:engines", "/links/preview?feed=track:systems"]
    paths += ["/links/preview?feed=session:dropped", "/?track=systems,people&speaker=ada&session=engines"]
    shown = 0
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert not re.search(r"\son[a-z]+\s*=", html.replace("onerror=alert", "")), path
        page = Page(html)
        shown += page.words.count("<script>alert(1)</script>")
        assert not page.find("img", src="x"), path
        assert all(
            tag != "script" or attrs.get("src") == "/static/feeds.js" or attrs.get("type") == "application/ld+json"
            for tag, attrs in page.tags
        ), path
    assert shown > 40, "the payload is shown as text, not dropped"
    from feeds.cli import main

    for form in ("html", "text", "markdown"):
        assert (
            main(["links", str(tmp_path / "event.yaml"), "--feed", "speaker:ada", "--format", form, "--base-url", BASE])
            == 0
        )
        out = capsys.readouterr().out
        if form == "html":
            assert "<script>alert" not in out and "<img src=x" not in out
            assert "&lt;script&gt;alert(1)" in out


def test_the_real_agenda_renders(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_bytes(REAL_EVENT.read_bytes())
    client = make_app(tmp_path / "event.yaml").test_client()
    page = get_page(client, "/")
    keynote = page.find("li", id="session-ray-keynote")
    assert keynote
    assert "09:05–09:25 PT" in page.words
    assert keynote[0]["data-start"] == "2023-07-18T16:05:00Z" and keynote[0]["data-end"] == "2023-07-18T16:25:00Z"
    days = sorted({a["href"] for a in page.find("a") if a["href"].startswith("/days/")})
    pages = [page, *(get_page(client, day) for day in days)]
    assert len(days) == 1 and sum(len(p.find("li", class_="session")) for p in pages) == 14
    for path in sorted(
        {
            a["href"]
            for p in pages
            for a in p.find("a")
            if re.fullmatch(r"/(tracks|speakers|sessions)/[a-z0-9-]+", a["href"])
        }
    ):
        assert client.get(path).status_code == 200, path


INJECTION = "x\r\nX-Injected: yes\r\nSet-Cookie: injected=1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@example.org\r\n"


def test_no_text_can_inject_an_http_header_or_a_calendar_property(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    path = hostile_event(tmp_path, INJECTION, "%0d%0aX-Injected:%20yes", quoted=json.dumps)
    client = make_app(path).test_client()
    publication = client.application.extensions["feeds"].current
    feeds = [feed_path(key) for key in publication.feeds]
    paths = [*PAGES, *feeds, "/custom.ics?track=systems&speaker=ada", "/schedule.xml", "/schedule.json"]
    paths += ["/changes.atom", "/qr/conference.svg", "/sessions/engines.ics?download=1", "/links?feed=speaker:ada"]
    for address in paths:
        response = client.get(address)
        assert response.status_code == 200, address
        for name, value in response.headers.items():
            assert name.lower() not in {"x-injected", "set-cookie"}, address
            assert "\r" not in value and "\n" not in value, (address, name)
        if response.mimetype == "text/calendar":
            lines = response.data.decode().replace("\r\n ", "").split("\r\n")
            names = [line.split(":", 1)[0].split(";", 1)[0].upper() for line in lines if line]
            assert not {"X-INJECTED", "SET-COOKIE"} & set(names), address
            assert names.count("BEGIN") == names.count("END"), address
            assert names.count("UID") == lines.count("BEGIN:VEVENT"), address
            assert not [line for line in lines if line.startswith("UID:evil")], address
    # The payload arrives as text, whole, in the one event it belongs to.
    (event,) = Calendar.from_ical(client.get("/sessions/opening.ics").data).walk("VEVENT")
    assert str(event["UID"]) == "opening@tiny.example.org"
    assert "X-Injected: yes" in str(event["SUMMARY"])


def test_an_event_name_with_a_middle_dot_keeps_whole_feed_names(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    path = tmp_path / "event.yaml"
    path.write_text(
        SMALL_EVENT.read_text(encoding="utf-8").replace("name: Tiny Conf 2024", "name: Tiny · Conf 2024", 1)
    )
    client = make_app(path).test_client()
    data = client.get("/custom.ics?track=people&speaker=host").data
    assert "X-WR-CALNAME:Tiny · Conf 2024 · The host + People\\, Process".encode() in data
    assert "X-WR-CALNAME:Tiny · Conf 2024 · Systems".encode() in client.get("/tracks/systems.ics").data
    page = get_page(client, "/")
    assert "Tiny · Conf 2024" in page.words and "Conf 2024 · Systems" not in page.words


# -- link previews, schema.org data, e-mail relays, the static export's pages ---------------------------


def structured(client: FlaskClient, path: str) -> dict[str, list[dict[str, object]]]:
    """Return what a JSON-LD and Open Graph extractor finds in a page."""
    import extruct

    html = client.get(path).get_data(as_text=True)
    found: dict[str, list[dict[str, object]]] = extruct.extract(
        html, base_url=BASE + path, syntaxes=["json-ld", "opengraph"], uniform=True
    )
    return found


def test_session_pages_describe_a_schema_org_event(client: FlaskClient) -> None:
    [engines] = structured(client, "/sessions/engines")["json-ld"]
    assert engines["@context"] == "https://schema.org" and engines["@type"] == "Event"
    assert engines["name"] == "Engines, looms; and a backslash \\ here"
    assert engines["url"] == f"{BASE}/sessions/engines"
    assert engines["startDate"] == "2024-03-30T09:15:00+01:00" and engines["endDate"] == "2024-03-30T10:00:00+01:00"
    assert engines["eventStatus"] == "https://schema.org/EventScheduled"
    assert engines["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert engines["location"] == [
        {"@type": "VirtualLocation", "url": "https://stream.tiny.example.org/live"},
        {"@type": "Place", "name": "Hall A"},
    ]
    assert [p["name"] for p in engines["performer"]] == ["Ada Lovelace", "Zoë Ünïcode"]  # type: ignore[index, union-attr]
    assert engines["performer"][0]["affiliation"] == {"@type": "Organization", "name": "Analytical Engines; Ltd."}  # type: ignore[index]
    assert engines["superEvent"]["name"] == "Tiny Conf 2024"  # type: ignore[index]
    assert engines["superEvent"]["startDate"] == "2024-03-30"  # type: ignore[index]
    assert "previousStartDate" not in engines
    [dropped] = structured(client, "/sessions/dropped")["json-ld"]
    assert dropped["eventStatus"] == "https://schema.org/EventCancelled"
    assert dropped["location"] == {"@type": "Place", "name": "Hall A"}, "no link to join a cancelled session"


def test_a_moved_session_is_rescheduled_with_its_previous_start(
    client: FlaskClient, event_dir: Path, clock: Clock
) -> None:
    event = event_dir / "event.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace(
            "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
        ),
        encoding="utf-8",
    )
    clock.advance(hours=1)
    [moved] = structured(client, "/sessions/engines")["json-ld"]
    assert moved["eventStatus"] == "https://schema.org/EventRescheduled"
    assert moved["previousStartDate"] == "2024-03-30T09:15:00+01:00"
    assert moved["startDate"] == "2024-03-30T11:00:00+01:00"


def test_home_page_describes_the_conference(client: FlaskClient) -> None:
    [conference] = structured(client, "/")["json-ld"]
    assert conference["@type"] == "Event" and conference["name"] == "Tiny Conf 2024"
    assert conference["url"] == "https://tiny.example.org/"
    assert (conference["startDate"], conference["endDate"]) == ("2024-03-30", "2024-03-31")
    assert conference["eventStatus"] == "https://schema.org/EventScheduled"
    assert structured(client, "/days/2024-03-31")["json-ld"] == [], "the conference is described once, at /"


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("/", "/conference.ics"),
        ("/days/2024-03-31", "/conference.ics"),
        ("/tracks/systems", "/tracks/systems.ics"),
        ("/speakers/zoe", "/speakers/zoe.ics"),
        ("/sessions/engines", "/sessions/engines.ics"),
        ("/speakers", ""),
        ("/calendars", ""),
        ("/links", ""),
    ],
)
def test_every_page_has_link_previews_and_feed_discovery(client: FlaskClient, path: str, feed: str) -> None:
    [graph] = structured(client, path)["opengraph"]
    assert graph["og:site_name"] == "Tiny Conf 2024"
    assert graph["og:title"] and graph["og:url"] == BASE + path
    assert graph["og:description"], path
    page = get_page(client, path)
    assert page.find("meta", name="twitter:card", content="summary")
    assert page.find("meta", name="twitter:title")
    assert page.find("link", rel="alternate", type="application/atom+xml", href="/changes.atom")
    calendars = page.find("link", rel="alternate", type="text/calendar")
    assert [link["href"] for link in calendars] == ([BASE + feed] if feed else [])


@pytest.mark.parametrize("vendor", ["google", "outlook", "microsoft-365", "apple"])
@pytest.mark.parametrize("target", ["conference", "tracks/systems", "speakers/zoe", "sessions/engines"])
def test_subscribe_relays_forward_to_the_calendar_app(
    app: Flask, client: FlaskClient, vendor: str, target: str
) -> None:
    publication = publication_of(app)
    feed = publication.feeds[publication.lookup(f"/{target}.ics") or ""]
    links = feed_links(feed, BASE)
    response = client.get(f"/subscribe/{vendor}/{target}")
    assert response.status_code == 302
    assert response.headers["Location"] == links.vendor_link(vendor)
    reminded = client.get(f"/subscribe/{vendor}/{target}?alarm=10").headers["Location"]
    assert reminded == subscribe_links(BASE + feed.path + "?alarm=10", feed.title).vendor_link(vendor)


def test_subscribe_relays_for_custom_feeds_and_refusals(client: FlaskClient) -> None:
    forwarded = client.get("/subscribe/apple/custom?session=engines,opening&alarm=5")
    assert forwarded.headers["Location"] == "webcal://feeds.example.org/custom.ics?session=engines,opening&alarm=5"
    assert "no calendar app 'icq'" in get_page(client, "/subscribe/icq/conference", status=404).words
    assert "There is no calendar 'tracks/nope'" in get_page(client, "/subscribe/apple/tracks/nope", status=404).words
    assert "Unknown session 'nope'" in get_page(client, "/subscribe/apple/custom?session=nope", status=404).words
    assert client.get("/subscribe/apple/conference?alarm=soon").status_code == 400


def test_a_google_relay_too_long_for_google_explains_instead(make_app: Callable[..., Flask], event_dir: Path) -> None:
    long_base = "https://" + "calendars." * 24 + "example.org"
    client = make_app(event_dir / "event.yaml", BASE_URL=long_base).test_client()
    page = get_page(client, "/subscribe/google/custom?track=people,systems&speaker=zoe,ada&session=night-owl")
    assert "too long for Google Calendar's one-click link" in page.words
    assert f"{long_base}/custom.ics?track=people,systems&speaker=ada,zoe&session=night-owl" in page.words


def test_the_static_export_forwards_with_pages_and_offers_no_reminders(client: FlaskClient) -> None:
    exported = {"environ_overrides": {EXPORT_ENVIRON: True}}
    forward = client.get("/subscribe/apple/tracks/systems", **exported)
    assert forward.status_code == 200 and forward.mimetype == "text/html"
    page = Page(forward.get_data(as_text=True))
    assert page.find(
        "meta", **{"http-equiv": "refresh", "content": "0; url=webcal://feeds.example.org/tracks/systems.ics"}
    )
    assert page.find("a", class_="forward", href="webcal://feeds.example.org/tracks/systems.ics")
    home = Page(client.get("/", **exported).get_data(as_text=True))
    assert "this copy of the site is static files, which cannot add alarms" in home.words
    assert not [a for a in home.find("a") if "alarm=" in a["href"]]
    assert not home.find("section", id="subscribe-mine"), "no custom feeds on a static host"
    live = get_page(client, "/")
    assert [a for a in live.find("a") if "alarm=10" in a["href"]], "the live service offers reminders"
    assert "Remind me 10 minutes before each session" in live.words


def test_the_festival_home_page_stays_small(tmp_path: Path) -> None:
    import sys

    from feeds import create_app

    sys.path.insert(0, str(REAL_EVENT.parent / "benchmarks"))
    try:
        from generate import render_event_yaml
    finally:
        sys.path.remove(str(REAL_EVENT.parent / "benchmarks"))
    (tmp_path / "event.yaml").write_text(render_event_yaml(), encoding="utf-8")
    client = create_app({"EVENT_FILE": str(tmp_path / "event.yaml"), "BASE_URL": BASE}).test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert len(home.data) <= 300_000, f"the home page is {len(home.data):,} bytes"
    page = Page(home.get_data(as_text=True))
    assert len(page.find("li", class_="session")) == 360, "one day: 20 tracks, 18 slots"
    assert not page.find("input", name="speaker", type="checkbox"), "the builder searches instead of listing"
    days = sorted({a["href"] for a in page.find("a") if a["href"].startswith("/days/")})
    assert len(days) == 13
    assert all(len(client.get(day).data) <= 300_000 for day in days)
    found = Page(client.get("/?find=speaker 0007").get_data(as_text=True))
    assert [b["value"] for b in found.find("input", name="speaker", type="checkbox")] == ["speaker-0007"]


def test_the_static_export_writes_the_forwarding_pages(app: Flask, tmp_path: Path) -> None:
    from feeds.export import export_site
    from feeds.publish.release import file_for
    from feeds.render.links import VENDORS

    report = export_site(app, tmp_path / "site")
    exported = {item.url_path for item in report.files}
    for target in ("conference", "tracks/systems", "speakers/zoe", "sessions/engines"):
        for vendor in VENDORS:
            assert f"/subscribe/{vendor}/{target}" in exported, (vendor, target)
    page = Page((tmp_path / "site" / file_for("/subscribe/outlook/tracks/systems")).read_text(encoding="utf-8"))
    [refresh] = page.find("meta", **{"http-equiv": "refresh"})
    assert refresh["content"].startswith("0; url=https://outlook.live.com/calendar/0/addfromweb?url=")
    assert "/days/2024-03-31" in exported, "every day of the agenda"
