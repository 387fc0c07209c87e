"""`feeds preview`: serve the event file as a draft on 127.0.0.1, with what would change; writes nothing."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .. import create_app
from ..load import load_event
from .shared import command_settings


def cmd_preview(args: argparse.Namespace) -> int:
    """Serve the event file as a draft until interrupted."""
    settings = command_settings(args.path, args.ledger)
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
