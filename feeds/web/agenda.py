"""The agenda: the home page (first day, my sessions, the custom-feed builder) and one page per other day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, request, url_for

from ..catalog import CONFERENCE, split_key
from ..model import Session, Speaker
from ..publish.publication import Publication
from ..render.agenda import (
    BUILDER_LIST_LIMIT,
    SPEAKER_CHOICES,
    agenda_day,
    by_name,
    event_days,
    find_sessions,
    find_speakers,
    in_time_order,
)
from ..render.links import VENDOR_LABELS
from ..render.metadata import PageMeta, conference_data, json_ld, summary
from ..text import shown_id
from .context import base_url, published
from .pages import Panel, format_day, item_panel, not_found, page, qr_image
from .responses import redirect_answer
from .routing import ReadOnlyBlueprint
from .selection import Selection, custom_links, requested_selection

bp = ReadOnlyBlueprint("agenda", __name__)


@bp.get("/")
def index() -> Response:
    """Show the first day of the agenda, my sessions, the conference's subscribe panel and the builder."""
    publication = published()
    return agenda_page(publication, event_days(publication.event)[0], home=True)


@bp.get("/days/<day>")
def day_page(day: str) -> Response:
    """Show one day of the agenda (the first day is the home page)."""
    publication = published()
    days = event_days(publication.event)
    wanted = next((d for d in days if d.isoformat() == day), None)
    if wanted is None:
        listed = ", ".join(d.isoformat() for d in days[:3]) + (", ..." if len(days) > 3 else "")
        return not_found(f"The agenda has no day '{shown_id(day)}'; its days are {listed}.")
    if wanted == days[0]:
        return redirect_answer(url_for("agenda.index"), 301)
    return agenda_page(publication, wanted, home=False)


def day_path(day: date, first: date) -> str:
    """Return the address of a day of the agenda: the home page for the first day."""
    return url_for("agenda.index") if day == first else url_for("agenda.day_page", day=day.isoformat())


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
        json_ld=json_ld(conference_data(event.info, base + url_for("agenda.index"))) if home else "",
    )
    return page(
        "index.html",
        400 if problem and selection.status == 200 else selection.status,
        meta=meta,
        home=home,
        agenda=agenda_day(publication, day),
        days=[(d, day_path(d, days[0])) for d in days],
        panel=item_panel(conference, base, "Subscribe to the whole conference"),
        mine_feed=base + url_for("feeds.custom_feed"),
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
