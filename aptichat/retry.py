"""One retry policy for every external call: the legacy database, Gemini answers and embeddings.

Bounded attempts, exponential backoff with "equal jitter" (never retry at once, but spread concurrent
clients apart), and a server's Retry-After honoured; a server asking to wait longer than
`max_retry_after_s` is saying the quota is gone, so we give up instead. The loop is tenacity's;
*what* is worth retrying stays with the caller, who knows its errors (`is_transient` for the legacy
database, `aptichat.llm.errors.classify` for providers). Empty answers and a stream's first chunk
are retried by raising a retryable error inside the retried call.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import tenacity

# (error, failed attempts so far, seconds until the next attempt), before each wait.
OnRetry = Callable[[BaseException, int, float], None]


def retry_after_of(error: BaseException) -> float | None:
    """The server's Retry-After carried by `error` (provider errors have one), else None."""
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. `max_attempts` counts the first try."""

    max_attempts: int = 4
    base_delay_s: float = 0.1
    max_delay_s: float = 2.0
    multiplier: float = 2.0
    max_retry_after_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, rng: random.Random | None = None, *, retry_after: float | None = None) -> float:
        """Seconds to wait after the `attempt`-th failure: base * multiplier**(attempt-1), capped, times
        0.5..1; never less than `retry_after`."""
        cap = min(self.max_delay_s, self.base_delay_s * self.multiplier ** (attempt - 1))
        delay = cap * (0.5 + 0.5 * (rng or self.rng).random())
        return delay if retry_after is None else max(delay, retry_after)

    def waits_too_long(self, retry_after: float | None) -> bool:
        """Whether a Retry-After this long means giving up rather than waiting."""
        return retry_after is not None and retry_after > self.max_retry_after_s

    def _wait(self, rng: random.Random | None) -> Callable[[tenacity.RetryCallState], float]:
        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.delay(state.attempt_number, rng, retry_after=retry_after_of(error) if error else None)

        return wait

    def _retry(self, retry_on: Callable[[BaseException], bool]) -> tenacity.retry_if_exception:
        return tenacity.retry_if_exception(
            lambda error: retry_on(error) and not self.waits_too_long(retry_after_of(error))
        )

    @staticmethod
    def _before_sleep(on_retry: OnRetry | None) -> Callable[[tenacity.RetryCallState], None]:
        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            if on_retry is not None and error is not None and state.next_action is not None:
                on_retry(error, state.attempt_number, state.next_action.sleep)

        return before_sleep

    def retrying(
        self,
        retry_on: Callable[[BaseException], bool],
        *,
        rng: random.Random | None = None,
        on_retry: OnRetry | None = None,
    ) -> tenacity.Retrying:
        """A tenacity controller for blocking calls: `policy.retrying(is_retryable)(fn)`. It raises the
        call's own last error, never tenacity's RetryError."""
        return tenacity.Retrying(
            sleep=self.sleep,
            stop=tenacity.stop_after_attempt(max(1, self.max_attempts)),
            wait=self._wait(rng),
            retry=self._retry(retry_on),
            before_sleep=self._before_sleep(on_retry),
            reraise=True,
        )

    def async_retrying(
        self,
        retry_on: Callable[[BaseException], bool],
        *,
        rng: random.Random | None = None,
        on_retry: OnRetry | None = None,
    ) -> tenacity.AsyncRetrying:
        """The same for coroutines, waiting with asyncio.sleep: `async for attempt in ...: with attempt: ...`."""
        return tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(max(1, self.max_attempts)),
            wait=self._wait(rng),
            retry=self._retry(retry_on),
            before_sleep=self._before_sleep(on_retry),
            reraise=True,
        )
