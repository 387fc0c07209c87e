"""The frame of every HTML page: the shared template context, subscribe panels, the filters and the HTML 404."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, render_template, request

from ..catalog import CONFERENCE, KINDS, Feed
from ..ledger import describe_time
from ..publish.publication import Publication
from ..render.links import LABELS, MANUAL_STEPS, SubscribeLinks, feed_links, with_alarm_links
from ..render.metadata import PageMeta, summary
from ..render.qr import qr_path, qr_svg
from .context import base_url, is_static_export, publisher
from .responses import HTML_POLICY, html_answer

# The reminder the subscribe panels offer, in minutes before a session starts.
OFFERED_ALARM = 10


@dataclass(frozen=True, slots=True)
class Panel:
    """A subscribe panel: a feed's links, where it sits on the page, and where its QR code image is."""

    links: SubscribeLinks
    id: str
    heading: str
    qr: str = ""
    detail: str = ""

    @property
    def reminded(self) -> SubscribeLinks:
        """Return the same feed's links with the offered reminder before each session."""
        return with_alarm_links(self.links, OFFERED_ALARM)


def item_panel(feed: Feed, base: str, heading: str) -> Panel:
    """Return the subscribe panel of a feed, with its QR code's address."""
    return Panel(feed_links(feed, base), feed.kind, heading, qr_path(feed.key))


def qr_image(webcal_address: str) -> str:
    """Return a QR code of a webcal:// address as a data: URI (for feeds without a /qr/ path)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(webcal_address)).decode("ascii")


def page(template: str, status: int = 200, policy: str = HTML_POLICY, **context: Any) -> Response:
    """Return an HTML page with the security headers (and, unless given, the event's link-preview tags)."""
    publication = publisher().current
    event = context.pop("event", publication.event if publication else None)
    if "meta" not in context and event is not None:
        context["meta"] = PageMeta(event.info.name, summary(event.info.description), base_url() + request.path)
    version = schedule_version_line(publication) if publication is not None else ""
    html = render_template(
        template,
        event=event,
        labels=LABELS,
        manual=MANUAL_STEPS,
        static_export=is_static_export(),
        alarm_minutes=OFFERED_ALARM,
        schedule_version=version,
        **context,
    )
    return html_answer(html, status, policy)


def schedule_version_line(publication: Publication) -> str:
    """Return the line pages show about the release: 'Schedule version: Day 2 update, Tue 18 Jul 08:10 PT'."""
    ledger = publication.ledger
    info = publication.event.info
    moment = describe_time(ledger.revised.astimezone(info.zone), info.timezone_label)
    return (
        f"Schedule version: {ledger.release_name}, {moment}" if ledger.release_name else f"Schedule version: {moment}"
    )


def not_found(what: str) -> Response:
    """Return the HTML 404 for an unknown track, speaker or session page."""
    # No link-preview tags: they would repeat the unknown address, and a missing page is nothing to share.
    return page("not_found.html", 404, what=what, meta=None)


def feed_groups(publication: Publication) -> list[tuple[str, list[Feed]]]:
    """Return every feed under the heading of its kind, conference first."""
    groups: dict[str, list[Feed]] = {CONFERENCE: [], **{kind: [] for kind in KINDS}}
    for feed in publication.feeds.values():
        groups[feed.kind].append(feed)
    names = {CONFERENCE: "Whole conference", "track": "Tracks", "speaker": "Speakers", "session": "Sessions"}
    return [(names[kind], feeds) for kind, feeds in groups.items() if feeds]


def format_hm(moment: datetime) -> str:
    """Return a time as 24-hour HH:MM."""
    return f"{moment:%H:%M}"


def format_day(moment: date) -> str:
    """Return a day as 'Tuesday 18 July 2023'."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def format_short_day(moment: date) -> str:
    """Return a day as 'Tue 18 Jul'."""
    return f"{moment:%a} {moment.day} {moment:%b}"


# The filters the templates use: {{ session.start|hm }}.
TEMPLATE_FILTERS = {"hm": format_hm, "day": format_day, "short_day": format_short_day}
