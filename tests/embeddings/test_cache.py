"""CachingEmbedder: the query LRU and the persistent chat_embedding_cache table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, create_engine, func, select
from support.fake_gemini import FakeGemini, gemini_settings

from aptichat.db.models import ChatEmbeddingCache
from aptichat.embeddings import CachingEmbedder, get_embedder, l2_normalize, provider_embedder, text_hash
from aptichat.settings import Settings


class CountingEmbedder:
    """A tiny deterministic Embedder that counts what it was asked to embed."""

    model = "counting-test"
    dim = 8

    def __init__(self) -> None:
        self.document_texts: list[str] = []
        self.queries: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        seed = sum(text.encode()) + len(text)
        return l2_normalize(np.random.default_rng(seed).standard_normal(self.dim))

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        self.document_texts.extend(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vector(text)


def test_query_lru_hits_on_repeats_and_evicts() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner, query_cache_size=2)
    first = cached.embed_query("what are my strengths?")
    first[0] = 99.0  # a caller scribbling on its copy must not change the cache
    again = cached.embed_query("what are my strengths?")
    assert again[0] != 99.0
    assert inner.queries == ["what are my strengths?"]
    cached.embed_query("b")
    cached.embed_query("c")  # evicts the least recently used ("what are my strengths?")
    cached.embed_query("what are my strengths?")
    assert cached.stats()["hits"] == 1 and cached.stats()["misses"] == 4 and cached.stats()["size"] == 2


def test_persistent_cache_survives_a_restart(settings: Settings, engine: Engine, fake_gemini: FakeGemini) -> None:
    run = uuid.uuid4().hex
    texts = [f"{run} chunk {i}" for i in range(5)]
    configured = gemini_settings(settings, fake_gemini)
    first = CachingEmbedder(provider_embedder(configured), engine=engine)
    original = first.embed_documents(texts, titles=["Profile"] * 5)
    assert len(fake_gemini.calls("batchEmbedContents")) == 1

    # "Restart": a new engine on the same database, a new wrapper, the same texts plus one new.
    restarted_engine = create_engine(engine.url)
    try:
        second = CachingEmbedder(provider_embedder(configured), engine=restarted_engine)
        again = second.embed_documents([*texts, f"{run} new"], titles=[*(["Profile"] * 5), "Profile"])
    finally:
        restarted_engine.dispose()
    calls = fake_gemini.calls("batchEmbedContents")
    assert len(calls) == 2
    assert [r["content"]["parts"][0]["text"] for r in calls[1].body["requests"]] == [f"{run} new"]
    np.testing.assert_allclose(again[:5], original, atol=1e-6)
    assert second.stats()["document_hits"] == 5 and second.stats()["document_misses"] == 1


def test_duplicates_in_a_batch_are_embedded_once(engine: Engine) -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner, engine=engine)
    run = uuid.uuid4().hex
    vectors = cached.embed_documents([f"{run} same", f"{run} other", f"{run} same"])
    assert inner.document_texts == [f"{run} same", f"{run} other"]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    # A title changes what a document means to the model: it is part of the key.
    cached.embed_documents([f"{run} same"], titles=["A title"])
    assert inner.document_texts[-1] == f"{run} same"


def test_model_and_dimension_are_separate_caches(engine: Engine) -> None:
    run = uuid.uuid4().hex
    small, large = CountingEmbedder(), CountingEmbedder()
    large.dim = 16
    CachingEmbedder(small, engine=engine).embed_documents([f"{run} text"])
    CachingEmbedder(large, engine=engine).embed_documents([f"{run} text"])
    assert small.document_texts == large.document_texts == [f"{run} text"]
    with engine.connect() as conn:
        models = conn.execute(
            select(ChatEmbeddingCache.model, func.count())
            .where(ChatEmbeddingCache.model.like("counting-test@%"))
            .group_by(ChatEmbeddingCache.model)
        ).all()
    assert {m for m, _ in models} >= {"counting-test@8", "counting-test@16"}


def test_concurrent_writers_do_not_conflict(engine: Engine) -> None:
    run = uuid.uuid4().hex
    texts = [f"{run} {i}" for i in range(3)]
    first, late = CachingEmbedder(CountingEmbedder(), engine=engine), CachingEmbedder(CountingEmbedder(), engine=engine)
    stored = first.embed_documents(texts)
    # The late writer missed too and now inserts the same keys: a no-op, the first vectors stay.
    late._store({text_hash(t): np.ones(8, np.float32) / np.sqrt(8) for t in texts})
    late._store({})
    np.testing.assert_allclose(late.embed_documents(texts), stored, atol=1e-6)


def test_get_embedder_with_an_engine_uses_the_table(settings: Settings, engine: Engine) -> None:
    embedder = get_embedder(settings, engine=engine)
    assert embedder.engine is engine and embedder is get_embedder(settings, engine=engine)
    assert get_embedder(settings).engine is None
