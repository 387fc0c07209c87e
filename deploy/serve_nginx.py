"""Run the production setup locally: nginx on 127.0.0.1:8080 in front of gunicorn on loopback (`make serve-nginx`).

Both run unprivileged in the foreground, with nginx's files in a temporary folder; Ctrl-C stops both.
nginx serves the files of the newest release, which gunicorn's watcher writes (FEEDS_RELEASE_DIR, else
the `.releases` folder beside the ledger); where no release can be written, the event is exported once
into a temporary release.

Environment: FEEDS_EVENT_FILE (default event.yaml), FEEDS_BASE_URL (default http://127.0.0.1:8080),
LISTEN (nginx, default 127.0.0.1:8080), GUNICORN_PORT (default 8001), WEB_CONCURRENCY (workers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.config import load_settings  # noqa: E402
from feeds.deploy import DeployError, Nginx, describe_service, load_app, render_site  # noqa: E402
from feeds.export import ExportError, export_event  # noqa: E402
from feeds.publish.store import release_folder  # noqa: E402


def start_gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start gunicorn on 127.0.0.1:port with the project's settings; return once it answers /healthz."""
    command = [sys.executable, "-m", "gunicorn", "--config", "python:feeds.gunicorn_conf", "wsgi:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**env, "PORT": str(port), "BIND": f"127.0.0.1:{port}"}, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DeployError(f"gunicorn stopped at start (exit status {process.returncode}); see its log above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return process
        except urllib.error.HTTPError:
            return process  # it answers: an event with problems is reported by /healthz itself
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(process)
    raise DeployError(f"gunicorn did not answer on 127.0.0.1:{port} within 300 s")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def release_dir(event_file: Path, base_url: str, scratch: Path) -> Path:
    """Return the folder holding `current`: the service's releases (gunicorn writes them), else a one-off export."""
    settings = load_settings(event_file=str(event_file), base_url=base_url)
    releases = release_folder(settings).folder
    if (releases / "current").exists():
        return releases
    once = scratch / "releases"
    print(f"serve-nginx: no release in {releases}; exporting {event_file} once into {once}", flush=True)
    export_event(event_file, settings.ledger_file, base_url, once / "r" / "000001", builder=True)
    (once / "current").symlink_to("r/000001")
    return once


def main() -> int:
    """Start gunicorn and nginx, and stop both on Ctrl-C or when either stops."""
    event_file = Path(os.environ.get("FEEDS_EVENT_FILE", "event.yaml")).resolve()
    listen = os.environ.get("LISTEN", "127.0.0.1:8080")
    port = int(listen.rsplit(":", 1)[-1])
    base_url = os.environ.get("FEEDS_BASE_URL") or f"http://127.0.0.1:{port}"
    upstream_port = int(os.environ.get("GUNICORN_PORT", "8001"))
    env = {**os.environ, "FEEDS_EVENT_FILE": str(event_file), "FEEDS_BASE_URL": base_url}
    os.environ.update({"FEEDS_EVENT_FILE": str(event_file), "FEEDS_BASE_URL": base_url})
    stopping = False

    def stop(signum: int, frame: object) -> None:  # noqa: ARG001 - the signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="feeds-nginx-") as scratch:
        try:
            gunicorn = start_gunicorn(upstream_port, env)
        except DeployError as err:
            print(f"serve-nginx: {err}", file=sys.stderr)
            return 1
        nginx: Nginx | None = None
        try:
            releases = release_dir(event_file, base_url, Path(scratch))
            site = render_site(
                describe_service(load_app(event_file)), releases, f"127.0.0.1:{upstream_port}", listen=listen
            )
            nginx = Nginx(site, Path(scratch) / "nginx", port)
            print(
                f"serve-nginx: {base_url}/ (nginx, files of {releases}/current) in front of gunicorn on "
                f"127.0.0.1:{upstream_port}; site configuration {Path(scratch) / 'nginx' / 'site.conf'}. "
                "Ctrl-C stops both.",
                flush=True,
            )
            while not stopping and gunicorn.poll() is None and nginx.process.poll() is None:
                time.sleep(0.2)
        except (DeployError, ExportError) as err:
            print(f"serve-nginx: {err}", file=sys.stderr)
            return 1
        else:
            if not stopping:
                print("serve-nginx: gunicorn or nginx stopped; stopping the other", file=sys.stderr)
                return 1
            return 0
        finally:
            if nginx is not None:
                nginx.stop()
            stop_gunicorn(gunicorn)


if __name__ == "__main__":
    sys.exit(main())
