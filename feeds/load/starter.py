"""The starter event.yaml that `feeds init` writes: every section, commented, valid as written."""

from __future__ import annotations

from datetime import date, timedelta

MODELINE = "# yaml-language-server: $schema=event.schema.json"


def starter_event(first_day: date) -> str:
    """Return a commented event.yaml for a two-day conference starting on first_day; it passes `feeds check`."""
    second = first_day + timedelta(days=1)
    day1, day2 = first_day.isoformat(), second.isoformat()
    return f"""{MODELINE}
# The agenda that the calendar feeds are built from. Every field is described in
# docs/event-format.md; an editor with YAML support completes fields and marks mistakes
# as you type (see docs/editors.md). Check the file with: feeds check event.yaml

event:
  id: my-conference-{first_day.year}    # part of every feed's address: never change it once published
  name: My Conference {first_day.year}
  timezone: Europe/Berlin    # every time below is local wall-clock time in this zone
  timezone_label: CET
  uid_domain: conference.example.org    # a domain you own; never change it once published
  url: https://conference.example.org/
  description: |
    One or two plain sentences about the conference.
    They become the description of every calendar.
  first_day: {day1}
  last_day: {day2}
  location: Main venue    # given to every session without a location of its own

# Topic tracks: each has a feed with its sessions and every plenary session.
tracks:
  - id: main
    name: Main Track
    color: "#2563eb"    # quote colors: a bare # starts a comment

# People: each has a feed with the sessions they speak in.
speakers:
  - id: first-speaker
    name: First Speaker
    affiliation: Example University

# Talks and other slots: give end or duration, and a track, tracks or plenary: true.
sessions:
  - id: welcome
    title: Welcome
    start: {day1} 09:00
    duration: 15m
    plenary: true    # in every track's feed
    speakers: [first-speaker]

  - id: first-talk
    title: "The first talk: a title with a colon is quoted"
    start: {day1} 09:30
    end: {day1} 10:15
    track: main
    speakers: [first-speaker]
    description: |
      The abstract, in plain text.

  - id: closing
    title: Closing
    start: {day2} 17:00
    duration: 30m
    plenary: true
"""
