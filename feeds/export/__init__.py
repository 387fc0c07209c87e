"""Write every feed and page as static files, byte for byte what the service sends.

Its modules each do one job:
- report: the error, the exported files and the report, the names in the .feeds folder;
- crawl: fetching feeds and pages from the application itself, following same-site links;
- site: writing a complete export into a folder (and loading the event for it, as the service does);
- nginx: the nginx server block that serves the files with the service's types and headers;
- notes: DEPLOY.txt, the same headers for an object store or CDN;
- progress: the progress shown on a terminal or a log.
"""

from __future__ import annotations

from .crawl import REPLAYED_HEADERS, describe_files, release_pages, seed_pages, site_path
from .nginx import file_rules, header_lines, media_type, nginx_string, type_lines
from .progress import TerminalProgress
from .report import MANIFEST, META, NGINX_CONF, ExportedFile, ExportError, ExportReport
from .site import export_event, export_site, target_path

__all__ = [
    "MANIFEST",
    "META",
    "NGINX_CONF",
    "REPLAYED_HEADERS",
    "ExportError",
    "ExportReport",
    "ExportedFile",
    "TerminalProgress",
    "describe_files",
    "export_event",
    "export_site",
    "file_rules",
    "header_lines",
    "media_type",
    "nginx_string",
    "release_pages",
    "seed_pages",
    "site_path",
    "target_path",
    "type_lines",
]
