"""Times as organizers write them: wall-clock times in the event's zone, hints for loose times, zone names."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from .schema import DAY

# Zones that name no place: the server's own setting, and tzdata's placeholder.
NOT_PLACES = {"localtime", "Factory"}


def resolve_local(naive: datetime, zone: ZoneInfo) -> tuple[datetime | None, str]:
    """Return the aware time for a wall-clock time, or why it is not one instant."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            return (
                None,
                "does not exist in {zone} (clocks skip it at the daylight-saving change); pick a time outside the skipped hour",
            )
        return (
            None,
            "exists twice in {zone} (clocks repeat it at the daylight-saving change); pick a time outside the repeated hour",
        )
    return first, ""


# What organizers write for a time instead of 'YYYY-MM-DD HH:MM': ISO 8601, seconds, offsets, one-digit hours.
LOOSE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2})[:.](\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE
)
CLOCK_ONLY = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?|(\d{1,2})[:.](\d{2})", re.IGNORECASE)


def time_hint(raw: str, day: date | None, zone: ZoneInfo | None) -> str:  # noqa: PLR0911 - one return per way of writing a time
    """Return how to write a time that is not 'YYYY-MM-DD HH:MM' but clearly means one, or ''."""
    text = raw.strip()
    loose = LOOSE_TIME.fullmatch(text)
    if loose:
        year, month, mday, hour, minute = (int(g) for g in loose.groups()[:5])
        try:
            written = datetime(year, month, mday) + timedelta(hours=hour, minutes=minute)
        except ValueError:
            return ""
        offset = loose.group(6)
        if offset is None:
            verb = "did you mean" if hour == 24 else "write"
            return f"; {verb} '{written:%Y-%m-%d %H:%M}'" + ("?" if hour == 24 else "")
        if zone is None:
            return ""
        sign, digits = (
            (1, "0000") if offset.upper() == "Z" else (1 if offset[0] == "+" else -1, offset[1:].replace(":", ""))
        )
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)) * sign
        local = (written - shift).replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        return f"; write the local time without an offset: '{local:%Y-%m-%d %H:%M}'"
    if DAY.fullmatch(text):
        return f"; add the time of day, like '{text} 09:00'"
    clock = CLOCK_ONLY.fullmatch(text)
    if clock is None or day is None:
        return ""
    if clock.group(4) is not None:
        hour, minute = int(clock.group(4)), int(clock.group(5))
    else:
        hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
        if not 1 <= hour <= 12:
            return ""
        hour = hour % 12 + (12 if clock.group(3).lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return ""
    return f"; did you mean '{day.isoformat()} {hour:02d}:{minute:02d}'?"


@functools.cache
def zone_names() -> frozenset[str]:
    """Return the IANA zone names that name a place."""
    return frozenset(available_timezones() - NOT_PLACES)
