"""Read event.yaml into the model, reporting every problem with file:line:column.

This is the only package that imports yaml. Its modules each do one job:
- schema: the format, every field declared once as data;
- compose: bytes to YAML nodes, with the guards (size, encoding, aliases, depth), on libyaml or Python;
- messages: how values are quoted, fixes suggested and YAML syntax errors worded;
- nodes: reading composed nodes;
- times: wall-clock times in the event's zone, hints for loosely written times, zone names;
- values: the reader of each kind of scalar value, with the reporting every check shares;
- check: the structure walk of the schema, section by section, building the model;
- rules: the checks across items (unique ids, references, the event's days, overlaps);
- document: a whole file, read and checked;
- incremental: successive versions of one file, composing only what changed;
- jsonschema: the schema rendered for editors and for the docs;
- starter: the commented event.yaml that `feeds init` writes.
"""

from __future__ import annotations

from ..model import Problem
from .check import Checker
from .compose import (
    DEFAULT_MAX_BYTES,
    ENGINES,
    LIBYAML_AVAILABLE,
    MAX_REPEATED_NODES,
    Engine,
    compose,
    decode,
    read_source,
)
from .document import load_event, parse_event
from .incremental import IncrementalParser
from .messages import quote, sentence
from .problems import MAX_REPORTED, EventFileError, byte_position
from .schema import (
    DOMAIN,
    MAX_SOURCE_ID_LENGTH,
    MAX_TITLE_BYTES,
    SECTIONS,
    Field,
    Kind,
    Section,
)
from .times import resolve_local
from .values import clean_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DOMAIN",
    "ENGINES",
    "LIBYAML_AVAILABLE",
    "MAX_REPEATED_NODES",
    "MAX_REPORTED",
    "MAX_SOURCE_ID_LENGTH",
    "MAX_TITLE_BYTES",
    "SECTIONS",
    "Checker",
    "Engine",
    "EventFileError",
    "Field",
    "IncrementalParser",
    "Kind",
    "Problem",
    "Section",
    "byte_position",
    "clean_text",
    "compose",
    "decode",
    "load_event",
    "parse_event",
    "quote",
    "read_source",
    "resolve_local",
    "sentence",
]
