"""`feeds diff`: what subscribers would see change if the event file were released, as text or Markdown."""

from __future__ import annotations

import argparse

from ..config import Settings, load_settings, set_in_environment
from ..ledger import pending, preview
from ..load import load_event
from ..publish.review import change_text, changed_feeds, describe, find_holds
from ..text import plural
from .shared import command_settings, read_ledger


def compared_ledger(path: str | None, ledger: str | None) -> tuple[Settings, str]:
    """Return the settings for comparing the event file at path, and a line saying which ledger it is compared with."""
    settings = command_settings(path, ledger)
    if ledger:
        return settings, f"Compared with the ledger {settings.ledger_file} (--ledger)."
    served = load_settings()
    event_file = settings.event_file
    configured = set_in_environment("EVENT_FILE", "LEDGER_FILE")
    if configured and event_file.resolve() != served.event_file.resolve() and not settings.ledger_file.exists():
        settings = command_settings(path, str(served.ledger_file))
        return settings, (
            f"Compared with the ledger of the served event, {served.ledger_file} "
            "(FEEDS_EVENT_FILE/FEEDS_LEDGER_FILE); pass --ledger to choose another."
        )
    if settings.ledger_file.exists():
        return settings, f"Compared with the ledger {settings.ledger_file}."
    return settings, (
        f"No ledger at {settings.ledger_file}: compared with nothing, so every session is new. If this file is a "
        "copy of a served event, pass --ledger PATH (or set FEEDS_LEDGER_FILE) to compare with what subscribers have."
    )


def table_cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: pipes escaped, on one line."""
    return " ".join(text.replace("|", "\\|").split())


def cmd_diff_markdown(args: argparse.Namespace) -> int:
    """Print what subscribers will see change as Markdown, ready for a pull-request comment."""
    settings, source = compared_ledger(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = read_ledger(settings, event)
    changes = preview(ledger, event)
    name = settings.event_file.name
    print(f"### What subscribers will see change ({name})")
    print()
    print(source)
    print()
    if not changes:
        print(f"No changes: subscribers already see what `{name}` says.")
        return 0
    print(f"Releasing `{name}` changes {plural(len(changes), 'thing')} in subscribers' calendars:")
    print()
    print("| Session | Change |")
    print("|---|---|")
    for change in changes:
        print(f"| {table_cell(change.title)} (`{change.session}`) | {table_cell(change_text(change))} |")
    touched = changed_feeds(ledger, event)
    print()
    print(f"{plural(len(touched), 'feed')} change: " + ", ".join(f"`{path}`" for path in touched))
    for hold in find_holds(event, ledger, changes, settings.hold_removals):
        print()
        print(f"> **Warning:** {table_cell(str(hold))}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what subscribers would see change, one line per change."""
    if args.format == "markdown":
        return cmd_diff_markdown(args)
    settings, source = compared_ledger(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = read_ledger(settings, event)
    changed, changes = pending(ledger, event)
    print(source)
    if not changes:
        extra = " (only feed headers or ids change)" if changed else ""
        print(f"No changes subscribers would see: {settings.event_file} says what they already have{extra}.")
        return 0
    print(f"Releasing {settings.event_file} would change {plural(len(changes), 'thing')} subscribers see:")
    for change in changes:
        print(describe(change))
    touched = changed_feeds(ledger, event)
    print(f"Feeds that change ({len(touched)}): " + ", ".join(touched))
    for hold in find_holds(event, ledger, changes, settings.hold_removals):
        print(f"warning: {hold.reason}; {hold.advice}")
    return 0
