"""feeds: subscribable iCalendar feeds for a conference, from one event.yaml."""

from .web.app import create_app

__all__ = ["create_app"]
