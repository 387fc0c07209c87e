"""Read an event file whole: its bytes composed, checked and returned as the model."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..model import Event
from .check import check_document
from .compose import DEFAULT_MAX_BYTES, Engine, compose, decode, read_source


def load_event(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Event:
    """Read, check and return the event in the file at path."""
    path = Path(path)
    return parse_event(read_source(path, max_bytes), str(path))


def parse_event(data: bytes, filename: str = "event.yaml", *, engine: Engine | None = None) -> Event:
    """Check and return the event in data, the bytes of an event file; engine forces libyaml or Python."""
    digest = hashlib.sha256(data).hexdigest()
    with without_cycle_collection():
        root = compose(decode(data, filename), filename, engine)
        return check_document(root, filename, digest)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file's nodes and model are built.

    Reading a large file allocates hundreds of thousands of objects that form no cycles (an
    alias inside what it repeats is refused); the collector would otherwise walk them all again
    and again, most of the time of the read.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
