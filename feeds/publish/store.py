"""The release folder: each release rendered once into a folder of plain files, and a pointer to the newest.

The folder `current` is a symbolic link to the newest release, replaced
atomically: a reader (a worker, nginx) sees either the old release or the new
one, whole.

    event.releases/
      current -> r/000042
      r/000042/        one release (release.py reads it)
      verdict.json     what the watcher concluded about the event file now on disk

Only the holder of the ledger lock writes a release; a killed writer leaves a
hidden partial folder that the next writer removes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..cache import BoundedCache
from ..config import Settings
from ..ledger import READ_ONLY_ERRORS, Ledger, LedgerError, LedgerReadOnlyError
from .publication import FeedBody, Publication, etag_of, revision_name
from .release import (
    CALENDAR_TYPE,
    DOCUMENTS,
    MANIFEST,
    META,
    PAGES,
    PARTS,
    STATE,
    Release,
    dump_manifest,
    file_for,
    read_release,
)
from .verdict import Verdict

log = logging.getLogger("feeds")

# Up to this many sessions the watcher also writes a release's pages as files (thousands of pages would
# keep it busy for many seconds each release; the service renders them instead).
MAX_PAGE_SESSIONS = 300
TREES = "r"
POINTER = "current"
VERDICT = "verdict.json"
# Releases kept on disk besides the newest: a worker or nginx still reading one finishes with it.
KEEP_RELEASES = 8
RELEASE_NAME = re.compile(r"r/(\d{6,})")
# Past this many new files, a release is flushed to disk with one sync instead of one fsync per file.
MAX_FSYNCS = 64
# Up to this many sessions a release holds the schedule documents as files too.
MAX_DOCUMENT_SESSIONS = 1000


def default_release_dir(ledger_file: Path) -> Path:
    """Return the release folder beside the ledger: event.ledger.json -> event.releases."""
    stem = ledger_file.name.removesuffix(".json").removesuffix(".ledger")
    return ledger_file.with_name(f"{stem}.releases")


def release_folder(settings: Settings) -> ReleaseStore:
    """Return the release store the settings name."""
    return ReleaseStore(settings.release_dir or default_release_dir(settings.ledger_file))


def release_files(
    publication: Publication, base_url: str, documents: bool = True
) -> dict[str, tuple[FeedBody, str, str]]:
    """Return every URL a release serves as a file, with its type and feed key: feeds (aliases too), documents."""
    found: dict[str, tuple[FeedBody, str, str]] = {}
    if not base_url:
        return found  # links inside feeds are absolute: without a base URL, servers render for each request's host
    bodies = publication.render_all(base_url)
    for path, key in publication.paths.items():
        found[path] = (bodies[key], CALENDAR_TYPE, key)
    if documents:
        for path, (render, modified, content_type) in DOCUMENTS.items():
            data = render(publication, base_url)
            found[path] = (FeedBody(data, etag_of(data), modified(publication)), content_type, "")
    return found


class ReleaseStore:
    """The release folder: writing a release (hold the ledger lock), finding the newest, cleaning up."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.trees = folder / TREES
        self.pointer = folder / POINTER
        self.verdict_path = folder / VERDICT
        self._loaded: BoundedCache[tuple[int, ...], Release] = BoundedCache(
            1
        )  # the manifest read last: releases never change

    def tree(self, number: int) -> Path:
        """Return the folder of release number."""
        return self.trees / f"{number:06d}"

    def current_number(self) -> int:
        """Return the number of the release `current` points at, 0 when there is none."""
        try:
            target = os.readlink(self.pointer)
        except OSError:
            return 0
        found = RELEASE_NAME.fullmatch(target)
        return int(found[1]) if found else 0

    def load(self, number: int) -> Release | None:
        """Return release number as its manifest describes it, None when it is missing or incomplete."""
        folder = self.tree(number)
        manifest = folder / META / MANIFEST
        try:
            info = manifest.stat()
        except OSError:
            return None
        identity = (number, info.st_ino, info.st_mtime_ns, info.st_size)
        cached = self._loaded.get(identity)
        if cached is not None:
            return cached
        found = read_release(folder)
        if found is not None:
            self._loaded.put(identity, found)
        return found

    def newest(self) -> Release | None:
        """Return the release `current` points at, or failing that the newest complete one."""
        number = self.current_number()
        found = self.load(number) if number else None
        if found is not None:
            return found
        for candidate in sorted(self._numbers(), reverse=True):
            found = self.load(candidate)
            if found is not None:
                return found
        return None

    def _numbers(self) -> list[int]:
        try:
            names = os.listdir(self.trees)
        except OSError:
            return []
        return [int(name) for name in names if name.isdigit()]

    def write_tree(self, publication: Publication, base_url: str, previous: Release | None) -> Release:
        """Write the folder of publication's release (numbered by its ledger), not yet pointed at. Hold the lock.

        Files whose bytes did not change since previous are hard links to its
        files. A folder already written for the same revision is kept as it is.
        """
        ledger = publication.ledger
        number = ledger.release
        target = self.tree(number)
        existing = self.load(number)
        if existing is not None and existing.revision == publication.revision and existing.base_url == base_url:
            return existing
        # The schedule documents are rendered whole (not from parts): for a large event a server renders
        # them when first asked instead, so that a release stays quick.
        files = release_files(publication, base_url, len(publication.event.sessions) <= MAX_DOCUMENT_SESSIONS)
        try:
            self.trees.mkdir(parents=True, exist_ok=True)
            self._clear_partials()
            staging = Path(tempfile.mkdtemp(prefix=f".{number:06d}.partial-", dir=self.trees))
        except OSError as err:
            raise _write_error(self.folder, err) from None
        try:
            manifest: dict[str, list[Any]] = {}
            written: list[Path] = []
            for path, (body, content_type, key) in sorted(files.items()):
                relative = file_for(path, content_type)
                destination = staging / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                if not _link_unchanged(previous, path, body, destination):
                    _write_file(destination, body.data, body.last_modified)
                    written.append(destination)
                modified = int(body.last_modified.timestamp())
                manifest[path] = [relative, content_type, body.etag, modified, len(body.data), key]
            meta = staging / META
            meta.mkdir()
            with (meta / STATE).open("wb") as handle:
                pickle.dump((publication.event, ledger), handle, protocol=pickle.HIGHEST_PROTOCOL)
            if base_url:
                # Every VEVENT of the release, so that custom feeds and the next release assemble, not render.
                with (meta / PARTS).open("wb") as handle:
                    parts = publication.parts.table(publication.part_keys(base_url))
                    pickle.dump(parts, handle, protocol=pickle.HIGHEST_PROTOCOL)
            _write_file(meta / MANIFEST, dump_manifest(publication, base_url, manifest), ledger.revised)
            _fsync_written(staging, [*written, *meta.iterdir()])
            if target.exists():
                shutil.rmtree(target)  # an earlier attempt at this number that was never pointed at
            os.replace(staging, target)
            _fsync_folder(self.trees)
        except OSError as err:
            shutil.rmtree(staging, ignore_errors=True)
            raise _write_error(self.folder, err) from None
        release = self.load(number)
        if release is None:
            raise LedgerError(f"{target}: the release was written but cannot be read back")
        return release

    def point(self, number: int) -> None:
        """Point `current` at release number, atomically (a new link renamed over the old one). Hold the lock."""
        if self.current_number() == number:
            return
        temporary = self.folder / f".{POINTER}.{os.getpid()}.{threading.get_ident()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        try:
            os.symlink(f"{TREES}/{number:06d}", temporary)
            os.replace(temporary, self.pointer)
            _fsync_folder(self.folder)
        except OSError as err:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise _write_error(self.folder, err) from None
        self._clean(number)

    def add_pages(self, release: Release, pages: Mapping[str, tuple[bytes, str]]) -> None:
        """Write a served release's pages into its folder, each file whole (a new file renamed into place).

        Until a page is there, a static server in front (deploy/) asks the service, which renders the
        same bytes from the release's state; `.feeds/pages` marks a folder that has them all.
        """
        for relative_bytes in pages.values():
            data, relative = relative_bytes
            target = release.folder / relative
            if ".." in Path(relative).parts or target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            _write_file(temporary, data, release.released_at)
            os.replace(temporary, target)
        _write_file(release.folder / META / PAGES, b"", release.released_at)

    def repair(self, ledger: Ledger | None) -> None:
        """Point `current` at the release the ledger names when the link is missing (a copy without it). Hold the lock.

        Only a folder whose revision is the ledger's newest is pointed at: a
        folder written by a writer killed before it recorded the ledger is not.
        """
        if self.current_number() or ledger is None:
            return
        found = self.load(ledger.release)
        if found is not None and found.revision == revision_name(ledger):
            self.point(found.number)
            log.info("%s was missing; pointed it at %s", self.pointer, found.describe())

    def _clear_partials(self) -> None:
        """Remove what killed writers left: partial folders and temporary links (only the lock holder writes)."""
        for leftover in self.trees.glob(".*.partial-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in self.folder.glob(f".{POINTER}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def _clean(self, newest: int) -> None:
        """Remove releases older than the KEEP_RELEASES before newest."""
        for number in self._numbers():
            if number < newest - KEEP_RELEASES:
                shutil.rmtree(self.tree(number), ignore_errors=True)

    def read_verdict(self) -> Verdict | None:
        """Return the watcher's verdict on the event file, None when there is none (or it cannot be read)."""
        try:
            return Verdict.from_json(self.verdict_path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_verdict(self, verdict: Verdict) -> None:
        """Replace the verdict atomically."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{VERDICT}.", suffix=".tmp", dir=self.folder)
            with os.fdopen(handle, "wb") as out:
                out.write(verdict.to_json())
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.verdict_path)
        except OSError as err:
            log.warning("%s: cannot record the verdict on the event file (%s)", self.verdict_path, err.strerror)


def _link_unchanged(previous: Release | None, path: str, body: FeedBody, destination: Path) -> bool:
    """Hard-link the previous release's file when it holds the same bytes and time; return whether it did."""
    if previous is None:
        return False
    item = previous.files.get(path)
    if item is None or item.etag != body.etag or item.modified != body.last_modified:
        return False
    try:
        os.link(previous.folder / item.file, destination)
    except OSError:
        return False
    return True


def _write_file(path: Path, data: bytes, modified: datetime) -> None:
    with path.open("wb") as out:
        out.write(data)
    path.chmod(0o644)
    stamp = modified.timestamp()
    os.utime(path, (stamp, stamp))


def _fsync_written(root: Path, files: list[Path]) -> None:
    """Flush the files written (links to earlier files are already on disk) and every folder of the tree."""
    if len(files) > MAX_FSYNCS:
        os.sync()  # one writeback for a whole new tree costs less than thousands of journal commits
        return
    for path in files:
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    for folder, _, _ in os.walk(root):
        _fsync_folder(Path(folder))


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _write_error(folder: Path, err: OSError) -> LedgerError:
    if err.errno in READ_ONLY_ERRORS:
        return LedgerReadOnlyError(f"{folder}: releases cannot be written here ({err.strerror})")
    return LedgerError(f"{folder}: the release cannot be written ({err.strerror}); the previous release stays served")
