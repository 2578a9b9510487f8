"""Answer generation: the request/answer types, the offline composer and the Gemini generator.

Callers use `get_answer_generator()` and the types here; provider modules are an implementation
detail (Gemini is imported only when configured, and always behind the `OfflineFallback`).
"""

from __future__ import annotations

import logging
import threading

from aptichat.llm.errors import (
    BlockedBySafetyError,
    InvalidRequestError,
    ProviderError,
    QuotaError,
    RetryableError,
)
from aptichat.llm.fallback import OfflineFallback, with_offline_fallback
from aptichat.llm.offline import OfflineComposer
from aptichat.llm.types import (
    INTENTS,
    AnswerGenerator,
    AnswerRequest,
    ContextSection,
    GeneratedAnswer,
    Intent,
    Turn,
    cited_numbers,
    text_from_stream,
)
from aptichat.settings import Settings, get_settings

__all__ = [
    "INTENTS",
    "AnswerGenerator",
    "AnswerRequest",
    "BlockedBySafetyError",
    "ContextSection",
    "GeneratedAnswer",
    "Intent",
    "InvalidRequestError",
    "OfflineComposer",
    "OfflineFallback",
    "ProviderError",
    "QuotaError",
    "RetryableError",
    "Turn",
    "cited_numbers",
    "get_answer_generator",
    "text_from_stream",
    "with_offline_fallback",
]

logger = logging.getLogger(__name__)
_generators: dict[tuple[object, ...], AnswerGenerator] = {}
_lock = threading.Lock()


def get_answer_generator(settings: Settings | None = None) -> AnswerGenerator:
    """The process-wide answer generator for these settings: Gemini (behind the offline fallback) when
    configured with a key, else the offline composer."""
    settings = settings or get_settings()
    use_gemini = settings.llm == "gemini"
    if use_gemini and not settings.gemini_api_key:
        logger.warning("APTICHAT_LLM=gemini but GEMINI_API_KEY is not set: answering with the offline composer")
        use_gemini = False
    key: tuple[object, ...] = ("offline",)
    if use_gemini:
        from aptichat.llm.gemini_client import provider_key

        key = ("gemini", *provider_key(settings))
    with _lock:
        generator = _generators.get(key)
        if generator is None:
            if use_gemini:
                from aptichat.llm.gemini import GeminiAnswerGenerator

                generator = OfflineFallback(GeminiAnswerGenerator(settings))
            else:
                generator = OfflineComposer()
            _generators[key] = generator
        return generator
