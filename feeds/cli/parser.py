"""The arguments of the `feeds` command: each command, its options and its help text."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version

from ..importer import FORMATS as IMPORT_FORMATS
from ..render.links import FORMATS
from .check import cmd_check
from .diff import cmd_diff
from .export import cmd_export
from .importing import cmd_import
from .links import cmd_links
from .preview import cmd_preview
from .release import cmd_log, cmd_publish
from .starter import cmd_init, cmd_schema


def package_version() -> str:
    """Return the installed version of feeds."""
    try:
        return version("feeds")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the feeds command, each command's function as its func default."""
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
