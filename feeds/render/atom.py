"""An Atom feed of schedule changes: one entry per ledger revision that attendees can see.

Entries come from the ledger's revisions (newest first), so their ids and
times are stable and every replica writes the same bytes. docs/formats.md
describes the entry ids and texts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ..catalog import session_page_path
from ..ledger import Change, Ledger, Revision
from ..text import ATTENDEE_CHANGE_TEXT, ChangeKind, clean_xml_text
from .source import Published

ATOM = "http://www.w3.org/2005/Atom"
# Older revisions stay in the ledger but not in the feed; feed readers only need the recent past.
MAX_ENTRIES = 100


def describe_move(old: str, new: str) -> str:
    """Return 'Sat 30 Mar 09:15-10:00 -> 11:00-11:45 CET' from two ledger spans, shortened when they share parts."""
    old_parts, new_parts = old.split(" ", 4), new.split(" ", 4)
    if len(old_parts) != 5 or len(new_parts) != 5 or old_parts[4] != new_parts[4]:
        return f"{old} -> {new}"
    label = old_parts[4]
    if old_parts[:3] == new_parts[:3]:
        return f"{' '.join(old_parts[:3])} {old_parts[3]} -> {new_parts[3]} {label}"
    return f"{' '.join(old_parts[:4])} -> {' '.join(new_parts[:4])} {label}"


def describe_change(change: Change) -> str:
    """Return one change as a line for attendees, e.g. 'Cancelled: Thrift unification'."""
    template = ATTENDEE_CHANGE_TEXT.get(change.kind)
    if template is None:
        return f"Changed: {change.title} ({change.kind})"
    old, new, span = change.old, change.new, ""
    if change.kind == ChangeKind.MOVED:
        span = describe_move(old, new)
    elif change.kind == ChangeKind.RENAMED_ID:
        old, new = session_page_path(old), session_page_path(new)
    # An added or restored session without a recorded time reads "Added: X", not "Added: X, ".
    return template.format(title=change.title, old=old, new=new, span=span).removesuffix(", ")


def visible_revisions(ledger: Ledger) -> list[Revision]:
    """Return the revisions that changed something attendees see, newest first, at most MAX_ENTRIES."""
    # The ledger lists revisions in the order they were recorded, which stays right even if a clock jumped back.
    found = [revision for revision in reversed(ledger.revisions) if revision.changes]
    return found[:MAX_ENTRIES]


def changes_modified(publication: Published) -> datetime:
    """Return the time of the newest entry, or the ledger's creation when there is none."""
    found = visible_revisions(publication.ledger)
    return found[0].at if found else publication.ledger.created


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def feed_id(ledger: Ledger, domain: str) -> str:
    """Return the feed's tag: URI, stable for the life of the ledger."""
    return f"tag:{domain},{ledger.created.astimezone(UTC):%Y-%m-%d}:{ledger.event}/changes"


def entry_id(ledger: Ledger, domain: str, revision: Revision) -> str:
    """Return a revision's tag: URI, from the event's uid domain, the revision time and the event file's hash.

    The hash keeps two revisions recorded within the same second apart.
    """
    moment = f"{revision.at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"tag:{domain},{ledger.created.astimezone(UTC):%Y-%m-%d}:{ledger.event}/revision/{moment}/{revision.source_sha256[:12]}"


def entry_title(ledger: Ledger, revision: Revision) -> str:
    """Return an entry's title: the change itself, or the first of several and how many more."""
    lines = [describe_change(change) for change in revision.changes]
    named = f"{revision.name}: " if revision.name else ""
    if revision.at == ledger.created and all(change.kind == ChangeKind.ADDED for change in revision.changes):
        count = len(revision.changes)
        return f"{named}Schedule published: {count} session{'s' if count != 1 else ''}"
    if len(lines) == 1:
        return named + lines[0]
    return f"{named}{lines[0]} (and {len(lines) - 1} more)"


def _entry_link(publication: Published, revision: Revision, base_url: str) -> str:
    """Return the session page when the revision is about one session still on the schedule, else the index."""
    uids = {change.uid for change in revision.changes}
    if len(uids) == 1:
        entry = publication.ledger.sessions.get(next(iter(uids)))
        if entry is not None and entry.removed is None:
            return base_url + session_page_path(entry.id)
    return f"{base_url}/"


def _add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: clean_xml_text(value) for key, value in attributes.items()})
    if text:
        element.text = clean_xml_text(text)
    return element


def render_changes(publication: Published, base_url: str) -> bytes:
    """Return the Atom feed of schedule changes, newest first."""
    base_url = base_url.rstrip("/")
    ledger = publication.ledger
    info = publication.event.info
    revisions = visible_revisions(ledger)
    # Namespaces are written as plain xmlns attributes so the default namespace needs no global registration.
    feed = ET.Element("feed", xmlns=ATOM)
    _add(feed, "id", feed_id(ledger, info.uid_domain))
    _add(feed, "title", f"{info.name} · Schedule changes")
    _add(feed, "subtitle", f"Sessions added, moved, renamed, cancelled or removed at {info.name}.")
    _add(feed, "updated", _stamp(changes_modified(publication)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url}/changes.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/")
    author = _add(feed, "author")
    _add(author, "name", info.name)
    if info.url:
        _add(author, "uri", info.url)
    _add(feed, "generator", "feeds")
    for revision in revisions:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(ledger, info.uid_domain, revision))
        _add(entry, "title", entry_title(ledger, revision))
        _add(entry, "updated", _stamp(revision.at))
        _add(entry, "link", rel="alternate", type="text/html", href=_entry_link(publication, revision, base_url))
        items = ET.Element("ul")
        for change in revision.changes:
            _add(items, "li", describe_change(change))
        # type="html": the list is serialized by ElementTree and escaped as the element's text.
        _add(entry, "content", ET.tostring(items, encoding="unicode", method="html"), type="html")
    ET.indent(feed, space="  ")
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
