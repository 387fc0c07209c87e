"""Shared fixtures: a fixed clock, event copies in temporary folders, app and client."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feeds import create_app

from .support.organizer import Organizer
from .support.paths import SMALL_EVENT, Clock


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


@pytest.fixture
def organizer(client: FlaskClient, event_dir: Path, clock: Clock) -> Organizer:
    """Return an organizer editing the fixture event and reading its feeds through the client."""
    return Organizer(event_dir / "event.yaml", client, clock)
