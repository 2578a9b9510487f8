"""aptichat.lru: the one thread-safe LRU behind the API caches and the query-vector cache."""

from __future__ import annotations

from aptichat.lru import LRU


def test_lru_counts() -> None:
    lru: LRU[str, int] = LRU(2)
    assert lru.get("a") is None
    lru.put("a", 1)
    lru.put("b", 2)
    lru.put("c", 3)
    assert lru.get("a") is None and lru.get("c") == 3
    assert lru.stats.hits == 1 and lru.stats.misses == 2


def test_lru_of_capacity_zero_stores_nothing_but_counts() -> None:
    lru: LRU[str, int] = LRU(0)
    lru.put("a", 1)
    assert lru.get("a") is None and len(lru) == 0 and lru.stats.misses == 1


def test_lru_stale_recounts_a_hit_as_an_invalidating_miss() -> None:
    lru: LRU[str, int] = LRU(1)
    lru.put("a", 1)
    assert lru.get("a") == 1
    lru.stale()
    assert lru.stats.as_dict() == {"hits": 0, "misses": 1, "invalidations": 1}
