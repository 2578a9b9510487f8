"""The ONNX backends of the local model: agreement with torch on real document sections, the
backend setting, the export's lock and cache, and the fall back to torch when ONNX cannot load.

The export lands in the test home (`.aptichat-test/models/`, kept between runs): the first session on a
machine pays for it once (tens of seconds on a busy machine), later ones load the file.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aptichat.embeddings import get_embedder, provider_embedder
from aptichat.embeddings.local import LocalEmbedder
from aptichat.settings import Settings

pytestmark = pytest.mark.local_model

# fp32 is the same arithmetic as torch (measured min 0.9999996 over 1,500+ real sections); int8
# measured a mean of 0.99 (docs/benchmarks.md). Floors below those, so a broken export fails.
FP32_MIN_COSINE = 0.9999
INT8_MIN_COSINE = 0.97


@pytest.fixture(scope="session")
def sections() -> list[str]:
    """Texts the chat retrieves: scale-guide sections (long), plus a short and a question-like text."""
    from aptichat_pipelines.transform.scale_guides import all_scale_guides

    texts = [g.text for g in all_scale_guides()][:6]
    assert len(texts) == 6 and all(t.strip() for t in texts)
    return [*texts, "careers?", "Which majors fit someone who likes people and numbers?"]


@pytest.fixture(scope="session")
def backends(settings: Settings, local_model_load: dict[str, Any]) -> dict[str, LocalEmbedder]:
    """One embedder per backend on the test home (exported once per home)."""
    out = {}
    for backend in ("torch", "onnx", "onnx-int8"):
        embedder = LocalEmbedder(backend=backend, home=settings.home)  # type: ignore[arg-type]
        embedder.embed_query("warm up")
        out[backend] = embedder
    return out


def test_onnx_backends_agree_with_torch(backends: dict[str, LocalEmbedder], sections: list[str]) -> None:
    assert {name: e.active_backend for name, e in backends.items()} == {b: b for b in backends}
    reference = backends["torch"].embed_documents(sections)
    for name, floor in (("onnx", FP32_MIN_COSINE), ("onnx-int8", INT8_MIN_COSINE)):
        vectors = backends[name].embed_documents(sections)
        assert vectors.shape == reference.shape and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(vectors * reference, axis=1)
        assert cosine.min() >= floor, (name, cosine.min())
    # one text alone or inside a padded batch: the same vector (the attention mask is honoured)
    alone = backends["onnx"].embed_query(sections[-2])
    np.testing.assert_allclose(alone, backends["onnx"].embed_documents(sections)[-2], atol=1e-5)


def test_export_is_cached_and_checked(backends: dict[str, LocalEmbedder], settings: Settings) -> None:
    import json

    from aptichat.embeddings.onnx_export import FILES, ensure_exported, export_dir

    folder = export_dir(settings.home)
    assert folder.is_relative_to(settings.home.resolve() / "models")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["fp32"]["min_cosine_vs_torch"] >= FP32_MIN_COSINE
    assert manifest["int8"]["min_cosine_vs_torch"] >= INT8_MIN_COSINE
    before = (folder / FILES["fp32"]).stat().st_mtime_ns
    assert ensure_exported(settings.home, "fp32") == folder / FILES["fp32"]
    assert (folder / FILES["fp32"]).stat().st_mtime_ns == before  # not exported again
    assert not list(folder.glob(".*.tmp*"))  # no half-written file left behind


def test_a_waiting_process_loads_what_the_lock_holder_exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes asking at once: the second waits on the lock, then finds the file and never exports."""
    import fcntl

    from aptichat.embeddings import onnx_export

    def must_not_export(folder: Path) -> dict[str, Any]:
        raise AssertionError("exported although another process had")

    monkeypatch.setattr(onnx_export, "_export_fp32", must_not_export)
    folder = onnx_export.export_dir(tmp_path)
    folder.mkdir(parents=True)
    found: list[Path] = []
    with open(folder / "export.lock", "a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)  # this test is the process exporting
        waiter = threading.Thread(target=lambda: found.append(onnx_export.ensure_exported(tmp_path, "fp32")))
        waiter.start()
        time.sleep(0.3)
        assert waiter.is_alive() and not found  # blocked on the lock
        (folder / onnx_export.FILES["fp32"]).write_bytes(b"exported")  # lands by rename in real life
        fcntl.flock(holder, fcntl.LOCK_UN)
    waiter.join(10)
    assert found == [folder / onnx_export.FILES["fp32"]]


def test_backend_setting_selects_the_runtime(settings: Settings, backends: dict[str, LocalEmbedder]) -> None:
    assert Settings().local_embedding_backend == "onnx"  # the default
    for backend in ("torch", "onnx", "onnx-int8"):
        chosen = settings.model_copy(update={"local_embedding_backend": backend})
        embedder = provider_embedder(chosen)
        assert isinstance(embedder, LocalEmbedder) and embedder.backend == backend
        assert (embedder.model, embedder.dim) == ("all-MiniLM-L6-v2", 384)  # one vector space for all
    # int8 vectors differ a little from the reference ones: their document cache is their own
    int8 = get_embedder(settings.model_copy(update={"local_embedding_backend": "onnx-int8"}))
    fp32 = get_embedder(settings.model_copy(update={"local_embedding_backend": "onnx"}))
    assert (int8.cache_model, fp32.cache_model) == ("all-MiniLM-L6-v2+int8@384", "all-MiniLM-L6-v2@384")


def test_falls_back_to_torch_when_onnxruntime_cannot_load(
    settings: Settings, backends: dict[str, LocalEmbedder], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    embedder = LocalEmbedder(backend="onnx", home=settings.home)
    with caplog.at_level("WARNING", logger="aptichat.embeddings.local"):
        vector = embedder.embed_query("I enjoy helping people.")
    assert embedder.active_backend == "torch"
    assert embedder.fallback_reason is not None and "onnxruntime" in embedder.fallback_reason
    assert "falling back to torch" in caplog.text
    np.testing.assert_allclose(vector, backends["torch"].embed_query("I enjoy helping people."), atol=1e-6)


def test_falls_back_to_torch_when_the_export_fails(
    tmp_path: Path, backends: dict[str, LocalEmbedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aptichat.embeddings import onnx_export

    def broken(folder: Path) -> dict[str, Any]:
        raise RuntimeError("fp32 ONNX export disagrees with torch: min cosine 0.12345")

    monkeypatch.setattr(onnx_export, "_export_fp32", broken)
    embedder = LocalEmbedder(backend="onnx", home=tmp_path)
    assert embedder.embed_documents(["Painting"]).shape == (1, 384)
    assert embedder.active_backend == "torch" and "disagrees" in (embedder.fallback_reason or "")
    assert not (onnx_export.export_dir(tmp_path) / onnx_export.FILES["fp32"]).exists()
