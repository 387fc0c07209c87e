"""What the document renderers read from a publication: render/ describes it here and never imports publish/."""

from __future__ import annotations

from typing import Protocol

from ..ledger import Entry, Ledger, Stay
from ..model import Event


class Published(Protocol):
    """An event with its ledger, as one release publishes it (feeds.publish.publication.Publication is one)."""

    @property
    def event(self) -> Event:
        """Return the event as released."""
        ...

    @property
    def ledger(self) -> Ledger:
        """Return the ledger the release recorded."""
        ...

    def members(self, key: str) -> list[tuple[Entry, Stay]]:
        """Return the sessions of one feed (tombstones included) in time order, with their stays."""
        ...
