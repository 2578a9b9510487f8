"""Client-side rate limiting, so a backfill of thousands of chunks never floods the provider.

Token buckets that *reserve* capacity: a caller takes its tokens at once (the balance may go
negative) and sleeps outside the lock for as long as the debt takes to refill. Threads are served in
arrival order and no lock is held while sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`rate_per_minute` tokens per minute with a burst of `burst` (default: one second's worth)."""

    def __init__(
        self,
        rate_per_minute: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst) if burst is not None else max(1.0, self.rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self, amount: float = 1.0) -> float:
        """Take `amount` tokens now and return how long the caller must wait before using them."""
        # A request bigger than the bucket could never be served; it waits for a full bucket instead.
        amount = min(float(amount), self.capacity)
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= amount
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, amount: float = 1.0) -> float:
        """Block until `amount` tokens are available; returns the seconds waited."""
        wait = self.reserve(amount)
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """Requests per minute and tokens per minute together, as the provider counts them."""

    def __init__(
        self,
        requests_per_minute: float,
        tokens_per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests = TokenBucket(requests_per_minute, clock=clock, sleep=sleep)
        # Token budgets are large; allow a burst of one second's worth but at least one big request.
        self.tokens = TokenBucket(
            tokens_per_minute, burst=max(tokens_per_minute / 60.0, 8192), clock=clock, sleep=sleep
        )
        self._sleep = sleep

    def acquire(self, tokens: int = 0) -> float:
        """Wait until one request carrying about `tokens` input tokens may be sent; returns seconds waited."""
        wait = max(self.requests.reserve(1.0), self.tokens.reserve(tokens) if tokens > 0 else 0.0)
        if wait > 0:
            self._sleep(wait)
        return wait


def estimate_tokens(texts: list[str] | tuple[str, ...] | str) -> int:
    """A cheap upper-ish estimate (4 characters per token) good enough for pacing, not billing."""
    if isinstance(texts, str):
        texts = [texts]
    return sum(len(t) // 4 + 1 for t in texts)


_registry: dict[tuple[str, str, float, float], RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_rate_limiter(scope: str, model: str, requests_per_minute: float, tokens_per_minute: float) -> RateLimiter:
    """One limiter per endpoint and model per process: every client of the same quota shares it."""
    key = (scope, model, float(requests_per_minute), float(tokens_per_minute))
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(requests_per_minute, tokens_per_minute)
        return limiter
