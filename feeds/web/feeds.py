"""The calendar feeds: /conference.ics, one per track, speaker and session, and the custom feed of a query."""

from __future__ import annotations

from flask import Response, request

from ..catalog import CONFERENCE, CUSTOM_FEED, feed_path
from ..publish.publication import FeedBody, etag_of
from ..render.ics import add_alarms
from .context import base_url, published, publisher, requested_alarm
from .responses import conditional_answer, no_such_feed, plain
from .routing import ReadOnlyBlueprint, add_item_routes, item_feed_rule
from .selection import requested_selection

bp = ReadOnlyBlueprint("feeds", __name__)


def with_alarm(body: FeedBody, minutes: int | None) -> FeedBody:
    """Return the feed with a reminder minutes before every session that is not cancelled (None: unchanged)."""
    if minutes is None:
        return body
    data = add_alarms(body.data, minutes)
    return FeedBody(data, etag_of(data), body.last_modified)


def serve_feed(path: str) -> Response:
    """Return the feed at a URL path from the served release, following aliases without redirecting."""
    found = publisher().feed(path, base_url())
    if found is None:
        published()  # without a publication the answer is its 503, not a 404
        return no_such_feed()
    key, body = found
    download = ""
    if key.startswith("session:") and request.args.get("download") == "1":
        download = key.partition(":")[2] + ".ics"
    return conditional_answer(with_alarm(body, requested_alarm()), download=download)


@bp.get(feed_path(CONFERENCE))
def conference_feed() -> Response:
    """Serve every session."""
    return serve_feed(feed_path(CONFERENCE))


# One track's, speaker's or session's feed.
add_item_routes(bp, item_feed_rule, "feed", serve_feed)


@bp.get(CUSTOM_FEED)
def custom_feed() -> Response:
    """Serve the union of the chosen tracks, speakers and sessions."""
    publication = published()
    selection = requested_selection(publication)
    if selection.problem:
        return plain(selection.problem, selection.status)
    if not selection.keys:
        return plain(
            f"An empty custom feed: choose ids, e.g. {CUSTOM_FEED}?track=ID&speaker=ID&session=ID (build one at /).",
            404,
        )
    alarm = requested_alarm()
    return conditional_answer(with_alarm(publication.custom_body(selection.keys, base_url()), alarm))
