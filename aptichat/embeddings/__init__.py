"""Embeddings: the `Embedder` protocol and `get_embedder()`, the only way the rest of the code gets one.

Importing this package is cheap: the local model (ONNX Runtime, or torch) loads on the first embed
call, google-genai when the Gemini provider is built.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from aptichat.embeddings.base import Embedder, l2_normalize
from aptichat.embeddings.cache import CachingEmbedder, text_hash
from aptichat.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["CachingEmbedder", "Embedder", "get_embedder", "l2_normalize", "provider_embedder", "text_hash"]

_providers: dict[tuple[object, ...], Embedder] = {}
_cached: dict[tuple[object, ...], CachingEmbedder] = {}
_lock = threading.Lock()


def _provider_key(settings: Settings) -> tuple[object, ...]:
    if settings.embeddings == "local":
        return ("local", settings.local_embedding_threads, settings.local_embedding_backend, str(settings.home))
    from aptichat.llm.gemini_client import provider_key

    return ("gemini", *provider_key(settings))


def provider_embedder(settings: Settings | None = None) -> Embedder:
    """The bare provider for these settings (no caching), one per configuration per process."""
    settings = settings or get_settings()
    key = _provider_key(settings)
    with _lock:
        embedder = _providers.get(key)
        if embedder is None:
            if settings.embeddings == "gemini":
                from aptichat.embeddings.gemini import GeminiEmbedder

                embedder = GeminiEmbedder(settings)
            else:
                from aptichat.embeddings.local import LocalEmbedder

                embedder = LocalEmbedder(
                    threads=settings.local_embedding_threads,
                    backend=settings.local_embedding_backend,
                    home=settings.home,
                )
            _providers[key] = embedder
        return embedder


def get_embedder(settings: Settings | None = None, *, engine: Engine | None = None) -> CachingEmbedder:
    """The process-wide embedder for these settings: the configured provider (`settings.embeddings`,
    local unless Gemini is chosen or only a GEMINI_API_KEY is set) behind a query LRU, plus the
    persistent document cache in `engine`'s `chat_embedding_cache` when an engine is given."""
    settings = settings or get_settings()
    inner = provider_embedder(settings)
    # Engines are process-wide objects; keying by identity keeps one cache per database.
    key = (_provider_key(settings), settings.query_cache_size, id(engine) if engine is not None else None)
    with _lock:
        embedder = _cached.get(key)
        if embedder is None or embedder.engine is not engine:
            embedder = _cached[key] = CachingEmbedder(inner, engine=engine, query_cache_size=settings.query_cache_size)
            # a provider whose vectors are not the model's reference ones (local int8) caches apart
            embedder.cache_model = getattr(inner, "cache_model", None) or embedder.cache_model
        return embedder
