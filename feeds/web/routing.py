"""The blueprints' common ground: routes that answer GET and HEAD only, the slug converter, item URL rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import RouteCallable
from werkzeug.routing import BaseConverter

from ..catalog import feed_key, feed_path, page_path
from ..render.qr import qr_path
from ..text import SLUG

# Every route, static files included, answers these methods and no other (no automatic OPTIONS either).
READ_METHODS = ("GET", "HEAD")


class SlugConverter(BaseConverter):
    """An id in a page URL: never a dot, so /tracks/x.ics stays the feed's route."""

    regex = SLUG.pattern.replace("(", "(?:")  # the router's regex may not capture


class ReadOnlyBlueprint(Blueprint):
    """A blueprint whose every route (`@bp.get`, `add_url_rule`) answers GET and HEAD, and other methods 405."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,  # noqa: ARG002 - never: OPTIONS answers 405
        **options: Any,
    ) -> None:
        """Register rule for GET and HEAD only."""
        if set(options.pop("methods", READ_METHODS)) - set(READ_METHODS):
            raise ValueError(f"{rule}: the service's routes only read")
        super().add_url_rule(rule, endpoint, view_func, False, methods=READ_METHODS, **options)


def item_feed_rule(kind: str) -> str:
    """Return the URL rule of the feeds of one kind of item: '/tracks/<ident>.ics' for 'track'."""
    return feed_path(feed_key(kind, "<ident>"))


def item_page_rule(kind: str) -> str:
    """Return the URL rule of the pages of one kind of item: '/tracks/<slug:ident>' for 'track'."""
    return page_path(feed_key(kind, "<slug:ident>"))


def item_qr_rule(kind: str) -> str:
    """Return the URL rule of the QR codes of one kind of item's feeds: '/qr/tracks/<ident>.svg' for 'track'."""
    return qr_path(feed_key(kind, "<ident>"))
