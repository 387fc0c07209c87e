"""`feeds schema` and `feeds init`: print the JSON Schema of event.yaml, write a starter event file."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..load.jsonschema import json_schema_text
from ..load.starter import starter_event
from .shared import CommandError


def cmd_schema(args: argparse.Namespace) -> int:  # noqa: ARG001 - every command takes the parsed arguments
    """Print the JSON Schema of event.yaml."""
    sys.stdout.write(json_schema_text())
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented starter event.yaml, and event.schema.json beside it when there is none."""
    target = Path(args.path)
    if target.exists():
        raise CommandError(f"{target} already exists; feeds init writes a new file only, choose another path")
    first_day = date.fromisoformat(args.first_day) if args.first_day else date.today()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_event(first_day), encoding="utf-8")
    schema = target.parent / "event.schema.json"
    wrote = [str(target)]
    if not schema.exists():
        schema.write_text(json_schema_text(), encoding="utf-8")
        wrote.append(f"{schema} (for editors)")
    print(f"wrote {' and '.join(wrote)}; edit it, then run: feeds check {target}")
    return 0
