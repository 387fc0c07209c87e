"""`feeds import`: import a schedule into event.yaml, or say what the import would change."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import importer
from ..ledger import LedgerFile, preview
from ..load import parse_event, read_source
from ..publish.review import describe
from ..text import plural
from .shared import CommandError, command_settings


def cmd_import(args: argparse.Namespace) -> int:
    """Import the schedule at args.source and write it, or with --dry-run print what subscribers would see change."""
    existing = None
    if args.update:
        update_path = Path(args.update)
        data = read_source(update_path)
        current = parse_event(data, str(update_path))
        existing = (data.decode("utf-8"), current)
    target = Path(args.output or args.update or "event.yaml")
    fetched = importer.fetch(args.source, command_settings(None).max_import_bytes)
    result = importer.import_schedule(fetched, args.format, args.timezone, existing, args.speaker_pattern)
    for line in result.warnings + [str(w) for w in result.event.warnings]:
        print(f"warning: {line}", file=sys.stderr)
    event = result.event
    if args.dry_run:
        ledger = LedgerFile(command_settings(str(target), args.ledger).ledger_file).read(event.info.id)
        changes = preview(ledger, event)
        print(f"Importing {args.source} into {target} would change {plural(len(changes), 'thing')} subscribers see:")
        for change in changes:
            print(describe(change))
    else:
        write_text(target, result.text)
        print(
            f"{target}: {len(event.sessions)} sessions, {len(event.speakers)} speakers, {len(event.tracks)} tracks "
            f"from {args.source} ({result.format_name})"
        )
    if result.summary:
        print("Not in event.yaml (it has no field for these):")
        for line in result.summary:
            print(f"  {line}")
    return 0


def write_text(target: Path, text: str) -> None:
    """Replace target with text in one step, or raise CommandError leaving it as it was."""
    temporary = target.with_name(f".{target.name}.import")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"{target}: cannot be written ({err.strerror or err}); nothing was written") from None
