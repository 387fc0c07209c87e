"""Readable ids: slugs of titles and names, at most 64 characters, unique, the same for the same input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_ID_LENGTH = 64
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Letters that Unicode does not decompose into an ASCII letter and a mark.
LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "ð": "d",
    }
)


def is_id(value: str) -> bool:
    """Return whether value is already a valid event.yaml id."""
    return len(value) <= MAX_ID_LENGTH and SLUG.fullmatch(value) is not None


def shorten(slug: str, limit: int = MAX_ID_LENGTH) -> str:
    """Return slug cut to at most limit characters, at a hyphen where there is one."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    if slug[limit] != "-" and "-" in cut:
        cut = cut[: cut.rindex("-")]
    return cut.strip("-")


def slug_of(text: str, fallback: str) -> str:
    """Return a lowercase ASCII slug of text, or fallback when text has no letters or digits."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(LETTERS)).encode("ascii", "ignore").decode()
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
    return shorten(slug) or fallback


class IdMaker:
    """Hand out unique ids of one kind, keeping valid ids that are asked for first."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(reserved)

    def claim(self, wanted: str) -> bool:
        """Take wanted as is if it is a free, valid id."""
        if is_id(wanted) and wanted not in self.taken:
            self.taken.add(wanted)
            return True
        return False

    def make(self, text: str, fallback: str) -> str:
        """Return a free id from text: its slug, or the slug with -2, -3 ... when it is taken."""
        base = slug_of(text, fallback)
        if self.claim(base):
            return base
        number = 2
        while True:
            suffix = f"-{number}"
            candidate = shorten(base, MAX_ID_LENGTH - len(suffix)) + suffix
            if self.claim(candidate):
                return candidate
            number += 1
