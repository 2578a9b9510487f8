"""Rate limiter, retry policy and error classification, deterministic where time is involved."""

from __future__ import annotations

import random
import threading
import time

import pytest

from aptichat.llm.errors import (
    InvalidRequestError,
    ProviderError,
    QuotaError,
    RetryableError,
    classify,
    parse_retry_after,
)
from aptichat.llm.ratelimit import RateLimiter, TokenBucket, estimate_tokens
from aptichat.llm.retry import call_with_retry
from aptichat.retry import RetryPolicy


class FakeClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(120, clock=clock, sleep=clock.sleep)  # 2/s, burst 2
    waits = [bucket.acquire() for _ in range(6)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert clock.now == pytest.approx(2.0)  # 6 requests at 2/s after a burst of 2


def test_rate_limiter_counts_tokens_too() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6000, 60_000, clock=clock, sleep=clock.sleep)  # 1000 tokens/s, burst 8192
    limiter.acquire(tokens=8192)
    waited = limiter.acquire(tokens=2000)
    assert waited == pytest.approx(2.0)
    assert estimate_tokens(["abcd" * 10]) == 11


def test_rate_limiter_holds_the_rate_in_real_time_across_threads() -> None:
    limiter = RateLimiter(120, 1_000_000)  # 2/s with a burst of 2
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        waited = limiter.acquire(tokens=10)
        with lock:
            waits.append(waited)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # Two go at once, the third after 0.5 s, the fourth after 1 s: never faster than the rate.
    assert elapsed >= 0.95
    assert sorted(waits)[:2] == [0.0, 0.0] and sorted(waits)[-1] >= 0.95


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0, rng=random.Random(7))
    for failures, base in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delay = policy.delay(failures)
        assert base / 2 <= delay <= base
    assert policy.delay(1, retry_after=5.0) == 5.0


def test_call_with_retry_retries_retryable_and_stops_at_max_attempts() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.1, sleep=clock.sleep)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RetryableError("blip", status=503)
        return "ok"

    assert call_with_retry(flaky, policy=policy) == "ok"
    assert len(clock.sleeps) == 2

    calls.clear()

    def always_down() -> str:
        calls.append(1)
        raise QuotaError("quota", status=429, retry_after=0.5)

    with pytest.raises(QuotaError):
        call_with_retry(always_down, policy=policy)
    assert len(calls) == 3 and all(s >= 0.5 for s in clock.sleeps[-2:])


def test_invalid_requests_and_long_retry_after_are_not_retried() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, sleep=clock.sleep, max_retry_after_s=60)
    for error in (InvalidRequestError("bad", status=400), QuotaError("daily quota", status=429, retry_after=3600)):
        calls: list[int] = []

        def failing(error: ProviderError = error, calls: list[int] = calls) -> None:
            calls.append(1)
            raise error

        with pytest.raises(type(error)):
            call_with_retry(failing, policy=policy)
        assert len(calls) == 1
    assert clock.sleeps == []


def test_classification_of_sdk_and_transport_errors() -> None:
    from google.genai import errors as genai_errors

    def api_error(code: int) -> Exception:
        cls = genai_errors.ClientError if code < 500 else genai_errors.ServerError
        return cls(code, {"error": {"code": code, "message": "m", "status": "S"}})

    assert isinstance(classify(api_error(429)), QuotaError)
    assert isinstance(classify(api_error(408)), RetryableError)
    assert isinstance(classify(api_error(500)), RetryableError)
    assert isinstance(classify(api_error(404)), InvalidRequestError)
    assert isinstance(classify(TimeoutError("slow")), RetryableError)
    unknown = classify(KeyError("bug"))
    assert type(unknown) is ProviderError and not unknown.retryable
    assert parse_retry_after("2") == 2.0 and parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
