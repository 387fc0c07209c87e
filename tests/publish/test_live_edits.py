"""Hardening under load: live broken edits lose nothing; a killed ledger writer leaves a ledger that loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feeds import cli
from feeds.ledger import LedgerFile

from ..support import live_edits
from ..support.paths import ROOT

THRIFT = "thrift@atscaleconference.com"

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
from datetime import timedelta
from pathlib import Path
from feeds.load import parse_event
from feeds.publish.record import sync_ledger
from feeds.config import Settings
folder = Path(sys.argv[1])
text = (folder / "event.yaml").read_text()
events = [parse_event(text.replace(sys.argv[2], sys.argv[2] + suffix).encode()) for suffix in (" (A)", " (B)")]
moments = iter(range(10**9))
settings = Settings(folder / "event.yaml", folder / "event.ledger.json", clock=lambda: FIRST + timedelta(seconds=next(moments)))
FIRST = __import__("feeds.ledger").ledger.LedgerFile(settings.ledger_file).read_any().revised + timedelta(seconds=1)
print("ready", flush=True)
for round_number in range(10**9):
    sync_ledger(events[round_number % 2], settings)  # each round records a revision: a real ledger write
"""


def test_writer_killed_mid_write_leaves_a_ledger_that_loads(tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_bytes((ROOT / "event.yaml").read_bytes())
    ledger = tmp_path / "event.ledger.json"
    ledger.write_bytes((ROOT / "event.ledger.json").read_bytes())
    first = LedgerFile(ledger).read_any()
    assert first is not None
    sessions = first.sessions.keys()
    sequences = [first.sessions[THRIFT].sequence]
    for round_number in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), live_edits.MARK],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.02 * round_number)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        loaded = LedgerFile(ledger).read_any()  # whatever instant the kill hit, the ledger loads
        assert loaded is not None
        assert loaded.event == "systems-scale-summer-2023"
        assert loaded.sessions.keys() == sessions
        sequences.append(loaded.sessions[THRIFT].sequence)
    assert sequences == sorted(sequences) and sequences[-1] > sequences[0] + 8, sequences
    # The next writer takes the lock the killed ones held, and clears the temporary files they left.
    assert cli.main(["publish", str(tmp_path / "event.yaml")]) == 0
    final = LedgerFile(ledger).read_any()
    assert final is not None and final.sessions[THRIFT].sequence == sequences[-1] + 1
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["event.ledger.json", "event.ledger.json.lock", "event.ledger.log", "event.releases", "event.yaml"]
