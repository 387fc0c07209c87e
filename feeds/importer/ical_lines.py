"""Split iCalendar text into components: unfold its content lines, read names, parameters and values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from .draft import DraftEvent

ICAL_DURATION = re.compile(r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


@dataclass(slots=True)
class Line:
    """One unfolded content line with its position."""

    name: str
    params: dict[str, str]
    value: str
    line: int
    column: int


@dataclass(slots=True)
class Component:
    """A BEGIN/END block with its lines and sub-blocks."""

    name: str
    line: int
    lines: list[Line] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> Line | None:
        """Return the first line with this property name."""
        return next((line for line in self.lines if line.name == name), None)

    def every(self, name: str) -> list[Line]:
        """Return every line with this property name."""
        return [line for line in self.lines if line.name == name]


def unescape(value: str) -> str:
    """Return an iCalendar TEXT value unescaped."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def split_text_list(value: str) -> list[str]:
    """Return the items of a comma-separated TEXT list, honouring escaped commas."""
    return [unescape(part) for part in re.split(r"(?<!\\),", value)]


def _split_line(text: str) -> tuple[str, dict[str, str], str, int] | None:
    """Return name, parameters, value and the value's offset of 'NAME;P=V:value', or None."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = text[:index], text[index + 1 :]
            parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
            if not parts:
                return None
            params = {}
            for part in parts[1:]:
                key, _, raw = part.partition("=")
                params[key.strip().upper()] = raw.strip().strip('"')
            return parts[0].strip().upper(), params, value, index + 1
    return None


def parse_components(text: str, draft: DraftEvent) -> list[Component]:
    """Return the top-level components of iCalendar text, recording malformed lines as problems."""
    logical: list[tuple[int, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if raw[:1] in {" ", "\t"} and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + raw[1:])
        elif raw.strip():
            logical.append((number, raw))
    roots: list[Component] = []
    stack: list[Component] = []
    for number, raw in logical:
        split = _split_line(raw)
        if split is None:
            draft.problem(number, 1, f"not an iCalendar line (NAME:value): '{raw[:40]}'")
            continue
        name, params, value, offset = split
        if name == "BEGIN":
            if len(stack) >= 8:
                draft.problem(number, 1, "components nested more than 8 deep")
                return roots
            component = Component(value.strip().upper(), number)
            (stack[-1].children if stack else roots).append(component)
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.strip().upper():
                draft.problem(number, 1, f"END:{value.strip()} does not close an open BEGIN")
            else:
                stack.pop()
        elif stack:
            stack[-1].lines.append(Line(name, params, value, number, offset + 1))
        else:
            draft.problem(number, 1, f"{name} outside BEGIN:VCALENDAR")
    for component in stack:
        draft.problem(component.line, 1, f"BEGIN:{component.name} is never closed with END:{component.name}")
    return roots


def parse_ical_duration(value: str) -> timedelta | None:
    """Return an iCalendar DURATION such as PT1H30M."""
    match = ICAL_DURATION.fullmatch(value.strip())
    if not match or value.strip() in {"P", "PT"}:
        return None
    sign, weeks, days, hours, minutes, seconds = match.groups()
    span = timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    return -span if sign == "-" else span
