"""The `feeds` command: thin wrappers that load, then call the domain."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .catalog import list_feeds
from .config import Settings, SettingsError, load_settings
from .export import META, NGINX_CONF, ExportError, TerminalProgress, export_event
from .ledger import Ledger, LedgerError, LedgerFile, advance, now_utc, pending, preview
from .load import EventFileError, Problem, load_event, parse_event, read_source
from .load.jsonschema import json_schema_text
from .load.starter import starter_event
from .model import Event
from .publish.publication import Publication
from .publish.record import release_event
from .publish.release import check_name
from .publish.review import change_text, changed_feeds, describe, find_holds
from .publish.store import release_folder
from .render.links import FORMATS, feed_links, find_feed, google_cid_warning, render_snippet, unknown_feed
from .text import plural


def _settings(path: str | None, ledger: str | None = None, **more: object) -> Settings:
    return load_settings(event_file=path, ledger_file=ledger, **more)


def _read_ledger(settings: Settings, event: Event) -> Ledger | None:
    return LedgerFile(settings.ledger_file).read(event.info.id)


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
        event = load_event(settings.event_file, settings.max_event_bytes)
    except EventFileError as err:
        for problem in err.problems:
            print(github_annotation("error", problem, "", file))
        print(f"{file}: {plural(len(err.problems), 'problem')} found; nothing was published from this file.")
        return 1
    ledger = _read_ledger(settings, event)
    changes = preview(ledger, event)
    moment = ledger.revised if ledger else now_utc()
    published, _ = advance(ledger, event, moment, settings.tombstone_days)
    for warning in event.warnings:
        print(github_annotation("warning", warning, "", file))
    holds = [str(hold) for hold in find_holds(event, ledger, changes, settings.hold_removals)]
    for line in holds + Publication(event, published, settings).warnings():
        at = re.match(r"(.+?):(\d+):(\d+): (.*)", line)
        where = Problem(at[1], int(at[2]), int(at[3]), "", at[4]) if at else None
        print(github_annotation("warning", where, line, file))
    print(f"{file}: OK: {plural(len(event.sessions), 'session')}, {plural(len(changes), 'change')} not yet released")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.format == "github":
        return cmd_check_github(args)
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = _read_ledger(settings, event)
    _, changes = pending(ledger, event)
    moment = ledger.revised if ledger else now_utc()
    released, _ = advance(ledger, event, moment, settings.tombstone_days)
    publication = Publication(event, released, settings)
    holds = find_holds(event, ledger, changes, settings.hold_removals)
    for line in [str(warning) for warning in event.warnings]:
        print(f"warning: {line}")
    for hold in holds:
        print(f"warning: {hold.reason}; {hold.advice}")
    for line in publication.warnings():
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


def cmd_diff_markdown(args: argparse.Namespace) -> int:
    """Print what subscribers will see change as Markdown, ready for a pull-request comment."""
    settings, source = _diff_ledger(args)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = _read_ledger(settings, event)
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
        print(f"| {_cell(change.title)} (`{change.session}`) | {_cell(change_text(change))} |")
    touched = changed_feeds(ledger, event)
    print()
    print(f"{plural(len(touched), 'feed')} change: " + ", ".join(f"`{path}`" for path in touched))
    for hold in find_holds(event, ledger, changes, settings.hold_removals):
        print()
        print(f"> **Warning:** {_cell(str(hold))}")
    return 0


def _cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: pipes escaped, on one line."""
    return " ".join(text.replace("|", "\\|").split())


def _diff_ledger(args: argparse.Namespace) -> tuple[Settings, str]:
    """Return the settings for comparing args.path, and a line saying which ledger it is compared with."""
    settings = _settings(args.path, args.ledger)
    if args.ledger:
        return settings, f"Compared with the ledger {settings.ledger_file} (--ledger)."
    served = load_settings()
    event_file = settings.event_file
    configured = bool(os.environ.get("FEEDS_EVENT_FILE") or os.environ.get("FEEDS_LEDGER_FILE"))
    if configured and event_file.resolve() != served.event_file.resolve() and not settings.ledger_file.exists():
        settings = _settings(args.path, str(served.ledger_file))
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


def cmd_diff(args: argparse.Namespace) -> int:
    if args.format == "markdown":
        return cmd_diff_markdown(args)
    settings, source = _diff_ledger(args)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = _read_ledger(settings, event)
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


def cmd_publish(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    try:
        name = check_name(args.name or "")
    except ValueError as err:
        print(f"error: --name: {err}", file=sys.stderr)
        return 1
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


def cmd_log(args: argparse.Namespace) -> int:
    settings = _settings(args.path, args.ledger)
    event = load_event(settings.event_file, settings.max_event_bytes)
    ledger = _read_ledger(settings, event)
    if ledger is None:
        print(f"No releases yet: {settings.ledger_file} does not exist. Run 'feeds publish {settings.event_file}'.")
        return 0
    served = release_folder(settings).current_number()
    revisions = list(ledger.revisions)[-args.limit :] if args.limit else list(ledger.revisions)
    print(f"Releases of {ledger.event} ({plural(len(ledger.revisions), 'release')} in {settings.ledger_file}):")
    for revision in reversed(revisions):
        kinds: dict[str, int] = {}
        for change in revision.changes:
            kinds[change.kind] = kinds.get(change.kind, 0) + 1
        counts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "feed details only"
        name = f' "{revision.name}"' if revision.name else ""
        mark = "  <- served" if revision.number == served else ""
        print(
            f"  {revision.number:>4}  {revision.at:%Y-%m-%d %H:%M} UTC{name}: {plural(len(revision.changes), 'change')} ({counts}){mark}"
        )
        if args.verbose:
            for change in revision.changes:
                print("      " + describe(change).strip())
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    from . import create_app

    settings = _settings(args.path, args.ledger)
    load_event(settings.event_file, settings.max_event_bytes)  # a broken draft is reported here, not served
    base = f"http://127.0.0.1:{args.port}"
    app = create_app(
        {
            "EVENT_FILE": str(settings.event_file),
            "LEDGER_FILE": str(settings.ledger_file),
            "BASE_URL": base,
            "PREVIEW": True,
            "FAST_PATH": False,
        }
    )
    print(
        f"Previewing {settings.event_file} at {base}/ (what would change: {base}/preview); nothing is written. Ctrl-C stops."
    )
    run_simple("127.0.0.1", args.port, app, threaded=True)
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
        print(f"Importing {args.source} into {target} would change {plural(len(changes), 'thing')} subscribers see:")
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
        ("diff", cmd_diff, "show what subscribers would see change if the event file were released; writes nothing"),
        ("publish", cmd_publish, "release the event file now: every server serves it (also in FEEDS_PUBLISH=manual)"),
        ("log", cmd_log, "list the releases: when, their names and what each changed"),
        (
            "preview",
            cmd_preview,
            "serve the event file as a draft on 127.0.0.1, with what would change; writes nothing",
        ),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("path", nargs="?", help="the event file (default: $FEEDS_EVENT_FILE or event.yaml)")
        command.add_argument("--ledger", help="the ledger file (default: beside the event file, NAME.ledger.json)")
        command.set_defaults(func=func)
        if name == "publish":
            command.add_argument("--name", help='a name for the release, e.g. "Day 2 update" (shown to subscribers)')
        elif name == "log":
            command.add_argument(
                "--limit", type=int, default=50, help="show the newest N releases (default 50; 0: all)"
            )
            command.add_argument("-v", "--verbose", action="store_true", help="list every change of each release")
        elif name == "preview":
            command.add_argument("--port", type=int, default=8001, help="the port on 127.0.0.1 (default 8001)")
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
    except (LedgerError, SettingsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
