"""Hostile and broken sources: refused safely with positions, every problem at once, exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import cli
from feeds.importer import SourceError, import_schedule
from feeds.importer.fetch import Fetched

from ..support.paths import IMPORT_FIXTURES

IMPORT = IMPORT_FIXTURES


def refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path, *args: str) -> str:
    """Import source, expect exit 1 with no traceback and no file written, and return stderr."""
    target = tmp_path / "event.yaml"
    code = cli.main(["import", str(source), "-o", str(target), *args])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in err
    assert "nothing was written" in err
    assert not target.exists()
    assert not list(tmp_path.glob(".event.yaml*"))
    return err


def test_entity_bomb_is_refused_before_it_expands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entities = "".join(f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE schedule [<!ENTITY e0 "lol">{entities}]>\n'
        "<schedule><conference><title>&e9;</title><acronym>x</acronym></conference></schedule>\n"
    )
    err = refused(tmp_path, capsys, bomb)
    assert "bomb.xml:2:" in err and "declares XML entities, which are refused" in err


def test_external_entity_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    source = tmp_path / "external.xml"
    source.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE schedule [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        "<schedule><conference><title>&leak;</title><acronym>x</acronym></conference></schedule>\n"
    )
    err = refused(tmp_path, capsys, source)
    assert "do not read me" not in err
    assert "external.xml:2:" in err


def test_deep_nesting_is_refused_in_xml_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep_xml = tmp_path / "deep.xml"
    deep_xml.write_text("<schedule>" + "<a>" * 5000 + "</a>" * 5000 + "</schedule>")
    err = refused(tmp_path, capsys, deep_xml)
    assert "nested more than 32 deep" in err
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"schedule": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = refused(tmp_path, capsys, deep_json, "--from", "c3voc")
    assert "deep.json:1:" in err and "nested more than 64 levels deep" in err


def test_non_utf8_files_name_the_byte_and_its_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin1.json"
    text = (IMPORT / "pretalx.json").read_text(encoding="utf-8").replace("Zoë", "Zo\xeb")
    latin.write_bytes(text.encode("latin-1", errors="replace"))
    err = refused(tmp_path, capsys, latin)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "Zo\xeb" in row)
    assert f"latin1.json:{line}:" in err and "is not UTF-8; save the file as UTF-8" in err
    ics = tmp_path / "latin1.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nSUMMARY:Caf\xe9\r\nEND:VCALENDAR\r\n")
    assert "latin1.ics:2:12: byte 0xe9 is not UTF-8" in refused(tmp_path, capsys, ics)
    xml = tmp_path / "latin1.xml"
    xml.write_bytes(b"<schedule><conference><title>Caf\xe9</title></conference></schedule>")
    assert "latin1.xml:1:" in refused(tmp_path, capsys, xml)


def test_a_50_mb_file_is_refused_without_reading_it_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.write(b'{"schedule": {"conference": {"title": "')
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            handle.write(chunk)
        handle.write(b'"}}}')
    err = refused(tmp_path, capsys, big)
    assert "big.json:1:1: is over 20,000,000 bytes, the import limit" in err


def test_every_problem_of_a_broken_schedule_is_reported_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (IMPORT / "frab.xml").read_text(encoding="utf-8")
    text = text.replace("<date>2024-09-20T09:00:00+02:00</date>", "<date>tomorrow</date>", 1)
    text = text.replace("<duration>08:00</duration>", "<duration>all day</duration>", 1)
    text = text.replace("<title>Breakfast</title>", "<title></title>", 1)
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    err = refused(tmp_path, capsys, broken, "--timezone", "Europe/Berlin")
    lines = text.splitlines()
    date_line = next(i for i, row in enumerate(lines, start=1) if "<date>tomorrow" in row)
    duration_line = next(i for i, row in enumerate(lines, start=1) if "all day" in row)
    assert f"broken.xml:{date_line}:9: <date> 'tomorrow' is not a date and time" in err
    assert f"broken.xml:{duration_line}:9: <duration> 'all day' is not HH:MM" in err
    assert "<event> has no <title>" in err
    assert "3 problems found; nothing was written." in err


def test_malformed_xml_json_and_ics_give_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = tmp_path / "cut.xml"
    xml.write_text("<schedule>\n  <conference>\n    <title>Cut</title>\n  </conferenc>\n</schedule>\n")
    assert "cut.xml:4:5: not well-formed XML: mismatched tag" in refused(tmp_path, capsys, xml)
    broken = tmp_path / "comma.json"
    broken.write_text('{"schedule": {\n  "conference": {"title": "x",}\n}}')
    assert "comma.json:2:31: not valid JSON" in refused(tmp_path, capsys, broken)
    ics = tmp_path / "bad.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\nX-WR-TIMEZONE:Europe/Berlin\nBEGIN:VEVENT\nDTSTART:2024-06-10 09:00\nSUMMARY:x\n"
        "this line has no colon\nEND:VEVENT\n"
    )
    err = refused(tmp_path, capsys, ics)
    assert "bad.ics:4:9: DTSTART '2024-06-10 09:00' is not a date-time like 20240330T091500" in err
    assert "bad.ics:6:1: not an iCalendar line" in err
    assert "bad.ics:1:1: BEGIN:VCALENDAR is never closed with END:VCALENDAR" in err


def test_json_problems_point_at_the_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((IMPORT / "sessionize.json").read_text(encoding="utf-8"))
    data["sessions"][1]["startsAt"] = "soon"
    data["sessions"][2]["speakers"] = ["nobody"]
    source = tmp_path / "sessionize.json"
    source.write_text(json.dumps(data, indent=2), encoding="utf-8")
    err = refused(tmp_path, capsys, source, "--timezone", "Europe/Berlin")
    lines = source.read_text().splitlines()
    second = [i for i, row in enumerate(lines, start=1) if row == "    {"][1]
    assert f"sessionize.json:{second}:5: session 'Kubernetes without tears': startsAt/endsAt are not times" in err
    assert "names speaker 'nobody', who is not in the speakers list" in err
    assert "2 problems found" in err


def test_a_broken_existing_file_is_reported_like_feeds_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "event.yaml"
    existing.write_text("event:\n  id: x\n  strat: 1\n")
    code = cli.main(["import", str(IMPORT / "pretalx.json"), "--update", str(existing)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"{existing}:3:3:" in err
    assert existing.read_text() == "event:\n  id: x\n  strat: 1\n"


def test_a_broken_speaker_pattern_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(tmp_path, capsys, IMPORT / "calendar.ics", "--speaker-pattern", "(unclosed")
    assert "--speaker-pattern '(unclosed' is not a regular expression" in err


KEYS = [
    "schedule",
    "conference",
    "days",
    "rooms",
    "events",
    "title",
    "date",
    "start",
    "end",
    "duration",
    "persons",
    "participants",
    "links",
    "track",
    "tracks",
    "time_zone_name",
    "acronym",
    "guid",
    "name",
    "url",
    "sessions",
    "speakers",
    "categories",
    "items",
    "categoryItems",
    "startsAt",
    "endsAt",
    "id",
    "fullName",
    "questionAnswers",
    "do_not_record",
    "type",
    "abstract",
    "room",
    "slug",
    "color",
]
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(
        ["", "x", "UTC", "2024-01-01T10:00:00+01:00", "2024-01-01", "10:00", "00:30", "#abc", "https://x.org/"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(document=VALUES, reader=st.sampled_from(["c3voc", "sessionize"]))
def test_json_of_any_shape_is_read_or_refused_with_a_message(document: object, reader: str) -> None:
    fetched = Fetched("any.json", json.dumps(document).encode())
    try:
        imported = import_schedule(fetched, reader, "Europe/Berlin")
    except SourceError as err:
        assert err.problems and all(problem.line >= 1 and problem.column >= 1 for problem in err.problems)
    else:
        assert imported.event.info.timezone == "Europe/Berlin"
