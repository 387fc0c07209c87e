"""Write every feed and page as static files, byte for byte what the service sends.

The export asks the application itself, through Flask's test client, so a file
and the server's answer for the same URL come from one code path. It fetches
every feed path (aliases included), then the pages: `/`, the page of every
feed, every GET route without parameters and whatever those pages link to on
the same site. Files are written into a hidden folder beside OUTDIR, which is
renamed into place only when complete; `.feeds/manifest.json`, written last,
marks a complete export. `.feeds/nginx.conf` is a ready nginx server block
that serves the files with the service's types and headers; `.feeds/DEPLOY.txt`
lists the same headers for an object store or CDN.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from flask import Flask
from werkzeug.test import TestResponse

from .. import create_app
from ..catalog import feed_path, kind_prefix, split_key
from ..publish.publication import Publication
from ..publish.publisher import Publisher
from ..publish.release import file_for
from ..render.links import VENDORS, subscribe_path
from ..text import SLUG
from ..web.context import EXPORT_ENVIRON

META = ".feeds"
MANIFEST = "manifest.json"
NGINX_CONF = "nginx.conf"
DEPLOY_NOTES = "DEPLOY.txt"
FORMAT = "feeds-export"
# Pages that describe the running process, not the schedule; a snapshot of them would mislead.
DYNAMIC_PATHS = frozenset({"/healthz"})
# Response headers the static server must repeat (Content-Type is handled by nginx's types).
REPLAYED_HEADERS = (
    "Cache-Control",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "Access-Control-Allow-Origin",
)
MISSING_FEED = "/speakers/no-such-feed-{n}.ics"
MISSING_PAGE = "/no-such-page-{n}"
SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_~@:+,=-][A-Za-z0-9._~@:+,=-]*")

Progress = Callable[[int, int], None]
T = TypeVar("T")


class ExportError(Exception):
    """The export cannot be written; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """One URL written as a file, with what nginx needs to answer like the service."""

    url_path: str
    file: str
    content_type: str
    headers: tuple[tuple[str, str], ...]
    size: int
    sha256: str
    feed: bool


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export wrote."""

    outdir: Path
    base_url: str
    revision: str
    files: tuple[ExportedFile, ...]
    redirects: tuple[tuple[str, str, int], ...] = ()
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def feeds(self) -> int:
        """Return how many feed files were written (aliases included)."""
        return sum(1 for item in self.files if item.feed)

    @property
    def pages(self) -> int:
        """Return how many other files (pages, styles, images) were written."""
        return len(self.files) - self.feeds

    @property
    def size(self) -> int:
        """Return the bytes written, all files together."""
        return sum(item.size for item in self.files)


def check_base_url(url: str) -> str:
    """Return the public base URL without a trailing slash, or raise ExportError saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(
            f"the base URL must be a full http(s) address such as https://calendar.example.org, got '{url}'"
        )
    if parts.query or parts.fragment:
        raise ExportError(f"the base URL must not have a query or a fragment, got '{url}'")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


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


class _Links(HTMLParser):
    """Collect href and src attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def page_links(html: str) -> list[str]:
    """Return the href and src values of a page, in order."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.found


def site_path(link: str, page_url: str, base_url: str) -> tuple[str, str] | None:
    """Return (path under the base URL, query) for a link on the same site, or None for another site."""
    absolute = urlsplit(urljoin(page_url, link))
    base = urlsplit(base_url)
    if (absolute.scheme, absolute.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    prefix = base.path.rstrip("/")
    if absolute.path != prefix and not absolute.path.startswith(prefix + "/"):
        return None
    return unquote(absolute.path[len(prefix) :] or "/"), absolute.query


@dataclass
class _Crawl:
    """What an export has fetched so far."""

    client: Any
    base_url: str
    files: dict[str, ExportedFile] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)
    mtimes: dict[str, datetime] = field(default_factory=dict)
    redirects: dict[str, tuple[str, int]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    builder: bool = False

    def get(self, path: str) -> TestResponse:
        # Pages for a host without the service say what it cannot do (custom feeds, reminders).
        environ = {} if self.builder else {EXPORT_ENVIRON: True}
        response: TestResponse = self.client.get(path, base_url=self.base_url, buffered=True, environ_overrides=environ)
        return response


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
    crawl = _Crawl(app.test_client(), base_url, builder=builder)
    feed_paths = sorted(publication.paths)
    pages = seed_pages(app, publication)
    total = len(feed_paths) + len(pages)
    done = 0
    for path in feed_paths:
        _fetch(crawl, path, required=True, feed=True)
        done += 1
        if progress:
            progress(done, total)
    _crawl_pages(crawl, pages, progress, done, total)
    if publisher.current is not publication:
        raise ExportError("the event file or the ledger changed during the export; run the export again")
    not_found = {
        "feed": _fetch_error_page(crawl, MISSING_FEED, set(publication.paths)),
        "page": _fetch_error_page(crawl, MISSING_PAGE, crawl.seen),
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


def _crawl_pages(
    crawl: _Crawl, pages: list[str], progress: Progress | None = None, done: int = 0, total: int = 0
) -> None:
    """Fetch pages and every same-site page they link to (guessed pages that do not exist are skipped)."""
    # "/" must exist; a link to a missing page is reported.
    queue: dict[str, str] = dict.fromkeys(pages, "")
    while queue:
        path, linked_from = next(iter(queue.items()))
        del queue[path]
        if path in crawl.seen:
            total -= 1
            continue
        links = _fetch(crawl, path, required=path == "/", feed=False, linked_from=linked_from)
        for link in links:
            if link not in crawl.seen and link not in queue:
                queue[link] = path
                total += 1
        done += 1
        if progress:
            progress(done, total)


def release_pages(app: Flask) -> dict[str, tuple[bytes, str]]:
    """Return the service's pages of the release it serves now, for its folder: URL path -> (bytes, file)."""
    publisher: Publisher = app.extensions["feeds"]
    publication = publisher.current
    if publication is None or not publisher.settings.base_url:
        return {}
    crawl = _Crawl(app.test_client(), check_base_url(publisher.settings.base_url), builder=True)
    crawl.seen.update(publication.paths)  # the feeds are the release's files already
    _crawl_pages(crawl, seed_pages(app, publication))
    return {path: (crawl.bodies[path], item.file) for path, item in crawl.files.items() if not item.feed}


def describe_files(app: Flask, paths: list[str]) -> tuple[ExportedFile, ...]:
    """Return how the service answers each of paths (those that answer 200) as export entries, writing nothing."""
    publisher: Publisher = app.extensions["feeds"]
    crawl = _Crawl(app.test_client(), check_base_url(publisher.settings.base_url or "http://localhost"))
    for path in paths:
        _fetch(crawl, path, required=False, feed=False)
    return tuple(sorted(crawl.files.values(), key=lambda item: item.url_path))


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


def seed_pages(app: Flask, publication: Publication) -> list[str]:
    """Return the pages to try: /, every GET route without parameters, every feed's page, static files."""
    pages = ["/"]
    for rule in app.url_map.iter_rules():
        if not rule.arguments and "GET" in (rule.methods or ()) and rule.rule not in DYNAMIC_PATHS:
            pages.append(rule.rule)
    for key in sorted(set(publication.paths.values())):
        kind, ident = split_key(key)
        if ident:
            pages.append(f"/{kind}s/{ident}")
        # The https buttons of e-mail snippets: static pages that forward to each calendar app.
        target = f"{kind}s/{ident}" if ident else kind
        pages += [subscribe_path(vendor, target) for vendor in VENDORS]
    for folder, url in _static_folders(app):
        for file in sorted(path for path in folder.rglob("*") if path.is_file()):
            pages.append(f"{url}/{file.relative_to(folder).as_posix()}")
    return list(dict.fromkeys(pages))


def _static_folders(app: Flask) -> Iterator[tuple[Path, str]]:
    owners: list[Any] = [app, *app.blueprints.values()]
    for owner in owners:
        if owner.has_static_folder and owner.static_url_path and owner.static_folder:
            yield Path(owner.static_folder), owner.static_url_path.rstrip("/")


def _fetch(crawl: _Crawl, path: str, required: bool, feed: bool, linked_from: str = "") -> list[str]:
    """Fetch one URL path and keep its answer; return the same-site pages it links to."""
    crawl.seen.add(path)
    response = crawl.get(path)
    status = response.status_code
    if feed and status != 200:
        raise ExportError(f"GET {path} answered {response.status}; every feed must answer 200 directly")
    if status == 404 and linked_from:
        crawl.warnings.append(f"{linked_from} links to {path}, which answers 404 Not Found")
        return []
    if 300 <= status < 400:
        location = site_path(response.headers.get("Location", ""), crawl.base_url + path, crawl.base_url)
        if location is None or location[1]:
            crawl.skipped.add(f"{path} (redirects off the site)")
            return []
        crawl.redirects[path] = (location[0], status)
        return [location[0]]
    if status == 404 and not required:
        return []
    if status != 200:
        raise ExportError(
            f"GET {path} answered {status} {response.status}; the export needs 200 for every feed and page"
        )
    content_type = response.headers.get("Content-Type", "application/octet-stream")
    body = response.get_data()
    file = file_for(path, content_type)
    for other in crawl.files.values():
        if other.file == file:
            raise ExportError(f"{path} and {other.url_path} would both be written to {file}")
    headers = tuple((name, response.headers[name]) for name in REPLAYED_HEADERS if name in response.headers)
    crawl.files[path] = ExportedFile(
        path, file, content_type, headers, len(body), hashlib.sha256(body).hexdigest(), feed or file.endswith(".ics")
    )
    crawl.bodies[path] = body
    modified = response.headers.get("Last-Modified")
    if modified:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            crawl.mtimes[path] = parsedate_to_datetime(modified)
    if not content_type.startswith("text/html"):
        return []
    links = []
    for link in page_links(body.decode("utf-8", "replace")):
        found = site_path(link, crawl.base_url + path, crawl.base_url)
        if found is None:
            continue
        target, query = found
        if query == "download=1" and target.endswith(".ics"):
            links.append(target)  # the file is the same; nginx adds Content-Disposition itself
        elif query:
            crawl.skipped.add(f"{target}?{query} (a query string needs the running service)")
        elif target not in DYNAMIC_PATHS:
            links.append(target)
    return links


def _fetch_error_page(crawl: _Crawl, pattern: str, taken: set[str]) -> tuple[bytes, str]:
    """Return the body and content type the service answers for a path that does not exist."""
    number = 0
    while pattern.format(n=number) in taken:
        number += 1
    response = crawl.get(pattern.format(n=number))
    return response.get_data(), response.headers.get("Content-Type", "text/plain; charset=utf-8")


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


def _quote(value: str) -> str:
    """Return value as an nginx string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def header_lines(headers: tuple[tuple[str, str], ...], indent: str) -> list[str]:
    """Return the add_header directives that repeat headers."""
    return [f"{indent}add_header {name} {_quote(value)};" for name, value in headers]


def media_type(content_type: str) -> str:
    """Return the media type of a Content-Type, without parameters, in lower case."""
    return content_type.split(";", 1)[0].strip().lower()


def _extension_of(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def render_deploy_notes(report: ExportReport) -> str:
    """Return how to serve the export from an object store or CDN: which headers each kind of file needs."""
    kinds: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    for item in report.files:
        extension = _extension_of(item.file) or "(none)"
        kinds.setdefault(extension, (item.content_type, item.headers))
    lines = [
        f"Serving this export ({report.base_url}, revision {report.revision}) without nginx",
        "",
        "From an object store (S3, GCS, R2, Azure Blob) or a CDN or static host: upload every file except",
        f"the {META}/ folder, at the root of {report.base_url}, and give each object these headers:",
        "",
    ]
    for extension, (content_type, headers) in sorted(kinds.items()):
        lines.append(f"  .{extension} files:")
        lines.append(f"    Content-Type: {content_type}")
        lines += [f"    {name}: {value}" for name, value in headers]
    lines += [
        "",
        "- Do not let the host compress .ics files (gzip or brotli): reported to break Outlook subscriptions.",
        "- Feed URLs must answer 200 directly, never a redirect; alias paths are full copies for that reason.",
        "- A page URL such as /tracks/ai-platform is the file tracks/ai-platform.html: upload it under the key",
        "  tracks/ai-platform (with the .html headers), or turn on the host's 'clean URLs' / pretty URLs option.",
        "- ETag and Last-Modified come from the host; every copy of the same upload sends the same ones.",
        "- ?download=1 on a session feed needs the service or nginx; a static host sends the same bytes inline.",
    ]
    if report.redirects:
        lines.append("- Redirects to configure on the host (path -> target, status):")
        lines += [f"    {path} -> {target} ({status})" for path, target, status in report.redirects]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class FileRules:
    """How nginx answers each kind of file like the service: per extension, and the files that differ."""

    types: dict[str, str]
    headers: dict[str, tuple[tuple[str, str], ...]]
    charset_types: frozenset[str]
    exceptions: tuple[ExportedFile, ...]


def file_rules(files: tuple[ExportedFile, ...], error_types: tuple[str, ...] = ()) -> FileRules:
    """Return the media type and headers most files of each extension have, and the files that differ."""
    groups: dict[str, list[ExportedFile]] = {}
    charset = {media_type(item) for item in error_types if "charset=utf-8" in item.lower().replace(" ", "")}
    for item in files:
        groups.setdefault(_extension_of(item.file), []).append(item)
        if "charset=utf-8" in item.content_type.lower().replace(" ", ""):
            charset.add(media_type(item.content_type))
    types = {ext: _most_common([media_type(item.content_type) for item in items]) for ext, items in groups.items()}
    common = {ext: _most_common([item.headers for item in items]) for ext, items in groups.items()}
    exceptions = [
        item
        for ext, items in sorted(groups.items())
        for item in items
        if media_type(item.content_type) != types[ext]
        or item.headers != common[ext]
        or not re.fullmatch(r"[a-z0-9]+", ext)
        or (ext != "html" and item.file != item.url_path.lstrip("/"))
    ]
    return FileRules(types, common, frozenset(charset), tuple(exceptions))


def type_lines(rules: FileRules, indent: str) -> list[str]:
    """Return the charset and types directives that give every file the service's Content-Type."""
    return [
        f"{indent}charset utf-8;",
        # text/html always gets the charset; nginx warns when it is listed.
        f"{indent}charset_types " + " ".join(sorted((rules.charset_types - {"text/html"}) or {"text/calendar"})) + ";",
        f"{indent}types {{",
        *[
            f"{indent}    {media} {ext};"
            for ext, media in sorted(rules.types.items())
            if re.fullmatch(r"[a-z0-9]+", ext)
        ],
        f"{indent}}}",
        f"{indent}default_type application/octet-stream;",
    ]


def render_nginx_conf(
    report: ExportReport,
    publication: Publication,
    server_name: str,
    listen: str = "80",
    error_types: tuple[str, ...] = (),
) -> str:
    """Return an nginx server block that serves the export with the service's types and headers."""
    # Variables are global in nginx: name them after the event (PCRE caps capture names at 32 characters).
    variable = "feeds_" + hashlib.sha256(publication.event.info.id.encode()).hexdigest()[:8]
    rules = file_rules(report.files, error_types)
    common = rules.headers
    aliases = [
        (path, key.partition(":")[2])
        for path, key in sorted(publication.paths.items())
        if key.startswith("session:") and path != feed_path(key)
    ]
    lines = [
        f"# nginx server block for the static export of {publication.event.info.name}",
        f"# (revision {report.revision}, base URL {report.base_url}), written by `feeds export`.",
        "# Include it in nginx's http {} block, e.g. as /etc/nginx/conf.d/feeds.conf; set listen and",
        "# server_name, and add your TLS certificate directives. Files keep the feeds' Last-Modified",
        "# as their modification time, so every host serving a copy of this folder sends the same",
        "# Last-Modified and ETag.",
        "",
        "# ?download=1 on a session feed offers it as a file, like the service.",
        f'map "$arg_download:$uri" ${variable}_download {{',
        '    default "";',
        *[
            f"    {_quote('1:' + path)} {_quote(f'attachment; filename={chr(34)}{ident}.ics{chr(34)}')};"
            for path, ident in aliases
        ],
        f'    "~^1:{kind_prefix("session")}/(?<{variable}_session>{SLUG.pattern})\\.ics$" '
        f"'attachment; filename=\"${variable}_session.ics\"';",
        "}",
        "",
        "server {",
        f"    listen {listen};",
        f"    server_name {server_name};",
        f"    root {_quote(str(report.outdir))};",
        "    server_tokens off;",
        "    etag on;",
        "    # No gzip on .ics: reported to break Outlook subscriptions.",
        "    gzip off;",
        "    # 304 when the client's copy is as new as the file or newer, as the service answers.",
        "    if_modified_since before;",
        *type_lines(rules, "    "),
        "",
        f"    location ^~ /{META}/ {{",
        "        internal;",
        "        types { }",
        "        default_type text/plain;",
        "    }",
        "",
        "    location / {",
        f"        error_page 404 /{META}/404-page.txt;",
        "        try_files $uri $uri.html $uri/index.html =404;",
        *header_lines(common.get("html", ()), "        "),
        "    }",
    ]
    for ext in sorted(rules.types):
        if ext == "html" or not re.fullmatch(r"[a-z0-9]+", ext):
            continue
        feed = ext == "ics"
        lines += [
            "",
            f"    location ~ \\.{ext}$ {{",
            f"        error_page 404 /{META}/404-{'feed' if feed else 'page'}.txt;",
            "        try_files $uri =404;",
            *header_lines(common[ext], "        "),
            *([f"        add_header Content-Disposition ${variable}_download;"] if feed else []),
            "    }",
        ]
    for path, target, status in report.redirects:
        lines += ["", f"    location = {_quote(path)} {{", f"        return {status} {_quote(target)};", "    }"]
    for item in rules.exceptions:
        lines += [
            "",
            f"    location = {_quote(item.url_path)} {{",
            "        types { }",
            f"        default_type {media_type(item.content_type)};",
            f"        try_files {_quote('/' + item.file)} =404;",
            *header_lines(item.headers, "        "),
            *([f"        add_header Content-Disposition ${variable}_download;"] if item.file.endswith(".ics") else []),
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _most_common(values: list[T]) -> T:
    """Return the value that occurs most often (the first of those on a tie)."""
    counts: dict[T, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda value: counts[value])


def export_event(
    event_file: Path,
    ledger_file: Path | None,
    base_url: str,
    outdir: Path,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
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
        app = create_app(config)
        report = export_site(app, outdir, progress, builder=builder)
        warning: str = app.extensions["feeds"].status.warning
    finally:
        logger.removeHandler(quiet)
    return report, warning


class TerminalProgress:
    """A progress bar on a terminal; on a log, a line every tenth, and only for large exports."""

    def __init__(self, stream: TextIO = sys.stderr, minimum: int = 1000, width: int = 30) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.minimum = minimum
        self.width = width
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        """Show that done of total files are fetched."""
        if self.tty:
            if done < total and done % max(1, total // 200):
                return
            filled = self.width * done // max(total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\rexporting [{bar}] {done}/{total}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif total >= self.minimum:
            tenth = 10 * done // max(total, 1)
            if tenth > self._shown:
                self._shown = tenth
                self.stream.write(f"exporting: {done}/{total} files\n")
                self.stream.flush()
