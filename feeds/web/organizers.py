"""The organizers' pages (/links with its preview, the draft's /preview) and the /subscribe relay of e-mails."""

from __future__ import annotations

from flask import Response, request, url_for

from ..catalog import CONFERENCE, Feed, feed_path
from ..publish.publication import Publication
from ..publish.review import describe
from ..render.links import (
    VENDOR_LABELS,
    VENDORS,
    SubscribeLinks,
    feed_links,
    google_cid_warning,
    render_snippet,
    subscribe_path,
    with_alarm_links,
)
from ..render.metadata import PageMeta
from ..text import shown_id
from .context import base_url, is_static_export, published, publisher, requested_alarm
from .pages import feed_groups, not_found, page
from .responses import LINKS_POLICY, PREVIEW_POLICY, plain, redirect_answer
from .routing import ReadOnlyBlueprint
from .selection import custom_links, requested_selection

bp = ReadOnlyBlueprint("organizers", __name__)


def _chosen_feed(publication: Publication) -> Feed | None:
    key = request.args.get("feed", CONFERENCE)
    return publication.feeds.get(key) or publication.feeds.get(publication.lookup(feed_path(key)) or "")


@bp.get("/links")
def links_page() -> Response:
    """Show the e-mail snippets of a feed for organizers to copy (the same as 'feeds links')."""
    publication = published()
    feed = _chosen_feed(publication)
    if feed is None:
        return not_found("There is no such feed; choose one from the list at /links.")
    links = feed_links(feed, base_url())
    preview = url_for("organizers.links_preview", feed=None if feed.key == CONFERENCE else feed.key)
    return page(
        "links.html",
        policy=LINKS_POLICY,
        feed=feed,
        groups=feed_groups(publication),
        links=links,
        snippets={form: render_snippet(links, form) for form in ("html", "text", "markdown")},
        warning=google_cid_warning(links.https),
        derived=not publisher().settings.base_url,
        preview=preview,
    )


@bp.get("/links/preview")
def links_preview() -> Response:
    """Show a feed's HTML e-mail snippet as a mail client would (framed by /links)."""
    publication = published()
    feed = _chosen_feed(publication)
    if feed is None:
        return plain("No such feed. The list of feeds is at /links.", 404)
    snippet = render_snippet(feed_links(feed, base_url()), "html")
    return page("preview.html", policy=PREVIEW_POLICY, snippet=snippet)


def forward_page(vendor: str, links: SubscribeLinks, target: str) -> Response:
    """Return the page that sends the browser on to a calendar app (target), or says how to add the feed by hand."""
    label = VENDOR_LABELS[vendor]
    meta = PageMeta(f"Subscribe in {label}", links.name, base_url() + request.path)
    return page("forward.html", target=target, vendor=label, links=links, meta=meta)


@bp.get(subscribe_path("<vendor>", "<path:target>"))
def subscribe_relay(vendor: str, target: str) -> Response:
    """Forward to a calendar app's subscribe link for a feed: the https buttons of e-mails point here."""
    publication = published()
    if vendor not in VENDORS:
        return not_found(f"There is no calendar app '{shown_id(vendor)}' here; choose one of {', '.join(VENDORS)}.")
    if target == "custom":
        selection = requested_selection(publication)
        if selection.problem or not selection.keys:
            return not_found(
                selection.problem or "Choose sessions, tracks or speakers: /subscribe/apple/custom?session=ID."
            )
        links = custom_links(publication, selection.keys, base_url())
    else:
        key = publication.lookup(f"/{target}.ics") if len(target) <= 80 else None
        feed = publication.feeds.get(key) if key is not None else None
        if feed is None:
            return not_found(f"There is no calendar '{shown_id(target)}'; every calendar is listed at /calendars.")
        links = feed_links(feed, base_url())
    alarm = requested_alarm()
    if alarm is not None:
        links = with_alarm_links(links, alarm)
    if vendor == "google" and not links.google_fits:
        return forward_page(vendor, links, "")
    destination = links.vendor_link(vendor)
    if is_static_export():
        # A static host cannot redirect per file: the page forwards the browser itself.
        return forward_page(vendor, links, destination)
    return redirect_answer(destination, 302, cache=True)


@bp.get("/preview")
def preview_page() -> Response:
    """Show, under `feeds preview` only, what subscribers would see change if the draft were released."""
    pub = publisher()
    if not pub.settings.preview:
        return not_found("There is no such page.")
    published()  # without a publication the answer is its 503
    return page(
        "draft.html",
        changes=[describe(change).strip() for change in pub.draft_changes],
        holds=pub.draft_holds,
        problems=pub.status.errors,
        source=str(pub.settings.event_file),
    )
