"""`feeds check`: check the event file and print a summary with every warning, as text or GitHub annotations."""

from __future__ import annotations

import argparse
import re

from ..catalog import list_feeds
from ..config import Settings
from ..ledger import Change, advance, now_utc, preview
from ..load import EventFileError, Problem, load_event
from ..model import Event
from ..publish.publication import Publication
from ..publish.review import Hold, find_holds
from ..text import plural
from .shared import command_settings, read_ledger


def github_annotation(level: str, problem: Problem | None, text: str, file: str) -> str:
    """Return one GitHub workflow command that marks a line of the pull request's diff."""

    def escape(value: str, *, in_property: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if in_property else value

    if problem is None:
        return f"::{level} file={escape(file, in_property=True)}::{escape(text)}"
    where = f"file={escape(problem.file, in_property=True)},line={problem.line},col={problem.column}"
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return f"::{level} {where}::{escape(message)}"


def release_check(settings: Settings, event: Event) -> tuple[list[Change], list[Hold], list[str]]:
    """Return what releasing event would change, what the server would hold back, and the publication's warnings."""
    ledger = read_ledger(settings, event)
    changes = preview(ledger, event)
    moment = ledger.revised if ledger else now_utc()
    released, _ = advance(ledger, event, moment, settings.tombstone_days)
    holds = find_holds(event, ledger, changes, settings.hold_removals)
    return changes, holds, Publication(event, released, settings).warnings()


def cmd_check_github(args: argparse.Namespace) -> int:
    """Check the event file and print each problem and warning as a GitHub workflow annotation."""
    settings = command_settings(args.path, args.ledger)
    file = str(settings.event_file)
    try:
        event = load_event(settings.event_file, settings.max_event_bytes)
    except EventFileError as err:
        for problem in err.problems:
            print(github_annotation("error", problem, "", file))
        print(f"{file}: {plural(len(err.problems), 'problem')} found; nothing was published from this file.")
        return 1
    changes, holds, warnings = release_check(settings, event)
    for warning in event.warnings:
        print(github_annotation("warning", warning, "", file))
    for line in [str(hold) for hold in holds] + warnings:
        at = re.match(r"(.+?):(\d+):(\d+): (.*)", line)
        where = Problem(at[1], int(at[2]), int(at[3]), "", at[4]) if at else None
        print(github_annotation("warning", where, line, file))
    print(f"{file}: OK: {plural(len(event.sessions), 'session')}, {plural(len(changes), 'change')} not yet released")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check the event file and print a summary, every warning before it."""
    if args.format == "github":
        return cmd_check_github(args)
    settings = command_settings(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    changes, holds, warnings = release_check(settings, event)
    for line in [str(warning) for warning in event.warnings]:
        print(f"warning: {line}")
    for hold in holds:
        print(f"warning: {hold.reason}; {hold.advice}")
    for line in warnings:
        print(f"warning: {line}")
    feeds = list_feeds(event)
    summary = (
        f"{settings.event_file}: OK: {plural(len(event.sessions), 'session')}, {plural(len(event.speakers), 'speaker')}, "
        f"{plural(len(event.tracks), 'track')}, {plural(len(feeds), 'feed')}"
    )
    if changes:
        summary += f"; {plural(len(changes), 'change')} not yet released (see 'feeds diff')"
        if holds:
            summary += "; the server holds them back until you act on the warnings above"
    print(summary)
    return 0
