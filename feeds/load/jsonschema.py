"""The schema rendered for tools and people: a JSON Schema for editors, and the field tables of the docs."""

from __future__ import annotations

import json
import re
from typing import Any

from ..text import MAX_ID_LENGTH, SLUG
from .schema import (
    MAX_SOURCE_ID_LENGTH,
    SECTIONS,
    SESSION,
    TOP_KEYS,
    Field,
    Kind,
    Section,
)

DRAFT = "http://json-schema.org/draft-07/schema#"
SLUG_PATTERN = f"^{SLUG.pattern}$"
# Scalars that event.yaml reads as text, whatever YAML 1.2 makes of them (10:30, 2024, true).
TEXT_TYPES = ["string", "number", "boolean"]
KIND_SCHEMA: dict[Kind, dict[str, Any]] = {
    Kind.TEXT: {"type": TEXT_TYPES},
    Kind.ID: {"type": ["string", "integer"], "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH},
    Kind.IDS: {
        "type": "array",
        "items": {"type": ["string", "integer"], "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH},
    },
    Kind.URL: {"type": "string", "pattern": "^https?://[^/?#\\s]+\\S*$"},
    Kind.DAY: {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
    Kind.TIME: {"type": "string", "pattern": "^\\s*\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}\\s*$"},
    Kind.DURATION: {"type": "string", "pattern": "^\\s*(\\d+h)?\\s*(\\d+m(in)?)?\\s*$"},
    Kind.FLAG: {"type": "boolean"},
    Kind.COLOR: {"type": "string", "pattern": "^\\s*#[0-9a-fA-F]{6}\\s*$"},
    Kind.ZONE: {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"},
    Kind.DOMAIN: {
        "type": "string",
        "pattern": "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
    },
    Kind.CHOICE: {"type": "string"},
    Kind.SOURCE_ID: {"type": ["string", "integer"], "minLength": 1, "maxLength": MAX_SOURCE_ID_LENGTH},
}
LINK = re.compile(r"\[([^\]]+)\]\(#[^)]*\)")


def plain(markdown: str) -> str:
    """Return a field's Markdown description as plain text: links as their words, no emphasis or code marks."""
    return LINK.sub(r"\1", markdown).replace("**", "").replace("`", "'")


def field_schema(field: Field) -> dict[str, Any]:
    """Return the JSON Schema of one field's value."""
    schema: dict[str, Any] = {"description": plain(field.description), "markdownDescription": field.description}
    schema.update(json.loads(json.dumps(KIND_SCHEMA[field.kind])))
    if field.choices:
        schema["enum"] = list(field.choices)
    if field.kind in (Kind.FLAG, Kind.CHOICE) and field.default:
        value = field.default.strip("`")
        schema["default"] = value == "true" if field.kind is Kind.FLAG else value
    optional_null = not field.required and not field.null_message and field.kind in (Kind.TEXT, Kind.URL, Kind.IDS)
    if optional_null:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"]
    return schema


def section_schema(section: Section) -> dict[str, Any]:
    """Return the JSON Schema of one mapping: its fields, which are required, and which exclude each other."""
    schema: dict[str, Any] = {
        "type": "object",
        "description": plain(section.description),
        "properties": {field.name: field_schema(field) for field in section.fields},
        "required": list(section.required),
        "additionalProperties": False,
    }
    rules: list[dict[str, Any]] = []
    for group in section.exclusive:
        pairs = [[first, second] for i, first in enumerate(group) for second in group[i + 1 :]]
        rules.append({"not": {"anyOf": [{"required": pair} for pair in pairs]}})
    for group in section.needs_one:
        rules.append({"anyOf": [{"required": [name]} for name in group]})
    if section is SESSION:
        rules.append(
            {
                "anyOf": [
                    {"required": ["track"]},
                    {"required": ["tracks"]},
                    {"required": ["plenary"], "properties": {"plenary": {"const": True}}},
                ]
            }
        )
    if rules:
        schema["allOf"] = rules
    return schema


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft-07) of event.yaml."""
    properties: dict[str, Any] = {}
    for section in SECTIONS:
        item = section_schema(section)
        if section.listed:
            properties[section.key] = {"type": ["array", "null"], "description": item["description"], "items": item}
        else:
            properties[section.key] = item
    return {
        "$schema": DRAFT,
        "title": "event.yaml of feeds",
        "description": "The agenda that subscribable calendar feeds are built from; see docs/event-format.md.",
        "type": "object",
        "properties": properties,
        "required": list(TOP_KEYS),
        "additionalProperties": False,
    }


def json_schema_text() -> str:
    """Return the JSON Schema as the text of event.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def presence(section: Section, field: Field) -> str:
    """Return the docs' 'Required' cell of a field."""
    if field.required:
        return "required"
    for group in section.needs_one:
        if field.name in group:
            return "one of " + " or ".join(f"`{name}`" for name in group)
    return f"optional, default: {field.default or 'none'}"


def field_table(section: Section) -> str:
    """Return the Markdown table of a section's fields, as docs/event-format.md shows it."""
    lines = ["| Field | Required | Meaning and form | Example |", "|---|---|---|---|"]
    for field in section.fields:
        lines.append(f"| `{field.name}` | {presence(section, field)} | {field.description} | {field.example} |")
    return "\n".join(lines)
