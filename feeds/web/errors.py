"""What the service answers when a view cannot finish: refusals, HTTP errors and unexpected failures."""

from __future__ import annotations

import hashlib

from flask import Response, current_app
from werkzeug.exceptions import HTTPException

from .responses import RefusalError, plain


def refused(error: RefusalError) -> Response:
    """Send the answer a view refused the request with."""
    return error.response


def http_error(error: HTTPException) -> Response:
    """Answer errors in plain text, without tracebacks or paths."""
    code = error.code or 500
    messages = {404: "Not found. The list of feeds is at /.", 405: "Method not allowed: use GET or HEAD."}
    response = plain(messages.get(code, error.name), code)
    if code == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


def unexpected_error(error: Exception) -> Response:
    """Log an unexpected failure and answer 500 without details."""
    digest = hashlib.sha256(repr(error).encode()).hexdigest()[:8]
    current_app.logger.exception("unexpected error %s", digest)
    return plain(f"Internal error ({digest}); it has been logged.", 500)
