"""Bounded retries with exponential backoff, jitter and Retry-After, around a rate limiter.

The SDK retries nothing by default (and its own retry ignores Retry-After), so every provider call
goes through `call_with_retry`: pace -> call -> classify -> maybe wait and try again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aptichat.llm.errors import classify
from aptichat.llm.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. `max_attempts` counts the first try."""

    max_attempts: int = 4
    initial_delay_s: float = 1.0
    max_delay_s: float = 30.0
    multiplier: float = 2.0
    # A server asking us to wait longer than this is telling us the quota is gone: give up instead.
    max_retry_after_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failure: jittered exponential, never below Retry-After."""
        base = min(self.max_delay_s, self.initial_delay_s * self.multiplier ** (failures - 1))
        # "Equal jitter": at least half the base, so the backoff still grows while clients spread out.
        delay = base / 2 + self.rng.uniform(0, base / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def call_with_retry(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    limiter: RateLimiter | None = None,
    tokens: int = 0,
    what: str = "provider call",
) -> T:
    """Run `call` under the rate limiter, retrying retryable failures; raises a classified ProviderError."""
    failures = 0
    while True:
        if limiter is not None:
            limiter.acquire(tokens)
        try:
            return call()
        except Exception as exc:
            error = classify(exc)
            failures += 1
            out_of_attempts = failures >= max(1, policy.max_attempts)
            too_long = error.retry_after is not None and error.retry_after > policy.max_retry_after_s
            if not error.retryable or out_of_attempts or too_long:
                logger.warning(
                    "%s failed (%s, attempt %d/%d, giving up): %s",
                    what,
                    error.kind,
                    failures,
                    policy.max_attempts,
                    error,
                )
                if error is exc:
                    raise
                raise error from exc
            delay = policy.backoff(failures, error.retry_after)
            logger.info(
                "%s failed (%s, attempt %d/%d), retrying in %.2fs: %s",
                what,
                error.kind,
                failures,
                policy.max_attempts,
                delay,
                error,
            )
            policy.sleep(delay)
