"""An organizer who edits the event file by hand and reads the feeds the way a calendar client does."""

from __future__ import annotations

import os
from pathlib import Path

from flask.testing import FlaskClient
from icalendar import Calendar

from .paths import Clock

UID = "{}@tiny.example.org"
FEEDS = [
    "/conference.ics",
    "/tracks/systems.ics",
    "/tracks/people.ics",
    "/speakers/ada.ics",
    "/speakers/zoe.ics",
    "/speakers/host.ics",
    "/sessions/opening.ics",
    "/sessions/engines.ics",
    "/sessions/dropped.ics",
    "/sessions/night-owl.ics",
]


class Organizer:
    """Edits the event file the way a person does, and reads feeds like a client."""

    def __init__(self, path: Path, client: FlaskClient, clock: Clock) -> None:
        self.path = path
        self.client = client
        self.clock = clock
        self.stamp = 1_700_000_000

    def write(self, text: str) -> None:
        self.path.write_text(text)
        self.stamp += 10  # distinct mtimes even on coarse file-system clocks
        os.utime(self.path, (self.stamp, self.stamp))
        self.clock.advance(hours=1)

    def edit(self, old: str, new: str) -> None:
        text = self.path.read_text()
        assert old in text, old
        self.write(text.replace(old, new, 1))

    def snapshot(self) -> dict[str, tuple[bytes, str]]:
        found = {}
        for path in FEEDS:
            response = self.client.get(path)
            if response.status_code == 200:
                found[path] = (response.data, response.headers["ETag"])
        return found

    def events(self, path: str) -> dict[str, object]:
        response = self.client.get(path)
        assert response.status_code == 200, path
        return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def remove_session(text: str, ident: str) -> str:
    start = text.index(f"  - id: {ident}\n")
    end = text.find("\n  - id: ", start + 1)
    return text[:start] + (text[end + 1 :] if end != -1 else "")
