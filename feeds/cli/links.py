"""`feeds links`: print subscribe links for a feed, ready to paste into an e-mail."""

from __future__ import annotations

import argparse
import sys

from ..load import load_event
from ..render.links import feed_links, find_feed, google_cid_warning, render_snippet, unknown_feed
from .shared import CommandError, command_settings


def cmd_links(args: argparse.Namespace) -> int:
    """Print the subscribe links of one feed as HTML, text or Markdown."""
    base_url = command_settings(None, base_url=args.base_url).base_url
    if not base_url.startswith(("https://", "http://")):
        raise CommandError(
            "links in e-mails must be absolute: pass --base-url https://calendar.example.org or set FEEDS_BASE_URL"
        )
    event = load_event(command_settings(args.path, None).event_file)
    feed = find_feed(event, args.feed)
    if feed is None:
        raise CommandError(unknown_feed(event, args.feed))
    links = feed_links(feed, base_url)
    for warning in filter(None, [google_cid_warning(links.https)]):
        print(f"warning: {warning}", file=sys.stderr)
    sys.stdout.write(render_snippet(links, args.format))
    return 0
