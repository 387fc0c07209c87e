"""The other published documents: frab schedules, the change feed, QR codes of feed addresses, /healthz.

/schedule.xml and /schedule.json (frab, for conference apps), /changes.atom (feed readers) and
/qr/<feed path>.svg (QR codes of the webcal:// URLs); docs/formats.md describes them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from flask import Response

from ..cache import BoundedCache
from ..catalog import CHANGES_FEED, CONFERENCE, HEALTH, SCHEDULE_JSON, SCHEDULE_XML, feed_path
from ..publish.publication import FeedBody, Publication, etag_of
from ..publish.release import DOCUMENTS
from ..render.links import webcal_url
from ..render.qr import qr_path, qr_svg
from .context import base_url, published, publisher
from .responses import SVG_POLICY, SVG_TYPE, conditional_answer, json_answer, no_such_feed, plain
from .routing import ReadOnlyBlueprint, add_item_routes, item_qr_rule
from .selection import custom_links, requested_selection

bp = ReadOnlyBlueprint("documents", __name__)
# Rendered documents kept per publication: one per (path, base URL); a Host header cannot grow it past this.
DOCUMENT_CACHE_SIZE = 12

_documents: WeakKeyDictionary[Publication, BoundedCache[tuple[str, str], FeedBody]] = WeakKeyDictionary()


def document_body(publication: Publication, path: str, base: str) -> FeedBody:
    """Return one of the DOCUMENTS rendered for base, cached with the publication it comes from."""
    cache = _documents.get(publication)
    if cache is None:
        cache = _documents.setdefault(publication, BoundedCache(DOCUMENT_CACHE_SIZE))
    found = cache.get((path, base))
    if found is None:
        render, modified, _ = DOCUMENTS[path]
        data = render(publication, base)
        found = FeedBody(data, etag_of(data), modified(publication))
        cache.put((path, base), found)
    return found


def serve_document(path: str) -> Response:
    """Return a schedule document or the change feed, with validators and conditional GET."""
    publication = published()
    base = base_url()
    body = publisher().document(path, base) or document_body(publication, path, base)
    return conditional_answer(body, content_type=DOCUMENTS[path][2])


@bp.get(SCHEDULE_XML)
def schedule_xml() -> Response:
    """Serve the schedule in the frab XML format (Giggity, ConfClerk, room displays, recording)."""
    return serve_document(SCHEDULE_XML)


@bp.get(SCHEDULE_JSON)
def schedule_json() -> Response:
    """Serve the schedule in the frab/pretalx JSON format."""
    return serve_document(SCHEDULE_JSON)


@bp.get(CHANGES_FEED)
def changes_feed() -> Response:
    """Serve the Atom feed of schedule changes, newest first."""
    return serve_document(CHANGES_FEED)


def qr_answer(data: bytes, publication: Publication, key: str | None) -> Response:
    """Return a QR code image, last modified with its feed (or with the ledger for a custom feed)."""
    record = publication.ledger.feeds.get(key) if key is not None else None
    modified = record.modified if record is not None else publication.ledger.revised
    return conditional_answer(FeedBody(data, etag_of(data), modified), content_type=SVG_TYPE, policy=SVG_POLICY)


@bp.get("/qr/custom.svg")
def custom_qr() -> Response:
    """Serve the QR code of a custom feed's webcal:// address (the starred sessions' panel shows it)."""
    publication = published()
    selection = requested_selection(publication)
    if selection.problem:
        return plain(selection.problem, selection.status)
    if not selection.keys:
        return plain("An empty custom feed: choose ids, e.g. /qr/custom.svg?session=ID.", 404)
    links = custom_links(publication, selection.keys, base_url())
    return qr_answer(qr_svg(links.webcal), publication, None)


def serve_qr(path: str) -> Response:
    """Return the QR code of the webcal:// URL of the feed at a URL path (aliases give the canonical URL)."""
    publication = published()
    key = publication.lookup(path)
    feed = publication.feeds.get(key) if key is not None else None
    if key is None or feed is None:
        return no_such_feed()
    return qr_answer(qr_svg(webcal_url(base_url() + feed.path)), publication, key)


@bp.get(qr_path(CONFERENCE))
def conference_qr() -> Response:
    """Serve the QR code for subscribing to every session."""
    return serve_qr(feed_path(CONFERENCE))


# The QR code for subscribing to one track's, speaker's or session's feed.
add_item_routes(bp, item_qr_rule, "qr", serve_qr)


@bp.get(HEALTH)
def healthz() -> Response:
    """Report the release served, and what the event file on disk is (broken, held, a draft), as JSON."""
    pub = publisher()
    release = pub.served()
    # A release describes itself: reporting on it loads nothing (a worker that only serves files stays lean).
    publication = None if release is not None else pub.current
    status = pub.status
    available = release is not None or publication is not None
    state = "unavailable" if not available else ("degraded" if status.errors else "ok")
    body: dict[str, object] = {
        "status": state,
        "last_error": status.errors or None,
        "error_since": status.error_since.isoformat() if status.error_since else None,
        "warning": status.warning or None,
        "held": status.held or None,
        "draft": status.draft or None,
        "publish_mode": pub.settings.publish_mode,
    }
    if release is not None:
        body["release"] = {
            "number": release.number,
            "name": release.name or None,
            "released_at": release.released_at.isoformat(),
            "revision": release.revision,
        }
        body |= {"revision": release.revision, "event_sha256": release.source_sha256, **release.summary}
    elif publication is not None:
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
    return json_answer(body, 200 if available else 503)
