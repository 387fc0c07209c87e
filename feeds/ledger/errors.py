"""The ledger's one error type, its read-only case, and the advice every damaged-ledger message ends with."""

from __future__ import annotations

import errno

# What an OS error says when the ledger's place cannot be written at all (a read-only deployment).
READ_ONLY_ERRORS = (errno.EACCES, errno.EROFS, errno.EPERM)

RESTORE = (
    "it was left unchanged and nothing was published from it; restore it from a backup or version control "
    "(deleting it would restart every SEQUENCE at 0 and subscribers would miss changes)"
)


class LedgerError(Exception):
    """The ledger cannot be read or written; the message says what to do."""


class LedgerReadOnlyError(LedgerError):
    """The ledger (or its folder) cannot be written here."""
