"""Hardening under load: live broken edits lose nothing; a killed ledger writer leaves a ledger that loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feeds.ledger import parse_ledger

from . import live_edits
from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_live_edits_under_load_lose_nothing() -> None:
    seconds = float(os.environ.get("FEEDS_LIVE_SECONDS", "8"))
    report = live_edits.run(seconds=seconds, edits=int(seconds * 2), clients=2, workers=2)
    print(report.summary())
    assert report.requests > 0
    assert set(report.statuses) <= {200, 304}, report.statuses
    assert report.bad_bodies == []
    assert report.valid_edits > 0 and report.broken_edits > 0
    assert report.final_ok
    assert report.ledger_ok


WRITER = """
import sys
from pathlib import Path
from feeds.ledger import LedgerFile, parse_ledger
from dataclasses import replace
from datetime import timedelta
store = LedgerFile(Path(sys.argv[1]))
ledger = parse_ledger(store.path.read_bytes())
print("ready", flush=True)
while True:
    ledger = replace(ledger, revised=ledger.revised + timedelta(seconds=1))
    with store.locked():
        store.write(ledger)
"""


def test_writer_killed_mid_write_leaves_a_ledger_that_loads(tmp_path: Path) -> None:
    source = ROOT / "event.ledger.json"
    ledger = tmp_path / "event.ledger.json"
    ledger.write_bytes(source.read_bytes())
    for round_number in range(5):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(ledger)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.03 * round_number)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        loaded = parse_ledger(ledger.read_bytes())
        assert loaded.event == "systems-scale-summer-2023"
        assert loaded.sessions.keys() == parse_ledger(source.read_bytes()).sessions.keys()
