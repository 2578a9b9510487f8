"""The local MiniLM embedder: offline, normalised, 384-d, semantically sensible."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from aptichat.embeddings import get_embedder, provider_embedder
from aptichat.settings import LOCAL_EMBEDDING_DIM, Settings

pytestmark = pytest.mark.local_model


def test_importing_providers_does_not_import_torch() -> None:
    code = (
        "import sys, aptichat.embeddings, aptichat.llm\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
        "assert 'google.genai' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_embeds_offline_normalised_384d(local_model_load: dict[str, Any], settings: Settings) -> None:
    assert local_model_load["attempts"] == []
    embedder = provider_embedder(settings)
    assert (embedder.model, embedder.dim) == ("all-MiniLM-L6-v2", LOCAL_EMBEDDING_DIM)
    vectors = embedder.embed_documents(["I enjoy helping people.", "Spreadsheets and numbers.", "Painting"])
    assert vectors.shape == (3, LOCAL_EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("I enjoy helping people.")
    assert query.shape == (LOCAL_EMBEDDING_DIM,)
    np.testing.assert_allclose(query, vectors[0], atol=1e-5)


def test_similar_sentences_score_higher(local_model_load: dict[str, Any], settings: Settings) -> None:
    embedder = provider_embedder(settings)
    query = embedder.embed_query("Which careers involve caring for sick patients?")
    docs = embedder.embed_documents(
        [
            "Registered nurses look after patients in hospitals and clinics.",
            "Software developers write and test computer programs.",
            "The recipe needs two cups of flour and an egg.",
        ]
    )
    scores = docs @ query
    assert scores[0] > max(scores[1], scores[2]) + 0.15


def test_batches_larger_than_one_batch_and_empty_input(local_model_load: dict[str, Any], settings: Settings) -> None:
    embedder = provider_embedder(settings)
    texts = [f"sentence number {i} about interests" for i in range(70)]  # 64 + 6
    vectors = embedder.embed_documents(texts)
    assert vectors.shape == (70, LOCAL_EMBEDDING_DIM)
    np.testing.assert_allclose(vectors[65], embedder.embed_query(texts[65]), atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, LOCAL_EMBEDDING_DIM)


def test_get_embedder_defaults_to_local_and_is_process_wide(settings: Settings) -> None:
    assert settings.embeddings == "local"
    first = get_embedder(settings)
    assert first is get_embedder(settings)
    assert first.model == "all-MiniLM-L6-v2" and first.dim == LOCAL_EMBEDDING_DIM
