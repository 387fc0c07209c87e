"""The ledger's log: a release appends what it changed; cut-off lines, compaction and damage."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from feeds.ledger import Ledger, LedgerError, LedgerFile, advance, dump_ledger, files
from feeds.load import parse_event

from ..support.paths import FIRST_PUBLISHED, SMALL_EVENT


def versions(count: int) -> list[Ledger]:
    """Return count successive ledgers of the small event, each retitling the opening once more."""
    text = SMALL_EVENT.read_text()
    found: list[Ledger] = []
    ledger = None
    for number in range(count):
        event = parse_event(text.replace("title: Opening", f"title: Opening {number}").encode())
        ledger, changed = advance(ledger, event, FIRST_PUBLISHED + timedelta(minutes=number), 30)
        assert changed
        found.append(ledger)
    return found


def record(store: LedgerFile, steps: list[Ledger]) -> None:
    base = None
    for ledger in steps:
        store.write(ledger, base)
        base = ledger


def test_a_release_appends_one_line_with_only_what_it_changed(tmp_path: Path) -> None:
    store = LedgerFile(tmp_path / "event.ledger.json")
    steps = versions(3)
    record(store, steps)
    assert store.path.read_bytes() == dump_ledger(steps[0])
    lines = store.log_path.read_text().splitlines()
    assert [json.loads(line)["release"] for line in lines] == [2, 3]
    assert all(list(json.loads(line)["sessions"]) == ["opening@tiny.example.org"] for line in lines)
    assert store.read("tiny-conf") == steps[-1]


def test_a_line_cut_off_by_a_killed_writer_is_passed_over_then_removed(tmp_path: Path) -> None:
    store = LedgerFile(tmp_path / "event.ledger.json")
    steps = versions(4)
    record(store, steps[:3])
    whole = store.log_path.read_bytes()
    store.log_path.write_bytes(whole + b'{"release": 4, "revised": "2024-01')  # the kill hit mid-line
    assert store.read("tiny-conf") == steps[2]
    store.write(steps[3], steps[2])
    assert store.read("tiny-conf") == steps[3]
    assert store.log_path.read_bytes().count(b"\n") == 3 and b'"revised": "2024-01' not in store.log_path.read_bytes()


def test_the_snapshot_is_written_anew_every_compact_after_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "COMPACT_AFTER", 3)
    store = LedgerFile(tmp_path / "event.ledger.json")
    steps = versions(6)
    record(store, steps)
    # 1 snapshot, 3 lines (2, 3, 4), then 5 rewrote the snapshot and emptied the log, then 6 was appended.
    assert store.path.read_bytes() == dump_ledger(steps[4])
    assert [json.loads(line)["release"] for line in store.log_path.read_text().splitlines()] == [6]
    assert store.read("tiny-conf") == steps[5]


def test_lines_the_snapshot_already_holds_are_passed_over(tmp_path: Path) -> None:
    """A writer killed between writing a new snapshot and emptying the log leaves old lines behind."""
    store = LedgerFile(tmp_path / "event.ledger.json")
    steps = versions(3)
    record(store, steps)
    lines = store.log_path.read_bytes()
    store.path.write_bytes(dump_ledger(steps[2]))
    store.log_path.write_bytes(lines)
    assert store.read("tiny-conf") == steps[2]


def test_a_damaged_line_is_reported_with_its_position_and_never_overwritten(tmp_path: Path) -> None:
    store = LedgerFile(tmp_path / "event.ledger.json")
    steps = versions(4)
    record(store, steps[:3])
    first, second = store.log_path.read_bytes().splitlines(keepends=True)
    store.log_path.write_bytes(b"<<<<<<< HEAD\n" + second)
    with pytest.raises(LedgerError) as caught:
        store.read("tiny-conf")
    assert str(caught.value).startswith(f"{store.log_path}:1:1: is damaged (Expecting value")
    assert "restore it from a backup or version control" in str(caught.value)
    store.log_path.write_bytes(first.replace(b'"sessions":', b'"sessionz":') + second)
    with pytest.raises(LedgerError, match=r"event.ledger.log:1:1: is damaged \(missing field 'sessions'\)"):
        store.read("tiny-conf")
