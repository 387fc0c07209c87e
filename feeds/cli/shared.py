"""What every command uses: its settings, the event's ledger, and the error a command stops with."""

from __future__ import annotations

from ..config import Settings, load_settings
from ..ledger import Ledger, LedgerFile
from ..model import Event


class CommandError(Exception):
    """A command cannot do what was asked; the message says why and what to do."""


def command_settings(path: str | None, ledger: str | None = None, **more: object) -> Settings:
    """Return the settings for an event file and ledger given on the command line (None: the configured ones)."""
    return load_settings(event_file=path, ledger_file=ledger, **more)


def read_ledger(settings: Settings, event: Event) -> Ledger | None:
    """Return the event's ledger, or None when nothing was released yet."""
    return LedgerFile(settings.ledger_file).read(event.info.id)
