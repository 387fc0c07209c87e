"""Load with live edits, on demand: `.venv/bin/python benchmarks/live_edits.py [SECONDS] [EDITS]`.

Starts gunicorn with several workers on a temporary copy of event.yaml, drives
it at full speed from several client processes for SECONDS (default 60) while
event.yaml is rewritten EDITS times (default 100): valid edits, broken edits,
half-written files, non-atomic writes, the file briefly deleted. Prints the
requests served, edits applied, broken edits survived and p99 latency, and
exits 1 if any response was not 200/304, any body was not a complete feed of a
known-good revision, the final state differs from the last valid edit, or the
ledger is damaged.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import live_edits


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    print(f"driving gunicorn for {seconds:.0f} s with {edits} edits ...", file=sys.stderr)
    report = live_edits.run(seconds=seconds, edits=edits, clients=4, workers=3)
    print(report.summary())
    for problem in report.bad_bodies[:20]:
        print(f"  bad body: {problem}")
    clean = set(report.statuses) <= {200, 304} and not report.bad_bodies and report.final_ok and report.ledger_ok
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
