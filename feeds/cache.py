"""One bounded, thread-safe cache type: every cache the service keeps between requests is one of these."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _no_size(_value: object) -> int:
    return 0


class BoundedCache(Generic[K, V]):
    """A least-recently-used map bounded by its number of entries and, with `size_of`, by their total size.

    `largest` is the size of the largest value worth keeping: a bigger one is not stored, so that one value
    cannot empty the cache. Every method holds one lock, so threads of one worker may share a cache.
    """

    def __init__(
        self,
        max_items: int,
        *,
        max_size: int = 0,
        size_of: Callable[[V], int] = _no_size,
        largest: int | None = None,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"a cache holds at least one entry, got max_items={max_items}")
        self.max_items = max_items
        self.max_size = max_size
        self.largest = largest if largest is not None else max_size
        self._size_of = size_of
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the value for key, marking it recently used, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        """Keep value for key (unless it is larger than `largest`), dropping the least recently used past a bound."""
        size = self._size_of(value)
        with self._lock:
            if self.max_size and size > self.largest:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._size_of(old)
            self._entries[key] = value
            self._size += size
            while len(self._entries) > self.max_items or (self.max_size and self._size > self.max_size):
                _, dropped = self._entries.popitem(last=False)
                self._size -= self._size_of(dropped)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._size = 0

    def items(self) -> list[tuple[K, V]]:
        """Return the entries, least recently used first."""
        with self._lock:
            return list(self._entries.items())

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def size(self) -> int:
        """Return the total size of the values held (0 without `size_of`)."""
        with self._lock:
            return self._size
