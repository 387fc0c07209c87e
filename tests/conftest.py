"""Shared fixtures: a fixed clock, event copies in temporary folders, app and client."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feeds import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def event_dir(tmp_path: Path) -> Path:
    """Return a folder holding a copy of the small fixture event as event.yaml."""
    shutil.copy(SMALL_EVENT, tmp_path / "event.yaml")
    return tmp_path


@pytest.fixture
def make_app(clock: Clock) -> Callable[..., Flask]:
    def build(event_file: Path, **config: Any) -> Flask:
        settings: dict[str, Any] = {
            "EVENT_FILE": str(event_file),
            "BASE_URL": "https://feeds.example.org",
            "CLOCK": clock,
            "RELOAD_SECONDS": 0,
            "SETTLE_SECONDS": 0,
            "TESTING": True,
        }
        settings.update(config)
        return create_app(settings)

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask], event_dir: Path) -> Flask:
    return make_app(event_dir / "event.yaml")


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client
