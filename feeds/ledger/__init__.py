"""The revision ledger: what every subscriber has been shown, and when it changed.

The ledger is a JSON file beside event.yaml. It records, per session ever
published, a snapshot of what its calendar event says, its SEQUENCE, when it
was first published and last revised, and the feeds it is in or left. Feed
bytes are a pure function of (ledger, configuration), so every process and
every replica that reads the same ledger serves the same bytes.

Its modules each do one job (imports point down the list):
- files: `LedgerFile`, the snapshot and its append-only log on disk, locking and atomic writes;
- advance: the only place where revisions happen, an event against the ledger gives the next ledger;
- codec: the JSON of the snapshot and of the log's lines;
- records: what the ledger holds (Entry, Stay, FeedRecord, Revision, Change, Ledger);
- errors: `LedgerError` and its read-only case.
"""

from __future__ import annotations

from .advance import advance, pending, preview
from .codec import dump_ledger, parse_ledger
from .errors import READ_ONLY_ERRORS, LedgerError, LedgerReadOnlyError
from .files import FileState, LedgerFile
from .records import Change, Content, Entry, FeedRecord, Ledger, Revision, Stay, describe_time, now_utc

__all__ = [
    "READ_ONLY_ERRORS",
    "Change",
    "Content",
    "Entry",
    "FeedRecord",
    "FileState",
    "Ledger",
    "LedgerError",
    "LedgerFile",
    "LedgerReadOnlyError",
    "Revision",
    "Stay",
    "advance",
    "describe_time",
    "dump_ledger",
    "now_utc",
    "parse_ledger",
    "pending",
    "preview",
]
