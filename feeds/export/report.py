"""What an export is: its error, the files it wrote and its report, the names in its .feeds folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

META = ".feeds"
MANIFEST = "manifest.json"
NGINX_CONF = "nginx.conf"
DEPLOY_NOTES = "DEPLOY.txt"
FORMAT = "feeds-export"


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
