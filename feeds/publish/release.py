"""One release as a reader sees it: the manifest of its folder, with feed bodies read from disk when first asked.

A release folder holds every feed and schedule document at its URL path (the
layout `feeds export` writes), the state it was rendered from (event and
ledger, for pages and custom feeds) and a manifest written last:

    r/000042/conference.ics, tracks/ID.ics, ..., schedule.xml
    r/000042/.feeds/manifest.json, state.pickle, parts.pickle, pages

This module owns the manifest's format, both ways; store.py writes the folders.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..cache import BoundedCache
from ..catalog import CHANGES_FEED, SCHEDULE_JSON, SCHEDULE_XML
from ..ledger import Ledger
from ..model import Event
from ..render.atom import changes_modified, render_changes
from ..render.frab import render_schedule_json, render_schedule_xml, schedule_modified
from .publication import FeedBody, Publication, etag_of

log = logging.getLogger("feeds")

FORMAT = "feeds-release"
VERSION = 2
META = ".feeds"
MANIFEST = "manifest.json"
STATE = "state.pickle"
PARTS = "parts.pickle"
PAGES = "pages"  # present once the release's pages are files too
MAX_NAME_LENGTH = 80
# Feed bytes a worker keeps in memory per release; the rest is read from the files (the OS caches them).
BODY_CACHE_BYTES = 48 * 1024 * 1024

CALENDAR_TYPE = "text/calendar; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json"
ATOM_TYPE = "application/atom+xml; charset=utf-8"

# The schedule documents a release holds besides the feeds: path -> (render, Last-Modified, Content-Type).
DOCUMENTS: dict[str, tuple[Callable[[Publication, str], bytes], Callable[[Publication], datetime], str]] = {
    SCHEDULE_XML: (render_schedule_xml, schedule_modified, XML_TYPE),
    SCHEDULE_JSON: (render_schedule_json, schedule_modified, JSON_TYPE),
    CHANGES_FEED: (render_changes, changes_modified, ATOM_TYPE),
}


def file_for(url_path: str, content_type: str = "text/html") -> str:
    """Return the file, relative to a release or export folder, that holds the answer for a URL path."""
    if url_path.endswith("/"):
        return url_path.lstrip("/") + "index.html"
    name = url_path.rsplit("/", 1)[-1]
    if "." in name:
        return url_path.lstrip("/")
    return url_path.lstrip("/") + _extension(content_type)


def _extension(content_type: str) -> str:
    media = content_type.split(";", 1)[0].strip().lower()
    return {
        "text/html": ".html",
        "text/calendar": ".ics",
        "application/json": ".json",
        "application/xml": ".xml",
        "text/xml": ".xml",
        "application/atom+xml": ".atom",
        "text/plain": ".txt",
        "text/css": ".css",
        "image/svg+xml": ".svg",
        "image/png": ".png",
    }.get(media, ".bin")


def check_name(name: str) -> str:
    """Return a release name cleaned of outer space, or raise ValueError saying what is wrong."""
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"a release name has at most {MAX_NAME_LENGTH} characters, got {len(cleaned)}")
    if any(not character.isprintable() for character in cleaned):
        raise ValueError("a release name must be plain text (no control characters)")
    return cleaned


@dataclass(frozen=True, slots=True)
class ReleasedFile:
    """One URL of a release: its file, type and validators."""

    file: str
    content_type: str
    etag: str
    modified: datetime
    size: int
    key: str = ""  # the feed served at the URL (aliases name their feed's key); "" for documents


@dataclass
class Release:
    """One release as a reader sees it: its manifest, with feed bodies read from disk when first asked."""

    folder: Path
    number: int
    name: str
    released_at: datetime
    revision: str
    base_url: str
    source_sha256: str
    files: Mapping[str, ReleasedFile]
    summary: Mapping[str, Any] = field(default_factory=dict)  # event id, counts, ledger time: for /healthz
    _bodies: BoundedCache[str, FeedBody] = field(init=False, repr=False, compare=False)
    _state: tuple[Event, Ledger] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._bodies = BoundedCache(
            max(len(self.files), 1), max_size=BODY_CACHE_BYTES, size_of=lambda body: len(body.data)
        )

    def key(self, path: str) -> str | None:
        """Return the key of the feed released at a URL path, None when there is no such feed file."""
        item = self.files.get(path)
        return item.key or None if item is not None else None

    def body(self, path: str) -> FeedBody | None:
        """Return the bytes and validators released at a URL path, None when the release has no such file."""
        found = self._bodies.get(path)
        if found is not None:
            return found
        item = self.files.get(path)
        if item is None:
            return None
        try:
            data = (self.folder / item.file).read_bytes()
        except OSError as err:
            log.error("release %s: %s cannot be read (%s)", self.number, item.file, err.strerror)  # noqa: TRY400
            return None
        if etag_of(data) != item.etag:
            log.error(
                "release %s: %s does not hold the bytes its manifest names; not serving it", self.number, item.file
            )
            return None
        found = FeedBody(data, item.etag, item.modified)
        self._bodies.put(path, found)  # past the budget, files are read each time
        return found

    def state(self) -> tuple[Event, Ledger]:
        """Return the event and ledger the release was rendered from (read once, when first needed)."""
        with self._lock:
            if self._state is None:
                with (self.folder / META / STATE).open("rb") as handle:
                    event, ledger = pickle.load(handle)  # written by ReleaseStore.write_tree, never by a client
                self._state = (event, ledger)
            return self._state

    def parts(self) -> dict[tuple[str, ...], bytes]:
        """Return the VEVENTs the release's feeds are made of (empty when it holds none)."""
        try:
            with (self.folder / META / PARTS).open("rb") as handle:
                found: dict[tuple[str, ...], bytes] = pickle.load(handle)  # written by write_tree, never by a client
        except (OSError, pickle.UnpicklingError, EOFError):
            return {}
        return found

    def feed_bodies(self, paths: Mapping[str, str]) -> dict[str, FeedBody]:
        """Return the released body of every feed key, read from its canonical file (paths: URL path -> key)."""
        found: dict[str, FeedBody] = {}
        for path, key in paths.items():
            if key not in found and self.files.get(path) is not None and self.files[path].key == key:
                body = self.body(path)
                if body is not None:
                    found[key] = body
        return found

    def describe(self) -> str:
        """Return the release as an organizer reads it: 'release 42 "Day 2 update" of 2023-07-18 15:10 UTC'."""
        named = f' "{self.name}"' if self.name else ""
        return f"release {self.number}{named} of {self.released_at:%Y-%m-%d %H:%M} UTC"


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def read_release(folder: Path) -> Release | None:
    """Return the release in folder as its manifest describes it, None when it is missing or incomplete."""
    try:
        raw = json.loads((folder / META / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("version") != VERSION:
        return None
    try:
        files = {
            path: ReleasedFile(
                item[0], item[1], item[2], datetime.fromtimestamp(int(item[3]), UTC), int(item[4]), str(item[5])
            )
            for path, item in raw["files"].items()
        }
        return Release(
            folder=folder,
            number=int(raw["number"]),
            name=str(raw["name"]),
            released_at=_parse_time(raw["released_at"]),
            revision=str(raw["revision"]),
            base_url=str(raw["base_url"]),
            source_sha256=str(raw["source_sha256"]),
            files=files,
            summary=dict(raw["summary"]),
        )
    except (KeyError, TypeError, ValueError, IndexError):
        log.error("%s: the manifest is damaged; not serving this release", folder / META / MANIFEST)  # noqa: TRY400
        return None


def dump_manifest(publication: Publication, base_url: str, files: Mapping[str, list[Any]]) -> bytes:
    """Return the manifest of publication's release (files: URL path -> file, type, ETag, time, size, feed key)."""
    ledger = publication.ledger
    document = {
        "format": FORMAT,
        "version": VERSION,
        "number": ledger.release,
        "name": ledger.release_name,
        "released_at": _time(ledger.revised),
        "revision": publication.revision,
        "base_url": base_url,
        "source_sha256": ledger.source_sha256,
        "summary": {
            "event": publication.event.info.id,
            "ledger_revised": ledger.revised.isoformat(),
            "counts": {
                "sessions": len(publication.event.sessions),
                "speakers": len(publication.event.speakers),
                "tracks": len(publication.event.tracks),
                "feeds": len(set(publication.paths.values())),
            },
        },
        "files": files,
    }
    return (json.dumps(document, ensure_ascii=False) + "\n").encode()
