"""`feeds export`: write every feed and page as static files, then say what was written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..export import META, NGINX_CONF, ExportReport, TerminalProgress, export_event
from .shared import CommandError, command_settings

# Warnings of an export shown one by one; the rest are counted.
SHOWN_WARNINGS = 20
# Paths not exported that the summary names.
SHOWN_SKIPPED = 5


def cmd_export(args: argparse.Namespace) -> int:
    """Export the event for its public base URL and print a summary."""
    settings = command_settings(args.path, args.ledger, base_url=args.base_url)
    base_url = settings.base_url
    if not base_url:
        raise CommandError(
            "feeds export needs the public base URL, because links inside feeds are absolute: "
            "pass --base-url https://calendar.example.org or set FEEDS_BASE_URL"
        )
    report, warning = export_event(
        settings.event_file, settings.ledger_file, base_url, Path(args.outdir), TerminalProgress(sys.stderr)
    )
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    print_report(report)
    return 0


def print_report(report: ExportReport) -> None:
    """Print an export's warnings to stderr, and what it wrote to stdout."""
    for line in report.warnings[:SHOWN_WARNINGS]:
        print(f"warning: {line}", file=sys.stderr)
    if len(report.warnings) > SHOWN_WARNINGS:
        print(f"warning: ... and {len(report.warnings) - SHOWN_WARNINGS} more like these", file=sys.stderr)
    print(
        f"{report.outdir}: {report.feeds} feeds and {report.pages} pages ({report.size / 1e6:.1f} MB) "
        f"for {report.base_url}, revision {report.revision}"
    )
    if report.skipped:
        print(
            f"not exported ({len(report.skipped)}): "
            + ", ".join(report.skipped[:SHOWN_SKIPPED])
            + (" ..." if len(report.skipped) > SHOWN_SKIPPED else "")
        )
    print(f"nginx server block: {report.outdir / META / NGINX_CONF}")
