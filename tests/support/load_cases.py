"""The loader's table of bad event.yaml text and the exact lines an organizer reads, and the base event."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pytest
from _pytest.mark.structures import ParameterSet

from feeds.load import Engine, EventFileError, parse_event
from feeds.model import Event

LA = ZoneInfo("America/Los_Angeles")
COUNT = "problem{} found; nothing was published from this file."

# The valid event every case edits. The number after each line is its line number in the file.
BASE = (
    "event:",  # 1
    "  id: conf",  # 2
    "  name: Conf 2024",  # 3
    "  timezone: America/Los_Angeles",  # 4
    "  uid_domain: conf.example.org",  # 5
    "  url: https://conf.example.org/",  # 6
    "  description: A test conference.",  # 7
    "  first_day: 2024-03-09",  # 8
    "  last_day: 2024-03-10",  # 9
    "tracks:",  # 10
    "  - id: systems",  # 11
    "    name: Systems",  # 12
    '    color: "#2563eb"',  # 13
    "  - id: people",  # 14
    "    name: People",  # 15
    "    aliases: [humans]",  # 16
    "speakers:",  # 17
    "  - id: ada",  # 18
    "    name: Ada Lovelace",  # 19
    "    aliases: [countess]",  # 20
    "  - id: grace",  # 21
    "    name: Grace Hopper",  # 22
    "sessions:",  # 23
    "  - id: opening",  # 24
    "    title: Opening",  # 25
    "    start: 2024-03-09 09:00",  # 26
    "    duration: 15m",  # 27
    "    plenary: true",  # 28
    "    speakers: [ada]",  # 29
    "  - id: compilers",  # 30
    "    title: Compilers",  # 31
    "    start: 2024-03-09 09:30",  # 32
    "    end: 2024-03-09 10:00",  # 33
    "    track: systems",  # 34
    "    speakers: [grace]",  # 35
    "  - id: teams",  # 36
    "    title: Teams",  # 37
    "    start: 2024-03-09 10:00",  # 38
    "    duration: 30m",  # 39
    "    tracks: [people, systems]",  # 40
    "    speakers: [ada, grace]",  # 41
)


def event_yaml(edits: Mapping[int, str | None] | None = None) -> str:
    """Return BASE as YAML text with lines replaced or deleted, by their line number in BASE.

    A replacement may hold several lines ("a\\nb"), which shifts only the lines below it;
    None deletes the line.
    """
    lines = list(BASE)
    for number, text in sorted((edits or {}).items(), reverse=True):
        lines[number - 1 : number] = [] if text is None else text.split("\n")
    return "\n".join(lines) + "\n"


def case(name: str, edits: Mapping[int, str | None], *expected: str) -> ParameterSet:
    """Return a table row: BASE with edits, and every problem line it must produce, in order."""
    return pytest.param(event_yaml(edits).encode(), list(expected), id=name)


def raw(name: str, data: bytes, *expected: str) -> ParameterSet:
    """Return a table row for bytes that cannot be written as line edits."""
    return pytest.param(data, list(expected), id=name)


def problems(data: bytes, engine: Engine | None = None) -> list[str]:
    """Return the problem lines for data, which must not load."""
    with pytest.raises(EventFileError) as caught:
        parse_event(data, engine=engine)
    return [str(problem) for problem in caught.value.problems]


def load(edits: Mapping[int, str | None] | None = None) -> Event:
    return parse_event(event_yaml(edits).encode())


BASE_BYTES = event_yaml().encode()
LONG_ID = "a" * 65
INDENT = "this line is not indented like the lines above it; indent the fields of one item by the same number of spaces"
FIELD_HERE = (
    "a field cannot start here; check the indentation of this line and the line above "
    "(a field with fields under it has nothing after its ':')"
)
SLUG_RULE = "of lowercase letters, digits and single hyphens (like 'ai-platform')"
SKIPPED = "(clocks skip it at the daylight-saving change); pick a time outside the skipped hour"
REPEATED = "(clocks repeat it at the daylight-saving change); pick a time outside the repeated hour"
DAYS = "is outside the event's days (2024-03-09 to 2024-03-10); fix the date or event.first_day/last_day"
NO_TRACK = "missing 'track', 'tracks' or 'plenary: true'; every session belongs to a track or to all of them"
DURATION = "expected a duration like '20m', '1h' or '1h30m'"
NOT_BOOL = "(yes, no, on and off are text here, not true or false)"
URL = "expected a URL starting with https:// (or http://)"
UNIQUE = "ids must be unique and are never reused"
CONTROL = "is not allowed in YAML (an invisible control character, often pasted in); delete it"

CASES = [
    # -- YAML syntax ------------------------------------------------------------------
    case(
        "under-indented field",
        {12: "   name: Systems"},
        f"event.yaml:12:4: YAML syntax error: {INDENT}",
    ),
    case(
        "over-indented field",
        {12: "      name: Systems"},
        f"event.yaml:12:7: YAML syntax error: {FIELD_HERE}",
    ),
    case(
        "list item indented less than its siblings",
        {14: " - id: people"},
        f"event.yaml:14:2: YAML syntax error: {INDENT}",
    ),
    case(
        "section with a value and fields under it",
        {1: "event: conf"},
        f"event.yaml:2:3: YAML syntax error: {FIELD_HERE}",
    ),
    case(
        "unclosed double quote points at the opening quote",
        {31: '    title: "Compilers'},
        "event.yaml:31:12: YAML syntax error: this quoted text has no closing quote; add one at the end of the text",
    ),
    case(
        "unclosed single quote",
        {31: "    title: 'Compilers"},
        "event.yaml:31:12: YAML syntax error: this quoted text has no closing quote; add one at the end of the text",
    ),
    case(
        "unquoted colon in a title",
        {31: "    title: Ray: a framework"},
        "event.yaml:31:15: YAML syntax error: ': ' inside unquoted text; put the whole value in quotes "
        '(for example title: "Ray: a framework")',
    ),
    case(
        "text after a closing quote",
        {31: '    title: "Ada" Lovelace'},
        "event.yaml:31:18: YAML syntax error: text after a quoted or bracketed value; "
        "put the whole value in quotes (write '' for a ' inside single quotes)",
    ),
    case(
        "title starting with a bracket",
        {31: "    title: [WIP] Compilers"},
        "event.yaml:31:18: YAML syntax error: text after a quoted or bracketed value; "
        "put the whole value in quotes (write '' for a ' inside single quotes)",
    ),
    case(
        "unclosed flow list",
        {35: "    speakers: [grace"},
        "event.yaml:35:15: YAML syntax error: the '[' here has no matching ']' (or a ',' is missing between items); "
        "quote text that starts with a bracket",
    ),
    case(
        "field without a colon",
        {31: "    title Compilers"},
        "event.yaml:31:5: YAML syntax error: expected 'field: value' on this line (a ':' and a space after the field name)",
    ),
    case(
        "no space after the list dash",
        {14: "  -id: people"},
        "event.yaml:14:3: YAML syntax error: write a space after '-' to start a list item",
    ),
    case(
        "value starting with @",
        {31: "    title: @home"},
        "event.yaml:31:12: YAML syntax error: a value cannot start with '@' unless it is quoted; put the value in quotes",
    ),
    case(
        "value starting with *",
        {31: "    title: *bold* news"},
        "event.yaml:31:12: YAML syntax error: a value cannot start with '*' unless it is quoted; put the value in quotes",
    ),
    case(
        "alias to an anchor that does not exist",
        {31: "    title: *compilers"},
        "event.yaml:31:12: YAML syntax error: '*compilers' repeats an anchor '&compilers' that is not defined above it; "
        "quote text that starts with '*'",
    ),
    case(
        "unknown escape in double quotes",
        {31: '    title: "C:\\path"'},
        "event.yaml:31:15: YAML syntax error: unknown escape after '\\' in double quotes; "
        "write '\\\\' for a backslash, or use single quotes",
    ),
    case(
        "duplicate anchor",
        {31: "    title: &t Compilers", 37: "    title: &t Teams"},
        "event.yaml:37:12: YAML syntax error: the anchor '&t' is already defined at line 31; rename one of them",
    ),
    case(
        "tab indentation",
        {12: "\tname: Systems"},
        "event.yaml:12:1: a tab character here; YAML indents with spaces only, replace tabs with spaces",
    ),
    case(
        "second document",
        {23: "---\nsessions:"},
        "event.yaml:23:1: a second YAML document ('---') starts here; keep everything in one document",
    ),
    case(
        "content after the document end marker",
        {23: "...\nsessions:"},
        "event.yaml:24:1: YAML syntax error: more content after the end of the document; "
        "the file is one mapping of event, tracks, speakers and sessions",
    ),
    # -- bytes and characters ------------------------------------------------------------
    raw(
        "empty file",
        b"",
        "event.yaml:1:1: the file is empty (or only comments); it needs event, tracks, speakers and sessions "
        "(see docs/event-format.md)",
    ),
    raw(
        "only comments",
        b"# agenda to come\n\n   # really\n",
        "event.yaml:1:1: the file is empty (or only comments); it needs event, tracks, speakers and sessions "
        "(see docs/event-format.md)",
    ),
    raw(
        "not UTF-8 (Latin-1 e acute)",
        BASE_BYTES.replace(b"Ada Lovelace", b"Ada Lov\xe9lace"),
        "event.yaml:19:18: the file is not UTF-8 text (byte 0xe9); save it as UTF-8",
    ),
    raw(
        "not UTF-8 after multi-byte characters counts characters",
        BASE_BYTES.replace(b"Ada Lovelace", "Zoë Ünï".encode() + b"\xff"),
        "event.yaml:19:18: the file is not UTF-8 text (byte 0xff); save it as UTF-8",
    ),
    raw(
        "raw control character in the file",
        BASE_BYTES.replace(b"Ada Lovelace", b"Ada\x07 Lovelace"),
        f"event.yaml:19:14: character U+0007 {CONTROL}",
    ),
    raw(
        "raw NUL in the file",
        BASE_BYTES.replace(b"Grace", b"Gr\x00ace"),
        f"event.yaml:22:13: character U+0000 {CONTROL}",
    ),
    raw(
        "BOM and CRLF keep positions",
        b"\xef\xbb\xbf" + event_yaml({32: "    start: 10am"}).encode().replace(b"\n", b"\r\n"),
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '10am'; did you mean '2024-03-09 10:00'?",
    ),
    # -- shape of the document ----------------------------------------------------------------
    raw(
        "top level is a list",
        b"- event\n- tracks\n",
        "event.yaml:1:1: expected a mapping with event, tracks, speakers, sessions, got a list",
    ),
    raw(
        "top level is text",
        b"Conf 2024\n",
        "event.yaml:1:1: expected a mapping with event, tracks, speakers, sessions, got 'Conf 2024'",
    ),
    case(
        "missing sessions section",
        dict.fromkeys(range(23, 42)),
        "event.yaml:1:1: missing field 'sessions'",
    ),
    case(
        "missing event section",
        dict.fromkeys(range(1, 10)),
        "event.yaml:1:1: missing field 'event'",
    ),
    case(
        "misspelled section",
        {23: "sesions:"},
        "event.yaml:1:1: missing field 'sessions'",
        "event.yaml:23:1: unknown field 'sesions'; did you mean 'sessions'?",
    ),
    case(
        "unknown section",
        {23: "venue: Hall A\nsessions:"},
        "event.yaml:23:1: unknown field 'venue'",
    ),
    case(
        "duplicate section",
        {23: "tracks:\nsessions:"},
        "event.yaml:23:1: duplicate field 'tracks' (first at line 10); keep one",
    ),
    case(
        "sessions is text",
        {23: "sessions: none", **dict.fromkeys(range(24, 42))},
        "event.yaml:23:11: sessions: expected a list of sessions, got 'none'",
    ),
    case(
        "event is empty",
        {1: "event:", **dict.fromkeys(range(2, 10))},
        "event.yaml:1:7: event: expected a mapping with id, name, timezone, uid_domain, url, description, "
        "first_day, last_day, got nothing",
    ),
    case(
        "a track that is text",
        {14: "  - people", 15: None, 16: None, 40: "    tracks: [systems]"},
        "event.yaml:14:5: tracks[1]: expected a mapping with id, name, got 'people'",
    ),
    # -- fields ------------------------------------------------------------------------------------
    case(
        "missing title",
        {31: None},
        "event.yaml:30:5: sessions[1] (id 'compilers'): missing field 'title'",
    ),
    case(
        "missing event timezone",
        {4: None},
        "event.yaml:2:3: event: missing field 'timezone'",
    ),
    case(
        "misspelled field",
        {31: "    titel: Compilers"},
        "event.yaml:30:5: sessions[1] (id 'compilers'): missing field 'title'",
        "event.yaml:31:5: sessions[1] (id 'compilers'): unknown field 'titel'; did you mean 'title'?",
    ),
    case(
        "unknown field on a speaker",
        {19: "    name: Ada Lovelace\n    twitter: '@ada'"},
        "event.yaml:20:5: speakers[0] (id 'ada'): unknown field 'twitter'",
    ),
    case(
        "merge key is not supported",
        {37: "    title: Teams\n    <<: {location: Hall A}"},
        "event.yaml:38:5: sessions[2] (id 'teams'): unknown field '<<'",
    ),
    case(
        "duplicate field",
        {32: "    start: 2024-03-09 09:30\n    start: 2024-03-09 09:40"},
        "event.yaml:33:5: sessions[1] (id 'compilers'): duplicate field 'start' (first at line 32); keep one",
    ),
    case(
        "forgotten dash merges two sessions",
        {36: "    id: teams", 37: None, 38: None, 39: None, 40: None, 41: None},
        "event.yaml:36:5: sessions[1] (id 'compilers'): duplicate field 'id' (first at line 30); keep one",
    ),
    case(
        "empty required text",
        {19: "    name:"},
        "event.yaml:19:10: speakers[0] (id 'ada').name: expected text, got nothing",
    ),
    case(
        "blank required text",
        {19: '    name: "  \\x07 "'},
        "event.yaml:19:11: speakers[0] (id 'ada').name: must not be empty",
    ),
    case(
        "empty event url",
        {6: "  url:"},
        "event.yaml:6:7: event.url: expected a URL starting with https://, got nothing",
    ),
    case(
        "empty event description",
        {7: "  description:"},
        "event.yaml:7:15: event.description: expected text, got nothing",
    ),
    # -- wrong types -----------------------------------------------------------------------------
    case(
        "mapping where text is expected",
        {31: "    title: {en: Compilers}"},
        "event.yaml:31:12: sessions[1] (id 'compilers').title: expected text, got a mapping",
    ),
    case(
        "list where text is expected",
        {19: "    name: [Ada, Lovelace]"},
        "event.yaml:19:11: speakers[0] (id 'ada').name: expected text, got a list",
    ),
    case(
        "list where an id is expected",
        {30: "  - id: [compilers]"},
        "event.yaml:30:9: sessions[1].id: expected an id like 'ai-platform', got a list",
    ),
    case(
        "text where a speaker list is expected",
        {35: "    speakers: grace"},
        "event.yaml:35:15: sessions[1] (id 'compilers').speakers: expected a list of speaker ids, got 'grace'; "
        "write [grace]",
    ),
    case(
        "text where a track list is expected",
        {40: "    tracks: people"},
        "event.yaml:40:13: sessions[2] (id 'teams').tracks: expected a list of track ids, got 'people'; write [people]",
    ),
    case(
        "text where an alias list is expected",
        {16: "    aliases: humans"},
        "event.yaml:16:14: tracks[1] (id 'people').aliases: expected a list of old ids, got 'humans'; write [humans]",
    ),
    case(
        "mapping where a list is expected",
        {41: "    speakers: {ada: lead}"},
        "event.yaml:41:15: sessions[2] (id 'teams').speakers: expected a list of speaker ids, got a mapping",
    ),
    case(
        "list where one track is expected",
        {34: "    track: [systems, people]"},
        "event.yaml:34:12: sessions[1] (id 'compilers').track: expected one track id, got a list; "
        "write 'tracks:' for several tracks",
    ),
    case(
        "list where a time is expected",
        {32: "    start: [2024-03-09, 09:30]"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected a local time 'YYYY-MM-DD HH:MM', got a list",
    ),
    case(
        "mapping where a date is expected",
        {8: "  first_day: {day: 9}"},
        "event.yaml:8:14: event.first_day: expected a date like '2023-07-18', got a mapping",
    ),
    case(
        "mapping where a duration is expected",
        {27: "    duration: {minutes: 15}"},
        "event.yaml:27:15: sessions[0] (id 'opening').duration: "
        "expected a duration like '20m', '1h' or '1h30m', got a mapping",
    ),
    case(
        "list where a time zone is expected",
        {4: "  timezone: [America/Los_Angeles]"},
        "event.yaml:4:13: event.timezone: expected a time zone like 'America/Los_Angeles', got a list",
    ),
    case(
        "list where a URL is expected",
        {6: "  url: [https://conf.example.org/]"},
        "event.yaml:6:8: event.url: expected a URL starting with https://, got a list",
    ),
    case(
        "list where a status is expected",
        {37: "    title: Teams\n    status: [cancelled]"},
        "event.yaml:38:13: sessions[2] (id 'teams').status: expected 'confirmed' or 'cancelled', got a list",
    ),
    case(
        "plenary: yes",
        {28: "    plenary: yes"},
        f"event.yaml:28:14: sessions[0] (id 'opening').plenary: expected true or false, got 'yes' {NOT_BOOL}",
    ),
    case(
        "plenary: no",
        {28: "    plenary: no"},
        f"event.yaml:28:14: sessions[0] (id 'opening').plenary: expected true or false, got 'no' {NOT_BOOL}",
    ),
    case(
        "plenary: a list",
        {28: "    plenary: [true]"},
        "event.yaml:28:14: sessions[0] (id 'opening').plenary: expected true or false, got a list",
    ),
    # -- tags -------------------------------------------------------------------------------------
    case(
        "!!python/object on a value",
        {31: "    title: !!python/object:os.system Compilers"},
        "event.yaml:31:12: sessions[1] (id 'compilers').title: "
        "YAML tags such as '!!python/object:os.system' are not allowed; remove the tag",
    ),
    case(
        "!!python/object/apply on a list",
        {31: '    title: !!python/object/apply:os.system ["echo hi"]'},
        "event.yaml:31:12: sessions[1] (id 'compilers').title: "
        "YAML tags such as '!!python/object/apply:os.system' are not allowed; remove the tag",
    ),
    case(
        "tag on an empty optional value",
        {7: "  description: A test conference.\n  location: !!python/name:os.system"},
        "event.yaml:8:13: event.location: YAML tags such as '!!python/name:os.system' are not allowed; remove the tag",
    ),
    case(
        "custom tag",
        {31: "    title: !upper compilers"},
        "event.yaml:31:12: sessions[1] (id 'compilers').title: YAML tags such as '!upper' are not allowed; remove the tag",
    ),
    case(
        "!!int tag",
        {27: "    duration: !!int 15"},
        "event.yaml:27:15: sessions[0] (id 'opening').duration: YAML tags such as '!!int' are not allowed; remove the tag",
    ),
    case(
        "tag on a session",
        {30: "  - !!python/object:feeds.model.Session\n    id: compilers"},
        "event.yaml:30:5: sessions[1] (id 'compilers'): "
        "YAML tags such as '!!python/object:feeds.model.Session' are not allowed; remove the tag",
    ),
    case(
        "!!set where a list is expected",
        {35: "    speakers: !!set {grace}"},
        "event.yaml:35:15: sessions[1] (id 'compilers').speakers: YAML tags such as '!!set' are not allowed; "
        "remove the tag",
    ),
    # -- ids --------------------------------------------------------------------------------------
    case(
        "id with capitals",
        {30: "  - id: Compilers"},
        f"event.yaml:30:9: sessions[1] (id 'Compilers').id: expected an id {SLUG_RULE}, got 'Compilers'; "
        "did you mean 'compilers'?",
    ),
    case(
        "id with spaces",
        {30: "  - id: Compilers 101"},
        f"event.yaml:30:9: sessions[1] (id 'Compilers 101').id: expected an id {SLUG_RULE}, got 'Compilers 101'; "
        "did you mean 'compilers-101'?",
    ),
    case(
        "id with a slash",
        {11: "  - id: systems/infra", 34: "    track: systems-infra"},
        f"event.yaml:11:9: tracks[0] (id 'systems/infra').id: expected an id {SLUG_RULE}, got 'systems/infra'; "
        "did you mean 'systems-infra'?",
        "event.yaml:34:12: sessions[1] (id 'compilers').track: unknown track 'systems-infra'",
        "event.yaml:40:22: sessions[2] (id 'teams').tracks[1]: unknown track 'systems'",
    ),
    case(
        "id ..",
        {18: "  - id: ..", 29: "    speakers: [countess]", 41: "    speakers: [countess, grace]"},
        f"event.yaml:18:9: speakers[0] (id '..').id: expected an id {SLUG_RULE}, got '..'",
    ),
    case(
        "id with accents",
        {21: "  - id: grâce", 35: "    speakers: [grâce]", 41: "    speakers: [ada]"},
        f"event.yaml:21:9: speakers[1] (id 'grâce').id: expected an id {SLUG_RULE}, got 'grâce'; did you mean 'grace'?",
        f"event.yaml:35:16: sessions[1] (id 'compilers').speakers[0]: expected an id {SLUG_RULE}, got 'grâce'; "
        "did you mean 'grace'?",
    ),
    case(
        "id over 64 characters",
        {30: f"  - id: {LONG_ID}"},
        f"event.yaml:30:9: sessions[1] (id '{'a' * 57}...').id: expected an id of at most 64 characters, got 65; "
        "shorten it",
    ),
    case(
        "empty id",
        {30: "  - id:"},
        "event.yaml:30:8: sessions[1].id: expected an id like 'ai-platform', got nothing",
    ),
    case(
        "duplicate session id",
        {36: "  - id: compilers"},
        f"event.yaml:36:9: sessions[2] (id 'compilers').id: session id 'compilers' is already used at line 30; {UNIQUE}",
    ),
    case(
        "duplicate track id",
        {14: "  - id: systems", 40: "    tracks: [systems]"},
        f"event.yaml:14:9: tracks[1] (id 'systems').id: track id 'systems' is already used at line 11; {UNIQUE}",
    ),
    case(
        "duplicate speaker id",
        {21: "  - id: ada", 35: "    speakers: [ada]", 41: "    speakers: [ada]"},
        f"event.yaml:21:9: speakers[1] (id 'ada').id: speaker id 'ada' is already used at line 18; {UNIQUE}",
    ),
    case(
        "track alias is another track's id",
        {16: "    aliases: [systems]"},
        "event.yaml:16:15: tracks[1] (id 'people').aliases[0]: 'systems' is already the id of track 'systems' "
        "(line 11); an alias must not match another track's id or alias",
    ),
    case(
        "speaker alias is a later speaker's id",
        {20: "    aliases: [countess, grace]"},
        "event.yaml:20:25: speakers[0] (id 'ada').aliases[1]: 'grace' is already the id of speaker 'grace' "
        "(line 21); an alias must not match another speaker's id or alias",
    ),
    case(
        "two speakers share an alias",
        {22: "    name: Grace Hopper\n    aliases: [countess]"},
        "event.yaml:23:15: speakers[1] (id 'grace').aliases[0]: 'countess' is already an alias of speaker 'ada' "
        "(line 20); an alias must not match another speaker's id or alias",
    ),
    case(
        "session alias is another session's id",
        {31: "    title: Compilers\n    aliases: [opening]"},
        "event.yaml:32:15: sessions[1] (id 'compilers').aliases[0]: 'opening' is already the id of session 'opening' "
        "(line 24); an alias must not match another session's id or alias",
    ),
    case(
        "own id among the aliases",
        {16: "    aliases: [humans, people]"},
        "event.yaml:16:23: tracks[1] (id 'people').aliases[1]: 'people' is this track's own id; remove it from aliases",
    ),
    # -- references ----------------------------------------------------------------------------------
    case(
        "unknown track",
        {34: "    track: sytems"},
        "event.yaml:34:12: sessions[1] (id 'compilers').track: unknown track 'sytems'; did you mean 'systems'?",
    ),
    case(
        "unknown track in a list",
        {40: "    tracks: [people, system]"},
        "event.yaml:40:22: sessions[2] (id 'teams').tracks[1]: unknown track 'system'; did you mean 'systems'?",
    ),
    case(
        "unknown speaker",
        {41: "    speakers: [ada, grase]"},
        "event.yaml:41:21: sessions[2] (id 'teams').speakers[1]: unknown speaker 'grase'; did you mean 'grace'?",
    ),
    case(
        "unknown speaker after a bad one points at the right item",
        {41: "    speakers: [Ada, grase]"},
        f"event.yaml:41:16: sessions[2] (id 'teams').speakers[0]: expected an id {SLUG_RULE}, got 'Ada'; "
        "did you mean 'ada'?",
        "event.yaml:41:21: sessions[2] (id 'teams').speakers[1]: unknown speaker 'grase'; did you mean 'grace'?",
    ),
    case(
        "unknown speaker with an invisible character",
        {35: '    speakers: ["grace\\u200b"]'},
        "event.yaml:35:16: sessions[1] (id 'compilers').speakers[0]: "
        f"expected an id {SLUG_RULE}, got 'grace\\u200b'; did you mean 'grace'?",
    ),
    # -- times and durations -----------------------------------------------------------------------
    case(
        "start 10am",
        {32: "    start: 10am"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '10am'; did you mean '2024-03-09 10:00'?",
    ),
    case(
        "start with a T",
        {32: "    start: 2024-03-09T09:30"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '2024-03-09T09:30'; write '2024-03-09 09:30'",
    ),
    case(
        "start with a one-digit hour",
        {32: "    start: 2024-03-09 9:30"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '2024-03-09 9:30'; write '2024-03-09 09:30'",
    ),
    case(
        "start with an offset",
        {32: "    start: 2024-03-09 09:30-08:00"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: "
        "expected 'YYYY-MM-DD HH:MM', got '2024-03-09 09:30-08:00'; write the local time without an offset: '2024-03-09 09:30'",
    ),
    case(
        "start at 24:00",
        {32: "    start: 2024-03-09 24:00"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '2024-03-09 24:00'; did you mean '2024-03-10 00:00'?",
    ),
    case(
        "start is only a date",
        {32: "    start: 2024-03-09"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got '2024-03-09'; add the time of day, like '2024-03-09 09:00'",
    ),
    case(
        "end in the year 9999",
        {33: "    end: 9999-12-31 23:59"},
        "event.yaml:33:10: sessions[1] (id 'compilers').end: expected a year from 1900 to 2999, got '9999-12-31 23:59'",
    ),
    case(
        "day without leading zeros",
        {8: "  first_day: 2024-3-9"},
        "event.yaml:8:14: event.first_day: expected a date 'YYYY-MM-DD', got '2024-3-9'",
    ),
    case(
        "day that does not exist",
        {9: "  last_day: 2024-02-30"},
        "event.yaml:9:13: event.last_day: expected a date 'YYYY-MM-DD', got '2024-02-30'",
    ),
    case(
        "last_day before first_day",
        {9: "  last_day: 2024-03-08"},
        "event.yaml:9:13: event.last_day: must not be before first_day (2024-03-09)",
    ),
    case(
        "nonexistent local time",
        {38: "    start: 2024-03-10 02:30"},
        f"event.yaml:38:12: sessions[2] (id 'teams').start: 2024-03-10 02:30 does not exist in America/Los_Angeles {SKIPPED}",
    ),
    case(
        "ambiguous local time",
        {38: "    start: 2024-11-03 01:30"},
        f"event.yaml:38:12: sessions[2] (id 'teams').start: 2024-11-03 01:30 exists twice in America/Los_Angeles {REPEATED}",
    ),
    case(
        "nonexistent end time",
        {33: "    end: 2024-03-10 02:15"},
        f"event.yaml:33:10: sessions[1] (id 'compilers').end: 2024-03-10 02:15 does not exist in America/Los_Angeles {SKIPPED}",
    ),
    case(
        "session after the last day",
        {38: "    start: 2024-03-11 10:00"},
        f"event.yaml:38:12: sessions[2] (id 'teams').start: 2024-03-11 10:00-10:30 {DAYS}",
    ),
    case(
        "session running past midnight of the last day",
        {38: "    start: 2024-03-10 23:45"},
        f"event.yaml:38:12: sessions[2] (id 'teams').start: 2024-03-10 23:45-00:15 {DAYS}",
    ),
    case(
        "session before the first day",
        {32: "    start: 2024-03-08 09:30", 33: "    duration: 30m"},
        f"event.yaml:32:12: sessions[1] (id 'compilers').start: 2024-03-08 09:30-10:00 {DAYS}",
    ),
    case(
        "end equal to start",
        {33: "    end: 2024-03-09 09:30"},
        "event.yaml:33:10: sessions[1] (id 'compilers').end: must be after start (2024-03-09 09:30)",
    ),
    case(
        "end before start",
        {33: "    end: 2024-03-09 09:00"},
        "event.yaml:33:10: sessions[1] (id 'compilers').end: must be after start (2024-03-09 09:30)",
    ),
    case(
        "both end and duration",
        {33: "    end: 2024-03-09 10:00\n    duration: 30m"},
        "event.yaml:34:15: sessions[1] (id 'compilers').duration: give either 'end' or 'duration', not both",
    ),
    case(
        "neither end nor duration",
        {33: None},
        "event.yaml:30:5: sessions[1] (id 'compilers'): missing 'end' or 'duration' (for example duration: 20m)",
    ),
    case(
        "zero duration",
        {27: "    duration: 0m"},
        "event.yaml:27:15: sessions[0] (id 'opening').duration: must be longer than zero minutes",
    ),
    case(
        "zero duration in hours and minutes",
        {27: "    duration: 0h0m"},
        "event.yaml:27:15: sessions[0] (id 'opening').duration: must be longer than zero minutes",
    ),
    case(
        "negative duration",
        {27: "    duration: -15m"},
        f"event.yaml:27:15: sessions[0] (id 'opening').duration: {DURATION}, got '-15m'",
    ),
    case(
        "duration in words",
        {27: "    duration: 15 minutes"},
        f"event.yaml:27:15: sessions[0] (id 'opening').duration: {DURATION}, got '15 minutes'",
    ),
    case(
        "decimal duration",
        {27: "    duration: 1.5h"},
        f"event.yaml:27:15: sessions[0] (id 'opening').duration: {DURATION}, got '1.5h'",
    ),
    case(
        "duration without a unit",
        {27: "    duration: 15"},
        f"event.yaml:27:15: sessions[0] (id 'opening').duration: {DURATION}, got '15'; add a unit, like '15m'",
    ),
    case(
        "absurd duration",
        {27: "    duration: 99999999999999999999h"},
        "event.yaml:27:15: sessions[0] (id 'opening').duration: '99999999999999999999h' is longer than 366 days; "
        "check it",
    ),
    # -- speakers in two places ---------------------------------------------------------------------
    case(
        "speaker in two overlapping sessions",
        {38: "    start: 2024-03-09 09:45"},
        "event.yaml:41:21: sessions[2] (id 'teams').speakers[1]: speaker 'grace' is also in session 'compilers' "
        "(2024-03-09 09:30-10:00) at the same time",
    ),
    case(
        "overlap through a speaker alias",
        {26: "    start: 2024-03-09 09:50", 41: "    speakers: [countess]"},
        "event.yaml:41:16: sessions[2] (id 'teams').speakers[0]: speaker 'ada' is also in session 'opening' "
        "(2024-03-09 09:50-10:05) at the same time",
    ),
    # -- event fields ------------------------------------------------------------------------------
    case(
        "misspelled time zone",
        {4: "  timezone: America/Los_Angles"},
        "event.yaml:4:13: event.timezone: unknown time zone 'America/Los_Angles'; did you mean 'America/Los_Angeles'?",
    ),
    case(
        "time zone in lowercase",
        {4: "  timezone: america/los_angeles"},
        "event.yaml:4:13: event.timezone: unknown time zone 'america/los_angeles'; did you mean 'America/Los_Angeles'?",
    ),
    case(
        "time zone as a path",
        {4: "  timezone: ../../etc/passwd"},
        "event.yaml:4:13: event.timezone: unknown time zone '../../etc/passwd'; "
        "use an IANA name like 'America/Los_Angeles'",
    ),
    case(
        "the server's own time zone",
        {4: "  timezone: localtime"},
        "event.yaml:4:13: event.timezone: unknown time zone 'localtime'; use an IANA name like 'America/Los_Angeles'",
    ),
    case(
        "uid_domain as a URL",
        {5: "  uid_domain: https://conf.example.org/"},
        "event.yaml:5:15: event.uid_domain: expected a domain name like 'example.org', "
        "got 'https://conf.example.org/'; did you mean 'conf.example.org'?",
    ),
    case(
        "uid_domain without a dot",
        {5: "  uid_domain: localhost"},
        "event.yaml:5:15: event.uid_domain: expected a domain name like 'example.org', got 'localhost'",
    ),
    case(
        "uid_domain with an underscore",
        {5: "  uid_domain: conf_2024.example.org"},
        "event.yaml:5:15: event.uid_domain: expected a domain name like 'example.org', got 'conf_2024.example.org'",
    ),
    case(
        "javascript: URL",
        {6: "  url: javascript:alert(1)"},
        f"event.yaml:6:8: event.url: {URL}, got 'javascript:alert(1)'",
    ),
    case(
        "ftp URL on a session",
        {35: "    speakers: [grace]\n    url: ftp://x"},
        f"event.yaml:36:10: sessions[1] (id 'compilers').url: {URL}, got 'ftp://x'",
    ),
    case(
        "URL with a space",
        {7: "  description: A test conference.\n  join_url: https://meet.example.org/a room"},
        f"event.yaml:8:13: event.join_url: {URL}, got 'https://meet.example.org/a room'",
    ),
    case(
        "URL with an escaped control character",
        {6: '  url: "https://conf.example.org/\\x1b[31m"'},
        f"event.yaml:6:8: event.url: {URL}, got 'https://conf.example.org/\\x1b[31m'",
    ),
    # -- tracks -------------------------------------------------------------------------------------
    case(
        "unquoted color is a comment",
        {13: "    color: #fff"},
        "event.yaml:13:11: tracks[0] (id 'systems').color: expected a color like \"#2563eb\", got nothing; "
        "quote it (a bare # starts a YAML comment)",
    ),
    case(
        "three-digit color",
        {13: '    color: "#fff"'},
        "event.yaml:13:12: tracks[0] (id 'systems').color: expected '#' and six hex digits, like \"#2563eb\", "
        "got '#fff'; did you mean '#ffffff'?",
    ),
    case(
        "color name",
        {13: "    color: blue"},
        "event.yaml:13:12: tracks[0] (id 'systems').color: expected '#' and six hex digits, like \"#2563eb\", got 'blue'",
    ),
    # -- sessions ----------------------------------------------------------------------------------
    case(
        "status canceled",
        {37: "    title: Teams\n    status: canceled"},
        "event.yaml:38:13: sessions[2] (id 'teams').status: expected 'confirmed' or 'cancelled', got 'canceled'; "
        "did you mean 'cancelled'?",
    ),
    case(
        "status Cancelled",
        {37: "    title: Teams\n    status: Cancelled"},
        "event.yaml:38:13: sessions[2] (id 'teams').status: expected 'confirmed' or 'cancelled', got 'Cancelled'; "
        "did you mean 'cancelled'?",
    ),
    case(
        "no track, tracks or plenary",
        {34: None},
        f"event.yaml:30:5: sessions[1] (id 'compilers'): {NO_TRACK}",
    ),
    case(
        "plenary: false and no track",
        {28: "    plenary: false"},
        f"event.yaml:24:5: sessions[0] (id 'opening'): {NO_TRACK}",
    ),
    case(
        "both track and tracks",
        {34: "    track: systems\n    tracks: [people]"},
        "event.yaml:35:13: sessions[1] (id 'compilers').tracks: give either 'track' or 'tracks', not both",
    ),
    case(
        "title of 244 UTF-8 bytes",
        {31: "    title: " + "é" * 122},
        "event.yaml:31:12: sessions[1] (id 'compilers').title: is 244 bytes of UTF-8; "
        "at most 243 fit in a calendar title, shorten it",
    ),
    case(
        "every field is checked when the time is wrong",
        {32: "    start: soon", 35: "    speakers: [grase]\n    url: javascript:void(0)"},
        "event.yaml:32:12: sessions[1] (id 'compilers').start: expected 'YYYY-MM-DD HH:MM', got 'soon'",
        "event.yaml:35:16: sessions[1] (id 'compilers').speakers[0]: unknown speaker 'grase'; did you mean 'grace'?",
        f"event.yaml:36:10: sessions[1] (id 'compilers').url: {URL}, got 'javascript:void(0)'",
    ),
]
