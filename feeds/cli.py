"""The `feeds` command: thin wrappers that load, then call the domain."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .catalog import feed_path, list_feeds
from .export import META, NGINX_CONF, ExportError, TerminalProgress, export_event
from .ledger import Change, Ledger, LedgerError, LedgerFile, advance, now_utc, preview
from .links import FORMATS, feed_links, find_feed, google_cid_warning, render_snippet, unknown_feed
from .load import EventFileError, Problem, load_event, parse_event, plural, read_source
from .load.jsonschema import json_schema_text
from .load.starter import starter_event
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


def cmd_check_github(args: argparse.Namespace) -> int:
    """Check the event file and print each problem and warning as a GitHub workflow annotation."""
    settings = _settings(args.path, args.ledger)
    file = str(settings.event_file)
    try:
        event = load_event(settings.event_file)
    except EventFileError as err:
        for problem in err.problems:
            print(github_annotation("error", problem, "", file))
        print(f"{file}: {plural(len(err.problems), 'problem')} found; nothing was published from this file.")
        return 1
    ledger = LedgerFile(settings.ledger_file).read(event.info.id)
    changes = preview(ledger, event)
    moment = ledger.revised if ledger else now_utc()
    published, _ = advance(ledger, event, moment, settings.tombstone_days)
    for warning in event.warnings:
        print(github_annotation("warning", warning, "", file))
    for line in rename_warnings(event, ledger, changes) + Publication(event, published, settings).warnings():
        at = re.match(r"(.+?):(\d+):(\d+): (.*)", line)
        where = Problem(at[1], int(at[2]), int(at[3]), "", at[4]) if at else None
        print(github_annotation("warning", where, line, file))
    print(f"{file}: OK: {plural(len(event.sessions), 'session')}, {plural(len(changes), 'change')} not yet published")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.format == "github":
        return cmd_check_github(args)
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
        f"{settings.event_file}: OK: {plural(len(event.sessions), 'session')}, "
        f"{plural(len(event.speakers), 'speaker')}, {plural(len(event.tracks), 'track')}, {plural(len(feeds), 'feed')}"
        + (f"; {plural(len(changes), 'change')} not yet published (see 'feeds diff')" if changes else "")
    )
    return 0


def cmd_diff_markdown(args: argparse.Namespace) -> int:
    """Print what subscribers will see change as Markdown, ready for a pull-request comment."""
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file)
    ledger = LedgerFile(settings.ledger_file).read(event.info.id)
    changes = preview(ledger, event)
    name = settings.event_file.name
    print(f"### What subscribers will see change ({name})")
    print()
    if not changes:
        print(f"No changes: subscribers already see what `{name}` says.")
        return 0
    print(f"Publishing `{name}` changes {plural(len(changes), 'thing')} in subscribers' calendars:")
    print()
    print("| Session | Change |")
    print("|---|---|")
    for change in changes:
        text = CHANGE_TEXT.get(change.kind, change.kind).format(old=change.old, new=change.new)
        print(f"| {_cell(change.title)} (`{change.session}`) | {_cell(text)} |")
    moment = ledger.revised if ledger else now_utc()
    after, _ = advance(ledger, event, moment, 10**6)
    touched = sorted(
        feed_path(key)
        for key, record in after.feeds.items()
        if ledger is None or key not in ledger.feeds or ledger.feeds[key].fingerprint != record.fingerprint
    )
    print()
    print(f"{plural(len(touched), 'feed')} change: " + ", ".join(f"`{path}`" for path in touched))
    for line in rename_warnings(event, ledger, changes):
        print()
        print(f"> **Warning:** {_cell(line)}")
    return 0


def _cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: pipes escaped, on one line."""
    return " ".join(text.replace("|", "\\|").split())


def cmd_diff(args: argparse.Namespace) -> int:
    if args.format == "markdown":
        return cmd_diff_markdown(args)
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file)
    ledger = LedgerFile(settings.ledger_file).read(event.info.id)
    changes = preview(ledger, event)
    if not changes:
        print(f"No changes: subscribers already see what {settings.event_file} says.")
        return 0
    print(f"Publishing {settings.event_file} would change {plural(len(changes), 'thing')} subscribers see:")
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


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json_schema_text())
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.path)
    if target.exists():
        print(
            f"error: {target} already exists; feeds init writes a new file only, choose another path", file=sys.stderr
        )
        return 1
    first_day = date.fromisoformat(args.first_day) if args.first_day else date.today()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_event(first_day), encoding="utf-8")
    schema = target.parent / "event.schema.json"
    wrote = [str(target)]
    if not schema.exists():
        schema.write_text(json_schema_text(), encoding="utf-8")
        wrote.append(f"{schema} (for editors)")
    print(f"wrote {' and '.join(wrote)}; edit it, then run: feeds check {target}")
    return 0


def package_version() -> str:
    """Return the installed version of feeds."""
    try:
        return version("feeds")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feeds", description="Publish subscribable calendar feeds from event.yaml.")
    parser.add_argument("--version", action="version", version=f"feeds {package_version()}")
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
        if name == "check":
            command.add_argument(
                "--format", choices=("text", "github"), default="text", help="text (default) or github annotations"
            )
        if name == "diff":
            command.add_argument(
                "--format", choices=("text", "markdown"), default="text", help="text (default) or markdown"
            )
    text = "print the JSON Schema of event.yaml, for editors and validators (see docs/editors.md)"
    command = commands.add_parser("schema", help=text, description=text)
    command.set_defaults(func=cmd_schema)
    text = "write a commented starter event.yaml (and event.schema.json beside it) that passes feeds check"
    command = commands.add_parser("init", help=text, description=text)
    command.add_argument("path", nargs="?", default="event.yaml", help="the file to write (default: event.yaml)")
    command.add_argument("--first-day", help="the conference's first day, YYYY-MM-DD (default: today)")
    command.set_defaults(func=cmd_init)
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
