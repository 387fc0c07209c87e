"""The agenda's days, time slots and searches, as pure functions of a publication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from feeds.publish.publication import Publication
from feeds.publish.publisher import Publisher
from feeds.render.agenda import (
    COMPACT_DAY,
    agenda_day,
    event_days,
    find_sessions,
    find_speakers,
    group_slots,
    search_text,
    session_rows,
)


def publication_of(app: Flask) -> Publication:
    publisher: Publisher = app.extensions["feeds"]
    assert publisher.current is not None
    return publisher.current


@pytest.fixture
def publication(make_app: Callable[..., Flask], event_dir: Path) -> Publication:
    return publication_of(make_app(event_dir / "event.yaml"))


def test_days_cover_the_event_and_any_session_outside_it(publication: Publication) -> None:
    assert event_days(publication.event) == [date(2024, 3, 30), date(2024, 3, 31)]


def test_a_day_groups_sessions_by_start(publication: Publication) -> None:
    first = agenda_day(publication, date(2024, 3, 30))
    assert [[row.session.id for row in slot.rows] for slot in first.slots] == [["opening"], ["engines"], ["dropped"]]
    assert [f"{slot.start:%H:%M}" for slot in first.slots] == ["09:00", "09:15", "10:00"]
    assert not first.compact
    assert [s.id for s in first.speakers] == ["ada", "host", "zoe"], "by name, each once"
    second = agenda_day(publication, date(2024, 3, 31))
    assert [row.session.id for row in second.rows] == ["night-owl"]
    assert agenda_day(publication, date(2024, 4, 1)).slots == ()


def test_parallel_sessions_share_a_slot_in_time_order(publication: Publication) -> None:
    rows = session_rows(publication, publication.event.sessions)
    opening, engines = rows[0], rows[1]
    twin = type(engines)(engines.session, engines.tracks, engines.speakers)
    early = type(opening)(opening.session, opening.tracks, opening.speakers)
    slots = group_slots([twin, early, engines])
    assert [len(slot.rows) for slot in slots] == [1, 2]
    assert slots[0].rows == (early,)


def test_a_long_day_is_compact(publication: Publication) -> None:
    rows = session_rows(publication, publication.event.sessions)
    many = rows[:1] * (COMPACT_DAY + 1)
    day = type(agenda_day(publication, date(2024, 3, 30)))(date(2024, 3, 30), group_slots(many))
    assert day.compact


def test_searches_match_every_word_in_any_case(publication: Publication) -> None:
    event = publication.event
    assert search_text("  Zoë  ÜNÏCODE ") == "zoë ünïcode"
    assert [s.id for s in find_speakers(event, "ünïcode")] == ["zoe"]
    assert [s.id for s in find_speakers(event, "analyst engines")] == ["ada"]
    assert find_speakers(event, "") == []
    assert [s.id for s in find_sessions(event, "looms")] == ["engines"]
    assert [s.id for s in find_sessions(event, "ada")] == ["engines"], "speakers' names count"
    assert [s.id for s in find_sessions(event, "second paragraph")] == ["engines"], "abstracts count"
    assert find_sessions(event, "looms nowhere") == []
    assert len(find_sessions(event, "a", limit=2)) == 2


def test_a_moved_session_keeps_its_previous_start(
    make_app: Callable[..., Flask], event_dir: Path, clock: object
) -> None:
    app = make_app(event_dir / "event.yaml")
    event = event_dir / "event.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace("start: 2024-03-30 09:15", "start: 2024-03-30 09:45"),
        encoding="utf-8",
    )
    clock.advance(hours=1)  # type: ignore[attr-defined]
    app.test_client().get("/")
    publication = publication_of(app)
    [row] = session_rows(publication, [publication.event.session("engines")])  # type: ignore[list-item]
    assert row.moved_from == "Sat 30 Mar 09:15 CET"
    assert row.previous_start is not None and f"{row.previous_start:%H:%M}" == "09:15"
