"""Where the test data lives, the first publication time and a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
SCHEMAS = TESTS / "data" / "schemas"
CLIENTS = TESTS / "clients"
IMPORT_FIXTURES = FIXTURES / "import"
REAL_EVENT = ROOT / "event.yaml"
SMALL_EVENT = FIXTURES / "small.yaml"
FIRST_PUBLISHED = datetime(2024, 1, 10, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A settable clock for revision times."""

    def __init__(self, start: datetime = FIRST_PUBLISHED) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
