"""Render the nginx site of deploy/nginx/feeds.conf, and run nginx unprivileged for local use and tests.

`python -m feeds.deploy --releases DIR --upstream HOST:PORT [--listen 80] [EVENT]` prints the site:
files under DIR/current answered by nginx with the Content-Type and headers the service sends,
everything else proxied to gunicorn at HOST:PORT. The types and headers come from the service
itself: a sample of its answers (one of each kind of file) is read through the export's crawler.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from .catalog import CONFERENCE, page_path, split_key
from .export import (
    META,
    ExportedFile,
    ExportError,
    describe_files,
    file_rules,
    header_lines,
    media_type,
    nginx_string,
    seed_pages,
    type_lines,
)
from .publish.publisher import Publisher
from .render.qr import qr_path
from .web.app import create_web_app

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "feeds.conf"
NGINX = Path("/usr/sbin/nginx")
SERVICE = "@feeds_service"
FIELD = re.compile(r"@@([A-Z_]+)@@")
# The first lines of every location that serves files: a dynamic request goes to the service instead.
DYNAMIC = ("        if ($feeds_dynamic) {", "            return 418;", "        }")
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class DeployError(Exception):
    """The nginx site cannot be rendered or started; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one client address may ask of the service (files from the release are not limited)."""

    rate: int = 20
    burst: int = 100
    connections: int = 16


DEFAULT_LIMITS = Limits()


def sample_paths(app: Flask) -> list[str]:
    """Return one URL of each kind the service answers: each kind of feed, page, QR code and static file."""
    publisher: Publisher = app.extensions["feeds"]
    publication = publisher.current
    if publication is None:
        problems = publisher.status.errors or ["the event could not be loaded"]
        raise DeployError("\n".join([*problems, "the nginx site needs the service's answers to a valid event."]))
    first: dict[str, str] = {}
    for key in sorted(set(publication.paths.values())):
        first.setdefault(split_key(key)[0], key)
    feed_pages = {page_path(key) for key in publication.paths.values() if split_key(key)[1]}
    kept_pages = {page_path(key) for kind, key in first.items() if kind != CONFERENCE}
    pages = [page for page in seed_pages(app, publication) if page not in feed_pages or page in kept_pages]
    feeds = [path for path, key in sorted(publication.paths.items()) if key in first.values()]
    return list(dict.fromkeys([*feeds, *pages, *(qr_path(key) for key in first.values())]))


def describe_service(app: Flask) -> tuple[ExportedFile, ...]:
    """Return how the service answers one URL of each kind (types and headers), writing nothing."""
    return describe_files(app, sample_paths(app))


def _locations(files: tuple[ExportedFile, ...]) -> tuple[list[str], list[str]]:
    """Return the header lines of HTML pages, and the locations of every other kind of file."""
    rules = file_rules(files)
    locations: list[str] = []
    for ext in sorted(rules.types):
        if ext == "html" or not re.fullmatch(r"[a-z0-9]+", ext):
            continue
        locations += [
            "",
            f"    location ~ \\.{ext}$ {{",
            *DYNAMIC,
            # A missing file goes to the service; no try_files, which would stat every file once more.
            f"        error_page 404 418 = {SERVICE};",
            *header_lines(rules.headers[ext], "        "),
            "    }",
        ]
    for item in rules.exceptions:
        locations += [
            "",
            f"    location = {nginx_string(item.url_path)} {{",
            "        types { }",
            f"        default_type {media_type(item.content_type)};",
            *DYNAMIC,
            f"        try_files {nginx_string('/' + item.file)} {SERVICE};",
            *header_lines(item.headers, "        "),
            "    }",
        ]
    return header_lines(rules.headers.get("html", ()), "        "), locations


def check_upstream(upstream: str) -> str:
    """Return a HOST:PORT or unix:PATH address of gunicorn, or raise DeployError saying what is wrong."""
    if re.fullmatch(r"unix:/[^\s;{}]+", upstream) or re.fullmatch(
        r"[A-Za-z0-9.\-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5}", upstream
    ):
        return upstream
    raise DeployError(f"the gunicorn address must be HOST:PORT or unix:/PATH, such as 127.0.0.1:8000, got '{upstream}'")


def render_site(
    files: tuple[ExportedFile, ...],
    releases: Path,
    upstream: str,
    listen: str = "80",
    server_name: str = "_",
    limits: Limits = DEFAULT_LIMITS,
    template: Path = TEMPLATE,
) -> str:
    """Return the nginx site: files under releases/current with the service's headers, the rest proxied."""
    releases = Path(os.path.abspath(releases))
    if re.search(r"[\s;{}\"'$\\]", str(releases)):
        raise DeployError(f"{releases}: the release folder's path must not hold spaces, quotes, ';', '{{', '}}' or '$'")
    if not re.fullmatch(r"[A-Za-z0-9.\-_\[\]:]+", listen):
        raise DeployError(f"listen must be a port or an ADDRESS:PORT such as 127.0.0.1:8080, got '{listen}'")
    if not re.fullmatch(r"[A-Za-z0-9.\-_*~^ ]+", server_name):
        raise DeployError(f"server_name must be host names separated by spaces, got '{server_name}'")
    try:
        text = template.read_text(encoding="utf-8")
    except OSError as err:
        raise DeployError(f"{template}: cannot read the nginx site template ({err.strerror})") from None
    html_headers, locations = _locations(files)
    values = {
        "RELEASES": str(releases),
        "UPSTREAM": check_upstream(upstream),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "RATE": str(limits.rate),
        "BURST": str(limits.burst),
        "CONNECTIONS": str(limits.connections),
        "TYPES": "\n".join(type_lines(file_rules(files), "    ")),
        "HTML_HEADERS": "\n".join(html_headers),
        "LOCATIONS": "\n".join(locations),
    }
    unknown = sorted(set(FIELD.findall(text)) - set(values))
    if unknown:
        raise DeployError(f"{template}: unknown fields {', '.join('@@' + name + '@@' for name in unknown)}")
    return FIELD.sub(lambda found: values[found.group(1)], text)


def render_main_conf(prefix: Path, site: Path, worker_connections: int = 1024) -> str:
    """Return an nginx.conf that runs in the foreground from prefix, unprivileged, and includes site."""
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in TEMP_KINDS)
    # Started as root, workers would switch to nobody, who cannot read a private temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"daemon off;\n{user}worker_processes 1;\nworker_rlimit_nofile {4 * worker_connections};\n"
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        f"events {{\n    worker_connections {worker_connections};\n}}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {site};\n}}\n"
    )


class Nginx:
    """nginx from Debian's package, in the foreground, with its files in a private prefix folder."""

    def __init__(
        self, site: str, prefix: Path, port: int, binary: Path = NGINX, worker_connections: int = 1024
    ) -> None:
        if not binary.exists():
            raise DeployError(f"{binary} is missing: install Debian's nginx package (apt-get install nginx)")
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "site.conf").write_text(site, encoding="utf-8")
        (prefix / "nginx.conf").write_text(
            render_main_conf(prefix, prefix / "site.conf", worker_connections), encoding="utf-8"
        )
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = prefix / "error.log"
        command = [str(binary), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(self.log)]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise DeployError(f"nginx refused the configuration in {prefix}:\n{checked.stderr.strip()}")
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise DeployError(f"nginx stopped at start: {error.strip()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise DeployError(f"nginx did not listen on port {port} within 10 s; see {self.log}")

    def stop(self) -> None:
        """Stop nginx, letting it finish the requests in progress."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def load_app(event_file: Path | None) -> Flask:
    """Return the service's app on an event, as gunicorn would build it (FEEDS_* settings apply)."""
    config: dict[str, object] = {"RELOAD_SECONDS": 10**9, "SETTLE_SECONDS": 0}
    if event_file is not None:
        config["EVENT_FILE"] = str(event_file)
    return create_web_app(config)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the nginx site for a release folder and a gunicorn address."""
    parser = argparse.ArgumentParser(prog="python -m feeds.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("event", nargs="?", type=Path, help="the event file (default: FEEDS_EVENT_FILE or event.yaml)")
    parser.add_argument("--releases", type=Path, required=True, help="the folder that holds the 'current' link")
    parser.add_argument("--upstream", default="127.0.0.1:8000", help="gunicorn's address (default 127.0.0.1:8000)")
    parser.add_argument("--listen", default="80", help="nginx's listen address or port (default 80)")
    parser.add_argument("--server-name", default="_", help="nginx's server_name (default _)")
    parser.add_argument("--rate", type=int, default=DEFAULT_LIMITS.rate, help="dynamic requests per second per client")
    parser.add_argument("--burst", type=int, default=DEFAULT_LIMITS.burst, help="dynamic requests one client may burst")
    parser.add_argument("--connections", type=int, default=DEFAULT_LIMITS.connections, help="dynamic requests at once")
    args = parser.parse_args(argv)
    try:
        files = describe_service(load_app(args.event))
        site = render_site(
            files,
            args.releases,
            args.upstream,
            args.listen,
            args.server_name,
            Limits(args.rate, args.burst, args.connections),
        )
    except (DeployError, ExportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not (args.releases / "current" / META).is_dir():
        print(
            f"warning: {args.releases}/current is not a release yet; nginx answers from it once it is", file=sys.stderr
        )
    sys.stdout.write(site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
