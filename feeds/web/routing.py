"""The blueprints' common ground: routes that answer GET and HEAD only, the slug converter, item URL rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from flask.typing import RouteCallable
from werkzeug.routing import BaseConverter

from ..catalog import KINDS, feed_key, feed_path, page_path
from ..render.qr import qr_path
from ..text import SLUG, is_id
from .responses import no_such_feed

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


def add_item_routes(bp: Blueprint, rule_of: Callable[[str], str], name: str, serve: Callable[[str], Response]) -> None:
    """Register one route per kind of item (endpoint '<kind>_<name>'), serving the feed path of the item asked for."""

    def item_view(kind: str, ident: str) -> Response:
        if not is_id(ident):
            return no_such_feed()
        return serve(feed_path(feed_key(kind, ident)))

    for kind in KINDS:
        bp.add_url_rule(rule_of(kind), f"{kind}_{name}", item_view, defaults={"kind": kind})
