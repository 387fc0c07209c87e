"""The pages in a real browser: rendering, subscribe links, copying, the builder, time zones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from feeds.render.links import microsoft_365_url, outlook_com_url, subscribe_links

from ..support.servers import Server

NAME = "Systems @Scale Summer 2023"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = {
    "index": "/",
    "track": "/tracks/ai-platform",
    "speaker": "/speakers/ion-stoica",
    "session": "/sessions/ray-keynote",
    "session-moved": "/sessions/thrift",
    "session-cancelled": "/sessions/flux",
    "custom": "/?track=hyperscale-infrastructure&speaker=tj&session=flux#build",
    "links": "/links?feed=track:ai-platform",
}


@contextmanager
def open_page(browser: Any, **options: Any) -> Iterator[tuple[Any, list[str]]]:
    """Yield a page in a fresh context and the console errors it logs (CSP violations included)."""
    context = browser.new_context(**{"viewport": DESKTOP, "timezone_id": "Europe/Berlin", **options})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, errors
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders(browser: Any, site: Server, artifacts: Path, name: str, viewport: str) -> None:
    size = DESKTOP if viewport == "desktop" else PHONE
    with open_page(browser, viewport=size, is_mobile=viewport == "phone") as (page, errors):
        response = page.goto(site.base + PAGES[name])
        assert response is not None and response.status == 200
        assert page.locator("h1").count() == 1
        assert page.locator("h1").is_visible()
        assert page.locator("section.subscribe").first.is_visible() or name == "links"
        page.screenshot(path=str(artifacts / f"{name}-{viewport}.png"), full_page=True)
        assert errors == [], "no script errors and no Content-Security-Policy violations"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {size['width']}px"


def test_dark_mode(browser: Any, site: Server, artifacts: Path) -> None:
    for viewport, size in (("desktop", DESKTOP), ("phone", PHONE)):
        with open_page(browser, viewport=size, color_scheme="dark") as (page, errors):
            page.goto(site.base + "/sessions/thrift")
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(17, 21, 28)"
            page.screenshot(path=str(artifacts / f"session-moved-{viewport}-dark.png"), full_page=True)
            assert errors == []


@pytest.mark.parametrize(
    ("path", "feed_path", "name"),
    [
        ("/", "/conference.ics", NAME),
        ("/tracks/ai-platform", "/tracks/ai-platform.ics", f"{NAME} · AI Platform"),
        ("/speakers/ion-stoica", "/speakers/ion-stoica.ics", f"{NAME} · Ion Stoica"),
        ("/sessions/thrift", "/sessions/thrift.ics", f"{NAME} · Thrift unification"),
    ],
)
def test_subscribe_buttons_carry_the_right_links(
    browser: Any, site: Server, path: str, feed_path: str, name: str
) -> None:
    url = site.base + feed_path
    expected = subscribe_links(url, name)
    with open_page(browser) as (page, _):
        page.goto(site.base + path)
        panel = page.locator("section.subscribe").first
        found = {
            label: panel.get_by_role("link", name=label).get_attribute("href")
            for label in ("Google Calendar", "Outlook.com", "Microsoft 365", "Apple Calendar")
        }
        assert found == {
            "Google Calendar": expected.google,
            "Outlook.com": outlook_com_url(url, name),
            "Microsoft 365": microsoft_365_url(url, name),
            "Apple Calendar": "webcal://" + url.removeprefix("http://"),
        }
        assert panel.get_by_label("Calendar address, for any other calendar app").input_value() == url
        download = panel.get_by_role("link", name="Download the calendar file (.ics)")
        assert download.get_attribute("href") in (url, url + "?download=1")
        answer = page.request.get(download.get_attribute("href"))
        assert answer.status == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
        assert panel.get_by_role("img").first.is_visible()


def test_session_page_adds_just_this_session(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, _):
        page.goto(site.base + "/sessions/ray-keynote")
        single = page.locator("section.just-this")
        assert "A single added event will not follow changes." in single.inner_text()
        google = single.get_by_role("link", name="Add to Google Calendar once").get_attribute("href")
        assert google.startswith(
            "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Ray%2C%20a%20unified"
        )
        assert "&dates=20230718T160500Z/20230718T162500Z&" in google
        href = single.get_by_role("link", name="Download the event (.ics)").get_attribute("href")
        assert href == site.base + "/sessions/ray-keynote.ics?download=1"
        with page.expect_download() as download:
            single.get_by_role("link", name="Download the event (.ics)").click()
        assert download.value.suggested_filename == "ray-keynote.ics"


def test_copy_button_copies_the_address(browser: Any, site: Server) -> None:
    with open_page(browser, permissions=["clipboard-read", "clipboard-write"]) as (page, errors):
        page.goto(site.base + "/tracks/ai-platform")
        panel = page.locator("section.subscribe").first
        button = panel.get_by_role("button", name="Copy link")
        assert button.is_visible()
        button.click()
        assert page.evaluate("navigator.clipboard.readText()") == site.base + "/tracks/ai-platform.ics"
        assert panel.get_by_role("status").inner_text() == "Copied."
        # The e-mail snippets copy the same way.
        page.goto(site.base + "/links?feed=speaker:tj")
        page.get_by_role("button", name="Copy Plain text").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f"Add {NAME} · TJ to your calendar.\n")
        assert f"Apple Calendar (iPhone, iPad, Mac): {site.base}/subscribe/apple/speakers/tj" in copied
        assert errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_custom_builder_gives_a_working_feed(browser: Any, site: Server, javascript: bool) -> None:
    with open_page(browser, java_script_enabled=javascript) as (page, _):
        page.goto(site.base + "/")
        builder = page.locator("form.builder")
        builder.get_by_label("Hyperscale Infrastructure").check()
        builder.get_by_label("TJ", exact=True).check()
        # Keyboard only: focus a session's box and tick it with the space bar.
        builder.get_by_label("Flux: sizing backend services").focus()
        page.keyboard.press("Space")
        with page.expect_navigation():
            builder.get_by_role("button", name="Get subscribe links").press("Enter")
        panel = page.locator("#subscribe-custom")
        url = panel.get_by_label("Calendar address, for any other calendar app").input_value()
        assert url == site.base + "/custom.ics?track=hyperscale-infrastructure&speaker=tj&session=flux"
        assert "Calendar name: " + NAME + " · Flux" in panel.inner_text()
        assert panel.get_by_role("link", name="Apple Calendar").get_attribute("href") == "webcal://" + url.removeprefix(
            "http://"
        )
        answer = page.request.get(url)
        assert answer.status == 200
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        body = answer.text()
        for uid in ("flux@", "thrift@", "servicerouter@", "polardb@", "host-welcome@"):
            assert f"UID:{uid}atscaleconference.com" in body
        assert "UID:michelangelo@" not in body
        assert "STATUS:CANCELLED" in body
        # The boxes stay ticked, to change the selection.
        assert builder.get_by_label("TJ", exact=True).is_checked()


def test_cancelled_and_moved_sessions_are_marked(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, _):
        page.goto(site.base + "/")
        flux = page.locator("#session-flux")
        assert flux.locator(".badge-cancelled").inner_text().lower() == "cancelled"
        assert flux.locator(".badge-cancelled").is_visible()
        decoration = flux.locator(".title a").evaluate("a => getComputedStyle(a).textDecorationLine")
        assert decoration == "line-through"
        assert page.locator(".badge-cancelled").count() == 1
        assert page.locator(".badge-moved").count() == 0
        page.goto(site.base + "/days/2023-07-19")
        thrift = page.locator("#session-thrift")
        assert thrift.locator(".badge-moved").is_visible()
        assert thrift.locator(".moved-from").inner_text() == "from Wed 19 Jul 10:05 PT"
        assert "10:45–11:05 PT" in thrift.locator(".event-time").inner_text()
        assert page.locator(".badge-moved").count() == 1
        page.goto(site.base + "/sessions/flux")
        assert page.locator(".badge-cancelled").is_visible()
        assert "This session is cancelled" in page.locator("section.just-this").inner_text()


def test_keynote_in_the_viewers_time_zone(browser: Any, site: Server) -> None:
    with open_page(browser, timezone_id="Europe/Berlin") as (page, errors):
        page.goto(site.base + "/")
        keynote = page.locator("#session-ray-keynote")
        assert keynote.locator(".event-time").inner_text() == "09:05–09:25 PT"
        local = keynote.locator(".local-time")
        assert local.is_visible()
        assert local.inner_text() == "18:05–18:25 your time"
        assert "Your own time (Europe/Berlin)" in page.locator(".zone-note").inner_text()
        assert errors == []
    with open_page(browser, timezone_id="Asia/Tokyo") as (page, _):
        page.goto(site.base + "/sessions/ray-keynote")
        assert page.locator(".local-time").inner_text() == "Wed 01:05–01:25 your time"
    with open_page(browser, timezone_id="America/Los_Angeles") as (page, _):
        page.goto(site.base + "/")
        assert not page.locator("#session-ray-keynote .local-time").is_visible(), "no duplicate in the event's zone"
    with open_page(browser, timezone_id="Europe/Berlin", java_script_enabled=False) as (page, _):
        page.goto(site.base + "/")
        assert page.locator("#session-ray-keynote .event-time").inner_text() == "09:05–09:25 PT"
        assert not page.locator("#session-ray-keynote .local-time").is_visible()
        assert not page.get_by_role("button", name="Copy link").first.is_visible(), "no dead button without script"


def test_skip_link_and_keyboard_focus(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, _):
        page.goto(site.base + "/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        assert skip.evaluate("a => a === document.activeElement")
        assert skip.is_visible()
        outline = skip.evaluate("a => getComputedStyle(a).outlineStyle")
        assert outline == "solid"
