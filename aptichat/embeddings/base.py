"""The `Embedder` protocol every provider implements, and the normalisation they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

DOCUMENT_TASK = "document"
QUERY_TASK = "query"


@runtime_checkable
class Embedder(Protocol):
    """Texts to L2-normalised float32 vectors of one model and dimension."""

    model: str
    dim: int

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """An (n, dim) float32 matrix, one unit-length row per text, in order. `titles` is optional
        per-text context (the document or section title) that providers may use."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A (dim,) float32 unit vector for a search query."""
        ...


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32 (zero rows stay zero rather than becoming NaN)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32, copy=False)


def check_titles(texts: Sequence[str], titles: Sequence[str | None] | None) -> list[str | None]:
    """`titles` as a list aligned with `texts` (all None when not given)."""
    if titles is None:
        return [None] * len(texts)
    if len(titles) != len(texts):
        raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
    return list(titles)
