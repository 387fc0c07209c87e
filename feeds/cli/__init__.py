"""The `feeds` command: parse the arguments, run the command, turn bad input into a message and exit status 1.

Its modules each do one job:
- parser: every command's arguments and help text;
- shared: the settings and ledger a command reads, and CommandError;
- check, diff, release (publish, log), preview, export, links, importing (import), starter (schema, init):
  one command or a pair of them each, printing what the domain gives.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..config import SettingsError
from ..export import ExportError
from ..importer import SourceError
from ..ledger import LedgerError
from ..load import EventFileError
from .parser import build_parser
from .shared import CommandError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feeds command; problems become messages and exit status 1, never tracebacks."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (EventFileError, SourceError) as err:
        print(err.report(), file=sys.stderr)
        return 1
    except (CommandError, ExportError, LedgerError, SettingsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
