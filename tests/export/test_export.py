"""Static export: byte for byte what the service sends, served by a real nginx with the same types."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask, Response

from feeds.cli import main
from feeds.export import (
    MANIFEST,
    META,
    NGINX_CONF,
    REPLAYED_HEADERS,
    ExportError,
    ExportReport,
    TerminalProgress,
    export_site,
    site_path,
    target_path,
)
from feeds.publish.publication import Publication
from feeds.publish.release import file_for
from feeds.web.context import EXPORT_ENVIRON

from ..support.paths import REAL_EVENT, SMALL_EVENT
from ..support.servers import free_port

BASE = "https://feeds.example.org"
NGINX = Path("/usr/sbin/nginx")


def publication_of(app: Flask) -> Publication:
    found = app.extensions["feeds"].current
    assert found is not None
    return found


def with_aliases(event_dir: Path) -> Path:
    """Give a track and a session an old id, so that their alias paths are exported too."""
    event = event_dir / "event.yaml"
    text = SMALL_EVENT.read_text(encoding="utf-8")
    text = text.replace("  - id: systems\n", "  - id: systems\n    aliases: [kernels]\n", 1)
    text = text.replace("  - id: engines\n", "  - id: engines\n    aliases: [looms]\n", 1)
    event.write_text(text, encoding="utf-8")
    return event


@pytest.fixture
def alias_app(make_app: Callable[..., Flask], event_dir: Path) -> Flask:
    return make_app(with_aliases(event_dir))


def test_every_feed_and_the_index_are_exported_byte_for_byte(
    make_app: Callable[..., Flask], alias_app: Flask, event_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    report = export_site(alias_app, out)
    publication = publication_of(alias_app)
    assert {"/tracks/kernels.ics", "/sessions/looms.ics"} <= set(publication.paths)
    assert report.feeds == len(publication.paths)
    # A second, independent app on the same files: what any replica would send.
    replica = make_app(event_dir / "event.yaml").test_client()
    for path in [*publication.paths, "/"]:
        # Pages of an export say what a static host cannot do; the export marks its requests so.
        answer = replica.get(path, environ_overrides={EXPORT_ENVIRON: True})
        assert answer.status_code == 200, path
        written = out / file_for(path)
        assert written.read_bytes() == answer.data, path
        if "Last-Modified" in answer.headers:
            assert written.stat().st_mtime == parsedate_to_datetime(answer.headers["Last-Modified"]).timestamp()
    assert (out / "tracks/kernels.ics").read_bytes() == (out / "tracks/systems.ics").read_bytes()
    manifest = json.loads((out / META / MANIFEST).read_text())
    assert manifest["complete"] is True
    assert manifest["base_url"] == BASE
    assert set(manifest["files"]) == {item.file for item in report.files}
    assert not list(tmp_path.glob(".site.*")), "no staging folder is left behind"


def test_two_exports_of_the_same_files_agree_to_the_byte_and_the_second(
    make_app: Callable[..., Flask], event_dir: Path, tmp_path: Path
) -> None:
    first = export_site(make_app(event_dir / "event.yaml"), tmp_path / "a")
    second = export_site(make_app(event_dir / "event.yaml"), tmp_path / "b")
    assert first.files == second.files
    for item in first.files:
        a, b = tmp_path / "a" / item.file, tmp_path / "b" / item.file
        assert a.read_bytes() == b.read_bytes()
        # nginx derives its ETag from size and modification time: the same on every host.
        assert a.stat().st_mtime == b.stat().st_mtime


@pytest.mark.parametrize(
    "relative",
    [
        "../evil.ics",
        "a/../../evil.ics",
        "tracks/../../evil.ics",
        "/etc/passwd",
        "//etc/passwd",
        "a//b.ics",
        "./a.ics",
        "a\\..\\b.ics",
        "a/\x00.ics",
        ".feeds/manifest.json",
        "..",
        "",
    ],
)
def test_target_path_refuses_anything_outside_the_export(tmp_path: Path, relative: str) -> None:
    with pytest.raises(ExportError, match="refusing to write"):
        target_path(tmp_path, relative)


def test_target_path_refuses_a_symlink_out_of_the_export(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "tracks").symlink_to(outside)
    with pytest.raises(ExportError, match="outside"):
        target_path(root, "tracks/systems.ics")
    assert target_path(root, "sessions/a.ics") == root / "sessions" / "a.ics"


def test_a_link_that_climbs_out_is_refused_and_nothing_is_written(
    make_app: Callable[..., Flask], event_dir: Path, tmp_path: Path
) -> None:
    app = make_app(event_dir / "event.yaml")

    def trap() -> Response:
        return Response('<a href="/files/%2e%2e/%2e%2e/%2e%2e/escaped.ics">x</a>', mimetype="text/html")

    def anything(rest: str) -> Response:
        return Response(f"BEGIN:VCALENDAR {rest}", mimetype="text/calendar")

    app.add_url_rule("/trap", view_func=trap)
    app.add_url_rule("/files/<path:rest>", view_func=anything)
    out = tmp_path / "deep" / "er" / "site"
    with pytest.raises(ExportError, match=re.escape("refusing to write 'files/../../../escaped.ics'")):
        export_site(app, out)
    assert not out.exists()
    assert not list(tmp_path.rglob("escaped.ics"))
    assert not list((tmp_path / "deep" / "er").iterdir()), "the staging folder was removed"


def test_a_failed_export_leaves_the_earlier_one_in_place(
    make_app: Callable[..., Flask], event_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    export_site(make_app(event_dir / "event.yaml"), out)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    writes = 0

    def fail_midway(path: Path, data: bytes, modified: object) -> None:
        nonlocal writes
        writes += 1
        if writes == 5:
            raise ExportError("disk full (simulated)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr("feeds.export.site._write", fail_midway)
    with pytest.raises(ExportError, match="simulated"):
        export_site(make_app(event_dir / "event.yaml"), out)
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".site.")]


def test_a_folder_that_is_not_an_export_is_not_replaced(
    make_app: Callable[..., Flask], event_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(ExportError, match="is not empty and does not hold an earlier export"):
        export_site(make_app(event_dir / "event.yaml"), out)
    assert [path.name for path in out.iterdir()] == ["thesis.tex"]


def test_a_new_export_replaces_the_earlier_one(
    make_app: Callable[..., Flask], event_dir: Path, tmp_path: Path, clock: Callable[[], object]
) -> None:
    out = tmp_path / "site"
    export_site(make_app(event_dir / "event.yaml"), out)
    (out / "stray.ics").write_bytes(b"left over")
    event = event_dir / "event.yaml"
    event.write_text(event.read_text().replace("title: Opening", "title: Grand opening"))
    export_site(make_app(event), out)
    assert not (out / "stray.ics").exists()
    assert b"SUMMARY:Grand opening" in (out / "conference.ics").read_bytes()


def test_export_command_needs_the_base_url(
    event_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FEEDS_BASE_URL", raising=False)
    out = tmp_path / "site"
    assert main(["export", str(out), str(event_dir / "event.yaml")]) == 1
    assert "needs the public base URL" in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", str(out), str(event_dir / "event.yaml"), "--base-url", "calendar.example.org"]) == 1
    assert "must be a full http(s) address" in capsys.readouterr().err
    monkeypatch.setenv("FEEDS_BASE_URL", "https://cal.example.org/")
    assert main(["export", str(out), str(event_dir / "event.yaml")]) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"{re.escape(str(out))}: 10 feeds and \d+ pages", printed)
    assert str(out / META / NGINX_CONF) in printed
    assert b"URL;VALUE=URI:https://cal.example.org/sessions/opening" in (out / "sessions/opening.ics").read_bytes()


def test_export_command_reports_a_broken_event_file(
    event_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = event_dir / "event.yaml"
    event.write_text(event.read_text().replace("start: 2024-03-30 09:00", "start: 9am", 1))
    out = tmp_path / "site"
    assert main(["export", str(out), str(event), "--base-url", BASE]) == 1
    err = capsys.readouterr().err
    assert "start: expected 'YYYY-MM-DD HH:MM', got '9am'" in err
    assert "nothing was exported" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_site_path_keeps_links_on_the_site() -> None:
    page = BASE + "/tracks/systems"
    assert site_path("/sessions/a", page, BASE) == ("/sessions/a", "")
    assert site_path("b", page, BASE) == ("/tracks/b", "")
    assert site_path(BASE + "/?track=systems", page, BASE) == ("/", "track=systems")
    assert site_path("webcal://feeds.example.org/conference.ics", page, BASE) is None
    assert site_path("https://calendar.google.com/calendar/r?cid=x", page, BASE) is None
    assert site_path("/x", "https://a.org/cal/", "https://a.org/cal") is None
    assert site_path("/cal/x", "https://a.org/cal/", "https://a.org/cal") == ("/x", "")


def test_progress_is_a_bar_on_a_terminal_and_sparse_lines_in_a_log() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    bar = TerminalProgress(terminal, width=10)
    for done in range(1, 5):
        bar(done, 4)
    assert terminal.getvalue().endswith("\rexporting [##########] 4/4\n")
    log = io.StringIO()
    lines = TerminalProgress(log, minimum=100)
    for done in range(1, 51):
        lines(done, 50)
    assert log.getvalue() == "", "small exports print nothing into a log"
    for done in range(1, 1001):
        lines(done, 1000)
    assert len(log.getvalue().splitlines()) == 11


# -- a real nginx on the export ------------------------------------------------------


def nginx_or_skip() -> Path:
    if NGINX.exists():
        return NGINX
    message = "nginx is not installed: run .ci/setup-nginx.sh as root (or apt-get install nginx) to run this test"
    if os.environ.get("FEEDS_REQUIRE_NGINX") == "1":
        pytest.fail(message + " (FEEDS_REQUIRE_NGINX=1)")
    pytest.skip(message)


class Nginx:
    """nginx in the foreground, in a temporary prefix, serving one generated server block."""

    def __init__(self, binary: Path, prefix: Path, server_block: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        assert "    listen 80;\n" in server_block
        prefix.mkdir()
        (prefix / "server.conf").write_text(
            server_block.replace("    listen 80;\n", f"    listen 127.0.0.1:{self.port};\n")
        )
        temp = "\n".join(
            f"  {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # Running as root, workers would drop to nobody, who cannot read pytest's private tmp folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\n{user}pid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n  access_log off;\n{temp}\n  include {prefix / 'server.conf'};\n}}\n"
        )
        self.log = prefix / "error.log"
        command = [str(binary), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(self.log)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"nginx did not start: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise AssertionError("nginx did not listen within 10 s: " + self.log.read_text())

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


@pytest.fixture
def nginx_export(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[tuple[Nginx, Flask, ExportReport]]:
    binary = nginx_or_skip()
    event_dir = tmp_path / "event"
    event_dir.mkdir()
    shutil.copy(REAL_EVENT, event_dir / "event.yaml")
    text = (event_dir / "event.yaml").read_text(encoding="utf-8")
    # An alias, so that alias paths and their downloads are served too.
    text = text.replace("  - id: flux\n", "  - id: flux\n    aliases: [flux-talk]\n", 1)
    (event_dir / "event.yaml").write_text(text, encoding="utf-8")
    app = make_app(event_dir / "event.yaml")
    report = export_site(app, tmp_path / "site")
    server = Nginx(binary, tmp_path / "nginx", (tmp_path / "site" / META / NGINX_CONF).read_text())
    try:
        yield server, app, report
    finally:
        server.stop()


@pytest.mark.slow
def test_nginx_serves_the_export_as_the_service_does(nginx_export: tuple[Nginx, Flask, ExportReport]) -> None:
    nginx, app, report = nginx_export
    client = app.test_client()
    paths = set(publication_of(app).paths)
    assert "/sessions/flux-talk.ics" in paths and len(paths) > 40
    exported = {item.url_path for item in report.files}
    assert paths | {"/"} <= exported
    for path in sorted(exported):
        expected = client.get(path, base_url=BASE, buffered=True, environ_overrides={EXPORT_ENVIRON: True})
        status, headers, body = nginx.get(path, {"Accept-Encoding": "gzip"})
        assert status == 200, path
        assert body == expected.data, path
        assert headers["Content-Type"] == expected.headers["Content-Type"], path
        assert "Content-Encoding" not in headers, path
        for name in REPLAYED_HEADERS:
            assert headers.get(name) == expected.headers.get(name), (path, name)
        if path.endswith(".ics"):
            assert headers["Last-Modified"] == expected.headers["Last-Modified"], path
    # Revalidation: nginx's own ETag, and the service's Last-Modified.
    status, headers, _ = nginx.get("/conference.ics")
    assert nginx.get("/conference.ics", {"If-None-Match": headers["ETag"]})[0] == 304
    assert nginx.get("/conference.ics", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    head = nginx.get("/conference.ics", method="HEAD")
    assert head[0] == 200 and head[2] == b"" and head[1]["Content-Length"] == headers["Content-Length"]
    for path in (
        "/sessions/flux.ics?download=1",
        "/sessions/flux-talk.ics?download=1",
        "/tracks/ai-platform.ics?download=1",
    ):
        assert nginx.get(path)[1].get("Content-Disposition") == client.get(path).headers.get("Content-Disposition"), (
            path
        )
    for path in ("/tracks/nope.ics", "/nope"):
        expected = client.get(path)
        status, headers, body = nginx.get(path)
        assert (status, body, headers["Content-Type"]) == (404, expected.data, expected.headers["Content-Type"])
    assert nginx.get(f"/{META}/{MANIFEST}")[0] == 404
    assert not [line for line in nginx.log.read_text().splitlines() if "[warn]" in line or "[emerg]" in line]
