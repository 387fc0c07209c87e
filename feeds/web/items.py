"""The pages of tracks, speakers and sessions, the list of speakers and the list of every calendar address."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from ..catalog import CONFERENCE, feed_key, feed_name, page_path, split_key
from ..model import Session
from ..publish.publication import Publication
from ..render.agenda import by_name, session_rows
from ..render.links import google_event_url, webcal_url
from ..render.metadata import PageMeta, json_ld, session_data, summary
from ..text import cancelled_title, shown_id
from .context import base_url, published
from .pages import feed_groups, format_hm, format_short_day, item_panel, not_found, page
from .responses import redirect_answer
from .routing import ReadOnlyBlueprint, item_page_rule

bp = ReadOnlyBlueprint("items", __name__)


@bp.get("/speakers")
def speakers_page() -> Response:
    """List every speaker, each linking to their page and calendar."""
    event = published().event
    meta = PageMeta(
        title=f"Speakers · {event.info.name}",
        description=f"The {len(event.speakers)} speakers of {event.info.name}: follow one to get just their sessions.",
        url=base_url() + url_for("items.speakers_page"),
    )
    return page("speakers.html", meta=meta, speakers=by_name(event.speakers))


@bp.get("/calendars")
def calendars_page() -> Response:
    """List the address of every calendar, for calendar apps without a subscribe button."""
    publication = published()
    event = publication.event
    base = base_url()
    meta = PageMeta(
        title=f"Every calendar address · {event.info.name}",
        description=f"The address of every calendar of {event.info.name}: the conference, each track, speaker and session.",
        url=base + url_for("items.calendars_page"),
    )
    return page("calendars.html", meta=meta, feed_groups=feed_addresses(publication, base))


def feed_addresses(publication: Publication, base: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Return every feed's name, https and webcal address, grouped by kind, for the list of calendars."""
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
        for heading, feeds in feed_groups(publication)
    ]


@bp.get(item_page_rule("track"))
def track_page(ident: str) -> Response:
    """Show a track, its sessions (plenaries included, as in its feed) and its subscribe panel."""
    publication = published()
    event = publication.event
    track = event.track(ident)
    if track is None:
        return not_found(f"There is no track '{shown_id(ident)}'.")
    return _sessions_page(
        publication,
        feed_key("track", track.id),
        ident,
        [s for s in event.sessions if track in event.session_tracks(s)],
        title=track.name,
        description=summary(track.description) or f"The {track.name} track of {event.info.name}, as a calendar.",
        subscribe=f"Subscribe to {track.name}",
        template="track.html",
        track=track,
    )


@bp.get(item_page_rule("speaker"))
def speaker_page(ident: str) -> Response:
    """Show a speaker: role, affiliation, bio, sessions and subscribe panel."""
    publication = published()
    event = publication.event
    speaker = event.speaker(ident)
    if speaker is None:
        return not_found(f"There is no speaker '{shown_id(ident)}'.")
    return _sessions_page(
        publication,
        feed_key("speaker", speaker.id),
        ident,
        [s for s in event.sessions if speaker.id in s.speakers],
        title=speaker.name,
        description=summary(speaker.bio or speaker.credit) or speaker.name,
        subscribe=f"Subscribe to {speaker.name}'s sessions",
        template="speaker.html",
        speaker=speaker,
    )


def _sessions_page(
    publication: Publication,
    key: str,
    ident: str,
    sessions: list[Session],
    *,
    title: str,
    description: str,
    subscribe: str,
    template: str,
    **context: Any,
) -> Response:
    """Return the page of a track or speaker: its sessions and its feed's subscribe panel (an alias redirects)."""
    if split_key(key)[1] != ident:
        return redirect_answer(page_path(key), 301)
    base = base_url()
    feed = publication.feeds[key]
    meta = PageMeta(
        title=f"{title} · {publication.event.info.name}",
        description=description,
        url=base + page_path(key),
        feed_url=base + feed.path,
        feed_title=feed.title,
    )
    return page(
        template,
        meta=meta,
        rows=session_rows(publication, sessions),
        panel=item_panel(feed, base, subscribe),
        **context,
    )


@bp.get(item_page_rule("session"))
def session_page(ident: str) -> Response:
    """Show a session, its subscribe panel and the one-off ways to add just it."""
    publication = published()
    event = publication.event
    session = event.session(ident)
    if session is None:
        return not_found(f"There is no session '{shown_id(ident)}'.")
    key = feed_key("session", session.id)
    if session.id != ident:
        return redirect_answer(page_path(key), 301)
    base = base_url()
    row = session_rows(publication, [session])[0]
    page_url = base + page_path(key)
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
    feed = publication.feeds[key]
    when = f"{format_short_day(session.start)} {format_hm(session.start)} {event.info.timezone_label or session.start.tzname()}"
    meta = PageMeta(
        title=cancelled_title(f"{session.title} · {event.info.name}", session.cancelled),
        description=summary(f"{when}. {session.description}" if session.description else f"{when}. {credits}"),
        url=page_url,
        feed_url=base + feed.path,
        feed_title=feed.title,
        json_ld=json_ld(session_data(event.info, row, page_url, base + url_for("agenda.index"))),
    )
    return page(
        "session.html",
        meta=meta,
        row=row,
        session=session,
        panel=item_panel(feed, base, "Subscribe to this session"),
        google_event=google_event_url(session.title, session.start, session.end, details, location),
        download=f"{base}{feed.path}?download=1",
        location=location,
        join_url=session.join_url or event.info.join_url,
        followers=followers,
    )
