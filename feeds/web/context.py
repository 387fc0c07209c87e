"""What every view reads from the app and the request: the publisher, the base URL, the publication, the reminder."""

from __future__ import annotations

from flask import current_app, request

from ..catalog import HEALTH
from ..publish.publication import Publication
from ..publish.publisher import Publisher
from ..render.ics import ALARM_MINUTES_MAX
from ..text import shown_id
from .responses import plain, refuse

# The static export marks its requests with this WSGI environment key: its pages say what a static host cannot do.
EXPORT_ENVIRON = "feeds.export"


def publisher() -> Publisher:
    """Return the app's publisher."""
    found: Publisher = current_app.extensions["feeds"]
    return found


def base_url() -> str:
    """Return the public base URL: FEEDS_BASE_URL, else derived from the request."""
    configured: str = publisher().settings.base_url
    return configured or request.host_url.rstrip("/")


def published() -> Publication:
    """Return the current publication; without one, answer 503 saying why."""
    publication = publisher().current
    if publication is None:
        refuse(plain(f"Feeds are unavailable: the event file could not be loaded. See {HEALTH}.", 503))
    return publication


def is_static_export() -> bool:
    """Return whether the request comes from the static export, whose files cannot answer query strings."""
    return request.environ.get(EXPORT_ENVIRON) is True


def requested_alarm() -> int | None:
    """Return the minutes of ?alarm=MINUTES, or None without it; a value out of bounds is answered with a 400."""
    value = request.args.get("alarm")
    if value is None:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 5 and int(value) <= ALARM_MINUTES_MAX:
        return int(value)
    refuse(
        plain(
            f"alarm takes whole minutes from 0 to {ALARM_MINUTES_MAX} (one week) before the start, "
            f"for example ?alarm=10; got '{shown_id(value)}'.",
            400,
        )
    )
