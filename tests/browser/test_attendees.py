"""What attendees do in a real browser: star sessions and subscribe to them, move through days, filter and
search, see what is on now, on a phone too; and axe-core finds no serious problem on any page."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..support.paths import ROOT, SMALL_EVENT
from ..support.servers import Server
from .requirement import REQUIRED, SETUP_HINT

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_HINT = "install it with 'bash .ci/setup-axe.sh' (npm ci in tests/browser)"
# Every kind of page; the festival's home page is the one of an event of 400 sessions in 20 parallel tracks.
PAGE_KINDS = {
    "home": "/",
    "day": "/days/2023-07-19",
    "track": "/tracks/ai-platform",
    "speaker": "/speakers/ion-stoica",
    "speakers": "/speakers",
    "session": "/sessions/ray-keynote",
    "session-moved": "/sessions/thrift",
    "session-cancelled": "/sessions/flux",
    "custom": "/?track=hyperscale-infrastructure&speaker=tj&session=flux#build",
    "calendars": "/calendars",
    "links": "/links?feed=track:ai-platform",
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """Return axe-core's script, or skip (fail under FEEDS_REQUIRE_BROWSER=1) when it is not installed."""
    if not AXE.is_file():
        if REQUIRED:
            pytest.fail(f"FEEDS_REQUIRE_BROWSER=1, but {AXE} is missing; {AXE_HINT}", pytrace=False)
        pytest.skip(f"axe-core checks skipped: {AXE} is missing; {AXE_HINT}; {SETUP_HINT}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the small event: two tracks in parallel, a join link, a cancelled session."""
    folder = tmp_path_factory.mktemp("small-event")
    shutil.copy(SMALL_EVENT, folder / "event.yaml")
    server = Server(folder / "event.yaml", workers=1, FEEDS_BASE_URL="")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def festival_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve a generated festival of 400 sessions: 20 tracks side by side, 18 slots a day."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import render_event_yaml
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = tmp_path_factory.mktemp("festival")
    (folder / "event.yaml").write_text(render_event_yaml(400, 200), encoding="utf-8")
    server = Server(folder / "event.yaml", workers=1, FEEDS_BASE_URL="")
    try:
        yield server
    finally:
        server.stop()


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


def uids(calendar: str) -> set[str]:
    """Return the UIDs of a calendar's events."""
    return set(re.findall(r"^UID:(.+?)\r?$", calendar, flags=re.MULTILINE))


def star(page: Any, session: str) -> Any:
    """Press a session's star and return the button."""
    button = page.locator(f"#session-{session} button.star")
    button.click()
    return button


def test_three_starred_sessions_are_one_subscription(browser: Any, site: Server, artifacts: Path) -> None:
    with open_page(browser, permissions=["clipboard-read", "clipboard-write"]) as (page, errors):
        page.goto(site.base + "/")
        panel = page.locator("#subscribe-mine")
        assert not panel.is_visible(), "no panel before anything is starred"
        keynote = star(page, "ray-keynote")
        assert keynote.get_attribute("aria-pressed") == "true"
        assert (
            keynote.get_attribute("aria-label") == "Star Ray, a unified distributed framework for the modern AI stack"
        )
        assert page.locator(".star-status").inner_text().startswith("Starred: Ray, a unified")
        star(page, "flux")
        # The third star is on the other day's page: stars are kept across pages.
        page.get_by_role("navigation", name="Days of the agenda").get_by_role("link", name="Wed 19 Jul").click()
        page.wait_for_url(site.base + "/days/2023-07-19")
        assert page.locator("#mine .mine-list li").count() == 2
        star(page, "thrift")
        assert page.locator(".star-status").inner_text().endswith("3 sessions starred.")
        assert page.locator("header .mine-count").inner_text() == " (3)"
        assert "Starring more sessions later gives a new address" not in panel.inner_text()
        assert "Starring more later gives a new address" in panel.inner_text()
        url = panel.get_by_label("Calendar address, for any other calendar app").input_value()
        assert url == site.base + "/custom.ics?session=flux,ray-keynote,thrift"
        answer = page.request.get(url)
        assert answer.status == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
        assert uids(answer.text()) == {f"{ident}@atscaleconference.com" for ident in ("flux", "ray-keynote", "thrift")}
        # Every button goes through this service to the calendar app's own link.
        apple = panel.get_by_role("link", name="Apple Calendar")
        assert apple.get_attribute("href") == "/subscribe/apple/custom?session=flux,ray-keynote,thrift"
        forwarded = page.request.get(site.base + apple.get_attribute("href"), max_redirects=0)
        assert forwarded.status == 302
        assert forwarded.headers["location"] == "webcal://" + url.removeprefix("http://")
        google = page.request.get(
            site.base + panel.get_by_role("link", name="Google Calendar").get_attribute("href"), max_redirects=0
        )
        assert google.headers["location"].startswith("https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F")
        qr = panel.get_by_role("img", name="QR code of the calendar's webcal address")
        assert qr.get_attribute("src") == "/qr/custom.svg?session=flux,ray-keynote,thrift"
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        panel.get_by_role("button", name="Copy link").click()
        assert page.evaluate("navigator.clipboard.readText()") == url
        # Reminders: the same three sessions, each with an alarm 10 minutes before.
        panel.locator("summary").click()
        reminded = panel.locator(".reminder").get_by_role("link", name="Outlook.com").get_attribute("href")
        assert reminded == "/subscribe/outlook/custom?session=flux,ray-keynote,thrift&alarm=10"
        with_alarm = page.request.get(url + "&alarm=10").text()
        assert uids(with_alarm) == uids(answer.text())
        assert with_alarm.count("TRIGGER:-PT10M") == 2, "the cancelled session has no reminder"
        page.screenshot(path=str(artifacts / "mine-desktop.png"), full_page=True)
        # A reload keeps the stars.
        page.reload()
        pressed = page.locator("button.star[aria-pressed=true]")
        assert (
            pressed.count() == 1 and page.locator("#session-thrift button.star").get_attribute("aria-pressed") == "true"
        )
        assert page.locator("#mine .mine-list li").all_inner_texts() == [
            "Ray, a unified distributed framework for the modern AI stack",
            "Flux: sizing backend services from global routing patterns",
            "Thrift unification",
        ]
        # Unstarring gives the new address at once.
        star(page, "thrift")
        assert (
            panel.get_by_label("Calendar address, for any other calendar app")
            .input_value()
            .endswith("/custom.ics?session=flux,ray-keynote")
        )
        assert errors == []


def test_a_shared_address_shows_its_stars_and_works_without_script(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, _):
        page.goto(site.base + "/?session=ray-keynote,flux")
        assert page.locator("#session-ray-keynote button.star").get_attribute("aria-pressed") == "true"
        assert page.locator("#session-flux button.star").get_attribute("aria-pressed") == "true"
        url = page.locator("#subscribe-mine").get_by_label("Calendar address, for any other calendar app")
        assert url.input_value() == site.base + "/custom.ics?session=flux,ray-keynote"
    with open_page(browser, java_script_enabled=False) as (page, _):
        page.goto(site.base + "/?session=ray-keynote,flux")
        assert page.locator("button.star").count() == 0, "no dead buttons without script"
        custom = page.locator("#subscribe-custom")
        assert custom.get_by_label("Calendar address, for any other calendar app").input_value() == (
            site.base + "/custom.ics?session=flux,ray-keynote"
        )
        assert page.get_by_text("Without JavaScript, tick sessions in").is_visible()


def test_day_switcher_filters_and_search_change_what_is_shown(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, errors):
        page.goto(site.base + "/")
        sessions = page.locator(".day li.session")
        visible = page.locator(".day li.session:visible")
        total = sessions.count()
        assert visible.count() == total == 10
        filters = page.get_by_role("search", name="Filter this day's sessions")
        filters.get_by_label("Track").select_option(label="AI Platform")
        ai = {"session-ray-keynote", "session-serving-multi-terabyte-models", "session-michelangelo", "session-ipnext"}
        plenary = {"session-host-welcome"}
        ids = set(visible.evaluate_all("items => items.map(item => item.id)"))
        assert ai <= ids and plenary <= ids and "session-flux" not in ids
        status = page.get_by_role("status").filter(has_text="Showing")
        assert status.inner_text() == f"Showing {len(ids)} of {total} sessions of this day."
        filters.get_by_label("Track").select_option(value="")
        filters.get_by_label("Speaker").select_option(label="Ion Stoica")
        assert visible.evaluate_all("items => items.map(item => item.id)") == ["session-ray-keynote"]
        filters.get_by_label("Speaker").select_option(value="")
        # Search looks in titles, speakers and abstracts.
        search = filters.get_by_label("Search")
        search.fill("Hitesh")
        assert visible.evaluate_all("items => items.map(item => item.id)") == ["session-ipnext"]
        search.fill("SEA change")
        assert visible.evaluate_all("items => items.map(item => item.id)") == ["session-ray-keynote"]
        search.fill("no such words anywhere")
        assert visible.count() == 0
        assert page.get_by_text("No session of this day matches.").is_visible()
        page.get_by_role("button", name="Show every session").click()
        assert visible.count() == total and search.input_value() == ""
        star(page, "polardb")
        filters.get_by_label("Starred only").check()
        assert visible.evaluate_all("items => items.map(item => item.id)") == ["session-polardb"]
        # The day switcher: plain links, one day per page.
        page.get_by_role("link", name="Wed 19 Jul").click()
        page.wait_for_url(site.base + "/days/2023-07-19")
        assert page.locator("#session-thrift").is_visible() and page.locator("#session-ray-keynote").count() == 0
        page.get_by_role("link", name="Tue 18 Jul").click()
        assert page.locator("#session-ray-keynote").is_visible()
        assert errors == []


def test_happening_now_and_next_with_the_join_link(browser: Any, small_site: Server) -> None:
    with open_page(browser) as (page, errors):
        page.clock.set_fixed_time(datetime.fromisoformat("2024-03-30T08:20:00+00:00"))
        page.goto(small_site.base + "/")
        now = page.get_by_role("region", name="Happening now")
        assert now.is_visible()
        items = now.locator("li").all_inner_texts()
        # Only Engines: the opening has ended and the cancelled talk, next, is not announced.
        assert items == ["Now: Engines, looms; and a backslash \\ here Join"]
        join = now.get_by_role("link", name="Join Engines, looms; and a backslash \\ here")
        assert join.get_attribute("href") == "https://stream.tiny.example.org/live"
        assert errors == []
    with open_page(browser) as (page, _):
        page.clock.set_fixed_time(datetime.fromisoformat("2024-03-30T07:50:00+00:00"))
        page.goto(small_site.base + "/")
        items = page.get_by_role("region", name="Happening now").locator("li").all_inner_texts()
        assert items == ["Next, 09:00: Opening Join"], "in the viewer's zone (Berlin)"
    with open_page(browser) as (page, _):
        page.clock.set_fixed_time(datetime.fromisoformat("2024-04-05T08:20:00+00:00"))
        page.goto(small_site.base + "/")
        assert not page.locator("#now").is_visible(), "nothing after the event"
    with open_page(browser) as (page, _):
        # During the event, the home page opens on today.
        page.clock.set_fixed_time(datetime.fromisoformat("2024-03-31T00:10:00+00:00"))
        page.goto(small_site.base + "/")
        page.wait_for_url(small_site.base + "/days/2024-03-31")
        assert page.locator("#session-night-owl").is_visible()


def test_a_festival_day_shows_its_parallel_tracks_side_by_side(
    browser: Any, festival_site: Server, artifacts: Path
) -> None:
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        with open_page(browser, viewport=size, is_mobile=name == "phone") as (page, errors):
            response = page.goto(festival_site.base + "/")
            assert response is not None and response.status == 200
            slot = page.locator(".slot").first
            cards = slot.locator("li.session")
            assert cards.count() == 20
            boxes = [cards.nth(i).bounding_box() for i in range(3)]
            assert all(boxes)
            if name == "desktop":
                assert boxes[0]["y"] == boxes[1]["y"] and boxes[1]["x"] > boxes[0]["x"], "side by side"
            else:
                assert boxes[1]["y"] > boxes[0]["y"] and boxes[1]["x"] == boxes[0]["x"], "stacked"
            page.screenshot(path=str(artifacts / f"festival-{name}.png"))
            # The builder asks for a search instead of listing every speaker and session.
            assert page.locator("form.builder input[name=speaker]").count() == 0
            page.get_by_role("searchbox", name=re.compile("Find speakers and sessions")).fill("kernels")
            page.get_by_role("button", name="Find").click()
            page.wait_for_url(re.compile(r"find=kernels"))
            found = page.locator("form.builder input[name=session]")
            assert 0 < found.count() <= 40
            assert errors == []
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0


def test_phone_shows_a_session_in_the_first_screen(browser: Any, site: Server, artifacts: Path) -> None:
    with open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True) as (page, errors):
        page.goto(site.base + "/")
        title = page.locator(".day li.session .title").first.bounding_box()
        assert title is not None and title["y"] + title["height"] <= PHONE["height"], title
        page.screenshot(path=str(artifacts / "home-phone-first-screen.png"))
        # The subscribe panel is one tap away.
        page.get_by_role("link", name="Subscribe to the calendar").tap()
        panel = page.locator("#subscribe-conference").bounding_box()
        assert panel is not None and 0 <= panel["y"] < PHONE["height"]
        assert errors == []


def test_stars_and_filters_work_from_the_keyboard(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, _):
        page.goto(site.base + "/")
        button = page.locator("#session-host-welcome button.star")
        for _ in range(40):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("the first star is not reachable with Tab")
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-pressed") == "true"
        assert page.locator(".star-status").get_attribute("aria-live") == "polite"
        page.keyboard.press("Space")
        assert button.get_attribute("aria-pressed") == "false"
        search = page.get_by_label("Search")
        search.focus()
        page.keyboard.type("Ray")
        live = page.locator(".filter-status")
        assert live.get_attribute("role") == "status" and live.inner_text().startswith("Showing 1 of")


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """Return axe-core's serious and critical violations on the page."""
    page.add_script_tag(content=source)
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], "
        "runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_no_serious_problem(
    browser: Any, site: Server, artifacts: Path, axe_source: str, viewport: str, scheme: str
) -> None:
    size = DESKTOP if viewport == "desktop" else PHONE
    problems = {}
    # axe is injected by Playwright, outside the page's CSP, which would refuse an inline script.
    with open_page(browser, viewport=size, color_scheme=scheme, bypass_csp=True) as (page, _):
        for name, path in PAGE_KINDS.items():
            page.goto(site.base + path)
            if name == "home":
                page.locator("button.star").first.click()  # a pressed star, and the panel it shows
            page.screenshot(path=str(artifacts / f"{name}-{viewport}-{scheme}.png"), full_page=True)
            found = axe_violations(page, axe_source)
            if found:
                problems[name] = [
                    (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3], v["help"]) for v in found
                ]
    assert problems == {}, json.dumps(problems, indent=1)


def test_json_ld_is_data_the_policy_does_not_block(browser: Any, site: Server) -> None:
    with open_page(browser) as (page, errors):
        response = page.goto(site.base + "/sessions/thrift")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        data = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
        assert data["eventStatus"] == "https://schema.org/EventRescheduled"
        assert data["previousStartDate"] == "2023-07-19T10:05:00-07:00"
        assert errors == [], "no Content-Security-Policy report for the JSON-LD block"
