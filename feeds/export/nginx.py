"""Write the nginx server block that serves an export with the service's types and headers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TypeVar

from ..catalog import feed_path, kind_prefix
from ..publish.publication import Publication
from ..text import SLUG
from .report import META, ExportedFile, ExportReport

T = TypeVar("T")


def nginx_string(value: str) -> str:
    """Return value as an nginx string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def header_lines(headers: tuple[tuple[str, str], ...], indent: str) -> list[str]:
    """Return the add_header directives that repeat headers."""
    return [f"{indent}add_header {name} {nginx_string(value)};" for name, value in headers]


def media_type(content_type: str) -> str:
    """Return the media type of a Content-Type, without parameters, in lower case."""
    return content_type.split(";", 1)[0].strip().lower()


def extension_of(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


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
        groups.setdefault(extension_of(item.file), []).append(item)
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
            f"    {nginx_string('1:' + path)} {nginx_string(f'attachment; filename={chr(34)}{ident}.ics{chr(34)}')};"
            for path, ident in aliases
        ],
        f'    "~^1:{kind_prefix("session")}/(?<{variable}_session>{SLUG.pattern})\\.ics$" '
        f"'attachment; filename=\"${variable}_session.ics\"';",
        "}",
        "",
        "server {",
        f"    listen {listen};",
        f"    server_name {server_name};",
        f"    root {nginx_string(str(report.outdir))};",
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
        lines += [
            "",
            f"    location = {nginx_string(path)} {{",
            f"        return {status} {nginx_string(target)};",
            "    }",
        ]
    for item in rules.exceptions:
        lines += [
            "",
            f"    location = {nginx_string(item.url_path)} {{",
            "        types { }",
            f"        default_type {media_type(item.content_type)};",
            f"        try_files {nginx_string('/' + item.file)} =404;",
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
