"""The schema as data: its JSON Schema (committed, checked by check-jsonschema) and the docs' field tables."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import render_event_yaml
from feeds.cli import main
from feeds.load import SECTIONS, EventFileError, Kind, parse_event
from feeds.load.check import Checker
from feeds.load.jsonschema import KIND_SCHEMA, field_table
from feeds.load.starter import MODELINE
from feeds.load.values import EMPTY

from ..support.load_cases import event_yaml
from ..support.paths import REAL_EVENT, ROOT, SMALL_EVENT

SCHEMA_FILE = ROOT / "event.schema.json"
DOCS = ROOT / "docs" / "event-format.md"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def test_the_committed_schema_is_what_feeds_schema_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == SCHEMA_FILE.read_text(encoding="utf-8"), "run: feeds schema > event.schema.json"
    schema = json.loads(printed)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["required"] == ["event", "tracks", "speakers", "sessions"]


def test_the_docs_field_tables_are_the_schema() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for section in SECTIONS:
        at = docs.index(f"## `{section.key}`\n")
        start = docs.index("| Field |", at)
        end = docs.index("\n\n", start)
        assert docs[start:end] == field_table(section), f"the table under ## `{section.key}` differs from schema.py"


def test_every_kind_has_a_reader_an_empty_value_and_a_json_form() -> None:
    checker = Checker("event.yaml")
    assert set(checker.readers) == set(Kind) == set(EMPTY) == set(KIND_SCHEMA)
    for section in SECTIONS:
        for field in section.fields:
            assert field.description.endswith((".", ".**")), (section.key, field.name)
            assert field.example, (section.key, field.name)


def test_every_field_the_schema_declares_is_read() -> None:
    event = parse_event(SMALL_EVENT.read_bytes())
    model_fields = {
        "event": set(type(event.info).__dataclass_fields__),
        "tracks": set(type(event.tracks[0]).__dataclass_fields__),
        "speakers": set(type(event.speakers[0]).__dataclass_fields__),
        "sessions": set(type(event.sessions[0]).__dataclass_fields__),
    }
    composite = {"end", "duration", "track", "tracks", "first_day", "last_day"}
    for section in SECTIONS:
        names = {field.name for field in section.fields} - composite
        assert names <= model_fields[section.key], section.key


def test_the_real_event_starts_with_the_modeline() -> None:
    assert (
        REAL_EVENT.read_text(encoding="utf-8").splitlines()[0]
        == MODELINE
        == ("# yaml-language-server: $schema=event.schema.json")
    )


# -- check-jsonschema ---------------------------------------------------------------------------

BROKEN = {
    "unknown-field": event_yaml({32: "    strat: 2024-03-09 09:30"}),
    "unknown-top-level": event_yaml({10: "trakcs:"}),
    "missing-title": event_yaml({31: None}),
    "missing-event-name": event_yaml({3: None}),
    "title-is-a-list": event_yaml({31: "    title: [a, b]"}),
    "plenary-is-yes": event_yaml({28: "    plenary: yes"}),
    "bad-id": event_yaml({24: "  - id: Opening Talk"}),
    "id-too-long": event_yaml({24: "  - id: " + "a" * 65}),
    "time-with-t": event_yaml({32: "    start: 2024-03-09T09:30"}),
    "duration-without-unit": event_yaml({27: "    duration: 15"}),
    "color-unquoted": event_yaml({13: "    color: #2563eb"}),
    "bad-url": event_yaml({6: "  url: conf.example.org"}),
    "end-and-duration": event_yaml({33: "    end: 2024-03-09 10:00\n    duration: 30m"}),
    "track-and-tracks": event_yaml({34: "    track: systems\n    tracks: [people]"}),
    "no-track": event_yaml({34: None}),
    "no-end": event_yaml({33: None}),
    "status-unknown": event_yaml({25: "    title: Opening\n    status: postponed"}),
    "speakers-not-a-list": event_yaml({29: "    speakers: {ada: 1}"}),
    "tracks-null": event_yaml({40: "    tracks:"}),
    "source-id-empty": event_yaml({24: "  - id: opening\n    source_id: ''"}),
    "overlaps-policy": event_yaml({9: "  last_day: 2024-03-10\n  speaker_overlaps: sometimes"}),
}


def check_jsonschema(files: list[Path]) -> dict[str, list[str]]:
    """Return, for each file check-jsonschema refuses, its messages."""
    if not CHECK_JSONSCHEMA.exists():
        found = shutil.which("check-jsonschema")
        assert found, "check-jsonschema is not installed; pip install -e '.[test]'"
    command = [str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA_FILE), "-o", "json", *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(result.stdout)
    errors: dict[str, list[str]] = {}
    for error in report.get("errors", []):
        errors.setdefault(Path(error["filename"]).name, []).append(error["message"])
    assert not report.get("parse_errors"), report["parse_errors"]
    return errors


def test_check_jsonschema_accepts_every_valid_event(tmp_path: Path) -> None:
    synthetic = tmp_path / "synthetic.yaml"
    synthetic.write_text(render_event_yaml(sessions=40, speakers=30, tracks=4), encoding="utf-8")
    started = tmp_path / "init" / "event.yaml"
    assert main(["init", str(started), "--first-day", "2025-05-05"]) == 0
    table = tmp_path / "table.yaml"
    table.write_text(event_yaml({34: "    tracks: []", 24: "  - id: opening\n    source_id: 4711"}), encoding="utf-8")
    assert check_jsonschema([REAL_EVENT, SMALL_EVENT, synthetic, started, table]) == {}


def test_check_jsonschema_refuses_structurally_broken_files(tmp_path: Path) -> None:
    files = []
    for name, text in BROKEN.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
        with pytest.raises(EventFileError):  # feeds check refuses each of them too
            parse_event(text.encode())
    refused = check_jsonschema(files)
    assert sorted(refused) == sorted(f"{name}.yaml" for name in BROKEN)
    assert any(re.search(r"'strat' was unexpected", message) for message in refused["unknown-field.yaml"])
