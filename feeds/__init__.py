"""feeds: subscribable iCalendar feeds for a conference, from one event.yaml."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .load import DEFAULT_MAX_BYTES
from .publish import Publisher, Settings, default_ledger_path

DEFAULTS: dict[str, Any] = {
    "EVENT_FILE": "event.yaml",
    "LEDGER_FILE": "",
    "BASE_URL": "",
    "TRUST_PROXY": False,
    "TOMBSTONE_DAYS": 30,
    "REFRESH_MINUTES": 60,
    "RELOAD_SECONDS": 1.0,
    "SETTLE_SECONDS": 0.3,
    "MAX_EVENT_BYTES": DEFAULT_MAX_BYTES,
    "CLOCK": None,
    "FAST_PATH": True,
}


def settings_from(config: Mapping[str, Any]) -> Settings:
    """Return publishing settings from a Flask config (FEEDS_* variables without the prefix)."""
    event_file = Path(config["EVENT_FILE"])
    ledger_file = Path(config["LEDGER_FILE"]) if config["LEDGER_FILE"] else default_ledger_path(event_file)
    extra: dict[str, Any] = {"clock": config["CLOCK"]} if config.get("CLOCK") else {}
    return Settings(
        event_file=event_file,
        ledger_file=ledger_file,
        base_url=str(config["BASE_URL"] or "").rstrip("/"),
        tombstone_days=int(config["TOMBSTONE_DAYS"]),
        refresh=timedelta(minutes=int(config["REFRESH_MINUTES"])),
        reload_seconds=float(config["RELOAD_SECONDS"]),
        settle_seconds=float(config["SETTLE_SECONDS"]),
        max_event_bytes=int(config["MAX_EVENT_BYTES"]),
        **extra,
    )


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the feeds service: defaults, then FEEDS_* environment variables, then config."""
    app = Flask(__name__, static_folder=None)
    # The static files answer GET and HEAD only, like every other route (Flask's own rule also answers OPTIONS).
    app.static_folder = "static"
    app.add_url_rule(
        "/static/<path:filename>",
        endpoint="static",
        view_func=app.send_static_file,
        methods=["GET", "HEAD"],
        provide_automatic_options=False,
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FEEDS")
    if config:
        app.config.from_mapping(config)
    if not logging.getLogger("feeds").handlers and not app.debug:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    publisher = Publisher(settings_from(app.config))
    app.extensions["feeds"] = publisher

    from .web import bp

    app.register_blueprint(bp)
    if app.config["FAST_PATH"]:
        from .fastpath import FeedFastPath

        app.wsgi_app = FeedFastPath(app.wsgi_app, publisher)  # type: ignore[method-assign]
    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outside the fast path, so feeds it answers see (and log) the same environment as Flask's routes.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
