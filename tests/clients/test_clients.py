"""Every feed, read by the parsers real clients are built on, says exactly what event.yaml says.

Parsers: ical.js (Thunderbird), libical 3 (Evolution, GNOME), ical (Home
Assistant), vobject and icalendar. For each: every SUMMARY, DESCRIPTION,
LOCATION and CATEGORIES decodes to the text derived from event.yaml, every
DTSTART/DTEND resolves through the feed's own VTIMEZONE to zoneinfo's instant,
UIDs are unique per feed and the same in every feed, and no parser reports an
error. The byte-level checks (folding, property names, VTIMEZONE placement and
Outlook's VTIMEZONE shape) use no iCalendar library at all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds import create_app
from feeds.config import Settings
from feeds.ledger import advance
from feeds.load import load_event
from feeds.publish.publication import Publication
from feeds.text import LEFT_NOTE, REMOVED_NOTE

from ..support.paths import REAL_EVENT, SMALL_EVENT
from .drivers import ParsedCalendar, Parser
from .expected import ExpectedFeed, Tombstone, clean, expected_custom, expected_feeds
from .structure import ALLOWED, check_feed, zone_transitions

BASE = "https://feeds.example.org"
FIRST_PUBLISHED = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
MATRIX = [
    ("America/Los_Angeles", 2024),
    ("Europe/Berlin", 2024),
    ("Europe/Dublin", 2024),
    ("Australia/Sydney", 2024),
    ("Asia/Kolkata", 2024),
    ("America/Sao_Paulo", 2024),
    ("America/Sao_Paulo", 2018),
    ("America/Sao_Paulo", 2019),  # daylight time ended for good on 17 February
    ("Pacific/Chatham", 2024),
]
SCENARIOS = ["real", "small", "small-revised", *(f"{zone}@{year}" for zone, year in MATRIX)]


class Clock:
    """A settable clock for revision times."""

    def __init__(self) -> None:
        self.now = FIRST_PUBLISHED

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class Feed:
    """One served calendar and what it must say."""

    label: str
    data: bytes
    expected: ExpectedFeed


@dataclass(slots=True)
class Scenario:
    """The feeds of one event as served, with the SEQUENCE the ledger gives each UID."""

    feeds: list[Feed]
    sequences: dict[str, int]
    parsed: dict[str, list[ParsedCalendar]] = field(default_factory=dict)


def make_app(event_file: Path, clock: Clock) -> Flask:
    """Return the service for one event file, with a fixed clock."""
    config = {"EVENT_FILE": str(event_file), "BASE_URL": BASE, "CLOCK": clock, "RELOAD_SECONDS": 0}
    return create_app({**config, "SETTLE_SECONDS": 0, "TESTING": True})


def served(app: Flask, expected: dict[str, ExpectedFeed], keys: list[str] | None = None) -> Scenario:
    """Return the feeds the app serves (all of them, or keys) paired with what they must say."""
    publication = app.extensions["feeds"].current
    rendered = publication.render_all(BASE)
    assert sorted(rendered) == sorted(expected), "the service serves other feeds than event.yaml defines"
    with app.test_client() as client:
        assert client.get("/conference.ics").data == rendered["conference"].data
    feeds = [Feed(key, rendered[key].data, expected[key]) for key in keys or sorted(rendered)]
    sequences = {entry.uid: entry.sequence for entry in publication.ledger.sessions.values()}
    return Scenario(feeds, sequences)


def publish_file(folder: Path, source: Path) -> Scenario:
    """Return the first publication of an event file."""
    shutil.copy(source, folder / "event.yaml")
    event = load_event(folder / "event.yaml")
    return served(make_app(folder / "event.yaml", Clock()), expected_feeds(event, BASE))


def replace_once(text: str, old: str, new: str) -> str:
    """Return text with old replaced by new, failing unless old occurs exactly once."""
    assert text.count(old) == 1, f"the fixture changed: {old!r} is not in it once"
    return text.replace(old, new)


def publish_revision(folder: Path) -> Scenario:
    """Return the small event after a second revision: a move, a deletion and a change of track."""
    path = folder / "event.yaml"
    shutil.copy(SMALL_EVENT, path)
    clock = Clock()
    app = make_app(path, clock)
    before = load_event(path)
    text = path.read_text()
    text = replace_once(
        text, "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00", "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"
    )
    opening = text[text.index("  - id: opening") : text.index("  - id: engines")]
    text = replace_once(text, opening, "")
    text = replace_once(text, "track: systems\n    location: Room 2", "track: people\n    location: Room 2")
    path.write_text(text)
    clock.now += timedelta(days=1)
    app.extensions["feeds"].check(force=True)
    after = load_event(path)
    gone = ("conference", "track:systems", "track:people", "speaker:host", "session:opening")
    tombstones = tuple(Tombstone(key, before, "opening", REMOVED_NOTE) for key in gone)
    tombstones += (Tombstone("track:systems", after, "night-owl", LEFT_NOTE),)
    engines = before.session("engines")
    assert engines is not None
    expected = expected_feeds(after, BASE, tombstones, moved={"engines": engines.start})
    scenario = served(app, expected)
    keys = ("track:people", "speaker:zoe")
    custom = app.extensions["feeds"].current.custom_body(keys, BASE)
    scenario.feeds.append(Feed("custom " + "+".join(keys), custom.data, expected_custom(after, expected, keys)))
    return scenario


def unambiguous(wall: datetime, zone: ZoneInfo) -> bool:
    """Return whether a wall-clock time names exactly one instant in the zone."""
    return wall.replace(tzinfo=zone, fold=0).utcoffset() == wall.replace(tzinfo=zone, fold=1).utcoffset()


def matrix_sessions(zone: ZoneInfo, year: int) -> list[tuple[datetime, datetime, str]]:
    """Return (start, end, how the end is written) for sessions on and around each offset change."""
    moments = [datetime(year, month, 15, 12, tzinfo=zone).astimezone(UTC) for month in (1, 4, 7, 10)]
    for change, _, _ in zone_transitions(zone, year):
        moments += [change + timedelta(minutes=30 * step) for step in range(-8, 9)]
        moments += [change - timedelta(days=1), change + timedelta(days=1)]
    slots = []
    for start in moments:
        if not unambiguous(start.astimezone(zone).replace(tzinfo=None), zone):
            continue  # the loader rejects such a start, by design
        for minutes in (30, 90, 180):
            slots.append((start, start + timedelta(minutes=minutes), f"duration: {minutes}m"))
        end = start + timedelta(hours=2)
        wall_end = end.astimezone(zone).replace(tzinfo=None)
        if unambiguous(wall_end, zone):
            slots.append((start, end, f"end: {wall_end:%Y-%m-%d %H:%M}"))
    return slots


def publish_matrix(folder: Path, zone_name: str, year: int) -> Scenario:
    """Return the conference and track feeds of an event generated in one zone, around its DST changes."""
    zone = ZoneInfo(zone_name)
    slots = matrix_sessions(zone, year)
    days = [moment.astimezone(zone).date() for start, end, _ in slots for moment in (start, end)]
    lines = [
        "event:",
        "  id: matrix",
        f"  name: Matrix {zone_name} {year}",
        f"  timezone: {zone_name}",
        "  uid_domain: matrix.example.org",
        "  url: https://matrix.example.org/",
        "  description: Sessions around every offset change.",
        f"  first_day: {min(days)}",
        f"  last_day: {max(days)}",
        "  location: Room 1",
        "tracks:",
        "  - id: main",
        "    name: Main",
        "speakers: []",
        "sessions:",
    ]
    for number, (start, _, end) in enumerate(slots, 1):
        wall = start.astimezone(zone)
        lines += [
            f"  - id: s{number:03d}",
            f"    title: Slot {number} at {wall:%Y-%m-%d %H:%M} local",
            f"    start: {wall:%Y-%m-%d %H:%M}",
            f"    {end}",
            "    track: main",
        ]
    path = folder / "event.yaml"
    path.write_text("\n".join(lines) + "\n")
    event = load_event(path)
    # The loader reads every wall time as the instant it was generated from.
    instants = [(int(s.start.timestamp()), int(s.end.timestamp())) for s in event.sessions]
    assert instants == [(int(start.timestamp()), int(end.timestamp())) for start, end, _ in slots]
    scenario = served(make_app(path, Clock()), expected_feeds(event, BASE), ["conference", "track:main"])
    assert all(len(feed.expected.events) == len(slots) for feed in scenario.feeds)
    return scenario


class Scenarios:
    """Build each scenario once per run, in its own folder."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, Scenario] = {}

    def get(self, name: str) -> Scenario:
        """Return the scenario, building it the first time."""
        if name not in self.built:
            folder = self.factory.mktemp(name.replace("/", "-").replace("@", "-"))
            builders: dict[str, Callable[[], Scenario]] = {
                "real": lambda: publish_file(folder, REAL_EVENT),
                "small": lambda: publish_file(folder, SMALL_EVENT),
                "small-revised": lambda: publish_revision(folder),
            }
            if name in builders:
                self.built[name] = builders[name]()
            else:
                zone, year = name.split("@")
                self.built[name] = publish_matrix(folder, zone, int(year))
        return self.built[name]


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Scenarios:
    return Scenarios(tmp_path_factory)


def compare(parser: Parser, feed: Feed, result: ParsedCalendar, sequences: dict[str, int]) -> list[str]:
    """Return every difference between what a parser read and what the feed must say."""
    where = f"{parser.name}, {feed.label}"
    problems = [f"{where}: parser reported: {error}" for error in result.errors]
    expected = feed.expected
    if parser.reads_name and result.name != expected.name:
        problems.append(f"{where}: NAME {difference('NAME', result.name, expected.name)}")
    problems += unexpected_properties(where, "VCALENDAR", result.properties)
    uids = [str(event.uid) for event in result.events]
    if len(uids) != len(set(uids)):
        problems.append(f"{where}: a UID appears twice: {sorted(u for u in set(uids) if uids.count(u) > 1)}")
    if set(uids) != set(expected.events):
        problems.append(
            f"{where}: events {sorted(set(uids) - set(expected.events))} are extra, "
            f"{sorted(set(expected.events) - set(uids))} are missing"
        )
    for event in result.events:
        want = expected.events.get(str(event.uid))
        if want is None:
            continue
        label = f"{where}, {event.uid}"
        got_fields = {
            "SUMMARY": event.summary,
            "DESCRIPTION": event.description,
            "LOCATION": event.location,
            "DTSTART": event.start,
            "DTEND": event.end,
            "STATUS": event.status,
            "SEQUENCE": event.sequence,
            "CATEGORIES": event.categories,
        }
        want_fields = {
            "SUMMARY": want.summary,
            "DESCRIPTION": want.description,
            "LOCATION": want.location,
            "DTSTART": want.start,
            "DTEND": want.end,
            "STATUS": want.status,
            "SEQUENCE": sequences[want.uid],
            "CATEGORIES": want.categories,
        }
        if parser.splits_escaped_commas and any("," in name for name in want.categories):
            del got_fields["CATEGORIES"], want_fields["CATEGORIES"]  # a known client bug, see docs/compatibility.md
        for name, got in got_fields.items():
            if got != want_fields[name]:
                problems.append(f"{label}: {name} {difference(name, got, want_fields[name])}")
        if event.summary is not None and len(event.summary.encode()) >= 255:
            problems.append(f"{label}: SUMMARY is {len(event.summary.encode())} octets, the limit is 254")
        problems += unexpected_properties(label, "VEVENT", event.properties)
    return problems


def difference(name: str, got: object, want: object) -> str:
    """Return how a decoded value differs from the expected one: instants as UTC, long texts around the change."""
    if name in ("DTSTART", "DTEND") and isinstance(got, int) and isinstance(want, int):
        return f"decoded as {datetime.fromtimestamp(got, UTC):%Y-%m-%d %H:%M}Z, expected {datetime.fromtimestamp(want, UTC):%Y-%m-%d %H:%M}Z"
    if isinstance(got, str) and isinstance(want, str) and max(len(got), len(want)) > 80:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        return (
            f"differs from character {at} on ({len(got)} vs {len(want)} characters): "
            f"decoded {got[max(at - 10, 0) : at + 20]!r}, expected {want[max(at - 10, 0) : at + 20]!r}"
        )
    return f"decoded as {got!r}, expected {want!r}"


def unexpected_properties(where: str, component: str, names: tuple[str, ...]) -> list[str]:
    """Return problems for properties a parser saw that the feed never writes, or saw twice."""
    extra = sorted(set(names) - ALLOWED[component])
    twice = sorted({n for n in names if names.count(n) > 1 and n != "CATEGORIES"})
    return [f"{where}: {component} has unexpected properties {extra}"] * bool(extra) + [
        f"{where}: {component} has repeated properties {twice}"
    ] * bool(twice)


def parse_scenario(parser: Parser, scenario: Scenario) -> list[ParsedCalendar]:
    """Return the parser's reading of every feed in the scenario, parsing them in one batch."""
    if parser.name not in scenario.parsed:
        scenario.parsed[parser.name] = parser.parse([feed.data for feed in scenario.feeds])
    return scenario.parsed[parser.name]


@pytest.mark.parametrize("name", SCENARIOS)
def test_feed_bytes_follow_the_contract(scenarios: Scenarios, name: str) -> None:
    stamps: dict[str, tuple[str, ...]] = {}
    for feed in scenarios.get(name).feeds:
        try:
            root = check_feed(feed.data)
        except AssertionError as error:
            raise AssertionError(f"{feed.label}: {error}") from None
        uids = [event.one("UID").value for event in root.children if event.name == "VEVENT"]
        assert len(uids) == len(set(uids)), f"{feed.label}: a UID appears twice"
        assert set(uids) == set(feed.expected.events), f"{feed.label}: holds {sorted(uids)}"
        for event in (c for c in root.children if c.name == "VEVENT"):
            stamp = tuple(event.one(n).value for n in ("SEQUENCE", "DTSTAMP", "LAST-MODIFIED", "DTSTART", "DTEND"))
            uid = event.one("UID").value
            assert stamps.setdefault(uid, stamp) == stamp, f"{uid} differs between feeds: {stamp} {stamps[uid]}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_parser_decodes_what_event_yaml_says(parser: Parser, scenarios: Scenarios, name: str) -> None:
    scenario = scenarios.get(name)
    results = parse_scenario(parser, scenario)
    problems = []
    for feed, result in zip(scenario.feeds, results, strict=True):
        problems += compare(parser, feed, result, scenario.sequences)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


def test_matrix_covers_every_offset_change() -> None:
    for zone_name, year in MATRIX:
        zone = ZoneInfo(zone_name)
        changes = zone_transitions(zone, year)
        slots = matrix_sessions(zone, year)
        for change, _, _ in changes:
            assert any(start < change < end for start, end, _ in slots), (zone_name, change)
            # The first start at or after the change (a repeated hour cannot start a session).
            assert any(change <= start <= change + timedelta(hours=1) for start, _, _ in slots), (zone_name, change)
        if changes:  # some session ends inside the repeated hour, where a local DTEND would be ambiguous
            assert any(not unambiguous(end.astimezone(zone).replace(tzinfo=None), zone) for _, end, _ in slots)
        expected = {("Asia/Kolkata", 2024): 0, ("America/Sao_Paulo", 2024): 0, ("America/Sao_Paulo", 2019): 1}
        assert len(changes) == expected.get((zone_name, year), 2), (zone_name, year, changes)


# -- hostile text -------------------------------------------------------------------

FRAGMENTS = [
    "\r\nATTENDEE:mailto:x@example.org",
    "\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected",
    "\r\nDTSTART:19700101T000000Z",
    ",",
    ";",
    "\\",
    ":",
    "\\n",
    "\\N",
    "\\,",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200d",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f389",
    "e\u0301\u0308",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u0645\u0631\u062d\u0628\u0627",
    "\u202e",
    "\U0010fffd",
    "\ufffd",
    " ",
    "\u3000",
    '"',
    "'",
    "#",
    "<b>&amp;</b>",
    "DESCRIPTION:",
    "BEGIN:VCALENDAR",
]
CHARACTERS = st.characters(exclude_categories=("Cs",))
PIECES = st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, max_size=12))
HOSTILE = st.one_of(
    st.lists(PIECES, max_size=10).map("".join),
    st.text(CHARACTERS, min_size=200, max_size=700),
    st.lists(st.sampled_from(FRAGMENTS), min_size=40, max_size=120).map("".join),
)
MAX_TITLE_BYTES = 243
# Characters PyYAML reads literally inside a double-quoted scalar (not line breaks, not a BOM).
LITERAL = set(map(chr, range(0x20, 0x7F))) - {'"', "\\"}


def yaml_quoted(text: str) -> str:
    """Return text as a YAML double-quoted scalar, escaping what PyYAML would not take literally."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in LITERAL or literal_in_yaml(code):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join([*out, '"'])


def literal_in_yaml(code: int) -> bool:
    """Return whether PyYAML reads a non-ASCII character literally in a quoted scalar."""
    if code in (0x2028, 0x2029, 0xFEFF):  # YAML line breaks and the byte-order mark
        return False
    return 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def required(text: str, max_bytes: int = 0) -> str:
    """Return raw text that stays non-empty after cleaning, cut to max_bytes once cleaned."""
    if not clean(text):
        text = "x" + text
    while max_bytes and len(clean(text).encode()) > max_bytes:
        text = text[:-1]
    return text if clean(text) else "x"


@dataclass(frozen=True, slots=True)
class HostileEvent:
    """Raw strings for every free-text field of a small event."""

    name: str
    track: str
    speakers: tuple[tuple[str, str, str], ...]
    sessions: tuple[tuple[str, str, str], ...]

    def yaml(self) -> str:
        """Return the event as event.yaml text, every string double-quoted."""
        lines = [
            "event:",
            "  id: hostile",
            f"  name: {yaml_quoted(self.name)}",
            "  timezone: Europe/Berlin",
            "  uid_domain: hostile.example.org",
            "  url: https://hostile.example.org/",
            f"  description: {yaml_quoted(self.name)}",
            "  first_day: 2024-03-30",
            "  last_day: 2024-03-31",
            "  join_url: https://stream.hostile.example.org/live",
            "tracks:",
            "  - id: main",
            f"    name: {yaml_quoted(self.track)}",
            "speakers:",
        ]
        for number, (name, role, affiliation) in enumerate(self.speakers, 1):
            lines += [
                f"  - id: p{number}",
                f"    name: {yaml_quoted(name)}",
                f"    role: {yaml_quoted(role)}",
                f"    affiliation: {yaml_quoted(affiliation)}",
            ]
        lines.append("sessions:")
        shape = [("tracks: [main]", "[p1, p2]", ""), ("plenary: true", "[p2]", ""), ("track: main", "[]", "cancelled")]
        for number, ((title, description, location), (where, speakers, status)) in enumerate(
            zip(self.sessions, shape, strict=True), 1
        ):
            lines += [
                f"  - id: s{number}",
                f"    title: {yaml_quoted(title)}",
                f"    start: 2024-03-3{number % 2} 1{number}:00",
                "    duration: 45m",
                f"    {where}",
                f"    speakers: {speakers}",
                f"    description: {yaml_quoted(description)}",
                f"    location: {yaml_quoted(location)}",
            ]
            lines += [f"    status: {status}"] * bool(status)
        return "\n".join(lines) + "\n"


HOSTILE_EVENTS = st.builds(
    HostileEvent,
    name=HOSTILE.map(required),
    track=HOSTILE.map(required),
    speakers=st.tuples(*[st.tuples(HOSTILE.map(required), HOSTILE, HOSTILE)] * 2),
    sessions=st.tuples(*[st.tuples(HOSTILE.map(lambda t: required(t, MAX_TITLE_BYTES)), HOSTILE, HOSTILE)] * 3),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile=HOSTILE_EVENTS)
# Found by this test: icalendar turned a literal backslash-N into a line break and dropped a leading
# byte-order mark; a title with CRLF and a property must not become a property.
@example(
    hostile=HostileEvent(
        name="\ufeffConf \\N",
        track="C:\\New, track",
        speakers=(("Ada\r\nATTENDEE:mailto:x@example.org", "\x00Role", ""), ("\u05e9\u05dc\u05d5\u05dd", "", "\\N")),
        sessions=(
            ("\\Network\r\nATTENDEE:x", "\ufeff\nline\\Nnot a line\ufeff", "Room \\N"),
            ("e\u0301\u0308 \U0001f469\u200d\U0001f469\u200d\U0001f467", "\x1b[31mred\u2028next", "\t"),
            ("x" * 243, "a" * 5000, ";" * 300),
        ),
    )
)
def test_hostile_text_reaches_every_parser_exactly(client_parsers: dict[str, Parser], hostile: HostileEvent) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.yaml"
        path.write_text(hostile.yaml(), encoding="utf-8")
        event = load_event(path)
    # The loader keeps every character but control characters, normalizes line ends and trims.
    assert event.info.name == clean(hostile.name)
    assert event.tracks[0].name == clean(hostile.track)
    for speaker, (name, role, affiliation) in zip(event.speakers, hostile.speakers, strict=True):
        assert (speaker.name, speaker.role, speaker.affiliation) == (clean(name), clean(role), clean(affiliation))
    for session, (title, description, location) in zip(event.sessions, hostile.sessions, strict=True):
        assert (session.title, session.description, session.location) == (
            clean(title),
            clean(description),
            clean(location),
        )
    ledger, _ = advance(None, event, FIRST_PUBLISHED, 30)
    publication = Publication(event, ledger, Settings(event_file=path, ledger_file=path.with_suffix(".json")))
    rendered = publication.render_all(BASE)
    expected = expected_feeds(event, BASE)
    feeds = [Feed(key, rendered[key].data, expected[key]) for key in sorted(rendered)]
    for feed in feeds:
        try:
            check_feed(feed.data)
        except AssertionError as error:
            raise AssertionError(f"{feed.label}: {error}") from None
    sequences = {entry.uid: entry.sequence for entry in ledger.sessions.values()}
    problems = []
    for parser in client_parsers.values():
        results = parser.parse([feed.data for feed in feeds])
        for feed, result in zip(feeds, results, strict=True):
            problems += compare(parser, feed, result, sequences)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])


def test_yaml_quoting_round_trips_every_kind_of_character() -> None:
    text = "".join(FRAGMENTS) + "".join(map(chr, range(0x100))) + "\ud7ff\ue000\ufffe\uffff\U00010000\U0010ffff"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.yaml"
        path.write_text(HostileEvent("x", "t", (("a", "", ""),) * 2, (("t", text, ""),) * 3).yaml(), encoding="utf-8")
        event = load_event(path)
    assert event.sessions[0].description == clean(text)
    assert event.sessions[0].start == datetime(2024, 3, 31, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))
