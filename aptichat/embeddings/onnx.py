"""all-MiniLM-L6-v2 through ONNX Runtime: the `tokenizers` tokenizer and one InferenceSession.

No torch at run time: a process that embeds with ONNX imports onnxruntime (~0.3 s) instead of torch
and sentence-transformers (~8 s). The model file comes from aptichat.embeddings.onnx_export.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aptichat.settings import LOCAL_EMBEDDING_DIM

_sessions: dict[tuple[str, int | None], OnnxModel] = {}
_lock = threading.Lock()


class OnnxModel:
    """One exported model file: texts in, unit float32 rows out (pooling and normalisation are in the graph)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from aptichat.embeddings.onnx_export import max_seq_length, package_dir

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.path = path
        tokenizer = Tokenizer.from_file(str(package_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(max_seq_length())
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
        self.tokenizer = tokenizer
        self.feeds_token_types = any(i.name == "token_type_ids" for i in self.session.get_inputs())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit vectors for `texts`, in order. Texts are batched by length, as sentence-transformers
        does, so a batch pads to similar lengths instead of to the longest text of the whole call."""
        out = np.zeros((len(texts), LOCAL_EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def _run(self, texts: list[str]) -> Any:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.asarray([e.attention_mask for e in encoded], dtype=np.int64)}
        if self.feeds_token_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feed)[0]


def load_onnx_model(path: Path, threads: int | None = None) -> OnnxModel:
    """The session for `path`, built once per process and thread setting (ONNX Runtime sessions are
    safe to run from several threads)."""
    import onnxruntime  # noqa: F401  (fails here, before the cache, when the runtime cannot load)

    key = (str(path), threads)
    with _lock:
        model = _sessions.get(key)
        if model is None:
            model = _sessions[key] = OnnxModel(path, threads)
        return model
