"""Fetch feeds and pages from the application itself and follow the same-site links of every page.

The export asks the application through Flask's test client, so a file and the server's answer
for the same URL come from one code path. The pages are `/`, the page of every feed, every GET
route without parameters and whatever those pages link to on the same site.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from flask import Flask
from werkzeug.test import TestResponse

from ..catalog import HEALTH, page_path, split_key
from ..publish.publication import Publication
from ..publish.publisher import Publisher
from ..publish.release import file_for
from ..render.links import VENDORS, subscribe_path
from ..web.context import EXPORT_ENVIRON
from .progress import Progress
from .report import ExportedFile, ExportError, check_base_url

# Pages that describe the running process, not the schedule; a snapshot of them would mislead.
DYNAMIC_PATHS = frozenset({HEALTH})
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


class _Links(HTMLParser):
    """Collect href and src attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 - any tag's href/src
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
class Crawl:
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
        """Return the application's answer for path, as the export asks for it."""
        # Pages for a host without the service say what it cannot do (custom feeds, reminders).
        environ = {} if self.builder else {EXPORT_ENVIRON: True}
        response: TestResponse = self.client.get(path, base_url=self.base_url, buffered=True, environ_overrides=environ)
        return response


def crawl_pages(
    crawl: Crawl, pages: list[str], progress: Progress | None = None, done: int = 0, total: int = 0
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
        links = fetch(crawl, path, required=path == "/", feed=False, linked_from=linked_from)
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
    crawl = Crawl(app.test_client(), check_base_url(publisher.settings.base_url), builder=True)
    crawl.seen.update(publication.paths)  # the feeds are the release's files already
    crawl_pages(crawl, seed_pages(app, publication))
    return {path: (crawl.bodies[path], item.file) for path, item in crawl.files.items() if not item.feed}


def describe_files(app: Flask, paths: list[str]) -> tuple[ExportedFile, ...]:
    """Return how the service answers each of paths (those that answer 200) as export entries, writing nothing."""
    publisher: Publisher = app.extensions["feeds"]
    crawl = Crawl(app.test_client(), check_base_url(publisher.settings.base_url or "http://localhost"))
    for path in paths:
        fetch(crawl, path, required=False, feed=False)
    return tuple(sorted(crawl.files.values(), key=lambda item: item.url_path))


def seed_pages(app: Flask, publication: Publication) -> list[str]:
    """Return the pages to try: /, every GET route without parameters, every feed's page, static files."""
    pages = ["/"]
    for rule in app.url_map.iter_rules():
        if not rule.arguments and "GET" in (rule.methods or ()) and rule.rule not in DYNAMIC_PATHS:
            pages.append(rule.rule)
    for key in sorted(set(publication.paths.values())):
        kind, ident = split_key(key)
        if ident:
            pages.append(page_path(key))
        # The https buttons of e-mail snippets: static pages that forward to each calendar app.
        target = page_path(key)[1:] if ident else kind
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


def fetch(  # noqa: C901, PLR0912 - one answer checked in the order a host serves it; splitting hides the order
    crawl: Crawl, path: str, required: bool, feed: bool, linked_from: str = ""
) -> list[str]:
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


def fetch_error_page(crawl: Crawl, pattern: str, taken: set[str]) -> tuple[bytes, str]:
    """Return the body and content type the service answers for a path that does not exist."""
    number = 0
    while pattern.format(n=number) in taken:
        number += 1
    response = crawl.get(pattern.format(n=number))
    return response.get_data(), response.headers.get("Content-Type", "text/plain; charset=utf-8")
