"""The `feeds` command: thin wrappers that load, then call the domain."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .catalog import feed_path, list_feeds
from .export import META, NGINX_CONF, ExportError, TerminalProgress, export_event
from .ledger import Change, Ledger, LedgerError, LedgerFile, advance, now_utc, preview
from .links import FORMATS, feed_links, find_feed, google_cid_warning, render_snippet, unknown_feed
from .load import EventFileError, load_event, parse_event, read_source
from .model import Event
from .publish import Publication, Settings, default_ledger_path, keep_source, sync_ledger

RENAME_HINT = "{where}: session '{new}' looks like '{old}' renamed ({why}); to keep subscribers' events, add `aliases: [{old}]` to it, otherwise they see '{old}' cancelled and a new event"

CHANGE_TEXT = {
    "added": "added ({new})",
    "moved": "moved: {old} -> {new}",
    "retitled": "renamed: '{old}' -> '{new}'",
    "cancelled": "cancelled",
    "uncancelled": "no longer cancelled",
    "removed": "removed from the schedule (stays as a cancelled placeholder)",
    "restored": "back on the schedule ({new})",
    "tracks": "tracks: {old} -> {new}",
    "speakers": "speakers: {old} -> {new}",
    "details": "description, location or links changed",
    "renamed-id": "id changed: {old} -> {new}",
}


def _settings(path: str | None, ledger: str | None) -> Settings:
    event_file = Path(path or os.environ.get("FEEDS_EVENT_FILE") or "event.yaml")
    ledger_file = Path(ledger or os.environ.get("FEEDS_LEDGER_FILE") or default_ledger_path(event_file))
    days = int(os.environ.get("FEEDS_TOMBSTONE_DAYS", "30"))
    return Settings(event_file=event_file, ledger_file=ledger_file, tombstone_days=days)


def rename_warnings(event: Event, ledger: Ledger | None, changes: list[Change]) -> list[str]:
    """Return a warning for each removed session that an added one seems to replace."""
    if ledger is None:
        return []
    removed = [ledger.sessions[c.uid] for c in changes if c.kind == "removed" and c.uid in ledger.sessions]
    notes = []
    for change in changes:
        session = event.session(change.session) if change.kind == "added" else None
        if session is None:
            continue
        for old in removed:
            why = "same title" if old.content.title == session.title else ""
            why = why or ("same start" if old.content.start == session.start else "")
            if why:
                line, column = event.positions.get(f"session:{session.id}", (1, 1))
                where = f"{event.source_name}:{line}:{column}"
                notes.append(RENAME_HINT.format(where=where, new=session.id, old=old.id, why=why))
    return notes


def describe(change: Change) -> str:
    """Return one change as a line for an organizer."""
    text = CHANGE_TEXT.get(change.kind, change.kind).format(old=change.old, new=change.new)
    return f"  {change.session}: {text}"


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file)
    ledger = LedgerFile(settings.ledger_file).read(event.info.id)
    changes = preview(ledger, event)
    moment = ledger.revised if ledger else now_utc()
    published, _ = advance(ledger, event, moment, settings.tombstone_days)
    publication = Publication(event, published, settings)
    warnings = [str(w) for w in event.warnings] + rename_warnings(event, ledger, changes) + publication.warnings()
    for line in warnings:
        print(f"warning: {line}")
    feeds = list_feeds(event)
    print(
        f"{settings.event_file}: OK: {len(event.sessions)} sessions, {len(event.speakers)} speakers, "
        f"{len(event.tracks)} tracks, {len(feeds)} feeds"
        + (f"; {len(changes)} change(s) not yet published (see 'feeds diff')" if changes else "")
    )
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file)
    ledger = LedgerFile(settings.ledger_file).read(event.info.id)
    changes = preview(ledger, event)
    if not changes:
        print(f"No changes: subscribers already see what {settings.event_file} says.")
        return 0
    print(f"Publishing {settings.event_file} would change {len(changes)} thing(s) subscribers see:")
    for change in changes:
        print(describe(change))
    moment = ledger.revised if ledger else now_utc()
    after, _ = advance(ledger, event, moment, 10**6)
    touched = sorted(
        feed_path(key)
        for key, record in after.feeds.items()
        if ledger is None or key not in ledger.feeds or ledger.feeds[key].fingerprint != record.fingerprint
    )
    print(f"Feeds that change ({len(touched)}): " + ", ".join(touched))
    for line in rename_warnings(event, ledger, changes):
        print(f"warning: {line}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    data = read_source(settings.event_file)
    event = parse_event(data, str(settings.event_file))
    before = LedgerFile(settings.ledger_file).read(event.info.id)
    ledger, warning = sync_ledger(event, settings)
    if warning:
        print(f"error: {warning}", file=sys.stderr)
        return 1
    keep_source(settings, data, event)
    if before is not None and ledger.revised == before.revised:
        print(f"{settings.ledger_file}: already up to date (revision of {ledger.revised:%Y-%m-%d %H:%M:%S} UTC)")
    else:
        print(f"{settings.ledger_file}: recorded the revision of {ledger.revised:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    base_url = args.base_url or os.environ.get("FEEDS_BASE_URL", "")
    if not base_url:
        print(
            "error: feeds export needs the public base URL, because links inside feeds are absolute: "
            "pass --base-url https://calendar.example.org or set FEEDS_BASE_URL",
            file=sys.stderr,
        )
        return 1
    try:
        report, warning = export_event(
            settings.event_file, settings.ledger_file, base_url, Path(args.outdir), TerminalProgress(sys.stderr)
        )
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    for line in report.warnings[:20]:
        print(f"warning: {line}", file=sys.stderr)
    if len(report.warnings) > 20:
        print(f"warning: ... and {len(report.warnings) - 20} more like these", file=sys.stderr)
    print(
        f"{report.outdir}: {report.feeds} feeds and {report.pages} pages ({report.size / 1e6:.1f} MB) "
        f"for {report.base_url}, revision {report.revision}"
    )
    if report.skipped:
        print(
            f"not exported ({len(report.skipped)}): "
            + ", ".join(report.skipped[:5])
            + (" ..." if len(report.skipped) > 5 else "")
        )
    print(f"nginx server block: {report.outdir / META / NGINX_CONF}")
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    base_url = (args.base_url or os.environ.get("FEEDS_BASE_URL", "")).rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        print(
            "error: links in e-mails must be absolute: pass --base-url https://calendar.example.org "
            "or set FEEDS_BASE_URL",
            file=sys.stderr,
        )
        return 1
    event = load_event(_settings(args.path, None).event_file)
    feed = find_feed(event, args.feed)
    if feed is None:
        print(f"error: {unknown_feed(event, args.feed)}", file=sys.stderr)
        return 1
    links = feed_links(feed, base_url)
    for warning in filter(None, [google_cid_warning(links.https)]):
        print(f"warning: {warning}", file=sys.stderr)
    sys.stdout.write(render_snippet(links, args.format))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from . import importer

    existing = None
    if args.update:
        update_path = Path(args.update)
        data = read_source(update_path)
        current = parse_event(data, str(update_path))
        existing = (data.decode("utf-8"), current)
    target = Path(args.output or args.update or "event.yaml")
    try:
        fetched = importer.fetch(args.source)
        result = importer.import_schedule(fetched, args.format, args.timezone, existing, args.speaker_pattern)
    except importer.SourceError as err:
        print(err.report(), file=sys.stderr)
        return 1
    for line in result.warnings + [str(w) for w in result.event.warnings]:
        print(f"warning: {line}", file=sys.stderr)
    event = result.event
    if args.dry_run:
        ledger = LedgerFile(_settings(str(target), args.ledger).ledger_file).read(event.info.id)
        changes = preview(ledger, event)
        print(f"Importing {args.source} into {target} would change {len(changes)} thing(s) subscribers see:")
        for change in changes:
            print(describe(change))
    else:
        temporary = target.with_name(f".{target.name}.import")
        try:
            temporary.write_text(result.text, encoding="utf-8")
            temporary.replace(target)
        except OSError as err:
            temporary.unlink(missing_ok=True)
            print(f"error: {target}: cannot be written ({err.strerror or err}); nothing was written", file=sys.stderr)
            return 1
        print(
            f"{target}: {len(event.sessions)} sessions, {len(event.speakers)} speakers, {len(event.tracks)} tracks "
            f"from {args.source} ({result.format_name})"
        )
    if result.summary:
        print("Not in event.yaml (it has no field for these):")
        for line in result.summary:
            print(f"  {line}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feeds", description="Publish subscribable calendar feeds from event.yaml.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, func, text in (
        ("check", cmd_check, "check the event file and print a summary, or every problem"),
        ("diff", cmd_diff, "show what subscribers will see change, without writing anything"),
        (
            "publish",
            cmd_publish,
            "record the event file's revision in the ledger (the server does this itself when it can write)",
        ),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("path", nargs="?", help="the event file (default: $FEEDS_EVENT_FILE or event.yaml)")
        command.add_argument("--ledger", help="the ledger file (default: beside the event file, NAME.ledger.json)")
        command.set_defaults(func=func)
    text = "write every feed and page as static files, with an nginx server block (needs the public base URL)"
    command = commands.add_parser("export", help=text, description=text)
    command.add_argument("outdir", help="the folder to write; an earlier export there is replaced when complete")
    command.add_argument("path", nargs="?", help="the event file (default: $FEEDS_EVENT_FILE or event.yaml)")
    command.add_argument("--base-url", help="public base URL of the feeds, e.g. https://calendar.example.org")
    command.add_argument("--ledger", help="the ledger file (default: beside the event file, NAME.ledger.json)")
    command.set_defaults(func=cmd_export)
    text = "print subscribe links for a feed, ready to paste into an e-mail (Google, Outlook, Apple, the address)"
    command = commands.add_parser("links", help=text, description=text)
    command.add_argument("path", nargs="?", help="the event file (default: $FEEDS_EVENT_FILE or event.yaml)")
    command.add_argument(
        "--feed", default="conference", help="conference (default), track:ID, speaker:ID or session:ID"
    )
    command.add_argument("--format", choices=FORMATS, default="html", help="html (default), text or markdown")
    command.add_argument("--base-url", help="public base URL of the feeds (default: $FEEDS_BASE_URL)")
    command.set_defaults(func=cmd_links)
    from .importer import FORMATS as IMPORT_FORMATS

    text = "import a schedule (frab/pentabarf XML, pretalx/c3voc JSON, Sessionize JSON, iCalendar) into event.yaml"
    command = commands.add_parser("import", help=text, description=text)
    command.add_argument("source", help="a file or an http(s) URL")
    command.add_argument("-o", "--output", help="the event file to write (default: the --update file, else event.yaml)")
    command.add_argument(
        "--from", dest="format", choices=IMPORT_FORMATS, default="", help="the format (default: detected)"
    )
    command.add_argument("--timezone", default="", help="the event's IANA time zone, for sources that do not say")
    command.add_argument("--update", help="an event.yaml from an earlier import: keep its ids, comments and edits")
    command.add_argument(
        "--dry-run", action="store_true", help="print what subscribers would see change; write nothing"
    )
    command.add_argument(
        "--speaker-pattern",
        default="",
        help="iCalendar: a regex with a 'names' group that finds speakers in descriptions",
    )
    command.add_argument("--ledger", help="the ledger that --dry-run compares with (default: beside the event file)")
    command.set_defaults(func=cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feeds command; problems become messages and exit status 1, never tracebacks."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except EventFileError as err:
        print(err.report(), file=sys.stderr)
        return 1
    except LedgerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
