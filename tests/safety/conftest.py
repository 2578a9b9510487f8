"""One local embedder per test session for the semantic layer (as tests/embeddings does): the model
loads once, from the packaged files, offline."""

from __future__ import annotations

import pytest

from aptichat.embeddings.local import LocalEmbedder


@pytest.fixture(scope="session")
def safety_embedder() -> LocalEmbedder:
    # One torch thread: the machine's cores are shared, and more threads thrash (docs/configuration.md).
    embedder = LocalEmbedder(threads=1)
    embedder.embed_query("warm up")  # the ~10 s model load happens here, once
    return embedder
