"""Readable ids: slugs of titles and names, at most MAX_ID_LENGTH characters, unique, the same for the same input."""

from __future__ import annotations

from collections.abc import Iterable

from ..text import MAX_ID_LENGTH, is_id, shorten, slugify


def slug_of(text: str, fallback: str) -> str:
    """Return a lowercase ASCII slug of text, or fallback when text has no letters or digits."""
    return slugify(text) or fallback


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
