"""How the loader words what it found: quoting values, suggesting fixes, and YAML syntax errors rewritten for organizers."""

from __future__ import annotations

import unicodedata

import yaml

from .problems import EventFileError, file_error, text_position

# Characters a message shows escaped: controls, invisible formatting, line separators, unassigned.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


def sentence(text: str) -> str:
    """Return text ended as a sentence: a full stop added unless it already ends with '.', '?' or '!'."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def quote(value: str, limit: int = 60) -> str:
    """Return value quoted for a message: on one line, invisible characters escaped, long text cut."""
    shown = value if len(value) <= limit else value[: limit - 3] + "..."
    if shown.isprintable():  # no character of the INVISIBLE categories
        return "'" + shown + "'"
    visible = (ch.encode("unicode_escape").decode() if unicodedata.category(ch) in INVISIBLE else ch for ch in shown)
    return "'" + "".join(visible) + "'"


def reader_error(err: yaml.reader.ReaderError, text: str, filename: str) -> EventFileError:
    code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "\0")
    line, column = text_position(text, err.position)
    return file_error(
        filename,
        f"character U+{code:04X} is not allowed in YAML (an invisible control character, often pasted in); delete it",
        line,
        column,
    )


def yaml_error(err: yaml.MarkedYAMLError, text: str, filename: str) -> EventFileError:  # noqa: C901, PLR0912 - one branch per syntax error worded for organizers
    """Return the YAML syntax error as a problem an organizer can fix, at the place to fix."""
    problem, context = err.problem or "", err.context or ""
    mark, start = err.problem_mark or err.context_mark, err.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = text.splitlines()
    line_text = lines[line] if line < len(lines) else ""
    indent = len(line_text) - len(line_text.lstrip())
    message = f"YAML syntax error: {problem}" + (f" {context}" if context else "")
    if "'\\t'" in problem or "tab character" in problem:
        message = "a tab character here; YAML indents with spaces only, replace tabs with spaces"
    elif "expected a single document" in context:
        message = "a second YAML document ('---') starts here; keep everything in one document"
    elif "duplicate anchor" in context and start:
        name = context.split("'")[1] if context.count("'") >= 2 else ""
        message = (
            f"YAML syntax error: the anchor '&{name}' is already defined at line {start.line + 1}; rename one of them"
        )
    elif "quoted scalar" in context and "end of stream" in problem and start:
        line, column = start.line, start.column
        message = "YAML syntax error: this quoted text has no closing quote; add one at the end of the text"
    elif "could not find expected ':'" in problem and start:
        line, column = start.line, start.column
        message = "YAML syntax error: expected 'field: value' on this line (a ':' and a space after the field name)"
    elif problem.startswith("expected ',' or") and start:
        line, column = start.line, start.column
        opening, closing = ("[", "]") if "sequence" in context else ("{", "}")
        message = (
            f"YAML syntax error: the '{opening}' here has no matching '{closing}' (or a ',' is missing between items); "
            "quote text that starts with a bracket"
        )
    elif "unknown escape character" in problem:
        column = max(column - 1, 0)
        message = "YAML syntax error: unknown escape after '\\' in double quotes; write '\\\\' for a backslash, or use single quotes"
    elif "found undefined alias" in problem:
        name = problem.split("'")[1] if problem.count("'") >= 2 else ""
        message = f"YAML syntax error: '*{name}' repeats an anchor '&{name}' that is not defined above it; quote text that starts with '*'"
    elif "mapping values are not allowed" in problem:
        if ": " in line_text[:column]:
            message = "YAML syntax error: ': ' inside unquoted text; put the whole value in quotes (for example title: \"Ray: a framework\")"
        else:
            column = indent
            message = (
                "YAML syntax error: a field cannot start here; check the indentation of this line and the line above "
                "(a field with fields under it has nothing after its ':')"
            )
    elif problem.startswith("expected <block end>"):
        if line_text.lstrip()[:1] == "-" and line_text.lstrip()[1:2] not in ("", " "):
            column = indent
            message = "YAML syntax error: write a space after '-' to start a list item"
        elif problem.endswith("'<scalar>'"):
            message = "YAML syntax error: text after a quoted or bracketed value; put the whole value in quotes (write '' for a ' inside single quotes)"
        elif problem.endswith(("start>'", "'?'", "'-'")):
            message = "YAML syntax error: this line is not indented like the lines above it; indent the fields of one item by the same number of spaces"
        else:
            message = f"YAML syntax error: unexpected {problem.rpartition('found ')[2]} here; remove it or put the value in quotes"
    elif problem.startswith("expected '<document start>'"):
        message = "YAML syntax error: more content after the end of the document; the file is one mapping of event, tracks, speakers and sessions"
    elif any(
        part in problem
        for part in (
            "cannot start any token",
            "are not allowed here",
            "expected the node content",
            "expected a comment or a line break",
            "expected alphabetic or numeric character",
        )
    ):
        if start and start.line == line:
            column = start.column
        message = f"YAML syntax error: a value cannot start with '{line_text[column : column + 1]}' unless it is quoted; put the value in quotes"
    return file_error(filename, message, line + 1, column + 1)
