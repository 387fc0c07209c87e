"""Every kind of answer the service sends, and each one's headers: decided here and nowhere else.

Validated documents (feeds, schedules, the change feed, QR codes) carry ETag,
Last-Modified and Cache-Control, and their 304 repeats every header of their
200 except the body's own (Content-Type, Content-Length, Content-Disposition).
Pages, plain-text answers, redirects and JSON carry the security headers of
their kind; `add_security_headers` covers what Flask and werkzeug answer
themselves (static files, routing redirects).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, NoReturn

from flask import Response, request
from werkzeug.datastructures import Headers

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

from ..publish.publication import FeedBody

CALENDAR_TYPE = "text/calendar; charset=utf-8"
SVG_TYPE = "image/svg+xml"
CACHE_CONTROL = "public, max-age=300"
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
SECURITY_HEADERS = {**NOSNIFF, "Referrer-Policy": "strict-origin-when-cross-origin"}
# Pages run one script file from this host and nothing inline.
HTML_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
LINKS_POLICY = HTML_POLICY + "; frame-src 'self'"
# The e-mail preview shows the snippet as a mail client would: inline styles, no script at all.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
# An SVG opened directly is a document of this origin: allow it nothing beyond drawing itself.
SVG_POLICY = "default-src 'none'; frame-ancestors 'none'"


class RefusalError(Exception):
    """A request answered before its view is done (no publication, a bad query value): carries the answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def refuse(response: Response) -> NoReturn:
    """Stop the view and send response instead (errors.py turns the RefusalError into it)."""
    raise RefusalError(response)


class NotModified(Response):
    """A 304 that keeps Last-Modified, which werkzeug would strip as an entity header."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """Return the headers, Last-Modified included (the contract asks 304s to repeat it)."""
        headers = super().get_wsgi_headers(environ)
        if "Last-Modified" in self.headers and "Last-Modified" not in headers:
            headers["Last-Modified"] = self.headers["Last-Modified"]
        return headers


def http_date(moment: datetime) -> str:
    """Return a moment as an HTTP date: 'Tue, 18 Jul 2023 17:05:00 GMT'."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def not_modified(body: FeedBody, if_none_match: str | None, since: str | None) -> bool:
    """Return whether a client's validators match (RFC 9110 13.2.2: If-None-Match wins)."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or body.etag in tags
    if since:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return body.last_modified <= moment
    return False


def validated_answer(
    body: FeedBody, current: bool, content_type: str = CALENDAR_TYPE, download: str = "", policy: str = ""
) -> Response:
    """Return the 304 for a client whose copy is current, else the 200 with the bytes; both with the same headers."""
    headers = {
        "ETag": body.etag,
        "Last-Modified": http_date(body.last_modified),
        "Cache-Control": CACHE_CONTROL,
        **NOSNIFF,
    }
    if current:
        # The 304 is of the same type as the 200, so no header of another kind is added to it; werkzeug drops it.
        response: Response = NotModified(status=304, headers=headers, content_type=content_type)
    else:
        response = Response(body.data, status=200, headers=headers, content_type=content_type)
        if download:
            response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    if policy:
        response.headers["Content-Security-Policy"] = policy
    return response


def conditional_answer(
    body: FeedBody, content_type: str = CALENDAR_TYPE, download: str = "", policy: str = ""
) -> Response:
    """Return a validated document as the request's If-None-Match and If-Modified-Since ask."""
    current = not_modified(body, request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"))
    return validated_answer(body, current, content_type, download, policy)


def plain(message: str, status: int) -> Response:
    """Return a short plain-text answer."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers.update(SECURITY_HEADERS)
    return response


def no_such_feed() -> Response:
    """Return the 404 of a feed address (or its QR code) that names no feed."""
    return plain("No such feed. The list of feeds is at /.", 404)


def html_answer(html: str, status: int = 200, policy: str = HTML_POLICY) -> Response:
    """Return an HTML page with the security headers and its content security policy."""
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = policy
    return response


def redirect_answer(location: str, status: int, cache: bool = False) -> Response:
    """Return a redirect (301 for a page's old id, 302 to a calendar app) with the headers of an HTML answer."""
    headers = {"Location": location, **({"Cache-Control": CACHE_CONTROL} if cache else {})}
    response = Response(status=status, headers=headers, mimetype="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = HTML_POLICY
    return response


def json_answer(body: object, status: int) -> Response:
    """Return a JSON report that no cache keeps."""
    response = Response(json.dumps(body, indent=1, sort_keys=True) + "\n", status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(NOSNIFF)
    return response


def add_security_headers(response: Response) -> Response:
    """Give every answer nosniff, and every HTML one a content security policy and a referrer policy."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", HTML_POLICY)
        response.headers.setdefault("Referrer-Policy", SECURITY_HEADERS["Referrer-Policy"])
    return response
