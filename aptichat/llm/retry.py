"""Provider calls under the shared retry policy (`aptichat.retry`), paced by a rate limiter.

The SDK retries nothing by default (and its own retry ignores Retry-After), so every provider call
goes through `call_with_retry`: pace -> call -> classify -> maybe wait and try again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from aptichat.llm.errors import ProviderError, classify
from aptichat.llm.ratelimit import RateLimiter
from aptichat.retry import RetryPolicy

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _retryable(error: BaseException) -> bool:
    return isinstance(error, ProviderError) and error.retryable


def call_with_retry(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    limiter: RateLimiter | None = None,
    tokens: int = 0,
    what: str = "provider call",
) -> T:
    """Run `call` under the rate limiter, retrying retryable failures; raises a classified ProviderError."""
    attempts = 0

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        if limiter is not None:
            limiter.acquire(tokens)
        try:
            return call()
        except Exception as exc:
            error = classify(exc)
            if error is exc:
                raise
            raise error from exc

    def log_retry(error: BaseException, failures: int, delay: float) -> None:
        kind = getattr(error, "kind", type(error).__name__)
        logger.info(
            "%s failed (%s, attempt %d/%d), retrying in %.2fs: %s",
            what,
            kind,
            failures,
            policy.max_attempts,
            delay,
            error,
        )

    try:
        return policy.retrying(_retryable, on_retry=log_retry)(attempt)
    except ProviderError as error:
        logger.warning(
            "%s failed (%s, attempt %d/%d, giving up): %s", what, error.kind, attempts, policy.max_attempts, error
        )
        raise
