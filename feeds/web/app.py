"""The app factory: settings, the publisher, the blueprints, the error handlers and the WSGI layers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import read_config, settings_from
from ..publish.publisher import Publisher
from . import agenda, documents, feeds, items, organizers
from .errors import http_error, refused, unexpected_error
from .fastpath import FeedFastPath
from .pages import TEMPLATE_FILTERS
from .responses import RefusalError, add_security_headers
from .routing import READ_METHODS, SlugConverter


def create_web_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the HTTP side of the service: defaults, then FEEDS_* environment variables, then config."""
    app = Flask(__name__, static_folder=None)
    # The static files answer GET and HEAD only, like every other route (Flask's own rule also answers OPTIONS).
    app.static_folder = "static"
    app.add_url_rule(
        "/static/<path:filename>",
        endpoint="static",
        view_func=app.send_static_file,
        methods=READ_METHODS,
        provide_automatic_options=False,
    )
    app.config.from_mapping(read_config(config))
    if not logging.getLogger("feeds").handlers and not app.debug:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    publisher = Publisher(settings_from(app.config))
    app.extensions["feeds"] = publisher

    app.url_map.converters["slug"] = SlugConverter
    for module in (feeds, agenda, items, organizers, documents):
        app.register_blueprint(module.bp)
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.after_request(add_security_headers)
    app.register_error_handler(RefusalError, refused)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)

    if app.config["FAST_PATH"]:
        app.wsgi_app = FeedFastPath(app.wsgi_app, publisher)  # type: ignore[method-assign]
    if app.config["TRUST_PROXY"]:
        # Outside the fast path, so feeds it answers see (and log) the same environment as Flask's routes.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
