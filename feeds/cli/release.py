"""`feeds publish` and `feeds log`: release the event file now, and list the releases."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..ledger import Revision
from ..load import load_event
from ..publish.record import release_event
from ..publish.release import check_name
from ..publish.review import describe
from ..publish.store import release_folder
from ..text import plural
from .shared import CommandError, command_settings, read_ledger


def cmd_publish(args: argparse.Namespace) -> int:
    """Release the event file and print what subscribers see change."""
    settings = command_settings(args.path, args.ledger)
    try:
        name = check_name(args.name or "")
    except ValueError as err:
        raise CommandError(f"--name: {err}") from None
    store = release_folder(settings)
    newest = store.newest()
    if not settings.base_url and newest is not None and newest.base_url:
        settings = replace(settings, base_url=newest.base_url)  # the servers' base URL, as the last release used
    if not settings.base_url:
        print(
            "warning: FEEDS_BASE_URL is not set, so the release holds no ready-made feed files "
            "(links inside feeds are absolute); servers render them for each request's host",
            file=sys.stderr,
        )
    event = load_event(settings.event_file, settings.max_event_bytes)
    released = release_event(settings, event, name)
    release, changes = released.release, released.changes
    assert release is not None  # only a review holds a release, and none is asked for here
    if not released.changed:
        note = f' (the name "{name}" was not used: it names a release with changes)' if name else ""
        print(f"Nothing to release: {release.describe()} already says what {settings.event_file} says{note}.")
        return 0
    print(f"Released {release.describe()}: {plural(len(changes), 'change')} subscribers see.")
    for change in changes:
        print(describe(change))
    print(
        f"Every server serves it within FEEDS_RELOAD_SECONDS ({settings.reload_seconds:g} s); folder {release.folder}"
    )
    return 0


def revision_line(revision: Revision, served: int) -> str:
    """Return the line of `feeds log` for one release: number, time, name, counts of each kind of change."""
    kinds: dict[str, int] = {}
    for change in revision.changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    counts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "feed details only"
    name = f' "{revision.name}"' if revision.name else ""
    mark = "  <- served" if revision.number == served else ""
    return (
        f"  {revision.number:>4}  {revision.at:%Y-%m-%d %H:%M} UTC{name}: "
        f"{plural(len(revision.changes), 'change')} ({counts}){mark}"
    )


def cmd_log(args: argparse.Namespace) -> int:
    """List the releases, newest first, with what each changed."""
    settings = command_settings(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = read_ledger(settings, event)
    if ledger is None:
        print(f"No releases yet: {settings.ledger_file} does not exist. Run 'feeds publish {settings.event_file}'.")
        return 0
    served = release_folder(settings).current_number()
    revisions = list(ledger.revisions)[-args.limit :] if args.limit else list(ledger.revisions)
    print(f"Releases of {ledger.event} ({plural(len(ledger.revisions), 'release')} in {settings.ledger_file}):")
    for revision in reversed(revisions):
        print(revision_line(revision, served))
        if args.verbose:
            for change in revision.changes:
                print("      " + describe(change).strip())
    return 0
