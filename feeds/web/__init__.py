"""The Flask blueprint: the only module that knows HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from flask import Blueprint, Response, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

from ..catalog import CONFERENCE, KINDS, Feed, feed_key, feed_name, feed_path, split_key
from ..ledger import describe_time
from ..load import sentence
from ..model import Session, Speaker
from ..publish.publication import FeedBody, Publication, etag_of
from ..publish.publisher import Publisher
from ..publish.release import DOCUMENTS
from ..publish.review import describe
from ..render import qr as qr_codes
from ..render.agenda import (
    BUILDER_LIST_LIMIT,
    SPEAKER_CHOICES,
    agenda_day,
    by_name,
    event_days,
    find_sessions,
    find_speakers,
    in_time_order,
    session_rows,
)
from ..render.ics import ALARM_MINUTES_MAX, add_alarms
from ..render.links import (
    LABELS,
    MANUAL_STEPS,
    VENDOR_LABELS,
    VENDORS,
    SubscribeLinks,
    feed_links,
    google_cid_warning,
    google_event_url,
    render_snippet,
    subscribe_links,
    webcal_url,
    with_alarm_links,
)
from ..render.metadata import PageMeta, conference_data, json_ld, session_data, summary
from ..render.qr import qr_svg
from ..text import cancelled_title, is_id, shown_id, suggest

bp = Blueprint("feeds", __name__)


class SlugConverter(BaseConverter):
    """An id in a page URL: never a dot, so /tracks/x.ics stays the feed's route."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


@bp.record_once
def register_converters(state: BlueprintSetupState) -> None:
    """Teach the app's URL map the slug converter before the page routes are added."""
    state.app.url_map.converters.setdefault("slug", SlugConverter)


CALENDAR_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "public, max-age=300"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
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
# The static export marks its requests with this WSGI environment key: its pages say what a static host cannot do.
EXPORT_ENVIRON = "feeds.export"
# The reminder the subscribe panels offer, in minutes before a session starts.
OFFERED_ALARM = 10
MAX_CUSTOM_IDS = 50
# Longer than 50 of the longest ids, comma-separated, can be: refuse before parsing.
MAX_CUSTOM_QUERY = 4096


def publisher() -> Publisher:
    """Return the app's publisher."""
    found: Publisher = current_app.extensions["feeds"]
    return found


def base_url() -> str:
    """Return the public base URL: FEEDS_BASE_URL, else derived from the request."""
    configured: str = publisher().settings.base_url
    return configured or request.host_url.rstrip("/")


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


def calendar_response(body: FeedBody, download: str = "", content_type: str = CALENDAR_TYPE) -> Response:
    """Return a feed (or another published document) with validators, or 304 when the client's copy is current."""
    current = not_modified(body, request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"))
    return calendar_answer(body, current, download, content_type)


def calendar_answer(body: FeedBody, current: bool, download: str = "", content_type: str = CALENDAR_TYPE) -> Response:
    """Return the 304 for a client whose copy is current, else the 200 with the bytes; both with validators."""
    headers = {
        "ETag": body.etag,
        "Last-Modified": _http_date(body.last_modified),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if current:
        return NotModified(status=304, headers=headers)
    response = Response(body.data, status=200, headers=headers, content_type=content_type)
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


def serve_feed(path: str) -> Response:
    """Return the feed at a URL path from the served release, following aliases without redirecting."""
    found = publisher().feed(path, base_url())
    if found is None:
        publication = published()
        if isinstance(publication, Response):
            return publication
        return plain("No such feed. The list of feeds is at /.", 404)
    key, body = found
    download = ""
    if key.startswith("session:") and request.args.get("download") == "1":
        download = key.partition(":")[2] + ".ics"
    alarm = requested_alarm()
    if isinstance(alarm, Response):
        return alarm
    return calendar_response(with_alarm(body, alarm), download)


def requested_alarm() -> int | Response | None:
    """Return the minutes of ?alarm=MINUTES, None without it, or a plain 400 for a value out of bounds."""
    value = request.args.get("alarm")
    if value is None:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 5 and int(value) <= ALARM_MINUTES_MAX:
        return int(value)
    return plain(
        f"alarm takes whole minutes from 0 to {ALARM_MINUTES_MAX} (one week) before the start, "
        f"for example ?alarm=10; got '{shown_id(value)}'.",
        400,
    )


def with_alarm(body: FeedBody, minutes: int | None) -> FeedBody:
    """Return the feed with a reminder minutes before every session that is not cancelled (None: unchanged)."""
    if minutes is None:
        return body
    data = add_alarms(body.data, minutes)
    return FeedBody(data, etag_of(data), body.last_modified)


@bp.after_app_request
def add_security_headers(response: Response) -> Response:
    """Give every answer nosniff, and every HTML page a script-free-inline CSP and a referrer policy."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", HTML_POLICY)
        response.headers.setdefault("Referrer-Policy", SECURITY_HEADERS["Referrer-Policy"])
    return response


@bp.route("/conference.ics", methods=["GET", "HEAD"], provide_automatic_options=False)
def conference_feed() -> Response:
    """Serve every session."""
    return serve_feed("/conference.ics")


@bp.route(
    "/<any(tracks, speakers, sessions):kind>/<ident>.ics", methods=["GET", "HEAD"], provide_automatic_options=False
)
def item_feed(kind: str, ident: str) -> Response:
    """Serve one track's, speaker's or session's feed."""
    if not is_id(ident):
        return plain("No such feed. The list of feeds is at /.", 404)
    return serve_feed(f"/{kind}/{ident}.ics")


# Custom feeds: the union of chosen tracks, speakers and sessions.


@dataclass(frozen=True, slots=True)
class Selection:
    """Feeds chosen for a custom feed: canonical keys in canonical order, or why the choice is refused."""

    keys: tuple[str, ...] = ()
    problem: str = ""
    status: int = 200
    asked: bool = False


def _custom_order(key: str) -> tuple[int, str]:
    kind, ident = split_key(key)
    return KINDS.index(kind), ident


def requested_selection(publication: Publication) -> Selection:
    """Return the feeds the request's query chooses; an over-long query is refused before it is parsed."""
    if len(request.query_string) > MAX_CUSTOM_QUERY:
        return Selection(
            problem=f"The query is too long: a custom feed takes at most {MAX_CUSTOM_IDS} ids.", status=400, asked=True
        )
    return read_selection(publication, request.args.to_dict(flat=False))


def read_selection(publication: Publication, args: Mapping[str, list[str]]) -> Selection:
    """Return the feeds a query chooses (?track=a,b&speaker=c&session=d), following aliases."""
    wanted: list[tuple[str, str]] = []
    for kind in KINDS:
        for value in args.get(kind, []):
            wanted += [(kind, ident.strip()) for ident in value.split(",") if ident.strip()]
    asked = any(kind in args for kind in KINDS)
    if len(wanted) > MAX_CUSTOM_IDS:
        return Selection(
            problem=f"Too many ids ({len(wanted)}): a custom feed takes at most {MAX_CUSTOM_IDS}.",
            status=400,
            asked=True,
        )
    keys: dict[str, None] = {}
    unknown: list[str] = []
    for kind, ident in wanted:
        key = publication.lookup(feed_path(feed_key(kind, ident))) if is_id(ident) else None
        if key is None or split_key(key)[0] != kind:
            # A suggestion compares the id with every id of its kind: for the first unknown id only,
            # so that a query of many unknown ids costs no more than one.
            hint = ""
            if not unknown:
                hint = suggest(ident, [split_key(k)[1] for k in publication.feeds if split_key(k)[0] == kind])
            unknown.append(f"unknown {kind} '{shown_id(ident)}'{hint}")
        else:
            keys[key] = None
    if unknown:
        message = "; ".join(unknown[:5]) + (f"; and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        return Selection(
            problem=sentence(message[0].upper() + message[1:]) + " Every id is listed at /.", status=404, asked=True
        )
    return Selection(keys=tuple(sorted(keys, key=_custom_order)), asked=asked)


def custom_query(keys: Iterable[str]) -> str:
    """Return the canonical query of a custom feed: kinds in a fixed order, ids sorted, comma-separated."""
    ids: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for key in keys:
        kind, ident = split_key(key)
        ids[kind].append(ident)
    return "&".join(f"{kind}={','.join(sorted(found))}" for kind, found in ids.items() if found)


def custom_title(publication: Publication, keys: Iterable[str]) -> str:
    """Return the custom feed's calendar name, as Publication.custom_body writes it."""
    names = [feed_name(publication.ledger.feeds[key].title, publication.event.info.name) for key in sorted(keys)]
    return f"{publication.event.info.name} · " + " + ".join(names)


def custom_links(publication: Publication, keys: tuple[str, ...], base: str) -> SubscribeLinks:
    """Return the subscribe links of the custom feed of these keys."""
    return subscribe_links(f"{base}/custom.ics?{custom_query(keys)}", custom_title(publication, keys))


@bp.route("/custom.ics", methods=["GET", "HEAD"], provide_automatic_options=False)
def custom_feed() -> Response:
    """Serve the union of the chosen tracks, speakers and sessions."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    selection = requested_selection(publication)
    if selection.problem:
        return plain(selection.problem, selection.status)
    if not selection.keys:
        return plain(
            "An empty custom feed: choose ids, e.g. /custom.ics?track=ID&speaker=ID&session=ID (build one at /).", 404
        )
    alarm = requested_alarm()
    if isinstance(alarm, Response):
        return alarm
    return calendar_response(with_alarm(publication.custom_body(selection.keys, base_url()), alarm))


# Pages.


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


def qr_image(webcal_address: str) -> str:
    """Return a QR code of a webcal:// address as a data: URI (for feeds without a /qr/ path)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_codes.qr_svg(webcal_address)).decode("ascii")


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
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = policy
    return response


def schedule_version_line(publication: Publication) -> str:
    """Return the line pages show about the release: 'Schedule version: Day 2 update, Tue 18 Jul 08:10 PT'."""
    ledger = publication.ledger
    info = publication.event.info
    moment = describe_time(ledger.revised.astimezone(info.zone), info.timezone_label)
    return (
        f"Schedule version: {ledger.release_name}, {moment}" if ledger.release_name else f"Schedule version: {moment}"
    )


def is_static_export() -> bool:
    """Return whether the request comes from the static export, whose files cannot answer query strings."""
    return request.environ.get(EXPORT_ENVIRON) is True


def redirect_to(path: str) -> Response:
    """Return a permanent redirect of a page reached by an old id (alias) to its canonical address."""
    response = Response(status=301, headers={"Location": path})
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(what: str) -> Response:
    """Return the HTML 404 for an unknown track, speaker or session page."""
    # No link-preview tags: they would repeat the unknown address, and a missing page is nothing to share.
    return page("not_found.html", 404, what=what, meta=None)


@bp.app_template_filter("hm")
def format_hm(moment: datetime) -> str:
    """Return a time as 24-hour HH:MM."""
    return f"{moment:%H:%M}"


@bp.app_template_filter("day")
def format_day(moment: date) -> str:
    """Return a day as 'Tuesday 18 July 2023'."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


@bp.app_template_filter("short_day")
def format_short_day(moment: date) -> str:
    """Return a day as 'Tue 18 Jul'."""
    return f"{moment:%a} {moment.day} {moment:%b}"


@bp.route("/", methods=["GET", "HEAD"], provide_automatic_options=False)
def index() -> Response:
    """Show the first day of the agenda, my sessions, the conference's subscribe panel and the builder."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    return agenda_page(publication, event_days(publication.event)[0], home=True)


@bp.route("/days/<day>", methods=["GET", "HEAD"], provide_automatic_options=False)
def day_page(day: str) -> Response:
    """Show one day of the agenda (the first day is the home page)."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    days = event_days(publication.event)
    wanted = next((d for d in days if d.isoformat() == day), None)
    if wanted is None:
        listed = ", ".join(d.isoformat() for d in days[:3]) + (", ..." if len(days) > 3 else "")
        return not_found(f"The agenda has no day '{shown_id(day)}'; its days are {listed}.")
    if wanted == days[0]:
        return redirect_to("/")
    return agenda_page(publication, wanted, home=False)


def day_path(day: date, first: date) -> str:
    """Return the address of a day of the agenda: the home page for the first day."""
    return "/" if day == first else f"/days/{day.isoformat()}"


def agenda_page(publication: Publication, day: date, home: bool) -> Response:
    """Return a day of the agenda; the home page adds the tracks and the custom-feed builder."""
    event = publication.event
    base = base_url()
    days = event_days(event)
    conference = publication.feeds[CONFERENCE]
    selection = requested_selection(publication) if home else Selection()
    custom = None
    if selection.keys:
        links = custom_links(publication, selection.keys, base)
        custom = Panel(
            links, "custom", "Subscribe to your selection", qr_image(links.webcal), f"Calendar name: {links.name}"
        )
    problem = selection.problem or (
        "Tick at least one track, speaker or session." if selection.asked and not selection.keys else ""
    )
    find = " ".join(request.args.get("find", "").split())[:100] if home else ""
    path = day_path(day, days[0])
    meta = PageMeta(
        title=f"{event.info.name}: agenda" + ("" if home else f", {format_day(day)}"),
        description=summary(event.info.description) or f"The agenda of {event.info.name}, with calendar subscriptions.",
        url=base + path,
        feed_url=base + conference.path,
        feed_title=conference.title,
        json_ld=json_ld(conference_data(event.info, base + "/")) if home else "",
    )
    return page(
        "index.html",
        400 if problem and selection.status == 200 else selection.status,
        meta=meta,
        home=home,
        agenda=agenda_day(publication, day),
        days=[(d, day_path(d, days[0])) for d in days],
        panel=_item_panel(conference, base, "Subscribe to the whole conference"),
        mine_base=base,
        vendors=VENDOR_LABELS,
        custom=custom,
        chosen=frozenset(selection.keys),
        builder=builder_choices(publication, selection, find) if home else None,
        speaker_choices=SPEAKER_CHOICES,
        find=find,
        problem=problem,
    )


@dataclass(frozen=True, slots=True)
class BuilderChoices:
    """What the builder offers to tick: every track, and speakers and sessions (all of them, or a search's)."""

    speakers: tuple[Speaker, ...]
    sessions: tuple[Session, ...]
    searched: bool


def builder_choices(publication: Publication, selection: Selection, find: str) -> BuilderChoices:
    """Return the builder's boxes: every speaker and session of a small event, else search matches and the ticked."""
    event = publication.event
    if len(event.speakers) + len(event.sessions) <= BUILDER_LIST_LIMIT:
        return BuilderChoices(event.speakers, tuple(in_time_order(event.sessions)), searched=False)
    ticked = {split_key(key) for key in selection.keys}
    speakers = {s.id: s for s in event.speakers if ("speaker", s.id) in ticked}
    sessions = {s.id: s for s in event.sessions if ("session", s.id) in ticked}
    for speaker in find_speakers(event, find):
        speakers.setdefault(speaker.id, speaker)
    for session in find_sessions(event, find):
        sessions.setdefault(session.id, session)
    return BuilderChoices(
        tuple(by_name(speakers.values())),
        tuple(in_time_order(sessions.values())),
        searched=True,
    )


@bp.route("/speakers", methods=["GET", "HEAD"], provide_automatic_options=False)
def speakers_page() -> Response:
    """List every speaker, each linking to their page and calendar."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    event = publication.event
    base = base_url()
    meta = PageMeta(
        title=f"Speakers · {event.info.name}",
        description=f"The {len(event.speakers)} speakers of {event.info.name}: follow one to get just their sessions.",
        url=base + "/speakers",
    )
    return page("speakers.html", meta=meta, speakers=by_name(event.speakers))


@bp.route("/calendars", methods=["GET", "HEAD"], provide_automatic_options=False)
def calendars_page() -> Response:
    """List the address of every calendar, for calendar apps without a subscribe button."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    event = publication.event
    base = base_url()
    meta = PageMeta(
        title=f"Every calendar address · {event.info.name}",
        description=f"The address of every calendar of {event.info.name}: the conference, each track, speaker and session.",
        url=base + "/calendars",
    )
    return page("calendars.html", meta=meta, feed_groups=feed_addresses(publication, base))


def _item_panel(feed: Feed, base: str, heading: str) -> Panel:
    return Panel(feed_links(feed, base), feed.kind, heading, qr_codes.qr_path(feed.key))


@bp.route("/tracks/<slug:ident>", methods=["GET", "HEAD"], provide_automatic_options=False)
def track_page(ident: str) -> Response:
    """Show a track, its sessions (plenaries included, as in its feed) and its subscribe panel."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    event = publication.event
    track = event.track(ident)
    if track is None:
        return not_found(f"There is no track '{shown_id(ident)}'.")
    if track.id != ident:
        return redirect_to(f"/tracks/{track.id}")
    sessions = [s for s in event.sessions if track in event.session_tracks(s)]
    base = base_url()
    feed = publication.feeds[feed_key("track", track.id)]
    meta = PageMeta(
        title=f"{track.name} · {event.info.name}",
        description=summary(track.description) or f"The {track.name} track of {event.info.name}, as a calendar.",
        url=f"{base}/tracks/{track.id}",
        feed_url=base + feed.path,
        feed_title=feed.title,
    )
    return page(
        "track.html",
        meta=meta,
        track=track,
        rows=session_rows(publication, sessions),
        panel=_item_panel(feed, base, f"Subscribe to {track.name}"),
    )


@bp.route("/speakers/<slug:ident>", methods=["GET", "HEAD"], provide_automatic_options=False)
def speaker_page(ident: str) -> Response:
    """Show a speaker: role, affiliation, bio, sessions and subscribe panel."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    event = publication.event
    speaker = event.speaker(ident)
    if speaker is None:
        return not_found(f"There is no speaker '{shown_id(ident)}'.")
    if speaker.id != ident:
        return redirect_to(f"/speakers/{speaker.id}")
    sessions = [s for s in event.sessions if speaker.id in s.speakers]
    base = base_url()
    feed = publication.feeds[feed_key("speaker", speaker.id)]
    meta = PageMeta(
        title=f"{speaker.name} · {event.info.name}",
        description=summary(speaker.bio or speaker.credit) or speaker.name,
        url=f"{base}/speakers/{speaker.id}",
        feed_url=base + feed.path,
        feed_title=feed.title,
    )
    return page(
        "speaker.html",
        meta=meta,
        speaker=speaker,
        rows=session_rows(publication, sessions),
        panel=_item_panel(feed, base, f"Subscribe to {speaker.name}'s sessions"),
    )


@bp.route("/sessions/<slug:ident>", methods=["GET", "HEAD"], provide_automatic_options=False)
def session_page(ident: str) -> Response:
    """Show a session, its subscribe panel and the one-off ways to add just it."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    event = publication.event
    session = event.session(ident)
    if session is None:
        return not_found(f"There is no session '{shown_id(ident)}'.")
    if session.id != ident:
        return redirect_to(f"/sessions/{session.id}")
    base = base_url()
    row = session_rows(publication, [session])[0]
    page_url = f"{base}/sessions/{session.id}"
    credits = ", ".join(s.credit for s in row.speakers)
    details = "\n\n".join(
        part
        for part in (
            f"A copy that will not follow schedule changes; the current time is always at {page_url}",
            f"Speakers: {credits}" if credits else "",
            session.description,
        )
        if part
    )
    location = session.location or event.info.location
    followers = [publication.feeds[feed_key("track", t.id)] for t in row.tracks]
    feed = publication.feeds[feed_key("session", session.id)]
    when = f"{format_short_day(session.start)} {format_hm(session.start)} {event.info.timezone_label or session.start.tzname()}"
    meta = PageMeta(
        title=cancelled_title(f"{session.title} · {event.info.name}", session.cancelled),
        description=summary(f"{when}. {session.description}" if session.description else f"{when}. {credits}"),
        url=page_url,
        feed_url=base + feed.path,
        feed_title=feed.title,
        json_ld=json_ld(session_data(event.info, row, page_url, base + "/")),
    )
    return page(
        "session.html",
        meta=meta,
        row=row,
        session=session,
        panel=_item_panel(feed, base, "Subscribe to this session"),
        google_event=google_event_url(session.title, session.start, session.end, details, location),
        download=f"{base}/sessions/{session.id}.ics?download=1",
        location=location,
        join_url=session.join_url or event.info.join_url,
        followers=followers,
    )


def feed_addresses(publication: Publication, base: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Return every feed's name, https and webcal address, grouped by kind, for the index."""
    return [
        (
            heading,
            [
                {
                    "name": feed.title
                    if feed.kind == CONFERENCE
                    else feed_name(feed.title, publication.event.info.name),
                    "https": base + feed.path,
                    "webcal": webcal_url(base + feed.path),
                }
                for feed in feeds
            ],
        )
        for heading, feeds in _link_feeds(publication)
    ]


def _link_feeds(publication: Publication) -> list[tuple[str, list[Feed]]]:
    groups: dict[str, list[Feed]] = {CONFERENCE: [], **{kind: [] for kind in KINDS}}
    for feed in publication.feeds.values():
        groups[feed.kind].append(feed)
    names = {CONFERENCE: "Whole conference", "track": "Tracks", "speaker": "Speakers", "session": "Sessions"}
    return [(names[kind], feeds) for kind, feeds in groups.items() if feeds]


def _chosen_feed(publication: Publication) -> Feed | None:
    key = request.args.get("feed", CONFERENCE)
    return publication.feeds.get(key) or publication.feeds.get(publication.lookup(feed_path(key)) or "")


@bp.route("/links", methods=["GET", "HEAD"], provide_automatic_options=False)
def links_page() -> Response:
    """Show the e-mail snippets of a feed for organizers to copy (the same as 'feeds links')."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    feed = _chosen_feed(publication)
    if feed is None:
        return not_found("There is no such feed; choose one from the list at /links.")
    links = feed_links(feed, base_url())
    preview = "/links/preview" if feed.key == CONFERENCE else f"/links/preview?feed={feed.key}"
    return page(
        "links.html",
        policy=LINKS_POLICY,
        feed=feed,
        groups=_link_feeds(publication),
        links=links,
        snippets={form: render_snippet(links, form) for form in ("html", "text", "markdown")},
        warning=google_cid_warning(links.https),
        derived=not publisher().settings.base_url,
        preview=preview,
    )


@bp.route("/links/preview", methods=["GET", "HEAD"], provide_automatic_options=False)
def links_preview() -> Response:
    """Show a feed's HTML e-mail snippet as a mail client would (framed by /links)."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    feed = _chosen_feed(publication)
    if feed is None:
        return plain("No such feed. The list of feeds is at /links.", 404)
    snippet = render_snippet(feed_links(feed, base_url()), "html")
    return page("preview.html", policy=PREVIEW_POLICY, snippet=snippet)


@bp.route("/subscribe/<vendor>/<path:target>", methods=["GET", "HEAD"], provide_automatic_options=False)
def subscribe_relay(vendor: str, target: str) -> Response:
    """Forward to a calendar app's subscribe link for a feed: the https buttons of e-mails point here."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    if vendor not in VENDORS:
        return not_found(f"There is no calendar app '{shown_id(vendor)}' here; choose one of {', '.join(VENDORS)}.")
    base = base_url()
    if target == "custom":
        selection = requested_selection(publication)
        if selection.problem or not selection.keys:
            return not_found(
                selection.problem or "Choose sessions, tracks or speakers: /subscribe/apple/custom?session=ID."
            )
        links = custom_links(publication, selection.keys, base)
    else:
        key = publication.lookup(f"/{target}.ics") if len(target) <= 80 else None
        feed = publication.feeds.get(key) if key is not None else None
        if feed is None:
            return not_found(f"There is no calendar '{shown_id(target)}'; every calendar is listed at /calendars.")
        links = feed_links(feed, base)
    alarm = requested_alarm()
    if isinstance(alarm, Response):
        return alarm
    if alarm is not None:
        links = with_alarm_links(links, alarm)
    if vendor == "google" and not links.google_fits:
        return page(
            "forward.html",
            target="",
            vendor=VENDOR_LABELS[vendor],
            links=links,
            meta=PageMeta(f"Subscribe in {VENDOR_LABELS[vendor]}", links.name, base + request.path),
        )
    destination = links.vendor_link(vendor)
    if is_static_export():
        # A static host cannot redirect per file: the page forwards the browser itself.
        return page(
            "forward.html",
            target=destination,
            vendor=VENDOR_LABELS[vendor],
            links=links,
            meta=PageMeta(f"Subscribe in {VENDOR_LABELS[vendor]}", links.name, base + request.path),
        )
    response = Response(status=302, headers={"Location": destination, "Cache-Control": CACHE_CONTROL})
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.route("/qr/custom.svg", methods=["GET", "HEAD"], provide_automatic_options=False)
def custom_qr() -> Response:
    """Serve the QR code of a custom feed's webcal:// address (the starred sessions' panel shows it)."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    selection = requested_selection(publication)
    if selection.problem:
        return plain(selection.problem, selection.status)
    if not selection.keys:
        return plain("An empty custom feed: choose ids, e.g. /qr/custom.svg?session=ID.", 404)
    links = custom_links(publication, selection.keys, base_url())
    data = qr_svg(links.webcal)
    response = calendar_response(FeedBody(data, etag_of(data), publication.ledger.revised), content_type=SVG_TYPE)
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.route("/healthz", methods=["GET", "HEAD"], provide_automatic_options=False)
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
    response = Response(json.dumps(body, indent=1, sort_keys=True) + "\n", mimetype="application/json")
    response.status_code = 200 if available else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/preview", methods=["GET", "HEAD"], provide_automatic_options=False)
def preview_page() -> Response:
    """Show, under `feeds preview` only, what subscribers would see change if the draft were released."""
    pub = publisher()
    if not pub.settings.preview:
        return not_found("There is no such page.")
    publication = published()
    if isinstance(publication, Response):
        return publication
    return page(
        "draft.html",
        changes=[describe(change).strip() for change in pub.draft_changes],
        holds=pub.draft_holds,
        problems=pub.status.errors,
        source=str(pub.settings.event_file),
    )


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


# --- conference-app formats, changes and QR codes ---
# /schedule.xml and /schedule.json (frab, for conference apps), /changes.atom (feed readers) and
# /qr/<feed path>.svg (QR codes of the webcal:// URLs); docs/formats.md describes them.


SVG_TYPE = "image/svg+xml"
# An SVG opened directly is a document of this origin: allow it nothing beyond drawing itself.
SVG_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Rendered documents kept per publication: one per (path, base URL); a Host header cannot grow it past this.
DOCUMENT_CACHE_SIZE = 12

_documents: WeakKeyDictionary[Publication, OrderedDict[tuple[str, str], FeedBody]] = WeakKeyDictionary()
_documents_lock = threading.Lock()


def document_body(publication: Publication, path: str, base: str) -> FeedBody:
    """Return one of the DOCUMENTS rendered for base, cached with the publication it comes from."""
    render, modified, _ = DOCUMENTS[path]
    with _documents_lock:
        cache = _documents.setdefault(publication, OrderedDict())
        found = cache.get((path, base))
        if found is not None:
            cache.move_to_end((path, base))
            return found
    data = render(publication, base)
    body = FeedBody(data, etag_of(data), modified(publication))
    with _documents_lock:
        cache[(path, base)] = body
        while len(cache) > DOCUMENT_CACHE_SIZE:
            cache.popitem(last=False)
    return body


def serve_document(path: str) -> Response:
    """Return a schedule document or the change feed, with validators and conditional GET."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    content_type = DOCUMENTS[path][2]
    base = base_url()
    body = publisher().document(path, base) or document_body(publication, path, base)
    return calendar_response(body, content_type=content_type)


@bp.route("/schedule.xml", methods=["GET", "HEAD"], provide_automatic_options=False)
def schedule_xml() -> Response:
    """Serve the schedule in the frab XML format (Giggity, ConfClerk, room displays, recording)."""
    return serve_document("/schedule.xml")


@bp.route("/schedule.json", methods=["GET", "HEAD"], provide_automatic_options=False)
def schedule_json() -> Response:
    """Serve the schedule in the frab/pretalx JSON format."""
    return serve_document("/schedule.json")


@bp.route("/changes.atom", methods=["GET", "HEAD"], provide_automatic_options=False)
def changes_feed() -> Response:
    """Serve the Atom feed of schedule changes, newest first."""
    return serve_document("/changes.atom")


def serve_qr(path: str) -> Response:
    """Return the QR code of the webcal:// URL of the feed at a URL path (aliases give the canonical URL)."""
    publication = published()
    if isinstance(publication, Response):
        return publication
    key = publication.lookup(path)
    feed = publication.feeds.get(key) if key is not None else None
    if key is None or feed is None:
        return plain("No such feed. The list of feeds is at /.", 404)
    data = qr_svg(webcal_url(base_url() + feed.path))
    record = publication.ledger.feeds.get(key)
    modified = record.modified if record is not None else publication.ledger.revised
    response = calendar_response(FeedBody(data, etag_of(data), modified), content_type=SVG_TYPE)
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.route("/qr/conference.svg", methods=["GET", "HEAD"], provide_automatic_options=False)
def conference_qr() -> Response:
    """Serve the QR code for subscribing to every session."""
    return serve_qr("/conference.ics")


@bp.route(
    "/qr/<any(tracks, speakers, sessions):kind>/<ident>.svg", methods=["GET", "HEAD"], provide_automatic_options=False
)
def item_qr(kind: str, ident: str) -> Response:
    """Serve the QR code for subscribing to one track's, speaker's or session's feed."""
    if not is_id(ident):
        return plain("No such feed. The list of feeds is at /.", 404)
    return serve_qr(f"/{kind}/{ident}.ics")
