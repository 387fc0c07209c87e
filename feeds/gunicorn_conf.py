"""gunicorn settings: `gunicorn --config python:feeds.gunicorn_conf wsgi:app`.

Every worker serves the newest release from the release folder and follows it
with a throttled check; one of them (the holder of the watch lock) also reads
event.yaml and writes the next release (docs/releases.md). Plain sync workers
do, behind a buffering proxy on any public deployment. Environment: PORT
(default 8000), BIND (default 127.0.0.1:$PORT; use 0.0.0.0:$PORT behind a
proxy), WEB_CONCURRENCY (workers, default 2 x cores + 1, at most 8).
"""

import multiprocessing
import os
from typing import Any

port = os.environ.get("PORT", "8000")
bind = os.environ.get("BIND", f"127.0.0.1:{port}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
keepalive = 5
max_requests = 0
accesslog = "-"
errorlog = "-"
# Bounded request lines and headers: nothing the feeds need is long.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# No control socket: several servers (replicas, tests) may run on one machine.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """Let each worker follow releases, and the watcher release saves and write their pages, between requests too."""
    extensions = getattr(worker.wsgi, "extensions", None)  # benchmarks' bare app has none
    if extensions and "feeds" in extensions:
        extensions["feeds"].write_pages = True
        extensions["feeds"].watch_in_background()
