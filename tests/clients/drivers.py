"""Drive five independent iCalendar parsers and report what each read, in one shape.

Each driver turns calendars into `ParsedCalendar`s: the decoded text of every
VEVENT, its DTSTART and DTEND as UTC seconds resolved through the calendar's
own VTIMEZONE (not the library's zone database), STATUS, SEQUENCE, the names
of the properties the parser saw, and every error or warning it reported.
ical.js runs under Node and libical through a small C program; both read many
calendars per process.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ICALJS_DRIVER = HERE / "icaljs_driver.js"
LIBICAL_DRIVER = HERE / "libical_driver.c"
SETUP_HINT = "install them with: sudo bash .ci/setup-clients.sh (Debian/Ubuntu: libical-dev, pkg-config, gcc, node >= 18, then npm ci in tests/clients)"


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One VEVENT as a parser decoded it."""

    uid: str | None
    summary: str | None
    description: str | None
    location: str | None
    categories: tuple[str, ...]
    start: int | None
    end: int | None
    status: str | None
    sequence: int | None
    properties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedCalendar:
    """One calendar as a parser decoded it; errors hold everything the parser complained about."""

    errors: tuple[str, ...]
    properties: tuple[str, ...]
    name: str | None
    timezones: tuple[str, ...]
    events: tuple[ParsedEvent, ...]


@dataclass(frozen=True, slots=True)
class Parser:
    """A named parser: a function from calendars to what it read in each."""

    name: str
    client: str
    parse: Callable[[Sequence[bytes]], list[ParsedCalendar]]
    reads_name: bool = True
    # Home Assistant's ical splits CATEGORIES at every comma, even an escaped one (RFC 5545 3.3.11).
    splits_escaped_commas: bool = False


class ClientMissingError(Exception):
    """A parser cannot run on this machine; the message says what is missing."""


def calendar_from_json(data: dict[str, Any]) -> ParsedCalendar:
    """Return the calendar a process driver printed as JSON."""
    return ParsedCalendar(
        errors=tuple(data["errors"]),
        properties=tuple(data["properties"]),
        name=data["name"],
        timezones=tuple(data["timezones"]),
        events=tuple(
            ParsedEvent(
                uid=e["uid"],
                summary=e["summary"],
                description=e["description"],
                location=e["location"],
                categories=tuple(e["categories"]),
                start=e["start"],
                end=e["end"],
                status=e["status"],
                sequence=e["sequence"],
                properties=tuple(e["properties"]),
            )
            for e in data["events"]
        ),
    )


def frame_calendars(calendars: Sequence[bytes]) -> bytes:
    """Return calendars as the drivers read them: each preceded by a line with its length."""
    return b"".join(b"%d\n%s" % (len(data), data) for data in calendars)


def run_driver(name: str, command: list[str], calendars: Sequence[bytes]) -> list[ParsedCalendar]:
    """Run a driver process over calendars and return what it printed for each."""
    if not calendars:
        return []
    done = subprocess.run(command, input=frame_calendars(calendars), capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} driver exited with {done.returncode}: {done.stderr.decode(errors='replace')}")
    # split("\n"), not splitlines(): JSON leaves U+2028 and other Unicode line breaks unescaped.
    lines = done.stdout.decode("utf-8").split("\n")[:-1]
    if len(lines) != len(calendars):
        raise RuntimeError(f"{name} driver answered {len(lines)} of {len(calendars)} calendars")
    return [calendar_from_json(json.loads(line)) for line in lines]


# -- ical.js (Thunderbird) -----------------------------------------------------


def find_icaljs() -> Parser:
    """Return the ical.js parser, or raise ClientMissingError saying what is missing."""
    node = shutil.which("node")
    if node is None:
        raise ClientMissingError("node not found")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.fullmatch(r"v(\d+)\..*", version)
    if match is None or int(match.group(1)) < 18:
        raise ClientMissingError(f"node >= 18 needed, found {version or 'an unknown version'}")
    installed = HERE / "node_modules" / "ical.js" / "package.json"
    pinned = json.loads((HERE / "package-lock.json").read_text())["packages"]["node_modules/ical.js"]["version"]
    if not installed.exists():
        raise ClientMissingError("ical.js not installed in tests/clients/node_modules")
    found = json.loads(installed.read_text())["version"]
    if found != pinned:
        raise ClientMissingError(
            f"ical.js {found} installed, the lock file pins {pinned} (run npm ci in tests/clients)"
        )
    command = [node, str(ICALJS_DRIVER)]
    return Parser(
        "ical.js",
        f"Thunderbird (ical.js {found})",
        lambda calendars: run_driver("ical.js", command, calendars),
        reads_name=False,
    )


# -- libical (Evolution, GNOME) --------------------------------------------------


def find_libical(build_dir: Path) -> Parser:
    """Compile the libical driver into build_dir and return it, or raise ClientMissingError."""
    compiler = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if compiler is None:
        raise ClientMissingError("no C compiler (gcc) found")
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        raise ClientMissingError("pkg-config not found")
    version = subprocess.run([pkg_config, "--modversion", "libical"], capture_output=True, text=True, check=False)
    if version.returncode != 0:
        raise ClientMissingError("libical-dev not found by pkg-config")
    if not version.stdout.startswith("3."):
        raise ClientMissingError(f"libical 3 needed, found {version.stdout.strip()}")
    flags = subprocess.run(
        [pkg_config, "--cflags", "--libs", "libical"], capture_output=True, text=True, check=True
    ).stdout.split()
    binary = build_dir / "libical-driver"
    build = subprocess.run(
        [compiler, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", str(LIBICAL_DRIVER), *flags, "-o", str(binary)],
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0:
        # libical is installed, so a driver that does not build is a bug, not a missing client.
        raise RuntimeError(f"the libical driver does not compile:\n{build.stderr}")
    label = f"Evolution/GNOME (libical {version.stdout.strip()})"
    return Parser("libical", label, lambda calendars: run_driver("libical", [str(binary)], calendars))


# -- Python parsers ----------------------------------------------------------------


@contextmanager
def captured_logs(*names: str) -> Iterator[list[str]]:
    """Collect warnings and errors that the named loggers emit."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(f"{record.name}: {record.getMessage()}")

    handler = Collect(logging.WARNING)
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield messages
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def instant(wall: datetime, tzid: str | None, zones: dict[str, tzinfo], errors: list[str], what: str) -> int | None:
    """Return the UTC seconds of a parsed wall time, through the calendar's own VTIMEZONE."""
    if tzid is None:
        if wall.tzinfo is None or wall.utcoffset() != UTC.utcoffset(None):
            errors.append(f"floating time in {what}")
            return None
        return int(wall.timestamp())
    zone = zones.get(tzid)
    if zone is None:
        errors.append(f"no VTIMEZONE in the calendar for TZID={tzid}")
        return None
    return int(wall.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC).timestamp())


def text_or_none(value: object) -> str | None:
    """Return a decoded text value as a plain str."""
    return None if value is None else str(value)


def parse_icalendar(calendars: Sequence[bytes]) -> list[ParsedCalendar]:
    """Parse with icalendar (the library the feeds are written with)."""
    from icalendar import Calendar

    results = []
    for data in calendars:
        errors: list[str] = []
        try:
            cal = Calendar.from_ical(data)
        except Exception as error:  # any failure is the finding
            results.append(ParsedCalendar((f"icalendar could not parse: {error!r}",), (), None, (), ()))
            continue
        for component in cal.walk():
            errors += [f"{component.name}: {message}" for message in component.errors]
        zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}
        events = []
        for event in cal.walk("VEVENT"):
            times = []
            for name in ("DTSTART", "DTEND"):
                prop = event.get(name)
                times.append(None if prop is None else instant(prop.dt, prop.params.get("TZID"), zones, errors, name))
            categories = event.get("CATEGORIES")
            cats = [] if categories is None else categories if isinstance(categories, list) else [categories]
            sequence = event.get("SEQUENCE")
            events.append(
                ParsedEvent(
                    uid=text_or_none(event.get("UID")),
                    summary=text_or_none(event.get("SUMMARY")),
                    description=text_or_none(event.get("DESCRIPTION")),
                    location=text_or_none(event.get("LOCATION")),
                    categories=tuple(str(c) for prop in cats for c in prop.cats),
                    start=times[0],
                    end=times[1],
                    status=text_or_none(event.get("STATUS")),
                    sequence=None if sequence is None else int(sequence),
                    properties=property_names_icalendar(event),
                )
            )
        results.append(
            ParsedCalendar(
                errors=tuple(errors),
                properties=property_names_icalendar(cal),
                name=text_or_none(cal.get("NAME")),
                timezones=tuple(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")),
                events=tuple(events),
            )
        )
    return results


def property_names_icalendar(component: Any) -> tuple[str, ...]:
    """Return the names of a component's own properties, one per occurrence."""
    names = []
    for name, value in component.property_items(recursive=False, sorted=False):
        if name in ("BEGIN", "END"):
            continue
        names += [name] * (len(value) if isinstance(value, list) else 1)
    return tuple(names)


def parse_home_assistant(calendars: Sequence[bytes]) -> list[ParsedCalendar]:
    """Parse with ical (Home Assistant's calendar library)."""
    from ical.calendar_stream import IcsCalendarStream
    from ical.parsing.component import parse_content
    from ical.timezone import IcsTimezoneInfo

    results = []
    for data in calendars:
        errors: list[str] = []
        text = data.decode("utf-8")
        with captured_logs("ical") as logged:
            try:
                calendar = IcsCalendarStream.calendar_from_ics(text)
                (raw,) = parse_content(text)
            except Exception as error:  # any failure is the finding
                results.append(ParsedCalendar((f"ical could not parse: {error!r}",), (), None, (), ()))
                continue
        errors += logged
        timezones = {tz.tz_id: tz for tz in calendar.timezones}
        raw_events = [c for c in raw.components if c.name == "vevent"]
        events = []
        for event, raw_event in zip(calendar.events, raw_events, strict=True):
            times = []
            for name, value in (("DTSTART", event.dtstart), ("DTEND", event.dtend)):
                prop = next(p for p in raw_event.properties if p.name == name.lower())
                tzid = prop.get_parameter_value("TZID")
                assert isinstance(value, datetime)
                zones: dict[str, tzinfo] = {}
                if tzid in timezones and timezones[tzid].get_observance(value.replace(tzinfo=None)) is not None:
                    zones[tzid] = IcsTimezoneInfo.from_timezone(timezones[tzid])
                elif tzid in timezones:
                    # ical finds no onset in an observance without RRULE (the single STANDARD of a
                    # zone without daylight time); for an IANA TZID it uses its own zone database
                    # instead of the VTIMEZONE, as Home Assistant does for every IANA TZID.
                    assert value.tzinfo is not None and str(value.tzinfo) == tzid, f"ical read {value!r}"
                    zones[tzid] = value.tzinfo
                times.append(instant(value, tzid, zones, errors, name))
            events.append(
                ParsedEvent(
                    uid=event.uid,
                    summary=event.summary,
                    description=event.description,
                    location=event.location,
                    categories=tuple(event.categories),
                    start=times[0],
                    end=times[1],
                    status=None if event.status is None else str(event.status.value),
                    sequence=event.sequence,
                    properties=tuple(p.name.upper() for p in raw_event.properties),
                )
            )
        results.append(
            ParsedCalendar(
                errors=tuple(errors),
                properties=tuple(p.name.upper() for p in raw.properties),
                name=calendar.name[0] if calendar.name else None,
                timezones=tuple(tz.tz_id for tz in calendar.timezones),
                events=tuple(events),
            )
        )
    return results


def parse_vobject(calendars: Sequence[bytes]) -> list[ParsedCalendar]:
    """Parse with vobject (used by Radicale and many Python calendar tools)."""
    import vobject
    from vobject.base import ContentLine

    results = []
    for data in calendars:
        errors: list[str] = []
        with captured_logs("vobject", "root") as logged:
            try:
                cal = vobject.readOne(data.decode("utf-8"))
            except Exception as error:  # any failure is the finding
                results.append(ParsedCalendar((f"vobject could not parse: {error!r}",), (), None, (), ()))
                continue
            zones = {str(tz.tzid.value): tz.gettzinfo() for tz in cal.contents.get("vtimezone", [])}
            events = []
            for event in cal.contents.get("vevent", []):
                times: list[int | None] = []
                for name in ("dtstart", "dtend"):
                    line = event.contents.get(name, [None])[0]
                    if line is None:
                        times.append(None)
                        continue
                    tzid = getattr(line, "tzid_param", None) or line.params.get("X-VOBJ-ORIGINAL-TZID", [None])[0]
                    times.append(instant(line.value, tzid, zones, errors, name.upper()))
                events.append(
                    ParsedEvent(
                        uid=vobject_text(event, "uid"),
                        summary=vobject_text(event, "summary"),
                        description=vobject_text(event, "description"),
                        location=vobject_text(event, "location"),
                        categories=tuple(str(c) for line in event.contents.get("categories", []) for c in line.value),
                        start=times[0],
                        end=times[1],
                        status=vobject_text(event, "status"),
                        sequence=None if "sequence" not in event.contents else int(event.sequence.value),
                        properties=tuple(
                            line.name.upper()
                            for lines in event.contents.values()
                            for line in lines
                            if isinstance(line, ContentLine)
                        ),
                    )
                )
        errors += logged
        results.append(
            ParsedCalendar(
                errors=tuple(errors),
                properties=tuple(
                    line.name.upper()
                    for lines in cal.contents.values()
                    for line in lines
                    if isinstance(line, ContentLine)
                ),
                # vobject does not know RFC 7986 NAME, so it leaves the value escaped; not compared.
                name=None,
                timezones=tuple(zones),
                events=tuple(events),
            )
        )
    return results


def vobject_text(component: Any, name: str) -> str | None:
    """Return the decoded value of a vobject property, or None."""
    lines = component.contents.get(name)
    return None if not lines else str(lines[0].value)


PYTHON_PARSERS = (
    Parser("icalendar", "icalendar (Python)", parse_icalendar, reads_name=False),
    Parser("ical", "Home Assistant (ical)", parse_home_assistant, splits_escaped_commas=True),
    Parser("vobject", "vobject (Python; Radicale)", parse_vobject, reads_name=False),
)
