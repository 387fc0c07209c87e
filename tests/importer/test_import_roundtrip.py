"""Round trip: importing this service's own /schedule.xml and /schedule.json gives back the same event."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from benchmarks.generate import render_event_yaml
from feeds import cli
from feeds.load import load_event
from feeds.model import Event

from ..support.paths import REAL_EVENT, SMALL_EVENT, Clock

FESTIVAL_SESSIONS = 300


def essence(event: Event) -> dict[str, Any]:
    """Return what a round trip must keep: ids, times, tracks, speakers, titles, descriptions and status."""
    names = {speaker.id: speaker.name for speaker in event.speakers}
    listed = {ident for session in event.sessions for ident in session.speakers}
    return {
        "tracks": sorted((track.id, track.name) for track in event.tracks),
        "speakers": sorted((ident, names[ident]) for ident in listed),
        "sessions": sorted(
            (
                session.id,
                session.title,
                session.start,
                session.end,
                tuple(sorted(session.tracks)),
                session.plenary,
                session.speakers,
                session.status,
                session.description,
                session.url,
            )
            for session in event.sessions
        ),
    }


def without_session(text: str, ident: str) -> str:
    """Return event.yaml text without the list item of the session with this id."""
    lines = text.split("\n")
    start = lines.index(f"  - id: {ident}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - ") or not lines[i].startswith(" ")),
        len(lines),
    )
    return "\n".join(lines[:start] + lines[end:])


def source_of(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    target = folder / "event.yaml"
    if name == "festival":
        target.write_text(render_event_yaml(FESTIVAL_SESSIONS), encoding="utf-8")
    else:
        shutil.copy(REAL_EVENT if name == "real" else SMALL_EVENT, target)
    return target


CASES = [
    (name, document, zone_given)
    for name in ("small", "real", "festival")
    for document, zone_given in (("schedule.json", False), ("schedule.xml", True), ("schedule.xml", False))
    # The festival runs once per document: the zone guess is covered by the small and the real event.
    if not (name == "festival" and document == "schedule.xml" and not zone_given)
]


@pytest.mark.parametrize(("name", "document", "zone_given"), CASES)
def test_importing_our_own_schedule_gives_back_the_event(
    make_app: Callable[..., Flask],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    document: str,
    zone_given: bool,
) -> None:
    source = source_of(name, tmp_path)
    original = load_event(source)
    with make_app(source).test_client() as client:
        response = client.get(f"/{document}")
    assert response.status_code == 200
    exported = tmp_path / document
    exported.write_bytes(response.data)
    target = tmp_path / "imported.yaml"
    args = ["import", str(exported), "-o", str(target)]
    if zone_given:
        args += ["--timezone", original.info.timezone]
    assert cli.main(args) == 0, capsys.readouterr().err
    back = load_event(target)
    assert essence(back) == essence(original)
    assert back.info.id == original.info.id
    assert back.info.name == original.info.name
    assert (back.info.first_day, back.info.last_day) == (original.info.first_day, original.info.last_day)
    if document == "schedule.json" or zone_given:
        assert back.info.timezone == original.info.timezone
    if document == "schedule.json":
        # Only schedule.json has room for track colours and the event's page.
        assert [(t.id, t.color) for t in back.tracks] == [(t.id, t.color) for t in original.tracks]
        assert back.info.url == original.info.url
        # The guids prove the calendar domain, so the imported event serves the very same UIDs.
        assert back.info.uid_domain == original.info.uid_domain


@pytest.mark.parametrize("document", ["schedule.json", "schedule.xml"])
def test_round_trip_after_a_move_and_a_removal(
    make_app: Callable[..., Flask], tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str], document: str
) -> None:
    # The export then says "Moved from ..." and keeps a removed session's placeholder; neither is the event.
    source = source_of("small", tmp_path)
    client = make_app(source).test_client()
    assert client.get("/conference.ics").status_code == 200
    text = source.read_text(encoding="utf-8")
    text = text.replace(
        "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
    )
    source.write_text(without_session(text, "night-owl"), encoding="utf-8")
    os.utime(source, (1_800_000_000, 1_800_000_000))
    clock.advance(hours=1)
    response = client.get(f"/{document}")
    assert b"Moved from" in response.data and b"Removed from the schedule." in response.data
    exported = tmp_path / document
    exported.write_bytes(response.data)
    target = tmp_path / "imported.yaml"
    assert cli.main(["import", str(exported), "-o", str(target), "--timezone", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "1 session had was a removed session's placeholder (left out)" not in out
    assert "1 session was a removed session's placeholder (left out)" in out
    assert essence(load_event(target)) == essence(load_event(source))
