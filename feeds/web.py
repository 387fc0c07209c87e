"""The Flask blueprint: the only module that knows HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

from .catalog import CONFERENCE
from .load import SLUG
from .publish import FeedBody, Publication, Publisher

bp = Blueprint("feeds", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "public, max-age=300"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HTML_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def publisher() -> Publisher:
    """Return the app's publisher."""
    found: Publisher = current_app.extensions["feeds"]
    return found


def base_url() -> str:
    """Return the public base URL: FEEDS_BASE_URL, else derived from the request."""
    configured: str = publisher().settings.base_url
    return configured or request.host_url.rstrip("/")


def webcal(url: str) -> str:
    """Return the webcal:// form of an http(s) URL."""
    return "webcal://" + url.split("://", 1)[1]


def plain(message: str, status: int) -> Response:
    """Return a short plain-text answer."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers.update(SECURITY_HEADERS)
    return response


def published() -> Publication | Response:
    """Return the current publication, or a 503 saying why there is none."""
    publication = publisher().current
    if publication is None:
        return plain("Feeds are unavailable: the event file could not be loaded. See /healthz.", 503)
    return publication


class NotModified(Response):
    """A 304 that keeps Last-Modified, which werkzeug would strip as an entity header."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """Return the headers, Last-Modified included (the contract asks 304s to repeat it)."""
        headers = super().get_wsgi_headers(environ)
        if "Last-Modified" in self.headers and "Last-Modified" not in headers:
            headers["Last-Modified"] = self.headers["Last-Modified"]
        return headers


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _not_modified(body: FeedBody) -> bool:
    """Return whether the request's validators match (RFC 9110 13.2.2: If-None-Match wins)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or body.etag in tags
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return body.last_modified <= moment
    return False


def calendar_response(body: FeedBody, download: str = "") -> Response:
    """Return a feed with validators, or 304 when the client's copy is current."""
    headers = {
        "ETag": body.etag,
        "Last-Modified": _http_date(body.last_modified),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(body):
        return NotModified(status=304, headers=headers)
    response = Response(body.data, status=200, headers=headers, content_type=CALENDAR_TYPE)
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


def serve_feed(path: str) -> Response:
    """Return the feed at a URL path, following aliases without redirecting."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    key = publication.lookup(path)
    if key is None:
        return plain("No such feed. The list of feeds is at /.", 404)
    download = ""
    if key.startswith("session:") and request.args.get("download") == "1":
        download = key.partition(":")[2] + ".ics"
    return calendar_response(publication.body(key, base_url()), download)


@bp.route("/conference.ics", methods=["GET", "HEAD"], provide_automatic_options=False)
def conference_feed() -> Response:
    """Serve every session."""
    return serve_feed("/conference.ics")


@bp.route(
    "/<any(tracks, speakers, sessions):kind>/<ident>.ics", methods=["GET", "HEAD"], provide_automatic_options=False
)
def item_feed(kind: str, ident: str) -> Response:
    """Serve one track's, speaker's or session's feed."""
    if not SLUG.fullmatch(ident) or len(ident) > 64:
        return plain("No such feed. The list of feeds is at /.", 404)
    return serve_feed(f"/{kind}/{ident}.ics")


@bp.route("/", methods=["GET", "HEAD"], provide_automatic_options=False)
def index() -> Response:
    """Show every feed with its https and webcal links."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    base = base_url()
    groups: dict[str, list[dict[str, str]]] = {"conference": [], "track": [], "speaker": [], "session": []}
    for feed in publication.feeds.values():
        url = base + feed.path
        groups[feed.kind].append(
            {
                "title": feed.title,
                "name": publication.event.info.name if feed.kind == CONFERENCE else feed.title.split(" · ", 1)[-1],
                "https": url,
                "webcal": webcal(url),
                "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal(url), safe=""),
            }
        )
    html = render_template("index.html", event=publication.event, groups=groups, base=base)
    response = Response(html, mimetype="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = HTML_POLICY
    return response


@bp.route("/healthz", methods=["GET", "HEAD"], provide_automatic_options=False)
def healthz() -> Response:
    """Report what is served and the last load problem, as JSON."""
    pub = publisher()
    publication = pub.current
    status = pub.status
    body: dict[str, object] = {
        "status": "unavailable" if publication is None else ("degraded" if status.errors else "ok"),
        "last_error": status.errors or None,
        "error_since": status.error_since.isoformat() if status.error_since else None,
        "warning": status.warning or None,
    }
    if publication is not None:
        event = publication.event
        body |= {
            "event": event.info.id,
            "revision": publication.revision,
            "event_sha256": event.source_sha256,
            "ledger_revised": publication.ledger.revised.isoformat(),
            "counts": {
                "sessions": len(event.sessions),
                "speakers": len(event.speakers),
                "tracks": len(event.tracks),
                "feeds": len(set(publication.paths.values())),
            },
        }
    response = Response(json.dumps(body, indent=1, sort_keys=True) + "\n", mimetype="application/json")
    response.status_code = 200 if publication is not None else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Answer errors in plain text, without tracebacks or paths."""
    code = error.code or 500
    messages = {404: "Not found. The list of feeds is at /.", 405: "Method not allowed: use GET or HEAD."}
    response = plain(messages.get(code, error.name), code)
    if code == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> Response:
    """Log an unexpected failure and answer 500 without details."""
    digest = hashlib.sha256(repr(error).encode()).hexdigest()[:8]
    current_app.logger.exception("unexpected error %s", digest)
    return plain(f"Internal error ({digest}); it has been logged.", 500)
