"""Find the client parsers once per run; say which were skipped and how to install them.

ical.js needs Node and `npm ci` in tests/clients; libical needs libical-dev,
pkg-config and a C compiler. With FEEDS_REQUIRE_CLIENTS=1 (set by .ci/run) a
missing parser fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

from .drivers import PYTHON_PARSERS, SETUP_HINT, ClientMissingError, Parser, find_icaljs, find_libical

REQUIRED = os.environ.get("FEEDS_REQUIRE_CLIENTS") == "1"
ORDER = ("ical.js", "libical", "ical", "vobject", "icalendar")
MISSING: dict[str, str] = {}


def missing_message() -> str:
    """Return one line naming the parsers that could not run, and how to install them."""
    skipped = ", ".join(f"{name} ({why})" for name, why in MISSING.items())
    return f"client parsers skipped: {skipped}; {SETUP_HINT}"


@pytest.fixture(scope="session")
def client_parsers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Parser]:
    """Return every parser that can run here, by name; fail under FEEDS_REQUIRE_CLIENTS=1 if one cannot."""
    found = {parser.name: parser for parser in PYTHON_PARSERS}
    build_dir: Path = tmp_path_factory.mktemp("libical-driver")
    for name, find in (("ical.js", find_icaljs), ("libical", lambda: find_libical(build_dir))):
        try:
            found[name] = find()
        except ClientMissingError as error:
            MISSING[name] = str(error)
    if REQUIRED and MISSING:
        pytest.fail(f"FEEDS_REQUIRE_CLIENTS=1, but {missing_message()}", pytrace=False)
    return {name: found[name] for name in ORDER if name in found}


@pytest.fixture(params=ORDER)
def parser(request: pytest.FixtureRequest, client_parsers: dict[str, Parser]) -> Parser:
    """Return one client parser, skipping (with how to install it) when it cannot run here."""
    name: str = request.param
    if name not in client_parsers:
        pytest.skip(f"{name}: {MISSING.get(name, 'not available')}; {SETUP_HINT}")
    return client_parsers[name]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
    """End the run (after pytest's own summary) with one line naming the client parsers that were skipped."""
    yield
    if MISSING:
        terminalreporter.write_line(missing_message(), yellow=True, bold=True)
