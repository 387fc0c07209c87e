"""feeds import: each source format and its variations, read into an event.yaml that passes feeds check."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import cli
from feeds.config import DEFAULTS
from feeds.importer import detect_format, fetch
from feeds.importer.ids import IdMaker, slug_of
from feeds.importer.text import html_to_text, one_line, plain
from feeds.importer.writer import render_document
from feeds.load import load_event, parse_event
from feeds.model import Event
from feeds.text import shorten

from ..support.paths import IMPORT_FIXTURES, ROOT, SCHEMAS

IMPORT = IMPORT_FIXTURES


def run_import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run feeds import with args and return the exit code, stdout and stderr."""
    code = cli.main(["import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, *args: str) -> tuple[Event, str, str]:
    """Import a fixture into tmp_path/event.yaml, check it loads, and return the event, stdout and stderr."""
    target = tmp_path / "event.yaml"
    code, out, err = run_import(tmp_path, capsys, str(IMPORT / name), "-o", str(target), *args)
    assert code == 0, err
    assert "Traceback" not in err
    return load_event(target), out, err


def local(event: Event, ident: str) -> str:
    session = event.session(ident)
    assert session is not None, [s.id for s in event.sessions]
    return f"{session.start:%Y-%m-%d %H:%M}-{session.end:%H:%M}"


# -- frab, pentabarf, wafer ---------------------------------------------------


def test_frab_xml_with_day_room_nesting_and_a_date_per_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, out, err = imported(tmp_path, capsys, "frab.xml", "--timezone", "Europe/Berlin")
    assert (event.info.id, event.info.name, event.info.timezone) == ("ds24", "Datenspuren 2024", "Europe/Berlin")
    assert [t.name for t in event.tracks] == ["Gesellschaft", "Technik"]
    assert [(s.id, s.name, s.source_id) for s in event.speakers] == [
        ("anna-host", "Anna Host", "7"),
        ("bo-builder", "Bo Builder", "8"),
    ]
    ids = [s.id for s in event.sessions]
    # A breakfast every day: unique, stable ids; a title over 64 characters is cut at a word.
    assert ids[0] == "breakfast" and ids[-1] == "breakfast-2"
    long_id = next(s.id for s in event.sessions if s.title.startswith("A very long title"))
    assert long_id == "a-very-long-title-about-privacy-engineering-in-public"
    assert len(long_id) <= 64
    opening = event.session("eroffnung-begrussung")
    assert opening is not None
    assert opening.title == "Eröffnung & Begrüßung"
    assert opening.description == (
        "Willkommen zu den Datenspuren!\n\n- Programm\n- Orga\n\nMehr unter unserer Seite (https://datenspuren.de/)."
    )
    assert opening.location == "Großer Saal"
    assert opening.source_id == "6d1a0c5e-2f1b-4d4b-9a5e-0b9a8f0c1a02"
    # A session without a track is in the conference feed only.
    breakfast = event.session("breakfast")
    assert breakfast is not None and breakfast.tracks == () and not breakfast.plenary
    # Past midnight stays on the right date.
    assert local(event, "lightning-talks-at-night") == "2024-09-20 23:30-01:00"
    assert event.info.last_day.isoformat() == "2024-09-21"
    # The host in an all-day workshop and the opening at once: a warning, not a refusal.
    assert event.info.speaker_overlaps == "warning"
    assert "anna-host" in err and "same time" in err
    assert "2 sessions had a language" in out
    assert "1 session had a subtitle" in out


def test_frab_xml_without_a_zone_name_guesses_one_that_fits_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, _, err = imported(tmp_path, capsys, "frab.xml")
    assert event.info.timezone == "Etc/GMT-2"
    assert "does not name its time zone" in err and "--timezone" in err
    assert local(event, "breakfast") == "2024-09-20 08:30-09:00"


def test_pentabarf_persons_without_ids_and_start_times_on_the_days_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, _, _ = imported(tmp_path, capsys, "pentabarf.xml", "--timezone", "Europe/Brussels")
    assert event.info.id == "fosdem-2025"
    assert [s.name for s in event.speakers] == ["FOSDEM Staff", "Chidi Anagonye", "Eleanor Shellstrop"]
    assert all(s.source_id == "" for s in event.speakers)
    assert local(event, "welcome-to-fosdem-2025") == "2025-02-01 09:30-09:55"
    assert local(event, "closing-fosdem-2025") == "2025-02-02 17:00-17:15"
    rust = event.session("rust-on-tiny-chips")
    assert rust is not None and rust.speakers == ("chidi-anagonye", "eleanor-shellstrop") and rust.source_id == "6101"
    assert rust.start.utcoffset() == ZoneInfo("Europe/Brussels").utcoffset(datetime(2025, 2, 1))


def test_pentabarf_without_a_zone_is_refused_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_import(tmp_path, capsys, str(IMPORT / "pentabarf.xml"), "-o", str(tmp_path / "event.yaml"))
    assert code == 1
    assert "pentabarf.xml:18:7: the times have no offsets" in err and "give --timezone ZONE" in err
    assert "1 problem found" in err
    assert not (tmp_path / "event.yaml").exists()


def test_wafer_day_one_day_before_its_events_uses_each_events_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, _, _ = imported(tmp_path, capsys, "wafer.xml", "--timezone", "Asia/Seoul")
    assert local(event, "bits-from-the-dpl") == "2024-07-28 10:00-10:45"
    assert local(event, "lightning-talks") == "2024-07-29 09:30-09:50"
    assert (event.info.first_day.isoformat(), event.info.last_day.isoformat()) == ("2024-07-28", "2024-07-29")


# -- pretalx / c3voc JSON -----------------------------------------------------


def test_pretalx_json_guids_persons_and_track_colours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event, out, _ = imported(tmp_path, capsys, "pretalx.json")
    assert (event.info.id, event.info.timezone, event.info.uid_domain) == (
        "pycon-de-2024",
        "Europe/Berlin",
        "pycon-de-2024.pretalx.example.org",
    )
    assert [(t.name, t.color) for t in event.tracks] == [
        ("PyData: Machine Learning", "#2563eb"),
        ("Python Core", "#00aa00"),
        ("Community", ""),
    ]
    guido = next(s for s in event.speakers if s.name == "Guido Example")
    assert (guido.id, guido.source_id, guido.bio) == ("guido-example", "ABCD12", "Core developer.")
    marie = next(s for s in event.speakers if s.name == "Marie Curie-Data")
    assert marie.bio == "Maintains pandas."
    pandas = event.session("pandas-the-next-ten-years")
    assert pandas is not None
    assert (pandas.source_id, pandas.description, pandas.speakers) == (
        "3c9e1a7e-0d5b-5a43-9b0e-6f1d2c3b4a02",
        "DataFrames & friends.",
        ("marie-curie-data", "guido-example"),
    )
    keynote = event.session("keynote-the-future-of-python")
    assert keynote is not None and keynote.tracks == ()
    assert keynote.description == "Where Python goes next.\n\nA look at **faster CPython** and free threading."
    assert keynote.url == "https://pretalx.example.org/pycon-de-2024/talk/KEY1/"
    assert "1 track had a colour that is not #RRGGBB (left out)" in out
    assert "1 session had a recording opt-out" in out


def test_schema2_flat_events_with_translated_abstracts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads((IMPORT / "schema2.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "c3voc-schedule2.schema.json").read_text(encoding="utf-8"))
    errors = [error.message for error in jsonschema.Draft6Validator(schema).iter_errors(document)]
    assert not errors, errors
    event, _, _ = imported(tmp_path, capsys, "schema2.json")
    assert [(t.id, t.name, t.color) for t in event.tracks] == [("hardware-making", "Hardware & Making", "#ff9900")]
    solder = event.session("soldering-for-beginners")
    assert solder is not None
    assert (solder.description, solder.tracks) == ("Learn to solder.", ("hardware-making",))
    # Every session is on the one stage: it is the event's location, not repeated on each session.
    assert (event.info.location, solder.location) == ("Stage", "")
    assert local(event, "closing") == "2022-12-28 12:00-12:30"
    # A schema2 meta event (a break) has no track: the conference feed only.
    lunch = event.session("lunch")
    assert lunch is not None and lunch.tracks == ()
    assert local(event, "lunch") == "2022-12-28 13:00-14:00"
    assert event.speaker("lotkolben-larissa") is not None


def test_the_pretalx_fixture_is_valid_c3voc_json() -> None:
    schema = json.loads((SCHEMAS / "c3voc-schedule.schema.json").read_text(encoding="utf-8"))
    document = json.loads((IMPORT / "pretalx.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft6Validator(schema).iter_errors(document)]
    assert not errors, errors


# -- Sessionize ---------------------------------------------------------------


def test_sessionize_categories_as_tracks_and_local_times_in_the_given_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, out, _ = imported(tmp_path, capsys, "sessionize.json", "--timezone", "Europe/Berlin")
    assert [(t.name, t.source_id) for t in event.tracks] == [
        ("Cloud Native", "70001"),
        ("Engineering Culture", "70002"),
    ]
    priya = next(s for s in event.speakers if s.name == "Priya Raman")
    assert (priya.role, priya.bio, priya.source_id) == (
        "Staff Engineer, Cloudy GmbH",
        "Priya runs clusters for a living.",
        "8d3b6a5e-1111-4f4a-9c3b-000000000001",
    )
    k8s = event.session("kubernetes-without-tears")
    assert k8s is not None
    assert (k8s.tracks, k8s.location, k8s.description) == (
        ("cloud-native",),
        "Main Hall",
        "Operators, explained.\nWith demos.",
    )
    assert k8s.start == datetime(2024, 5, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    welcome = event.session("welcome-housekeeping")
    assert welcome is not None and welcome.plenary
    assert "2 sessions had a 'Level' category" in out
    assert "1 session had no time yet (not scheduled, left out)" in out
    assert "1 session had an answer to 'May we record your session?'" in out


def test_sessionize_needs_the_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_import(tmp_path, capsys, str(IMPORT / "sessionize.json"), "-o", str(tmp_path / "e.yaml"))
    assert code == 1
    assert "sessionize.json:1:1: Sessionize times carry no time zone; give the event's zone with --timezone" in err
    assert not (tmp_path / "e.yaml").exists()


# -- iCalendar ----------------------------------------------------------------


def test_ics_recurrence_exdate_categories_speakers_and_messy_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event, out, err = imported(tmp_path, capsys, "calendar.ics")
    assert (event.info.name, event.info.timezone) == ("Community Days 2024", "Europe/Berlin")
    standups = [s for s in event.sessions if s.title == "Morning stand-up"]
    # FREQ=DAILY;COUNT=3 minus the EXDATE on the 11th.
    assert [f"{s.start:%m-%d %H:%M}" for s in standups] == ["06-10 09:00", "06-12 09:00"]
    assert [s.id for s in standups] == ["morning-stand-up", "morning-stand-up-2"]
    assert standups[0].source_id == "standup-1234@google.com/20240610T070000Z"
    rust = event.session("rust-in-production")
    assert rust is not None
    assert rust.tracks == ("systems", "languages")
    # The attendee is the speaker; the meeting room and the calendar's owner are not.
    assert rust.speakers == ("ferris-crab",)
    assert rust.description == "Lessons from three years of Rust.\n\nBring questions!"
    design = event.session("design-systems")
    assert design is not None and design.speakers == ("grace-hopper", "linus-example")
    assert local(event, "design-systems") == "2024-06-11 14:00-14:45"
    # A Windows zone name is understood; an unknown TZID without VTIMEZONE is read in the event zone, with a warning.
    assert local(event, "outlook-made-session") == "2024-06-11 16:00-16:30"
    unknown = event.session("session-with-an-unknown-zone")
    assert unknown is not None and unknown.cancelled
    assert "calendar.ics:51:35: TZID 'Customized Time Zone' is no zone name" in err
    assert "1 session had a METHOD inside the VEVENT" in out


def test_ics_speaker_pattern_is_configurable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "talks.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:Europe/Paris\r\nBEGIN:VEVENT\r\nUID:a@x\r\n"
        "DTSTART:20240301T090000Z\r\nDTEND:20240301T100000Z\r\nSUMMARY:Talk\r\n"
        "DESCRIPTION:Le programme.\\nPar Marie Dupont, Jean Martin\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    target = tmp_path / "event.yaml"
    code, _, err = run_import(
        tmp_path, capsys, str(source), "-o", str(target), "--speaker-pattern", r"^Par (?P<names>.+)$"
    )
    assert code == 0, err
    event = load_event(target)
    talk = event.session("talk")
    assert talk is not None
    # The default pattern knows no "Par"; the organizer's pattern finds the line, and names split at commas.
    assert talk.speakers == ("marie-dupont", "jean-martin")
    assert talk.description == "Le programme.\nPar Marie Dupont, Jean Martin"
    assert local(event, "talk") == "2024-03-01 10:00-11:00"


# -- the written file ---------------------------------------------------------


def test_written_file_has_a_header_comment_and_passes_feeds_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(tmp_path, capsys, "pretalx.json")
    text = (tmp_path / "event.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"# Imported from {IMPORT / 'pretalx.json'} (c3voc schedule.json) on ")
    assert "\nsessions:\n  - id: keynote-the-future-of-python\n" in text
    assert cli.main(["check", str(tmp_path / "event.yaml")]) == 0
    assert "OK: 4 sessions" in capsys.readouterr().out


def test_same_input_gives_the_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = []
    for name in ("a.yaml", "b.yaml"):
        assert (
            cli.main(["import", str(IMPORT / "frab.xml"), "--timezone", "Europe/Berlin", "-o", str(tmp_path / name)])
            == 0
        )
        texts.append((tmp_path / name).read_text().split("\n", 1)[1])
    assert texts[0] == texts[1]


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "event.yaml"
    code, out, _ = run_import(tmp_path, capsys, str(IMPORT / "pretalx.json"), "-o", str(target), "--dry-run")
    assert code == 0
    assert "would change 4 things subscribers see" in out
    assert "  keynote-the-future-of-python: added" in out
    assert not target.exists()


def test_format_detection_and_explicit_from(tmp_path: Path) -> None:
    limit = DEFAULTS["MAX_IMPORT_BYTES"]
    assert [
        detect_format(fetch(str(IMPORT / n), limit))
        for n in ("frab.xml", "pretalx.json", "sessionize.json", "calendar.ics")
    ] == [
        "frab",
        "c3voc",
        "sessionize",
        "ical",
    ]
    renamed = tmp_path / "export.txt"
    renamed.write_bytes((IMPORT / "sessionize.json").read_bytes())
    assert detect_format(fetch(str(renamed), limit)) == "sessionize"
    unknown = tmp_path / "notes.txt"
    unknown.write_text("just some notes")
    assert detect_format(fetch(str(unknown), limit)) == ""
    assert cli.main(["import", str(unknown), "-o", str(tmp_path / "e.yaml")]) == 1


def test_ids_slugs_and_text_helpers() -> None:
    assert slug_of("Eröffnung & Begrüßung", "x") == "eroffnung-begrussung"
    assert slug_of("日本語", "session") == "session"
    assert shorten("abc-defgh-ij", 8) == "abc"
    maker = IdMaker()
    assert [maker.make("Breakfast", "s") for _ in range(3)] == ["breakfast", "breakfast-2", "breakfast-3"]
    long_title = "word " * 30
    first, second = maker.make(long_title, "s"), maker.make(long_title, "s")
    assert len(first) <= 64 and len(second) <= 64 and first != second
    assert html_to_text("<p>One</p><p>Two<br>three</p><script>x()</script>") == "One\n\nTwo\nthree"
    assert plain("a < b and c > d") == "a < b and c > d"
    assert plain("Fish &amp; chips") == "Fish & chips"


def test_url_sources_are_fetched_with_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import http.server
    import threading

    body = (IMPORT / "pretalx.json").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/schedule.json" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        target = tmp_path / "event.yaml"
        assert cli.main(["import", f"{url}/schedule.json", "-o", str(target)]) == 0
        assert load_event(target).session("pandas-the-next-ten-years") is not None
        assert cli.main(["import", f"{url}/missing.json", "-o", str(tmp_path / "x.yaml")]) == 1
        assert "the server answered 404" in capsys.readouterr().err
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("FEEDS_MAX_IMPORT_BYTES", "1000")
            assert cli.main(["import", f"{url}/schedule.json", "-o", str(tmp_path / "y.yaml")]) == 1
        assert "is over 1,000 bytes, the import limit" in capsys.readouterr().err
        assert not (tmp_path / "x.yaml").exists() and not (tmp_path / "y.yaml").exists()
    finally:
        server.shutdown()
        server.server_close()


def test_readme_and_docs_mention_the_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [line for line in readme.splitlines() if line.startswith(".venv/bin/feeds import SOURCE")]
    docs = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert "*/10 * * * *" in docs


def fosdem_sized(path: Path, events: int = 1440) -> None:
    """Write a Pentabarf schedule.xml of a FOSDEM-sized event (over 1 MB) with repeated titles and shared speakers."""
    rooms = [f"Room {index:02d}" for index in range(30)]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<schedule><conference><title>Big Fest</title>']
    parts.append("<acronym>bigfest</acronym><start>2025-02-01</start><end>2025-02-02</end></conference>")
    per_room = events // (2 * len(rooms))
    number = 0
    for day in ("2025-02-01", "2025-02-02"):
        parts.append(f'<day date="{day}">')
        for room in rooms:
            parts.append(f'<room name="{room}">')
            for slot in range(per_room):
                number += 1
                minutes = 9 * 60 + slot * 15
                title = "Lightning talk" if slot % 10 == 0 else f"Talk {number} about subject {number % 97} in depth"
                parts.append(
                    f'<event id="{number}"><start>{minutes // 60:02d}:{minutes % 60:02d}</start><duration>00:15</duration>'
                    f"<room>{room}</room><slug>e{number}</slug><title>{title}</title><subtitle/>"
                    f"<track>Track {number % 8}</track><type>devroom</type><language/>"
                    f"<abstract>&lt;p&gt;Abstract of talk {number}, with enough words to look like a real one.&lt;/p&gt;</abstract>"
                    f"<description/><persons><person>Speaker {number % 700}</person><person>Host {room}</person></persons>"
                    f'<links><link href="https://video.example.org/bigfest/2025/{room}/talk-{number}.webm">Video recording (WebM/AV1)</link>'
                    f'<link href="https://video.example.org/bigfest/2025/{room}/talk-{number}.mp4">Video recording (MP4)</link>'
                    f'<link href="https://submission.example.org/bigfest/talk/{number}/feedback/">Submit feedback</link></links></event>'
                )
            parts.append("</room>")
        parts.append("</day>")
    parts.append("</schedule>\n")
    path.write_text("".join(parts), encoding="utf-8")


def test_a_fosdem_sized_schedule_over_1_mb_imports_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "big.xml"
    fosdem_sized(source)
    assert source.stat().st_size > 1_000_000
    target = tmp_path / "event.yaml"
    assert cli.main(["import", str(source), "--timezone", "Europe/Brussels", "-o", str(target)]) == 0
    capsys.readouterr()
    event = load_event(target)
    assert len(event.sessions) == 1440
    assert len({s.id for s in event.sessions}) == 1440
    assert sum(1 for s in event.sessions if s.id.startswith("lightning-talk")) == 180
    assert len(event.tracks) == 8


def test_repeated_source_ids_keep_both_sessions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "twice.ics"
    event_lines = "BEGIN:VEVENT\r\nUID:same@x\r\nDTSTART:20240301T{}00Z\r\nDURATION:PT30M\r\nSUMMARY:Office hour\r\nEND:VEVENT\r\n"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:UTC\r\n"
        + event_lines.format("0900")
        + event_lines.format("1000")
        + "END:VCALENDAR\r\n"
    )
    target = tmp_path / "event.yaml"
    code, _, err = run_import(tmp_path, capsys, str(source), "-o", str(target))
    assert code == 0, err
    assert "two sessions have the source id 'same@x'; the second is imported without it" in err
    event = load_event(target)
    assert [(s.id, s.source_id) for s in event.sessions] == [("office-hour", "same@x"), ("office-hour-2", "")]


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=60
    ).filter(lambda text: text.strip() != ""),
    description=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\r\x85"),
        max_size=120,
    ),
)
def test_the_writer_quotes_any_text_so_it_reads_back(title: str, description: str) -> None:
    # Text reaches the writer the way every reader hands it over: through plain() and one_line().
    title, description = one_line(title) or "t", plain(description)
    document = {
        "event": {
            "id": "x-event",
            "name": title,
            "timezone": "UTC",
            "uid_domain": "example.org",
            "url": "https://example.org/",
            "description": "d",
            "first_day": "2024-01-01",
            "last_day": "2024-01-01",
        },
        "tracks": [],
        "speakers": [],
        "sessions": [
            {
                "id": "s",
                "title": title,
                "start": "2024-01-01 09:00",
                "duration": "1h",
                "tracks": [],
                "description": description,
            }
        ],
    }
    event = parse_event(render_document(["header"], document).encode(), "event.yaml")
    assert event.info.name == title
    assert event.sessions[0].title == title
    assert event.sessions[0].description == description


def test_ics_moved_occurrence_all_day_event_and_rdate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "series.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Series\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"
        "BEGIN:VEVENT\r\nUID:daily@x\r\nDTSTART;TZID=Europe/Berlin:20240325T090000\r\nDURATION:PT1H\r\n"
        "RRULE:FREQ=DAILY;UNTIL=20240327T235959Z\r\nRDATE;TZID=Europe/Berlin:20240328T090000\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:daily@x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20240326T090000\r\n"
        "DTSTART;TZID=Europe/Berlin:20240326T140000\r\nDURATION:PT1H\r\nSUMMARY:Daily (afternoon)\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:fair@x\r\nDTSTART;VALUE=DATE:20240330\r\nDTEND;VALUE=DATE:20240401\r\nSUMMARY:Fair\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    target = tmp_path / "event.yaml"
    code, _, err = run_import(tmp_path, capsys, str(source), "-o", str(target))
    assert code == 0, err
    event = load_event(target)
    daily = [(s.title, f"{s.start:%m-%d %H:%M}", s.source_id) for s in event.sessions if s.title.startswith("Daily")]
    assert daily == [
        ("Daily", "03-25 09:00", "daily@x/20240325T080000Z"),
        ("Daily (afternoon)", "03-26 14:00", "daily@x/20240326T080000Z"),
        ("Daily", "03-27 09:00", "daily@x/20240327T080000Z"),
        ("Daily", "03-28 09:00", "daily@x/20240328T080000Z"),
    ]
    fair = event.session("fair")
    assert fair is not None
    # Two whole days across the change to summer time: 47 hours of real time, midnight to midnight.
    assert (f"{fair.start:%m-%d %H:%M}", f"{fair.end:%m-%d %H:%M}") == ("03-30 00:00", "04-01 00:00")
    assert (event.info.first_day.isoformat(), event.info.last_day.isoformat()) == ("2024-03-25", "2024-03-31")
