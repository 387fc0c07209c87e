"""feeds: subscribable iCalendar feeds for a conference, from one event.yaml."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Flask

from .config import read_config, settings_from
from .publish.publisher import Publisher


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
    app.config.from_mapping(read_config(config))
    if not logging.getLogger("feeds").handlers and not app.debug:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    publisher = Publisher(settings_from(app.config))
    app.extensions["feeds"] = publisher

    from .web import bp

    app.register_blueprint(bp)
    from .export import release_pages

    publisher.page_renderer = partial(release_pages, app)
    if app.config["FAST_PATH"]:
        from .web.fastpath import FeedFastPath

        app.wsgi_app = FeedFastPath(app.wsgi_app, publisher)  # type: ignore[method-assign]
    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outside the fast path, so feeds it answers see (and log) the same environment as Flask's routes.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
