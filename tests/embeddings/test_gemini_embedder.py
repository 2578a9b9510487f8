"""The Gemini embedder through the real google-genai SDK against the fake server."""

from __future__ import annotations

import numpy as np
import pytest
from support.fake_gemini import FakeGemini, Fault, fake_vector, gemini_settings

from aptichat.embeddings import get_embedder, provider_embedder
from aptichat.llm.errors import InvalidRequestError, RetryableError
from aptichat.settings import Settings


def unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def test_batches_of_at_most_100_each_text_its_own_content(settings: Settings, fake_gemini: FakeGemini) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini))
    texts = [f"chunk {i}" for i in range(250)]
    vectors = embedder.embed_documents(texts)
    calls = fake_gemini.calls("batchEmbedContents")
    assert [len(c.body["requests"]) for c in calls] == [100, 100, 50]
    sent = [r["content"]["parts"][0]["text"] for c in calls for r in c.body["requests"]]
    assert sent == texts
    assert vectors.shape == (250, 768) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[123], unit(fake_vector("chunk 123", 768)), atol=1e-5)
    assert all(c.path == "/v1/models/gemini-embedding-001:batchEmbedContents" for c in calls)
    assert calls[0].headers["x-goog-api-key"] == "test-key"


def test_task_types_titles_and_dimension_as_configured(settings: Settings, fake_gemini: FakeGemini) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini, gemini_embedding_dim=256))
    docs = embedder.embed_documents(["a", "b", "c"], titles=["Profile", None, "Profile"])
    query = embedder.embed_query("what suits me?")
    requests = [r for c in fake_gemini.calls("batchEmbedContents") for r in c.body["requests"]]
    by_text = {r["content"]["parts"][0]["text"]: r for r in requests}
    assert {r["outputDimensionality"] for r in requests} == {256}
    assert by_text["a"]["taskType"] == by_text["b"]["taskType"] == "RETRIEVAL_DOCUMENT"
    assert by_text["a"]["title"] == by_text["c"]["title"] == "Profile" and "title" not in by_text["b"]
    assert by_text["what suits me?"]["taskType"] == "RETRIEVAL_QUERY"
    assert docs.shape == (3, 256) and query.shape == (256,)
    # The fake's vectors are ~55 long: the client must re-normalise them, in the right order.
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(docs[1], unit(fake_vector("b", 256)), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(query), 1.0, atol=1e-5)


def test_429_with_retry_after_is_retried_after_the_advertised_delay(
    settings: Settings, fake_gemini: FakeGemini
) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini))
    fake_gemini.faults.append(Fault.http(429, retry_after=1))
    vector = embedder.embed_query("retry me")
    first, second = fake_gemini.calls("batchEmbedContents")
    assert second.at - first.at >= 1.0
    np.testing.assert_allclose(vector, unit(fake_vector("retry me", 768)), atol=1e-5)


def test_repeated_503_gives_up_after_the_configured_attempts(settings: Settings, fake_gemini: FakeGemini) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini, gemini_max_attempts=3))
    fake_gemini.faults.extend(Fault.http(503) for _ in range(5))
    with pytest.raises(RetryableError) as raised:
        embedder.embed_documents(["x"])
    assert raised.value.status == 503
    assert len(fake_gemini.calls("batchEmbedContents")) == 3


def test_invalid_request_is_not_retried(settings: Settings, fake_gemini: FakeGemini) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini))
    fake_gemini.faults.append(Fault.http(400))
    with pytest.raises(InvalidRequestError):
        embedder.embed_documents(["x"])
    assert len(fake_gemini.calls("batchEmbedContents")) == 1


def test_malformed_body_and_timeout_are_retried(settings: Settings, fake_gemini: FakeGemini) -> None:
    embedder = provider_embedder(gemini_settings(settings, fake_gemini, gemini_timeout_s=0.5, gemini_max_attempts=3))
    fake_gemini.faults.extend([Fault.malformed_body(), Fault.slow(1.5)])
    vectors = embedder.embed_documents(["eventually"])
    assert len(fake_gemini.calls("batchEmbedContents")) == 3
    np.testing.assert_allclose(vectors[0], unit(fake_vector("eventually", 768)), atol=1e-5)


def test_rate_limiter_paces_requests(settings: Settings, fake_gemini: FakeGemini) -> None:
    # 120/min with a burst of 2: four single-text requests cannot span less than one second.
    embedder = provider_embedder(
        gemini_settings(settings, fake_gemini, gemini_requests_per_minute=120, gemini_embedding_model="paced-model")
    )
    for i in range(4):
        embedder.embed_query(f"paced {i}")
    calls = fake_gemini.calls("batchEmbedContents")
    assert len(calls) == 4
    assert calls[-1].at - calls[0].at >= 0.95


def test_selection_follows_settings(settings: Settings, fake_gemini: FakeGemini, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-env")
    assert Settings.from_env().embeddings == "gemini"
    monkeypatch.setenv("APTICHAT_EMBEDDINGS", "local")
    assert Settings.from_env().embeddings == "local"
    configured = gemini_settings(settings, fake_gemini)
    embedder = get_embedder(configured)
    assert embedder is get_embedder(configured)
    assert (embedder.model, embedder.dim) == ("gemini-embedding-001", 768)
    assert get_embedder(settings) is not embedder
