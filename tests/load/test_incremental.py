"""The incremental parser: after an edit it composes only the changed parts, and it always answers
exactly what parsing the whole file answers (the same Event, positions included, or the same problems)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import render_event_yaml
from feeds.config import Settings, default_ledger_path
from feeds.load import EventFileError, IncrementalParser, parse_event
from feeds.publish.publisher import Publisher

from ..support.load_cases import BASE_BYTES, event_yaml
from ..support.paths import REAL_EVENT, SMALL_EVENT, Clock

REAL = REAL_EVENT.read_bytes()
SMALL = SMALL_EVENT.read_bytes()
SYNTHETIC = render_event_yaml(sessions=48, speakers=40, tracks=4).encode()
BASES = {"real": REAL, "small": SMALL, "synthetic": SYNTHETIC, "table": BASE_BYTES}

Outcome = tuple[object, ...]


def outcome(parse: Callable[[bytes, str], object], data: bytes) -> Outcome:
    """Return what parsing data gives: the event with its positions, or the problem lines."""
    try:
        event = parse(data, "event.yaml")
    except EventFileError as err:
        return ("problems", [str(problem) for problem in err.problems])
    return ("event", event, getattr(event, "positions", None), [str(w) for w in getattr(event, "warnings", ())])


def assert_same(parser: IncrementalParser, data: bytes) -> Outcome:
    """Parse data with parser and whole, and check both give the same; return it."""
    expected = outcome(parse_event, data)
    assert outcome(parser.parse, data) == expected
    if parser.incremental:
        assert expected[0] == "event", "put together from parts a file that has problems"
    return expected


def note(parser: IncrementalParser, result: Outcome) -> None:
    """Count, in hypothesis' statistics, how often the parts were used."""
    hypothesis.event(f"{result[0]}, {'from parts' if parser.incremental else 'parsed whole'}")


def primed(data: bytes) -> IncrementalParser:
    parser = IncrementalParser()
    parser.parse(data)
    assert parser.incremental
    return parser


def replace_once(data: bytes, old: str, new: str) -> bytes:
    assert data.count(old.encode()) >= 1, old
    return data.replace(old.encode(), new.encode(), 1)


# -- counting what is composed ---------------------------------------------------------------------


def test_every_base_file_is_put_together_from_parts() -> None:
    for name, data in BASES.items():
        parser = IncrementalParser()
        assert_same(parser, data)
        assert parser.incremental, name
        assert parser.reused == 0 and parser.composed == parser.kept, name
        assert_same(parser, data)
        assert (parser.composed, parser.reused) == (0, parser.kept), name


def test_a_one_session_edit_composes_one_part() -> None:
    parser = primed(SYNTHETIC)
    parts = parser.kept
    moved = replace_once(SYNTHETIC, "start: 2025-09-01 10:00", "start: 2025-09-01 10:05")
    assert_same(parser, moved)
    assert parser.incremental
    assert (parser.composed, parser.reused, parser.kept) == (1, parts - 1, parts)


def test_an_edit_that_adds_lines_shifts_the_positions_below_it_without_composing_them() -> None:
    parser = primed(SYNTHETIC)
    longer = replace_once(SYNTHETIC, "    description: |\n", "    description: |\n      One more line.\n")
    assert_same(parser, longer)
    assert parser.incremental and parser.composed == 1
    commented = replace_once(longer, "  - id: track-01\n", "# track one\n  - id: track-01\n")
    assert_same(parser, commented)  # the comment ends the part of track-00
    assert parser.incremental and parser.composed == 1


def test_a_new_speaker_composes_only_the_new_part() -> None:
    parser = primed(SYNTHETIC)
    added = replace_once(SYNTHETIC, "sessions:\n", "  - id: newcomer\n    name: New Comer\nsessions:\n")
    assert_same(parser, added)
    assert parser.incremental and parser.composed == 1


def test_sessions_are_checked_again_when_an_id_they_name_changes_meaning() -> None:
    parser = primed(SYNTHETIC)
    # speaker-0001 is renamed, keeping its old id as an alias: its sessions now name speaker-one.
    renamed = replace_once(SYNTHETIC, "  - id: speaker-0001\n", "  - id: speaker-one\n    aliases: [speaker-0001]\n")
    event = assert_same(parser, renamed)[1]
    assert parser.incremental
    assert any("speaker-one" in session.speakers for session in event.sessions)  # type: ignore[attr-defined]
    users = sum(b"speaker-0001" in part for part in SYNTHETIC.split(b"\n  - id: session-")[1:])
    assert users > 0
    assert parser.composed == 1 + users  # the speaker, and each session that names it
    # Another track gets the old id of track-02 as an alias: its sessions now belong there.
    moved = replace_once(renamed, "  - id: track-02\n", "  - id: track-2\n")
    moved = replace_once(moved, "  - id: track-03\n", "  - id: track-03\n    aliases: [track-02]\n")
    assert_same(parser, moved)
    assert parser.incremental


def test_a_new_time_zone_checks_every_session_again() -> None:
    parser = primed(SYNTHETIC)
    zoned = replace_once(SYNTHETIC, "timezone: America/Los_Angeles", "timezone: Europe/Berlin")
    assert_same(parser, zoned)
    assert parser.incremental and parser.composed == 1 + 48


def test_a_broken_edit_gives_the_whole_file_messages_and_the_fix_composes_one_part() -> None:
    parser = primed(SYNTHETIC)
    broken = replace_once(SYNTHETIC, "    speakers: [speaker-0003", "    speakers: [speaker-9999")
    problems = assert_same(parser, broken)
    assert problems[0] == "problems" and not parser.incremental
    assert parser.kept == primed(SYNTHETIC).kept - 1  # the other parts are kept for the fix
    fixed = replace_once(SYNTHETIC, "    speakers: [speaker-0003", "    speakers: [speaker-0004")
    assert_same(parser, fixed)
    assert parser.incremental and parser.composed == 1


def test_only_the_last_files_parts_are_kept() -> None:
    parser = primed(SYNTHETIC)
    assert_same(parser, REAL)
    assert parser.kept == primed(REAL).kept
    assert_same(parser, b"event: [not, a, file]\n")
    assert parser.kept <= primed(REAL).kept


def test_a_publisher_reload_composes_only_the_edited_session(tmp_path: Path, clock: Clock) -> None:
    event_file = tmp_path / "event.yaml"
    event_file.write_bytes(SYNTHETIC)
    settings = Settings(
        event_file=event_file,
        ledger_file=default_ledger_path(event_file),
        clock=clock,
        reload_seconds=0,
        settle_seconds=0,
    )
    publisher = Publisher(settings)
    assert publisher.parser.incremental and publisher.parser.reused == 0
    clock.advance(minutes=5)
    event_file.write_bytes(replace_once(SYNTHETIC, "start: 2025-09-01 10:00", "start: 2025-09-01 10:05"))
    publisher.check(force=True)
    assert publisher.parser.incremental and publisher.parser.composed == 1
    assert publisher.current is not None and not publisher.status.errors
    assert publisher.current.event == parse_event(event_file.read_bytes(), str(event_file))


# -- files that are put together from parts, or parsed whole -----------------------------------------

MULTILINE_TITLE = '    title: "Compilers\n  - id: hidden\n    and more"'
EDGE_CASES = [
    # (name, edits of the test table's file, whether it can be put together from parts)
    ("comment lines at column 0 and 1 between items", {30: "# day two\n #  late\n  - id: compilers"}, True),
    ("blank lines with spaces", {30: "   \n\n  - id: compilers"}, True),
    ("list items on the line after the dash", {30: "  -\n    id: compilers"}, True),
    ("block text with keep and an explicit indent", {31: "    title: |+2\n      Compilers\n\n"}, True),
    (
        "block text holding list items",
        {31: "    title: Compilers\n    description: |\n      text\n  \n      - id: nope"},
        True,
    ),
    ("a quoted title over two lines", {31: '    title: "Com\n      pilers"'}, True),
    ("a quoted title holding an item line", {31: MULTILINE_TITLE}, False),
    ("a quoted title holding a comment line", {31: '    title: "Compilers\n# not a comment"'}, False),
    ("a flow list over two lines", {35: "    speakers: [\n      grace]"}, True),
    ("a flow list reaching column 0", {35: "    speakers: [grace,\nada]"}, False),
    (
        "a flow mapping item over two lines",
        {
            30: "  - {id: compilers, title: Compilers, start: 2024-03-09 09:30,",
            31: "     end: 2024-03-09 10:00, track: systems, speakers: [grace]}",
            **dict.fromkeys(range(32, 36)),
        },
        True,
    ),
    ("a line left of the item", {33: "    end: 2024-03-09 10:00\n one"}, False),
    (
        "an anchor and an alias in one session",
        {34: "    track: &t systems", 35: "    speakers: [grace]\n    location: *t"},
        False,
    ),
    ("an alias to another session's anchor", {34: "    track: &t systems", 40: "    tracks: [people, *t]"}, False),
    ("a tag", {31: "    title: !!str Compilers"}, True),
    ("a custom tag", {31: "    title: !x Compilers"}, False),
    ("a document start", {1: "---\nevent:"}, False),
    ("a document end", {41: "    speakers: [ada, grace]\n..."}, False),
    ("a directive", {1: "%YAML 1.1\n---\nevent:"}, False),
    ("an indentless list", {23: "sessions:\n- id: opening", 24: None}, False),
    (
        "lists indented by four",
        {
            11: "    - id: systems",
            12: "      name: Systems",
            13: '      color: "#2563eb"',
            14: "    - id: people",
            15: "      name: People",
            16: "      aliases: [humans]",
        },
        True,
    ),
    ("a section twice", {23: "sessions: []\nsessions:"}, False),
    ("an unknown section", {10: "extra: 1\ntracks:"}, False),
    ("an empty list", {17: "speakers: []\nunused:"}, False),
    ("a section key with a comment", {23: "sessions:   # the talks"}, True),
    ("a quoted section key", {23: '"sessions":'}, False),
    ("a tab in quoted text", {31: '    title: "Com\tpilers"'}, True),
    ("a tab in plain text", {31: "    title: Com\tpilers"}, False),
    ("a tab indenting a line", {31: "\ttitle: Compilers"}, False),
    ("a byte-order mark starting a line", {23: "\ufeffsessions:"}, False),
    (
        "a duplicate session",
        {
            41: "    speakers: [ada, grace]\n  - id: teams\n    title: T\n    start: 2024-03-10 10:00\n    duration: 5m\n    plenary: true"
        },
        False,
    ),
    ("an alias equal to another id", {16: "    aliases: [systems]"}, False),
    ("a speaker in two places", {38: "    start: 2024-03-09 09:40"}, False),
    ("a session outside the days", {38: "    start: 2024-03-11 10:00"}, False),
    ("an unknown track", {34: "    track: sistems"}, False),
    ("a control character in a comment", {22: "    name: Grace Hopper # \x07"}, False),
    ("a control character in a head comment", {23: "sessions: # \x07"}, False),
]


@pytest.mark.parametrize(("edits", "incremental"), [pytest.param(e, i, id=n) for n, e, i in EDGE_CASES])
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_edge_cases(edits: dict[int, str | None], incremental: bool, warm: bool) -> None:
    data = event_yaml(edits).encode()
    parser = primed(BASE_BYTES) if warm else IncrementalParser()
    assert_same(parser, data)
    assert parser.incremental == incremental


SESSIONS_AT = BASE_BYTES.index(b"sessions:")
ODD_BYTES = [
    # (name, bytes, whether they can be put together from parts)
    ("crlf", BASE_BYTES.replace(b"\n", b"\r\n"), True),
    ("mixed lf and crlf", BASE_BYTES.replace(b"\n", b"\r\n", 20), True),
    ("byte-order mark", b"\xef\xbb\xbf" + BASE_BYTES, True),
    ("two byte-order marks", b"\xef\xbb\xbf\xef\xbb\xbf" + BASE_BYTES, False),
    ("lone cr line ends", BASE_BYTES.replace(b"\n", b"\r"), False),
    ("a crlf in a title", BASE_BYTES.replace(b"Compilers", b"Com\r\npilers"), False),
    ("a lone cr in a title", BASE_BYTES.replace(b"Compilers", b"Com\rpilers"), False),
    ("line separators", BASE_BYTES.replace(b"Compilers", "Com\u2028pil\x85ers".encode()), True),
    ("no final line break", BASE_BYTES.rstrip(b"\n"), True),
    ("comments before", b"# a comment\n\n  # another\n" + BASE_BYTES, True),
    ("comment after", BASE_BYTES + b"# a comment at the end", True),
    ("sections in another order", BASE_BYTES[SESSIONS_AT:] + BASE_BYTES[:SESSIONS_AT], True),
    ("empty", b"", False),
    ("only a comment", b"# only a comment\n", False),
    ("not utf-8", BASE_BYTES.replace(b"Compilers", b"Comp\xffilers"), False),
    ("cut off", BASE_BYTES[: BASE_BYTES.index(b"  - id: teams") + 9], False),
]


@pytest.mark.parametrize(("data", "incremental"), [pytest.param(d, i, id=n) for n, d, i in ODD_BYTES])
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_odd_bytes(data: bytes, incremental: bool, warm: bool) -> None:
    parser = primed(BASE_BYTES) if warm else IncrementalParser()
    assert_same(parser, data)
    assert parser.incremental == incremental


# -- mutations -----------------------------------------------------------------------------------------

# Text that means something to YAML, or to the cuts.
PIECES = [
    "- ",
    "  - ",
    " - ",
    "   - ",
    "-",
    "#",
    " # x",
    '"',
    "'",
    "|",
    "|+",
    "|-",
    ">",
    "|2",
    ": ",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "? ",
    "---",
    "...",
    "%YAML 1.1",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x07",
    " ",
    "  ",
    "x",
    "id: ",
    "title: ",
    "speakers: [",
    "description: |",
    "plenary: true",
    "sessions:",
    "event:",
    "tracks:",
]
LINES = [
    "",
    "  ",
    "# comment",
    " # comment",
    "  # comment",
    "  - id: extra-session",
    "  - id: extra",
    "    title: Extra",
    "    title: 'Ex",
    '    title: "Ex',
    '    tra"',
    "    tra'",
    "    start: 2024-03-09 12:00",
    "    duration: 5m",
    "    plenary: true",
    "    description: |",
    "    description: >-",
    "      Some text",
    "  Some text",
    " text",
    "  -",
    "    - x",
    "    speakers: [",
    "      ada]",
    "]",
    "  &a x",
    "---",
    "...",
]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """Return data after one to three random edits of lines and characters."""
    text = data.decode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(
                [
                    "delete line",
                    "duplicate line",
                    "insert line",
                    "replace line",
                    "indent line",
                    "insert text",
                    "delete text",
                    "swap lines",
                ]
            )
        )
        if kind == "delete line":
            del lines[at]
        elif kind == "duplicate line":
            lines.insert(at, lines[at])
        elif kind == "insert line":
            lines.insert(at, draw(st.sampled_from(LINES)))
        elif kind == "replace line":
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip(" "))]
            lines[at] = indent + draw(st.lists(st.sampled_from(PIECES), max_size=4).map("".join))
        elif kind == "indent line":
            lines[at] = " " * draw(st.integers(0, 8)) + lines[at].lstrip(" ")
        elif kind == "swap lines":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        text = "\n".join(lines)
        if kind == "insert text":
            position = draw(st.integers(0, len(text)))
            text = (
                text[:position]
                + "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=3)))
                + text[position:]
            )
        elif kind == "delete text":
            position = draw(st.integers(0, len(text)))
            text = text[:position] + text[position + draw(st.integers(1, 12)) :]
    return text.encode("utf-8")


@st.composite
def safe_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """Return data with some values rewritten as other valid text: quoted, block, plain, with comments."""
    text = data.decode("utf-8")
    lines = text.split("\n")
    candidates = [
        i
        for i, line in enumerate(lines)
        if line.lstrip().startswith(("title: ", "name: ", "description: ", "bio: ", "role: "))
    ]
    words = st.text(st.sampled_from("abc XYZ:#-'\"|é日\\"), min_size=1, max_size=12).filter(lambda w: w.strip() == w)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.sampled_from(candidates))
        line = lines[at]
        indent = line[: len(line) - len(line.lstrip(" "))]
        key = line.lstrip().split(":", 1)[0]
        word = draw(words)
        style = draw(st.sampled_from(["double", "single", "block", "folded", "plain", "comment after", "comment line"]))
        if style == "double":
            lines[at] = f'{indent}{key}: "{word.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        elif style == "single":
            lines[at] = f"{indent}{key}: '{word.replace(chr(39), chr(39) * 2)}'"
        elif style in ("block", "folded"):
            lines[at] = f"{indent}{key}: {'|' if style == 'block' else '>'}\n{indent}  {word}\n{indent}  {draw(words)}"
        elif style == "plain":
            lines[at] = f"{indent}{key}: {''.join(c for c in word if c.isalnum() or c == ' ').strip() or 'x'}"
        elif style == "comment after":
            lines[at] = line + " # " + word
        else:
            lines[at] = " " * draw(st.integers(0, len(indent))) + "# " + word + "\n" + line
    return "\n".join(lines).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)).flatmap(lambda name: st.tuples(st.just(name), mutated(BASES[name]))))
def test_any_mutation_gives_what_the_whole_file_gives(case: tuple[str, bytes]) -> None:
    name, data = case
    assert_same(IncrementalParser(), data)
    parser = primed(BASES[name])
    note(parser, assert_same(parser, data))
    assert_same(parser, BASES[name])  # and back, from the parts of the mutated file


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)).flatmap(lambda name: st.tuples(st.just(name), st.data())))
def test_a_chain_of_mutations_gives_what_the_whole_file_gives(case: tuple[str, st.DataObject]) -> None:
    name, draw = case
    parser = primed(BASES[name])
    data = BASES[name]
    for _ in range(3):
        data = draw.draw(mutated(data))
        note(parser, assert_same(parser, data))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)).flatmap(lambda name: st.tuples(st.just(name), safe_edits(BASES[name]))))
def test_valid_edits_are_put_together_from_parts_and_equal_the_whole_file(case: tuple[str, bytes]) -> None:
    name, data = case
    parser = primed(BASES[name])
    result = assert_same(parser, data)
    note(parser, result)
    assert result[0] == "problems" or parser.incremental


# -- warnings and import-friendly fields -------------------------------------------------------------


def test_warnings_are_those_of_the_whole_file() -> None:
    parser = primed(BASE_BYTES)
    allowed = event_yaml({9: "  last_day: 2024-03-10\n  speaker_overlaps: warning", 38: "    start: 2024-03-09 09:45"})
    result = assert_same(parser, allowed.encode())
    assert result[0] == "event" and len(result[3]) == 1  # type: ignore[arg-type]
    unbooked = event_yaml({35: "    speakers: [ada]", 41: "    speakers: [ada]"})
    result = assert_same(parser, unbooked.encode())
    assert result[0] == "event" and len(result[3]) == 1  # type: ignore[arg-type]
    assert_same(parser, BASE_BYTES)
    assert parser.incremental


def test_source_ids_and_empty_track_lists_load_from_parts() -> None:
    tagged = event_yaml({24: "  - id: opening\n    source_id: '17'", 34: "    tracks: []"}).encode()
    parser = primed(BASE_BYTES)
    event = assert_same(parser, tagged)[1]
    assert parser.incremental
    assert event.sessions[0].source_id == "17"  # type: ignore[attr-defined]
    twice = event_yaml({24: "  - id: opening\n    source_id: '17'", 30: "  - id: compilers\n    source_id: '17'"})
    assert assert_same(parser, twice.encode())[0] == "problems"
