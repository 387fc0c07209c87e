"""A WSGI layer that answers GET and HEAD for subscription feeds straight from the publication.

Calendar clients poll every feed all day, and Flask's routing, request context
and after-request hook cost a feed request about as much as the rest of its
work. This layer answers the requests it is sure of with the very status,
headers and body the Flask route sends (the headers are taken once per feed
body from the route's own response objects; tests/web/test_fastpath.py compares
every answer) and passes everything else to Flask: other methods, query
strings, paths not in the exact shape of a feed URL, unknown feeds, no
publication, and a base URL derived from each request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..cache import BoundedCache
from ..catalog import CONFERENCE, KINDS, feed_path, kind_prefix
from ..publish.publication import FeedBody
from ..publish.publisher import Publisher
from ..text import is_id
from .responses import add_security_headers, not_modified, validated_answer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("feeds")
# Prepared headers kept, one set per feed body (its ETag and Last-Modified): more than any event's feeds.
MAX_ANSWERS = 100_000

CONFERENCE_FEED_PATH = feed_path(CONFERENCE)
# The paths of the item feed routes (routing.item_feed_rule): /tracks/<ident>.ics, /speakers/..., /sessions/...
ITEM_FEED_PATH = re.compile(
    "(?:" + "|".join(re.escape(kind_prefix(kind)) for kind in KINDS) + r")/(?P<ident>[^/]+)\.ics"
)


def is_feed_path(path: str) -> bool:
    """Return whether a path has exactly the shape the feed routes serve: /conference.ics or /<kind>/<id>.ics."""
    if path == CONFERENCE_FEED_PATH:
        return True
    found = ITEM_FEED_PATH.fullmatch(path)
    return found is not None and is_id(found["ident"])


@dataclass(frozen=True, slots=True)
class Answer:
    """The WSGI status and headers of a feed body's 200 and of its 304 (they depend on the body alone)."""

    ok: tuple[str, list[tuple[str, str]]]
    not_modified: tuple[str, list[tuple[str, str]]]


def wsgi_answer(body: FeedBody, current: bool) -> tuple[str, list[tuple[str, str]]]:
    """Return the status and headers the Flask route sends for body, after-request hook included."""
    response = add_security_headers(validated_answer(body, current))
    # Only a Location header would make werkzeug read the request's environment here.
    return response.status, response.get_wsgi_headers({}).to_wsgi_list()


def prepare_answer(body: FeedBody) -> Answer:
    """Return the answers for a feed body, computed once and served to every request for it."""
    return Answer(wsgi_answer(body, False), wsgi_answer(body, True))


class FeedFastPath:
    """WSGI middleware: serve known feed URLs from memory, hand every other request to the app."""

    def __init__(self, app: WSGIApplication, publisher: Publisher) -> None:
        self.app = app
        self.publisher = publisher
        # Keyed by the body's validators, not its path: the bytes stay with the release, which bounds them.
        self._answers: BoundedCache[tuple[str, datetime], Answer] = BoundedCache(MAX_ANSWERS)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a feed request, or pass it on unchanged."""
        method = environ.get("REQUEST_METHOD")
        if (
            method in ("GET", "HEAD")
            and not environ.get("QUERY_STRING")
            and self.publisher.settings.base_url
            and is_feed_path(environ.get("PATH_INFO", ""))
        ):
            try:
                found = self.answer(environ["PATH_INFO"])
            except Exception:
                # Not sure of anything now: Flask answers, with its error handler if the failure repeats there.
                log.exception("the feed fast path failed on %s; passing the request to Flask", environ["PATH_INFO"])
                found = None
            if found is not None:
                body, answer = found
                current = not_modified(body, environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"))
                status, headers = answer.not_modified if current else answer.ok
                start_response(status, list(headers))
                return [] if current or method == "HEAD" else [body.data]
        return self.app(environ, start_response)

    def answer(self, path: str) -> tuple[FeedBody, Answer] | None:
        """Return the body of the feed at path in the served release and its answers, or None to let Flask answer."""
        found = self.publisher.feed(path, self.publisher.settings.base_url)  # the route's throttled release check
        if found is None:
            return None
        body = found[1]
        validators = (body.etag, body.last_modified)
        answer = self._answers.get(validators)
        if answer is None:
            answer = prepare_answer(body)
            self._answers.put(validators, answer)
        return body, answer
