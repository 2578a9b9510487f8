"""gemini-embedding-001 through the google-genai SDK, paced, retried and re-normalised.

Reduced `output_dimensionality` vectors are not unit length, so every vector is normalised here.
The API takes at most 100 texts per request, and the SDK applies one title to a whole request, so
texts are grouped by title and each group is sent in chunks of at most 100 (each text its own content).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from aptichat.embeddings.base import check_titles, l2_normalize
from aptichat.llm.errors import InvalidRequestError, RetryableError
from aptichat.llm.gemini_client import GeminiTransport
from aptichat.llm.ratelimit import estimate_tokens
from aptichat.settings import Settings
from aptichat.telemetry import record_gemini_usage, usage_tokens

logger = logging.getLogger(__name__)
API_MAX_BATCH = 100


class GeminiEmbedder:
    """The `Embedder` for `settings.gemini_embedding_model` at `settings.gemini_embedding_dim`."""

    def __init__(self, settings: Settings, *, transport: GeminiTransport | None = None) -> None:
        self.model = settings.gemini_embedding_model
        self.dim = settings.gemini_embedding_dim
        self.batch_size = max(1, min(API_MAX_BATCH, settings.gemini_embedding_batch_size))
        self.transport = transport or GeminiTransport(settings, self.model)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Unit vectors for `texts` (task RETRIEVAL_DOCUMENT, with each text's title when given)."""
        aligned = check_titles(texts, titles)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        groups: dict[str | None, list[int]] = {}
        for index, title in enumerate(aligned):
            groups.setdefault(title or None, []).append(index)
        for title, indexes in groups.items():
            for start in range(0, len(indexes), self.batch_size):
                chunk = indexes[start : start + self.batch_size]
                out[chunk] = self._embed([texts[i] for i in chunk], "RETRIEVAL_DOCUMENT", title)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """The unit vector of one query (task RETRIEVAL_QUERY)."""
        return self._embed([text], "RETRIEVAL_QUERY", None)[0]

    def _embed(self, texts: list[str], task_type: str, title: str | None) -> np.ndarray:
        from google.genai import types

        config = types.EmbedContentConfig(task_type=task_type, output_dimensionality=self.dim, title=title)
        # One Content per text: a list of plain strings could be merged into one content by the SDK.
        contents: Any = [types.Content(parts=[types.Part(text=t)], role="user") for t in texts]

        def call() -> np.ndarray:
            response = self.transport.client.models.embed_content(model=self.model, contents=contents, config=config)
            tokens = usage_tokens(response)  # the API may omit usage for embeddings: then an estimate
            source = "reported" if tokens else "estimated"
            record_gemini_usage(self.model, *(tokens or (estimate_tokens(texts), 0)), source)
            values = [e.values or [] for e in response.embeddings or []]
            if len(values) != len(texts):
                raise RetryableError(f"expected {len(texts)} vectors, got {len(values)}")
            if any(len(v) != self.dim for v in values):
                # the model ignored or rejected output_dimensionality: a configuration error, not a blip
                raise InvalidRequestError(f"expected {self.dim}-d vectors, got {sorted({len(v) for v in values})}")
            return l2_normalize(np.asarray(values, dtype=np.float32))

        return self.transport.call(call, tokens=estimate_tokens(texts), what=f"embed {len(texts)} texts")
