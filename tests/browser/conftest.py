"""A real feeds server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Playwright's own browser downloads are never used: the tests launch
/usr/bin/chromium (installed by .ci/setup-browser.sh). Without it, or without
the playwright package, the tests skip with one line saying what to install;
with FEEDS_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feeds.config import Settings, default_ledger_path
from feeds.load import load_event
from feeds.publish.record import sync_ledger

from ..support.paths import REAL_EVENT, ROOT
from ..support.servers import Server
from .requirement import REQUIRED, SETUP_HINT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
FIRST = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
SECOND = datetime(2023, 7, 10, 8, 30, tzinfo=UTC)


def missing_browser() -> str:
    """Return what is missing to run the browser tests, or ''."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} (Debian's chromium package) is not installed"
    return ""


def edit_schedule(event_file: Path) -> None:
    """Cancel 'flux' and move 'thrift' from 10:05 to 10:45, as an organizer would."""
    text = event_file.read_text(encoding="utf-8")
    text = text.replace("  - id: flux\n", "  - id: flux\n    status: cancelled\n", 1)
    thrift = text.index("  - id: thrift\n")
    start = text.index("start: 2023-07-19 10:05", thrift)
    text = text[:start] + "start: 2023-07-19 10:45" + text[start + len("start: 2023-07-19 10:05") :]
    event_file.write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the real agenda, with one session cancelled and one moved (recorded in the ledger)."""
    folder = tmp_path_factory.mktemp("browser-event")
    event_file = folder / "event.yaml"
    shutil.copy(REAL_EVENT, event_file)
    settings = Settings(event_file, default_ledger_path(event_file), clock=lambda: FIRST)
    sync_ledger(load_event(event_file), settings)
    edit_schedule(event_file)
    settings = Settings(event_file, default_ledger_path(event_file), clock=lambda: SECOND)
    sync_ledger(load_event(event_file), settings)
    # No FEEDS_BASE_URL: links point at this server, so the browser can fetch them.
    server = Server(event_file, workers=1, FEEDS_BASE_URL="")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Return Debian's Chromium under Playwright, or skip (fail under FEEDS_REQUIRE_BROWSER=1)."""
    why = missing_browser()
    if why:
        if REQUIRED:
            pytest.fail(f"FEEDS_REQUIRE_BROWSER=1, but {why}; {SETUP_HINT}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}; {SETUP_HINT}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
