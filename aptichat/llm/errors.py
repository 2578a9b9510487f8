"""Provider errors, classified once so embeddings and answers share one retry and fallback policy.

Four classes matter to callers:
- `RetryableError`: 408, 5xx, timeouts, dropped connections, malformed bodies. Worth another try.
- `QuotaError`: 429 / RESOURCE_EXHAUSTED. Retried honouring Retry-After; once attempts run out it
  means the key's quota is spent for now.
- `InvalidRequestError`: any other 4xx (bad model name, bad key, too long input). Never retried.
- `BlockedBySafetyError`: the model refused the prompt or stopped for safety. Never retried.
"""

from __future__ import annotations

import json
import logging
from email.utils import parsedate_to_datetime
from typing import Any

logger = logging.getLogger(__name__)

SAFETY_FINISH_REASONS = frozenset({"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "MODEL_ARMOR"})


class ProviderError(Exception):
    """A failure talking to an external model provider."""

    kind = "provider_error"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableError(ProviderError):
    """A transient failure (408, 5xx, timeout, connection, malformed body)."""

    kind = "retryable"
    retryable = True


class QuotaError(ProviderError):
    """Rate limit or quota exhausted (429)."""

    kind = "quota"
    retryable = True


class InvalidRequestError(ProviderError):
    """The request itself is wrong (4xx other than 408/429); retrying cannot help."""

    kind = "invalid_request"


class BlockedBySafetyError(ProviderError):
    """The provider refused the prompt or stopped the answer for safety reasons."""

    kind = "blocked_by_safety"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _retry_after_from(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return parse_retry_after(headers.get("retry-after"))
    except Exception:  # a header object we do not know: no hint rather than a crash
        return None


def _transport_errors() -> tuple[type[BaseException], ...]:
    # google-genai 3.6 sends through httpx2 (a fork with its own classes) when installed, else httpx.
    found: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        found.append(module.TransportError)  # timeouts, connect errors, dropped connections
    return tuple(found)


def classify(exc: BaseException) -> ProviderError:
    """Map any exception raised by the SDK or its HTTP stack to one of the classes above.

    Already-classified errors pass through. Exceptions that are not provider failures (programming
    errors) come back as a plain `ProviderError` so callers can still decide, but they are logged.
    """
    if isinstance(exc, ProviderError):
        return exc
    from google.genai import errors as genai_errors

    if isinstance(exc, genai_errors.UnknownApiResponseError):
        # a 200 whose body (or stream chunk) is not JSON: a proxy or the service hiccupped
        return RetryableError(f"malformed response: {exc}")
    if isinstance(exc, genai_errors.APIError):
        code = int(exc.code or 0)
        message = f"{code} {exc.status or ''}: {exc.message or exc}".strip()
        retry_after = _retry_after_from(exc)
        if code == 429:
            return QuotaError(message, status=code, retry_after=retry_after)
        if code == 408 or code >= 500:
            return RetryableError(message, status=code, retry_after=retry_after)
        return InvalidRequestError(message, status=code)
    if isinstance(exc, (*_transport_errors(), TimeoutError, ConnectionError)):
        return RetryableError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, json.JSONDecodeError):
        # a 200 whose body is not JSON: a proxy or the service hiccupped
        return RetryableError(f"malformed response: {exc}")
    logger.warning("unclassified provider exception %s: %s", type(exc).__name__, exc)
    return ProviderError(f"{type(exc).__name__}: {exc}")
