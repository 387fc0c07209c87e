"""The baselines for benchmarks/run.py: bare Flask routes that answer constants.

`gunicorn --config python:feeds.gunicorn_conf benchmarks.bare:app`, with
BENCH_BODY (a file holding a feed's bytes), BENCH_ETAG and BENCH_LAST_MODIFIED
set to that feed's validators.

- `/feed.ics` answers exactly what the service answers for the feed: the same
  status, headers and body, or the same 304 when If-None-Match is the ETag.
- `/minimal.ics` does the least a calendar route can: the bytes with an ETag,
  or a bare 304.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.datastructures import Headers

BODY = Path(os.environ["BENCH_BODY"]).read_bytes()
ETAG = os.environ["BENCH_ETAG"]
HEADERS = {
    "ETag": ETAG,
    "Last-Modified": os.environ["BENCH_LAST_MODIFIED"],
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
}
CALENDAR = "text/calendar; charset=utf-8"

app = Flask(__name__)


class Same304(Response):
    """A 304 that keeps Last-Modified (werkzeug strips it), as the service's does."""

    def get_wsgi_headers(self, environ: dict[str, object]) -> Headers:  # type: ignore[override]
        """Return the headers with Last-Modified."""
        headers = super().get_wsgi_headers(environ)  # type: ignore[arg-type]
        headers["Last-Modified"] = HEADERS["Last-Modified"]
        return headers


@app.get("/feed.ics")
def feed() -> Response:
    """Answer the service's response for the feed, as constants."""
    if request.headers.get("If-None-Match") == ETAG:
        return Same304(status=304, headers=HEADERS)
    return Response(BODY, content_type=CALENDAR, headers=HEADERS)


@app.get("/minimal.ics")
def minimal() -> Response:
    """Answer the bytes with an ETag, or a bare 304."""
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers={"ETag": ETAG})
    return Response(BODY, content_type=CALENDAR, headers={"ETag": ETAG})
