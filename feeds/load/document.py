"""Read an event file whole: its bytes composed, checked and returned as the model."""

from __future__ import annotations

import hashlib
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
    root = compose(decode(data, filename), filename, engine)
    return check_document(root, filename, digest)
