"""feeds: subscribable iCalendar feeds for a conference, from one event.yaml.

`create_app` puts the service together. It is the one place that joins feeds.web with feeds.export,
which sits above it: the web app's publisher writes each release's pages as files through the
export's page crawler, so that nginx serves the same bytes the app would.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Flask

from .export import release_pages
from .publish.publisher import Publisher
from .web.app import create_web_app

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the feeds service: defaults, then FEEDS_* environment variables, then config."""
    app = create_web_app(config)
    publisher: Publisher = app.extensions["feeds"]
    publisher.page_renderer = partial(release_pages, app)
    return app
