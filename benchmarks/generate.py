"""Write a synthetic festival to benchmark with: `.venv/bin/python benchmarks/generate.py OUT.yaml [SESSIONS]`.

5,000 sessions (default), 2,000 speakers and 20 tracks: each track is a room
with back-to-back 30-minute slots from 09:00 to 18:00, over as many days as it
takes. The speakers of one slot are distinct, so nobody is double-booked; the
same seed gives the same file, byte for byte.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

TRACKS = 20
SPEAKERS = 2000
SESSIONS = 5000
SLOTS_PER_DAY = 18  # 09:00 to 18:00, 30 minutes each
FIRST_DAY = date(2025, 9, 1)  # no daylight-saving change within the next weeks
WORDS = (
    "adaptive",
    "batching",
    "caches",
    "clusters",
    "consensus",
    "databases",
    "deploys",
    "edges",
    "fleets",
    "graphs",
    "hashing",
    "indexes",
    "kernels",
    "latency",
    "load-balancing",
    "logs",
    "memory",
    "metrics",
    "migrations",
    "networks",
    "observability",
    "queues",
    "replication",
    "routing",
    "schedulers",
    "shards",
    "storage",
    "streams",
    "throughput",
    "tracing",
    "upgrades",
    "workloads",
)


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(picked).capitalize() + "."


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_event_yaml(sessions: int = SESSIONS, speakers: int = SPEAKERS, tracks: int = TRACKS, seed: int = 6) -> str:
    """Return the text of a valid event.yaml with the given numbers of sessions, speakers and tracks."""
    rng = random.Random(seed)
    per_day = SLOTS_PER_DAY * tracks
    days = -(-sessions // per_day)
    last_day = FIRST_DAY + timedelta(days=days - 1)
    lines = [
        "# Synthetic festival for benchmarks/run.py; written by benchmarks/generate.py.",
        "event:",
        "  id: synthetic-festival",
        "  name: Synthetic Festival 2025",
        "  timezone: America/Los_Angeles",
        "  timezone_label: PT",
        "  uid_domain: festival.example.org",
        "  url: https://festival.example.org/",
        "  description: |",
        f"    A synthetic festival of {sessions} sessions to measure the feeds service.",
        f"  first_day: {FIRST_DAY.isoformat()}",
        f"  last_day: {last_day.isoformat()}",
        "  location: Festival Hall",
        "  join_url: https://stream.festival.example.org/live",
        "tracks:",
    ]
    for number in range(tracks):
        lines += [
            f"  - id: track-{number:02d}",
            f"    name: Track {number:02d} {rng.choice(WORDS).capitalize()}",
            f"    description: {_sentence(rng, 8)}",
            f'    color: "#{rng.randrange(0x1000000):06x}"',
        ]
    lines.append("speakers:")
    for number in range(speakers):
        lines += [
            f"  - id: speaker-{number:04d}",
            f"    name: Speaker {number:04d} {rng.choice(WORDS).capitalize()}",
            f"    role: {rng.choice(['Engineer', 'Staff Engineer', 'Researcher', 'Manager'])}",
            f"    affiliation: Company {rng.randrange(300):03d}",
        ]
    lines.append("sessions:")
    for number in range(sessions):
        slot, room = divmod(number, tracks)
        day, index = divmod(slot, SLOTS_PER_DAY)
        start = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(
            hours=9, minutes=30 * index
        )
        # One slot's sessions have consecutive numbers, so their speakers are distinct.
        count = 1 + number % 3
        people = ", ".join(f"speaker-{(3 * number + k) % speakers:04d}" for k in range(count))
        lines += [
            f"  - id: session-{number:04d}",
            f"    title: {_quote(_sentence(rng, 6)[:-1] + f' ({number})')}",
            f"    start: {start:%Y-%m-%d %H:%M}",
            "    duration: 25m",
            f"    track: track-{room:02d}",
        ]
        if room == 0 and index == 0:
            lines.append("    plenary: true")
        lines += [f"    speakers: [{people}]", f"    location: Room {room + 1}"]
        if number % 4 == 0:
            lines.append(f"    url: https://festival.example.org/talks/session-{number:04d}")
        lines.append("    description: |")
        lines += [f"      {_sentence(rng, 12)}" for _ in range(4)]
    return "\n".join(lines) + "\n"


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else SESSIONS
    out.write_text(render_event_yaml(sessions), encoding="utf-8")
    print(f"{out}: {sessions} sessions, {SPEAKERS} speakers, {TRACKS} tracks ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
