"""The one place that builds google-genai clients and wraps their calls in pacing and retries.

Embeddings and answers both go through `GeminiTransport`, so they share the retry policy, the error
classes and (per model) the client-side rate limiter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from aptichat.llm.ratelimit import RateLimiter, shared_rate_limiter
from aptichat.llm.retry import call_with_retry
from aptichat.retry import RetryPolicy
from aptichat.settings import Settings

if TYPE_CHECKING:
    from google import genai

T = TypeVar("T")

_clients: dict[tuple[str, str | None, float], genai.Client] = {}
_clients_lock = threading.Lock()


def gemini_client(settings: Settings) -> genai.Client:
    """A `genai.Client` for these settings, one per key/base URL/timeout per process (it pools connections)."""
    if not settings.gemini_api_key:
        raise ValueError("GEMINI_API_KEY is not set: the Gemini provider needs it")
    key = (settings.gemini_api_key, settings.gemini_base_url, settings.gemini_timeout_s)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            from google import genai
            from google.genai import types

            # timeout is in milliseconds in the SDK; no retry_options: our own loop retries.
            options = types.HttpOptions(
                base_url=settings.gemini_base_url,
                timeout=max(1, int(settings.gemini_timeout_s * 1000)),
            )
            client = _clients[key] = genai.Client(api_key=settings.gemini_api_key, http_options=options)
        return client


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy the settings describe."""
    return RetryPolicy(
        max_attempts=settings.gemini_max_attempts,
        base_delay_s=settings.gemini_retry_initial_delay_s,
        max_delay_s=settings.gemini_retry_max_delay_s,
    )


class GeminiTransport:
    """A client plus the pacing and retry policy for one model."""

    def __init__(
        self,
        settings: Settings,
        model: str,
        *,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.model = model
        self.client = gemini_client(settings)
        self.policy = policy or retry_policy(settings)
        self.limiter = limiter or shared_rate_limiter(
            settings.gemini_base_url or "default",
            model,
            settings.gemini_requests_per_minute,
            settings.gemini_tokens_per_minute,
        )

    def call(self, fn: Callable[[], T], *, tokens: int = 0, what: str = "gemini call") -> T:
        """Run `fn` paced by the limiter and retried by the policy; raises a classified ProviderError."""
        return call_with_retry(fn, policy=self.policy, limiter=self.limiter, tokens=tokens, what=what)


def provider_key(settings: Settings) -> tuple[tuple[str, object], ...]:
    """Every Gemini setting, as a hashable key: a process-wide instance per distinct configuration."""
    return tuple(sorted((k, v) for k, v in settings.model_dump().items() if k.startswith("gemini_")))
