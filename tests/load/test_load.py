"""The loader's test table: bad event.yaml text and the exact lines an organizer reads, then what loads."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.load import ENGINES, MAX_REPORTED, Engine, EventFileError, load_event, parse_event, read_source

from ..support.load_cases import BASE_BYTES, CASES, COUNT, LA, NO_TRACK, UNIQUE, case, event_yaml, load, problems
from ..support.paths import REAL_EVENT


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("source", "expected"), CASES)
def test_problem_messages(source: bytes, expected: list[str], engine: Engine) -> None:
    assert problems(source, engine) == expected


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 45


def test_base_event_loads() -> None:
    event = load()
    assert [s.id for s in event.sessions] == ["opening", "compilers", "teams"]
    assert [t.id for t in event.tracks] == ["systems", "people"]
    assert [s.id for s in event.speakers] == ["ada", "grace"]
    assert event.info.first_day.isoformat() == "2024-03-09"


# -- many problems -------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_sorted_by_position() -> None:
    data = event_yaml(
        {
            5: "  uid_domain: localhost",
            14: "  - id: systems",  # found only after the sessions are read
            19: "    name: ~",
            32: "    start: 10am",
        }
    ).encode()
    with pytest.raises(EventFileError) as caught:
        parse_event(data)
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        "event.yaml:5:15: event.uid_domain: expected a domain name like 'example.org', got 'localhost'",
        f"event.yaml:14:9: tracks[1] (id 'systems').id: track id 'systems' is already used at line 11; {UNIQUE}",
        "event.yaml:19:11: speakers[0] (id 'ada').name: expected text, got nothing",
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '10am'; did you mean '2024-03-09 10:00'?",
        "event.yaml:40:14: sessions[2] (id 'teams').tracks[0]: unknown track 'people'",
    ]
    assert caught.value.report() == "\n".join([*lines, "5 " + COUNT.format("s")])
    assert str(caught.value) == caught.value.report()


def test_one_problem_is_counted_in_the_singular() -> None:
    with pytest.raises(EventFileError) as caught:
        parse_event(event_yaml({32: "    start: 10am"}).encode())
    assert caught.value.report().splitlines()[-1] == "1 " + COUNT.format("")


def test_more_than_200_problems_are_truncated() -> None:
    bad = [f"  - id: s{i}\n    title: T\n    start: {i}am\n    duration: 5m\n    plenary: true" for i in range(250)]
    data = event_yaml({23: "sessions:\n" + "\n".join(bad), **dict.fromkeys(range(24, 42))}).encode()
    with pytest.raises(EventFileError) as caught:
        parse_event(data)
    assert len(caught.value.problems) == 250
    lines = caught.value.report().splitlines()
    assert len(lines) == MAX_REPORTED + 2
    assert lines[0] == "event.yaml:26:12: sessions[0] (id 's0').start: expected 'YYYY-MM-DD HH:MM', got '0am'"
    assert lines[-2:] == ["... and 50 more problems", "250 " + COUNT.format("s")]


# -- what loads --------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["10:30", "no", "yes", "1e3", "0x10", "0o17", "1_000", ".inf", "2024-03-09", "True"])
def test_scalars_are_not_typed_implicitly(title: str) -> None:
    event = load({31: f"    title: {title}", 19: f"    name: {title}"})
    assert event.sessions[1].title == title
    assert event.speakers[0].name == title


def test_plenary_true_and_false_are_booleans() -> None:
    event = load({28: "    plenary: True", 34: "    track: systems\n    plenary: false"})
    assert [s.plenary for s in event.sessions] == [True, False, False]


def test_control_characters_are_removed_but_newlines_and_tabs_kept() -> None:
    event = load(
        {
            31: '    title: "\\x07Ring\\x1b[0m the\\x00 bell "',
            35: '    speakers: [grace]\n    description: "Line one\\r\\nLine two\\tcolumn\\x7f\\rLine three\\x0b"',
        }
    )
    session = event.sessions[1]
    assert session.title == "Ring[0m the bell"
    assert session.description == "Line one\nLine two\tcolumn\nLine three"


def test_unicode_line_separators_are_spaces_and_keep_line_numbers() -> None:
    event = load({31: "    title: Com\u2028pil\x85ers\u2029"})
    assert event.sessions[1].title == "Com pil ers"
    assert problems(event_yaml({31: "    title: Com\u2028pilers", 32: "    start: 10am"}).encode()) == [
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '10am'; did you mean '2024-03-09 10:00'?"
    ]


def test_crlf_file_loads_like_lf_and_block_text_gets_lf() -> None:
    edits = {7: "  description: |\n    First line.\n\n    Second paragraph."}
    lf = parse_event(event_yaml(edits).encode())
    crlf = parse_event(b"\xef\xbb\xbf" + event_yaml(edits).encode().replace(b"\n", b"\r\n"))
    assert crlf.info == lf.info
    assert (crlf.tracks, crlf.speakers, crlf.sessions) == (lf.tracks, lf.speakers, lf.sessions)
    assert crlf.info.description == "First line.\n\nSecond paragraph."
    assert crlf.positions == lf.positions


def test_aliases_resolve_to_canonical_ids() -> None:
    event = load({34: "    track: humans", 35: "    speakers: [countess]", 40: "    tracks: [people, humans, systems]"})
    compilers, teams = event.sessions[1], event.sessions[2]
    assert compilers.tracks == ("people",)
    assert compilers.speakers == ("ada",)
    assert teams.tracks == ("people", "systems")
    assert event.track("humans") is event.tracks[1]
    assert event.speaker("countess") is event.speakers[0]


def test_a_track_and_a_speaker_may_share_an_id() -> None:
    event = load({21: "  - id: systems", 35: "    speakers: [systems]", 41: "    speakers: [ada, systems]"})
    assert event.sessions[1].speakers == ("systems",)


def test_back_to_back_sessions_are_not_an_overlap() -> None:
    # grace ends 'compilers' at 10:00 and starts 'teams' at 10:00.
    event = load()
    compilers, teams = event.sessions[1], event.sessions[2]
    assert compilers.end == teams.start
    assert "grace" in compilers.speakers and "grace" in teams.speakers


def test_cancelled_sessions_do_not_overlap() -> None:
    event = load({38: "    start: 2024-03-09 09:45", 35: "    speakers: [grace]\n    status: cancelled"})
    assert event.sessions[1].cancelled


def test_duration_across_spring_forward_is_real_time() -> None:
    event = load({38: "    start: 2024-03-10 01:30", 39: "    duration: 1h"})
    teams = event.sessions[2]
    assert teams.start == datetime(2024, 3, 10, 1, 30, tzinfo=LA)
    assert teams.end.replace(tzinfo=None) == datetime(2024, 3, 10, 3, 30)
    assert teams.end.astimezone(UTC) - teams.start.astimezone(UTC) == timedelta(hours=1)


def test_duration_across_fall_back_is_real_time() -> None:
    event = load({9: "  last_day: 2024-11-03", 38: "    start: 2024-11-03 00:30", 39: "    duration: 2h"})
    teams = event.sessions[2]
    assert teams.end.replace(tzinfo=None) == datetime(2024, 11, 3, 1, 30)
    assert teams.end.utcoffset() == timedelta(hours=-8)
    assert teams.end.astimezone(UTC) - teams.start.astimezone(UTC) == timedelta(hours=2)


def test_title_of_exactly_243_bytes_loads() -> None:
    title = "é" * 121 + "a"
    assert len(title.encode()) == 243
    assert load({31: f"    title: {title}"}).sessions[1].title == title


def test_explicit_document_markers_and_str_tags_load() -> None:
    data = b"%YAML 1.1\n---\n" + event_yaml({31: "    title: !!str 10:30"}).encode() + b"...\n"
    assert parse_event(data).sessions[1].title == "10:30"


def test_anchors_and_aliases_repeat_values() -> None:
    event = load({29: "    speakers: &pair [ada, grace]", 41: "    speakers: *pair"})
    assert event.sessions[0].speakers == event.sessions[2].speakers == ("ada", "grace")


# -- files --------------------------------------------------------------------------------------------


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "event.yaml"
    path.write_bytes(b"not: [valid yaml\n" * 10)
    with pytest.raises(EventFileError) as caught:
        read_source(path, max_bytes=100)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:1:1: the file is 170 bytes; the limit is 100; make it smaller or raise FEEDS_MAX_EVENT_BYTES"
    ]
    with pytest.raises(EventFileError, match="the limit is 100"):
        load_event(path, max_bytes=100)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "event.yaml"
    path.write_bytes(BASE_BYTES)
    assert read_source(path, max_bytes=len(BASE_BYTES)) == BASE_BYTES
    assert len(load_event(path).sessions) == 3


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(EventFileError) as caught:
        load_event(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:1:1: the file does not exist; create it or set FEEDS_EVENT_FILE"
    ]


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(EventFileError) as caught:
        load_event(tmp_path, max_bytes=10)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}:1:1: is a folder, not a file; point FEEDS_EVENT_FILE at event.yaml"
    ]


def test_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_bytes(BASE_BYTES)
    path = tmp_path / "event.yaml" / "event.yaml"
    with pytest.raises(EventFileError) as caught:
        load_event(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:1:1: cannot be read (Not a directory)"]


def test_problems_name_the_file() -> None:
    with pytest.raises(EventFileError) as caught:
        parse_event(event_yaml({32: "    start: 10am"}).encode(), "conf/agenda.yaml")
    assert str(caught.value.problems[0]).startswith("conf/agenda.yaml:32:12: ")


# -- alias bombs ----------------------------------------------------------------------------------

LAUGHS = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)
]
BOMB = (
    "event.yaml:{}: with this one, YAML aliases (*name) repeat more than 10,000 values; "
    "write the values out or nest fewer aliases"
)


def test_billion_laughs_under_an_unknown_field() -> None:
    edits = {9: "  last_day: 2024-03-10\n  extra:\n" + "\n".join("    " + line for line in LAUGHS)}
    assert problems(event_yaml(edits).encode()) == [BOMB.format("14:51")]


def test_billion_laughs_under_a_text_field() -> None:
    edits = {7: "  description:\n" + "\n".join("    " + line for line in LAUGHS)}
    assert problems(event_yaml(edits).encode()) == [BOMB.format("11:51")]


def test_billion_laughs_under_speakers() -> None:
    laughs = [line.split(": ", 1)[1] for line in LAUGHS]
    edits = {41: "    speakers:\n" + "\n".join("      - " + line for line in laughs)}
    assert problems(event_yaml(edits).encode()) == [BOMB.format("45:49")]


def test_many_aliases_of_a_whole_session() -> None:
    session = "  - &s {id: s1, title: T, start: 2024-03-09 12:00, duration: 1h, plenary: true, speakers: [ada]}"
    edits = {41: "    speakers: [ada, grace]\n" + session + "\n" + "\n".join(["  - *s"] * 2000)}
    assert problems(event_yaml(edits).encode()) == [BOMB.format("757:5")]


def test_recursive_alias() -> None:
    assert problems(event_yaml({35: "    speakers: &s [grace, *s]"}).encode()) == [
        "event.yaml:35:26: the YAML alias '*s' is inside the value it repeats ('&s'), so it never ends; remove it"
    ]


def test_recursive_mapping_alias() -> None:
    assert problems(event_yaml({30: "  - &m {id: compilers, self: *m}"}).encode()) == [
        "event.yaml:30:30: the YAML alias '*m' is inside the value it repeats ('&m'), so it never ends; remove it"
    ]


def test_deep_nesting() -> None:
    data = event_yaml({7: "  description: " + "[" * 5000 + "]" * 5000}).encode()
    expected = ["event.yaml:7:214: lists and mappings are nested more than 200 deep here; flatten them"]
    assert problems(data, "python") == problems(data, "libyaml") == expected


# -- the real agenda ----------------------------------------------------------------------------------


def test_real_event_loads() -> None:
    event = load_event(REAL_EVENT)
    assert (len(event.sessions), len(event.speakers), len(event.tracks)) == (14, 25, 4)
    assert event.info.id == "systems-scale-summer-2023"
    assert all(s.start.tzinfo is not None and s.end > s.start for s in event.sessions)


REAL_TEXT = REAL_EVENT.read_text(encoding="utf-8")


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    """Return the real event.yaml after one to three random edits."""
    data = REAL_TEXT.encode()
    for _ in range(draw(st.integers(1, 3))):
        lines = data.splitlines(keepends=True)
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "insert bytes", "truncate"]))
        at = draw(st.integers(0, max(len(lines), 1) - 1))
        if kind == "delete":
            data = b"".join(lines[:at] + lines[at + 1 :])
        elif kind == "duplicate":
            data = b"".join(lines[: at + 1] + lines[at:])
        elif kind == "insert":
            position = draw(st.integers(0, len(data)))
            text = draw(st.text(st.sampled_from(":-[]{}#&*!|>'\"%@`, \t\n\r?~\\") | st.characters(), max_size=8))
            data = data[:position] + text.encode("utf-8", "surrogatepass") + data[position:]
        elif kind == "insert bytes":
            position = draw(st.integers(0, len(data)))
            data = data[:position] + draw(st.binary(min_size=1, max_size=4)) + data[position:]
        else:
            data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_any_mutation_loads_or_raises_event_file_error(data: bytes) -> None:
    try:
        parse_event(data)
    except EventFileError as err:
        assert err.problems
        assert all(p.line >= 1 and p.column >= 1 and "\n" not in str(p) for p in err.problems)


# -- import-friendly fields ------------------------------------------------------------------------

IMPORT_CASES = [
    case(
        "tracks with nothing after the colon",
        {40: "    tracks:"},
        "event.yaml:40:12: sessions[2] (id 'teams').tracks: expected a list of track ids, got nothing; "
        "write 'tracks: []' for a session in no track",
    ),
    case(
        "empty source_id",
        {11: "  - id: systems\n    source_id: ''"},
        "event.yaml:12:16: tracks[0] (id 'systems').source_id: expected a source id of 1 to 200 characters, got 0",
    ),
    case(
        "source_id of 201 characters",
        {18: "  - id: ada\n    source_id: " + "9" * 201},
        "event.yaml:19:16: speakers[0] (id 'ada').source_id: expected a source id of 1 to 200 characters, got 201",
    ),
    case(
        "source_id with a control character",
        {24: '  - id: opening\n    source_id: "a\\x07b"'},
        "event.yaml:25:16: sessions[0] (id 'opening').source_id: expected a source id of printable characters, "
        "got 'a\\x07b'",
    ),
    case(
        "source_id that is a list",
        {24: "  - id: opening\n    source_id: [1, 2]"},
        "event.yaml:25:16: sessions[0] (id 'opening').source_id: expected the item's id in the schedule tool "
        "it was imported from, got a list",
    ),
    case(
        "source_id used twice among sessions",
        {24: "  - id: opening\n    source_id: 4711", 30: "  - id: compilers\n    source_id: '4711'"},
        "event.yaml:32:16: sessions[1] (id 'compilers').source_id: source_id '4711' is already the source_id of "
        "session 'opening' (line 25, column 16); each session comes from a different item of its source",
    ),
    case(
        "source_id used twice among tracks",
        {11: "  - id: systems\n    source_id: t1", 14: "  - id: people\n    source_id: t1"},
        "event.yaml:16:16: tracks[1] (id 'people').source_id: source_id 't1' is already the source_id of "
        "track 'systems' (line 12, column 16); each track comes from a different item of its source",
    ),
    case(
        "speaker_overlaps misspelled",
        {9: "  last_day: 2024-03-10\n  speaker_overlaps: warn"},
        "event.yaml:10:21: event.speaker_overlaps: expected 'error' or 'warning', got 'warn'; did you mean 'warning'?",
    ),
    case(
        "a speaker in two sessions at once is an error by default",
        {9: "  last_day: 2024-03-10\n  speaker_overlaps: error", 38: "    start: 2024-03-09 09:45"},
        "event.yaml:42:21: sessions[2] (id 'teams').speakers[1]: speaker 'grace' is also in session 'compilers' "
        "(2024-03-09 09:30-10:00) at the same time",
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("source", "expected"), IMPORT_CASES)
def test_import_friendly_field_messages(source: bytes, expected: list[str], engine: Engine) -> None:
    assert problems(source, engine) == expected


def test_an_empty_track_list_puts_a_session_in_no_track_feed() -> None:
    from feeds.catalog import session_feed_keys

    event = load({34: "    tracks: []"})
    compilers = event.sessions[1]
    assert compilers.tracks == ()
    assert event.session_tracks(compilers) == ()
    assert session_feed_keys(event, compilers) == {"conference", "session:compilers", "speaker:grace"}


def test_a_session_without_track_key_is_still_an_error() -> None:
    assert problems(event_yaml({34: None}).encode()) == [f"event.yaml:30:5: sessions[1] (id 'compilers'): {NO_TRACK}"]


def test_source_ids_are_kept_and_change_no_feed() -> None:
    from feeds.config import Settings
    from feeds.ledger import advance
    from feeds.publish.publication import Publication

    plain = load()
    tagged = load(
        {
            11: "  - id: systems\n    source_id: track-7",
            18: "  - id: ada\n    source_id: '1234'",
            24: "  - id: opening\n    source_id: 6f1c0d2e-8b1a-4d5e-9c3b-2a7f1e0d9c4b",
        }
    )
    assert tagged.tracks[0].source_id == "track-7"
    assert tagged.speakers[0].source_id == "1234"
    assert tagged.sessions[0].source_id == "6f1c0d2e-8b1a-4d5e-9c3b-2a7f1e0d9c4b"
    assert plain.sessions[1].source_id == ""
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    bodies = []
    for event in (plain, tagged):
        ledger, _ = advance(None, event, moment, 30)
        publication = Publication(event, ledger, Settings(event_file=Path("event.yaml"), ledger_file=Path("l.json")))
        bodies.append([publication.body(key, "https://feeds.invalid").data for key in sorted(ledger.feeds)])
    assert bodies[0] == bodies[1]


def test_the_same_source_id_may_name_a_track_a_speaker_and_a_session() -> None:
    event = load(
        {
            11: "  - id: systems\n    source_id: '1'",
            18: "  - id: ada\n    source_id: '1'",
            24: "  - id: opening\n    source_id: '1'",
        }
    )
    assert {event.tracks[0].source_id, event.speakers[0].source_id, event.sessions[0].source_id} == {"1"}


def test_overlapping_speakers_are_a_warning_when_the_event_says_so() -> None:
    event = load({9: "  last_day: 2024-03-10\n  speaker_overlaps: warning", 38: "    start: 2024-03-09 09:45"})
    assert event.info.speaker_overlaps == "warning"
    assert [str(w) for w in event.warnings] == [
        "event.yaml:42:21: sessions[2] (id 'teams').speakers[1]: speaker 'grace' is also in session 'compilers' "
        "(2024-03-09 09:30-10:00) at the same time",
    ]


def test_a_speaker_in_no_session_is_a_warning_naming_them() -> None:
    event = load({35: "    speakers: [ada]", 41: "    speakers: [ada]"})
    assert [str(w) for w in event.warnings] == [
        "event.yaml:21:5: speakers[1] (id 'grace'): speaker 'Grace Hopper' is in no session; "
        "add 'grace' to a session's speakers, or remove the speaker",
    ]
    assert load().warnings == ()


def test_check_prints_the_warnings_with_their_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from feeds.cli import main

    event_file = tmp_path / "event.yaml"
    edits = {9: "  last_day: 2024-03-10\n  speaker_overlaps: warning", 38: "    start: 2024-03-09 09:45"}
    event_file.write_text(event_yaml({**edits, 35: "    speakers: [ada]", 41: "    speakers: [ada]"}))
    assert main(["check", str(event_file)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"warning: {event_file}:22:5: speakers[1] (id 'grace'): speaker 'Grace Hopper' is in no session; "
        "add 'grace' to a session's speakers, or remove the speaker",
        f"warning: {event_file}:42:16: sessions[2] (id 'teams').speakers[0]: speaker 'ada' is also in session "
        "'compilers' (2024-03-09 09:30-10:00) at the same time",
    ]
    assert out[-1].startswith(f"{event_file}: OK: 3 sessions")


def test_an_end_written_as_a_clock_time_is_suggested_on_the_start_day() -> None:
    data = event_yaml({32: "    start: 2024-03-10 09:30", 33: "    end: 10.30"}).encode()
    assert problems(data) == [
        "event.yaml:33:10: sessions[1] (id 'compilers').end: expected 'YYYY-MM-DD HH:MM', got '10.30'; "
        "did you mean '2024-03-10 10:30'?"
    ]
    assert problems(event_yaml({32: "    start: 2024-03-09T17:30Z"}).encode()) == [
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '2024-03-09T17:30Z'; "
        "write the local time without an offset: '2024-03-09 09:30'"
    ]


def test_a_suggestion_ends_a_sentence_without_stray_punctuation() -> None:
    from feeds.load import sentence
    from feeds.text import suggest

    hint = "unknown track 'ai-platfrom'" + suggest("ai-platfrom", ["ai-platform", "people"])
    assert sentence(hint) == "unknown track 'ai-platfrom'; did you mean 'ai-platform'?"
    assert sentence("unknown track 'zzz'") == "unknown track 'zzz'."
    assert sentence("Done.") == "Done."


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(" \t\n\r\x00\x07\x7f\x85\x9f\u2028\ufeff\xa0\u3000ab") | st.characters()))
def test_clean_text_removes_controls_and_trims_like_its_definition(value: str) -> None:
    import unicodedata

    from feeds.load import clean_text

    lines = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in lines if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    assert clean_text(value) == re.sub(r"^[\s\ufeff]+|[\s\ufeff]+$", "", kept)
