"""Caching around any `Embedder`: an in-process LRU for queries and the persistent
`chat_embedding_cache` table for documents, so re-running the ETL embeds nothing unchanged.

Cache keys: sha256 of the text (and its title, which changes a Gemini document vector), the model
*with its dimension* (`gemini-embedding-001@768`: the same model at another output size is another
cache) and the task (`document`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from aptichat.embeddings.base import DOCUMENT_TASK, Embedder, check_titles
from aptichat.lru import LRU
from aptichat.telemetry import EMBEDDING_CACHE

if TYPE_CHECKING:
    from sqlalchemy import Engine

LOOKUP_CHUNK = 1000


def text_hash(text: str, title: str | None = None) -> str:
    """The hex sha256 identifying one input text (with its title, when there is one)."""
    payload = text if not title else f"{title}\x1f{text}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CachingEmbedder:
    """An `Embedder` that asks `inner` only for what neither cache holds.

    Without an engine only the query LRU is active (documents always go to `inner`).
    """

    def __init__(self, inner: Embedder, engine: Engine | None = None, query_cache_size: int = 2048) -> None:
        self.inner = inner
        self.engine = engine
        self.model = inner.model
        self.dim = inner.dim
        self.cache_model = f"{inner.model}@{inner.dim}"
        self.queries: LRU[str, np.ndarray] = LRU(query_cache_size)  # size 0: no query cache
        self.document_hits = 0
        self.document_misses = 0
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector, from the LRU when this exact text was asked before."""
        cached = self.queries.get(text)
        EMBEDDING_CACHE.labels("query", "miss" if cached is None else "hit").inc()
        if cached is not None:
            return cached.copy()
        vector = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        # Stored read-only so a caller mutating its copy can never poison the cache.
        stored = vector.copy()
        stored.flags.writeable = False
        self.queries.put(text, stored)
        return vector

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Document vectors: one bulk lookup, `inner` for the misses (each distinct text once), one bulk insert."""
        aligned = check_titles(texts, titles)
        keys = [text_hash(text, title) for text, title in zip(texts, aligned, strict=True)]
        first_index: dict[str, int] = {}
        for index, key in enumerate(keys):
            first_index.setdefault(key, index)
        found = self._lookup(list(first_index)) if self.engine is not None else {}
        missing = [key for key in first_index if key not in found]
        if missing:
            rows = [first_index[key] for key in missing]
            vectors = self.inner.embed_documents([texts[i] for i in rows], [aligned[i] for i in rows])
            fresh = dict(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
            if self.engine is not None:
                self._store(fresh)
            found.update(fresh)
        with self._lock:
            self.document_hits += len(first_index) - len(missing)
            self.document_misses += len(missing)
        EMBEDDING_CACHE.labels("document", "hit").inc(len(first_index) - len(missing))
        EMBEDDING_CACHE.labels("document", "miss").inc(len(missing))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for index, key in enumerate(keys):
            out[index] = found[key]
        return out

    def stats(self) -> dict[str, int]:
        """Counters: `hits`/`misses`/`size` of the query LRU, `document_hits`/`document_misses`."""
        return {
            "hits": self.queries.stats.hits,
            "misses": self.queries.stats.misses,
            "size": len(self.queries),
            "document_hits": self.document_hits,
            "document_misses": self.document_misses,
        }

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        from sqlalchemy import select

        from aptichat.db.models import ChatEmbeddingCache as Row

        assert self.engine is not None
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                query = select(Row.text_hash, Row.embedding).where(
                    Row.model == self.cache_model,
                    Row.task == DOCUMENT_TASK,
                    Row.dim == self.dim,
                    Row.text_hash.in_(keys[start : start + LOOKUP_CHUNK]),
                )
                for key, vector in conn.execute(query):
                    found[key] = np.asarray(vector, dtype=np.float32)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        from sqlalchemy.dialects.postgresql import insert

        from aptichat.db.models import ChatEmbeddingCache as Row

        assert self.engine is not None
        if not vectors:
            return
        rows = [
            {"text_hash": key, "model": self.cache_model, "task": DOCUMENT_TASK, "dim": self.dim, "embedding": vector}
            for key, vector in vectors.items()
        ]
        # Two ETL runs may embed the same text at once: the first insert wins, the other is a no-op.
        with self.engine.begin() as conn:
            conn.execute(insert(Row).on_conflict_do_nothing(), rows)
