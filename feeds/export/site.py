"""Write every feed and page as static files into a folder, replacing an earlier export only when complete.

Files are written into a hidden folder beside OUTDIR, which is renamed into place only when
complete; `.feeds/manifest.json`, written last, marks a complete export. `.feeds/nginx.conf` is a
ready nginx server block that serves the files with the service's types and headers;
`.feeds/DEPLOY.txt` lists the same headers for an object store or CDN.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from ..publish.publication import Publication
from ..publish.publisher import Publisher
from ..web.app import create_web_app
from .crawl import MISSING_FEED, MISSING_PAGE, Crawl, crawl_pages, fetch, fetch_error_page, seed_pages
from .nginx import render_nginx_conf
from .notes import render_deploy_notes
from .progress import Progress
from .report import DEPLOY_NOTES, FORMAT, MANIFEST, META, NGINX_CONF, ExportError, ExportReport, check_base_url

SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_~@:+,=-][A-Za-z0-9._~@:+,=-]*")


def target_path(root: Path, relative: str) -> Path:
    """Return where relative goes under root; refuse anything that would land outside it."""
    segments = relative.split("/")
    if (
        not relative
        or relative.startswith("/")
        or "\\" in relative
        or "\x00" in relative
        or any(not SAFE_SEGMENT.fullmatch(segment) for segment in segments)
        or segments[0] == META
    ):
        raise ExportError(f"refusing to write '{relative}': not a plain path inside the export folder")
    target = root.joinpath(*segments)
    resolved_root = root.resolve()
    resolved = target.resolve()
    if resolved == resolved_root or not resolved.is_relative_to(resolved_root):
        raise ExportError(f"refusing to write '{relative}': it would land outside {root}")
    return target


def export_site(
    app: Flask,
    outdir: Path,
    progress: Progress | None = None,
    server_name: str = "",
    listen: str = "80",
    builder: bool = False,
) -> ExportReport:
    """Write every feed and page the app serves into outdir; replace an earlier export only when complete.

    By default the pages are written for a host without the service: the custom-feed builder is
    replaced by a note that custom feeds need the service, and e-mail buttons get forwarding pages.
    With builder True they are the service's own pages, for a host where the service runs too.
    """
    publisher: Publisher = app.extensions["feeds"]
    publication = publisher.current
    if publication is None:
        problems = publisher.status.errors or ["the event could not be loaded"]
        raise ExportError("\n".join([*problems, "nothing was exported."]))
    base_url = check_base_url(publisher.settings.base_url or "")
    outdir = Path(os.path.abspath(outdir))
    _check_outdir(outdir)
    crawl = Crawl(app.test_client(), base_url, builder=builder)
    feed_paths = sorted(publication.paths)
    pages = seed_pages(app, publication)
    total = len(feed_paths) + len(pages)
    done = 0
    for path in feed_paths:
        fetch(crawl, path, required=True, feed=True)
        done += 1
        if progress:
            progress(done, total)
    crawl_pages(crawl, pages, progress, done, total)
    if publisher.current is not publication:
        raise ExportError("the event file or the ledger changed during the export; run the export again")
    not_found = {
        "feed": fetch_error_page(crawl, MISSING_FEED, set(publication.paths)),
        "page": fetch_error_page(crawl, MISSING_PAGE, crawl.seen),
    }
    prefix = urlsplit(base_url).path
    if prefix:
        crawl.warnings.append(
            f"the base URL has a path ({prefix}): the nginx server block serves the files at the root of the host; "
            f"serve the folder at {prefix}/ instead (an nginx 'location {prefix}/' with 'alias')"
        )
    report = ExportReport(
        outdir=outdir,
        base_url=base_url,
        revision=publication.revision,
        files=tuple(sorted(crawl.files.values(), key=lambda item: item.url_path)),
        redirects=tuple(sorted((path, target, status) for path, (target, status) in crawl.redirects.items())),
        skipped=tuple(sorted(crawl.skipped)),
        warnings=tuple(crawl.warnings),
    )
    extra_types = tuple(content_type for _, content_type in not_found.values())
    conf = render_nginx_conf(
        report, publication, server_name or urlsplit(base_url).hostname or "_", listen, extra_types
    )
    with _staging(outdir) as staging:
        fallback = publication.ledger.revised
        targets = [(target_path(staging, item.file), item) for item in report.files]  # every path checked first
        for target, item in targets:
            _write(target, crawl.bodies[item.url_path], crawl.mtimes.get(item.url_path, fallback))
        meta = staging / META
        meta.mkdir(mode=0o755)
        for kind, (body, _) in not_found.items():
            _write(meta / f"404-{kind}.txt", body, fallback)
        _write(meta / NGINX_CONF, conf.encode(), fallback)
        _write(meta / DEPLOY_NOTES, render_deploy_notes(report).encode(), fallback)
        _write(meta / MANIFEST, _manifest(report, publication), fallback)
    return report


def _check_outdir(outdir: Path) -> None:
    if outdir.is_symlink():
        raise ExportError(f"{outdir} is a symbolic link; give the folder it points to")
    if outdir.exists() and not outdir.is_dir():
        raise ExportError(f"{outdir} exists and is not a folder; choose another output folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / META / MANIFEST).is_file():
        raise ExportError(
            f"{outdir} is not empty and does not hold an earlier export (no {META}/{MANIFEST}); "
            "choose a new or empty folder, nothing was written"
        )


@contextlib.contextmanager
def _staging(outdir: Path) -> Iterator[Path]:
    """Yield a hidden folder beside outdir; on success put it in outdir's place, else remove it."""
    try:
        outdir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.partial-", dir=outdir.parent))
    except OSError as err:
        raise ExportError(f"{outdir.parent}: cannot write here ({err.strerror})") from None
    try:
        staging.chmod(0o755)
        yield staging
        if outdir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
            os.replace(outdir, old / "export")
            os.replace(staging, outdir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, outdir)
    except OSError as err:
        raise ExportError(
            f"{outdir}: cannot be written ({err.strerror}); an earlier export was left as it was"
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _write(path: Path, data: bytes, modified: datetime) -> None:
    """Write a file with mode 0644 and its modification time set to modified (nginx's Last-Modified)."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(data)
    path.chmod(0o644)
    stamp = modified.astimezone(UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _manifest(report: ExportReport, publication: Publication) -> bytes:
    data = {
        "format": FORMAT,
        "version": 1,
        "complete": True,
        "event": publication.event.info.id,
        "event_sha256": publication.event.source_sha256,
        "revision": report.revision,
        "base_url": report.base_url,
        "files": {item.file: item.sha256 for item in report.files},
        "redirects": {path: target for path, target, _ in report.redirects},
    }
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def export_event(
    event_file: Path,
    ledger_file: Path | None,
    base_url: str,
    outdir: Path,
    progress: Progress | None = None,
    builder: bool = False,
) -> tuple[ExportReport, str]:
    """Load the event as the service does and export it; return the report and any ledger warning.

    The pages offer the custom-feed builder only with builder True, for a host where the service runs too.
    """
    base_url = check_base_url(base_url)
    config: dict[str, Any] = {
        "EVENT_FILE": str(event_file),
        "BASE_URL": base_url,
        # One consistent snapshot: no reload checks while exporting.
        "RELOAD_SECONDS": 10**9,
        "SETTLE_SECONDS": 0,
    }
    if ledger_file is not None:
        config["LEDGER_FILE"] = str(ledger_file)
    logger = logging.getLogger("feeds")
    quiet = logging.NullHandler()  # problems are reported by the caller, once
    logger.addHandler(quiet)
    try:
        app = create_web_app(config)
        report = export_site(app, outdir, progress, builder=builder)
        warning: str = app.extensions["feeds"].status.warning
    finally:
        logger.removeHandler(quiet)
    return report, warning
