"""Every subscribe link, byte for byte, and the e-mail snippets built from them."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.cli import main
from feeds.load import load_event
from feeds.model import Event
from feeds.render.links import (
    GOOGLE_CID_LIMIT,
    NAME_LIMIT,
    VENDORS,
    SubscribeLinks,
    feed_links,
    find_feed,
    google_cid_warning,
    google_event_url,
    google_subscribe_url,
    markdown_text,
    microsoft_365_url,
    outlook_com_url,
    relay_url,
    render_snippet,
    short_name,
    subscribe_links,
    unknown_feed,
    webcal_url,
)

from ..support.paths import SMALL_EVENT

TRACK = "https://feeds.example.org/tracks/ai-platform.ics"


@pytest.fixture(scope="module")
def small() -> Event:
    return load_event(SMALL_EVENT)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (TRACK, "webcal://feeds.example.org/tracks/ai-platform.ics"),
        ("http://127.0.0.1:8000/conference.ics", "webcal://127.0.0.1:8000/conference.ics"),
        ("HTTPS://Feeds.Example.org/a.ics", "webcal://Feeds.Example.org/a.ics"),
        ("https://x.org/custom.ics?track=a,b&speaker=c", "webcal://x.org/custom.ics?track=a,b&speaker=c"),
    ],
)
def test_webcal_url(url: str, expected: str) -> None:
    assert webcal_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://x.org/a.ics", "x.org/a.ics", "webcal://x.org/a.ics", ""])
def test_webcal_url_refuses_what_is_not_http(url: str) -> None:
    with pytest.raises(ValueError, match="expected an http"):
        webcal_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            TRACK,
            "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ffeeds.example.org%2Ftracks%2Fai-platform.ics",
        ),
        (
            "http://localhost:8000/cal/conference.ics",
            "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Flocalhost%3A8000%2Fcal%2Fconference.ics",
        ),
        (
            "https://x.org/custom.ics?track=a,b&speaker=c",
            "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fx.org%2Fcustom.ics%3Ftrack%3Da%2Cb%26speaker%3Dc",
        ),
    ],
)
def test_google_subscribe_url(url: str, expected: str) -> None:
    assert google_subscribe_url(url) == expected


def test_outlook_links_carry_the_https_address_and_the_name() -> None:
    name = "Zoë & Co #1 · A/B?"
    encoded_name = "Zo%C3%AB%20%26%20Co%20%231%20%C2%B7%20A%2FB%3F"
    encoded_url = "https%3A%2F%2Ffeeds.example.org%2Ftracks%2Fai-platform.ics"
    assert (
        outlook_com_url(TRACK, name)
        == f"https://outlook.live.com/calendar/0/addfromweb?url={encoded_url}&name={encoded_name}"
    )
    assert (
        microsoft_365_url(TRACK, name)
        == f"https://outlook.office.com/calendar/addfromweb?url={encoded_url}&name={encoded_name}"
    )


def test_long_names_are_cut_for_outlook() -> None:
    assert short_name("  A\n  name\twith   spaces ") == "A name with spaces"
    long = "Systems @Scale Summer 2023 · " + " + ".join(f"Talk {n}" for n in range(40))
    cut = short_name(long)
    assert len(cut) <= NAME_LIMIT and cut.endswith("…") and long.startswith(cut[:-1])
    assert short_name("x" * NAME_LIMIT) == "x" * NAME_LIMIT


def _url_with_cid_length(length: int) -> str:
    """Return an https URL whose url-encoded webcal:// form is exactly length characters."""
    fixed = len("webcal%3A%2F%2Fa.org%2F") + len(".ics")
    return "https://a.org/" + "x" * (length - fixed) + ".ics"


def test_google_cid_limit_is_warned_about_past_256_characters() -> None:
    fits = _url_with_cid_length(GOOGLE_CID_LIMIT)
    too_long = _url_with_cid_length(GOOGLE_CID_LIMIT + 1)
    assert len(google_subscribe_url(fits)) - len("https://calendar.google.com/calendar/r?cid=") == 256
    assert google_cid_warning(fits) == ""
    assert subscribe_links(fits, "n").google_fits
    warning = google_cid_warning(too_long)
    assert "257 characters" in warning and "limit of 256" in warning and too_long in warning
    assert "From URL" in warning
    assert not subscribe_links(too_long, "n").google_fits


def test_encoding_counts_toward_the_cid_limit() -> None:
    # 60 commas are 60 characters in the URL but 180 in the cid value.
    url = "https://a.org/custom.ics?session=" + ",".join(["a"] * 61)
    assert len(webcal_url(url)) < GOOGLE_CID_LIMIT
    assert google_cid_warning(url)


def test_subscribe_links() -> None:
    links = subscribe_links(TRACK, "Conf · AI Platform")
    assert links == SubscribeLinks(
        name="Conf · AI Platform",
        https=TRACK,
        webcal="webcal://feeds.example.org/tracks/ai-platform.ics",
        google=google_subscribe_url(TRACK),
        outlook_com=outlook_com_url(TRACK, "Conf · AI Platform"),
        microsoft_365=microsoft_365_url(TRACK, "Conf · AI Platform"),
        download=TRACK,
    )


def test_google_event_url() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    url = google_event_url(
        "Ray & friends: 100% fun",
        datetime(2023, 7, 18, 9, 5, tzinfo=zone),
        datetime(2023, 7, 18, 9, 25, tzinfo=zone),
        "Line one\nLine two",
        "Online",
    )
    assert url == (
        "https://calendar.google.com/calendar/render?action=TEMPLATE"
        "&text=Ray%20%26%20friends%3A%20100%25%20fun"
        "&dates=20230718T160500Z/20230718T162500Z"
        "&details=Line%20one%0ALine%20two"
        "&location=Online"
    )


def test_google_event_url_keeps_details_short_and_leaves_out_empty_parts() -> None:
    start = datetime(2024, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    url = google_event_url("T", start, start, "x" * 5000)
    details = re.search(r"&details=([^&]*)", url)
    assert details is not None
    assert details.group(1) == "x" * 599 + "%E2%80%A6"
    assert "&location=" not in url
    assert "&details=" not in google_event_url("T", start, start)


def test_find_feed_follows_aliases(small: Event) -> None:
    conference = find_feed(small, "conference")
    assert conference is not None and conference.key == "conference"
    track = find_feed(small, "track:systems")
    assert track is not None and track.title == "Tiny Conf 2024 · Systems"
    for missing in ("track:nope", "speaker:systems", "room:a", "track:", "conference:x", ""):
        assert find_feed(small, missing) is None, missing


def test_find_feed_alias(tmp_path: Path) -> None:
    text = SMALL_EVENT.read_text(encoding="utf-8").replace("  - id: ada\n", "  - id: ada\n    aliases: [lovelace]\n")
    (tmp_path / "event.yaml").write_text(text, encoding="utf-8")
    feed = find_feed(load_event(tmp_path / "event.yaml"), "speaker:lovelace")
    assert feed is not None and feed.key == "speaker:ada"


def test_feed_links_download(small: Event) -> None:
    session = find_feed(small, "session:engines")
    track = find_feed(small, "track:systems")
    assert session is not None and track is not None
    base = "https://feeds.example.org/"
    assert feed_links(session, base).download == "https://feeds.example.org/sessions/engines.ics?download=1"
    assert feed_links(track, base).download == "https://feeds.example.org/tracks/systems.ics"
    assert feed_links(track, base).https == "https://feeds.example.org/tracks/systems.ics"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("track:sytems", "there is no track 'sytems' in {file}; did you mean 'track:systems'?"),
        ("speaker:nobody", "there is no speaker 'nobody' in {file}"),
        ("room:a", "'room:a' is not a feed: write conference, track:ID, speaker:ID or session:ID"),
    ],
)
def test_unknown_feed(small: Event, key: str, message: str) -> None:
    assert unknown_feed(small, key) == message.format(file=SMALL_EVENT)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


HOSTILE = "<script>alert(1)</script> & \"quotes\" 'single' *bold* _it_ [x](y) --> <!--"


def test_html_snippet_is_e_mail_safe() -> None:
    links = subscribe_links(TRACK, HOSTILE)
    snippet = render_snippet(links, "html")
    assert "<script" not in snippet and "<style" not in snippet
    assert "&lt;script&gt;" in snippet
    # The name cannot close the leading comment early.
    assert snippet.count("-->") == 1 and snippet.index("-->") < snippet.index("<table")
    parser = _Tags()
    parser.feed(snippet)
    hrefs = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    # Mail filters drop links of other schemes: every button is an https link to this service, which forwards.
    assert hrefs == [*(relay_url(TRACK, vendor) for vendor in VENDORS), links.https]
    for tag, attrs in parser.tags:
        assert "class" not in attrs, tag
        if tag in ("a", "table"):
            assert attrs.get("style"), tag
    assert all(href and href.startswith("https://") for href in hrefs)
    assert TRACK in "".join(parser.text), "the address is shown as text, to copy"


def test_html_snippet_without_google_when_the_address_is_too_long() -> None:
    url = _url_with_cid_length(GOOGLE_CID_LIMIT + 10)
    snippet = render_snippet(subscribe_links(url, "n"), "html")
    assert "calendar.google.com" not in snippet
    assert "Google Calendar: add the address below by URL" in snippet


def test_text_snippet() -> None:
    links = subscribe_links(TRACK, "Conf · AI Platform")
    assert render_snippet(links, "text") == (
        "Add Conf · AI Platform to your calendar.\n"
        "Subscribe once: when a session moves, is renamed or is cancelled, your calendar follows.\n"
        "\n"
        f"Google Calendar: {relay_url(TRACK, 'google')}\n"
        f"Outlook.com: {relay_url(TRACK, 'outlook')}\n"
        f"Microsoft 365 (work or school): {relay_url(TRACK, 'microsoft-365')}\n"
        f"Apple Calendar (iPhone, iPad, Mac): {relay_url(TRACK, 'apple')}\n"
        "\n"
        f"Calendar address, for any other calendar app: {TRACK}\n"
        "In your calendar app, add a calendar from a URL (Google: Other calendars, +, From URL; "
        "Outlook: Add calendar, Subscribe from web; Apple: File, New Calendar Subscription) and paste it.\n"
    )


def test_markdown_snippet_escapes_the_name() -> None:
    links = subscribe_links(TRACK, HOSTILE)
    snippet = render_snippet(links, "markdown")
    assert snippet.startswith("**Add " + markdown_text(HOSTILE) + " to your calendar.**")
    assert r"\<script\>" in snippet and r"\*bold\*" in snippet and r"\[x\](y)" in snippet
    assert f"- [Google Calendar](<{relay_url(TRACK, 'google')}>)" in snippet
    assert f"- [Apple Calendar (iPhone, iPad, Mac)](<{relay_url(TRACK, 'apple')}>)" in snippet
    assert f"<{TRACK}>" in snippet


def test_cli_prints_the_snippet(event_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "links",
            str(event_dir / "event.yaml"),
            "--feed",
            "track:systems",
            "--format",
            "text",
            "--base-url",
            "https://cal.example.org/",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.startswith("Add Tiny Conf 2024 · Systems to your calendar.\n")
    assert "Apple Calendar (iPhone, iPad, Mac): https://cal.example.org/subscribe/apple/tracks/systems\n" in out
    assert "Google Calendar: https://cal.example.org/subscribe/google/tracks/systems\n" in out


def test_cli_defaults_to_the_conference_in_html(
    event_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDS_BASE_URL", "https://env.example.org")
    assert main(["links", str(event_dir / "event.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!-- Subscribe links for Tiny Conf 2024.")
    assert 'href="https://env.example.org/conference.ics"' in out


def test_cli_warns_when_google_cannot_take_the_address(event_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = "https://calendar.example.org/" + "very-long-prefix/" * 12
    assert main(["links", str(event_dir / "event.yaml"), "--feed", "session:night-owl", "--base-url", base]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("warning: the Google Calendar link for https://calendar.example.org/very-long-prefix/")
    assert "over Google's limit of 256" in err
    assert "calendar.google.com" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--feed", "track:sytems"],
            "error: there is no track 'sytems' in {file}; did you mean 'track:systems'?\n",
        ),
        (
            [],
            "error: links in e-mails must be absolute: pass --base-url https://calendar.example.org or set FEEDS_BASE_URL\n",
        ),
    ],
)
def test_cli_problems(
    event_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.delenv("FEEDS_BASE_URL", raising=False)
    base = ["--base-url", "https://x.org"] if args else []
    assert main(["links", str(event_dir / "event.yaml"), *args, *base]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == message.format(file=event_dir / "event.yaml")
