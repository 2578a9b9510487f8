"""The one in-process, thread-safe LRU: the API's chunk and answer caches and the query-vector cache
of `CachingEmbedder` are all instances of it, so /metrics and /readyz read the same counters."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class CacheStats:
    """Hit/miss counters, exported by the API's /metrics. `invalidations` counts entries found but
    stale (the owner records them with `stale()`)."""

    hits: int = 0
    misses: int = 0
    invalidations: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "invalidations": self.invalidations}


class LRU(Generic[K, V]):
    """A small thread-safe LRU with counters. A capacity of 0 stores nothing (every get misses)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(0, capacity)
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.stats.hits += 1
                return self._data[key]
            self.stats.misses += 1
            return None

    def stale(self) -> None:
        """Recount the last hit as a miss and an invalidation: the owner found the entry out of date."""
        with self._lock:
            self.stats.hits -= 1
            self.stats.misses += 1
            self.stats.invalidations += 1

    def put(self, key: K, value: V) -> None:
        if self.capacity == 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def pop(self, key: K) -> None:
        with self._lock:
            self._data.pop(key, None)

    def pop_where(self, predicate: Callable[[K], bool]) -> int:
        """Drop every entry whose key matches `predicate`; returns how many went."""
        with self._lock:
            doomed = [key for key in self._data if predicate(key)]
            for key in doomed:
                del self._data[key]
            return len(doomed)

    def __len__(self) -> int:
        return len(self._data)
