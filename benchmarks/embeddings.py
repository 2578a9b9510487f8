"""Local embedding backends side by side on our real document sections, and the Gemini client stack.

Run on demand (never from pytest): `.venv/bin/python benchmarks/embeddings.py [--users 60] [--queries 50]`.

1. Sections: --users synthetic people (clean, complete sessions) are seeded into a scratch legacy
   database (`aptichat_bench_emb_legacy` on the embedded server of APTICHAT_HOME, dropped and
   recreated), read through the legacy queries, built into documents and chunked exactly as the ETL
   does. Their distinct section texts (what the embedding cache leaves to embed) are the corpus.
2. Fidelity: every section through torch, ONNX fp32 and ONNX int8; cosine of each ONNX vector with
   torch's (mean, minimum).
3. Throughput in the ETL's batch shape (one `embed_documents` call over all of a run's sections, the
   embedder's batching inside), each backend in turn, --rounds times, interleaved so the other
   processes on the machine load every backend alike; the median per backend and the ratio to torch.
4. Query latency: --queries single queries per backend (p50, p95).
5. The Gemini client stack through the fake server (no network; it answers instantly), as before.

The export is not timed here (it happens once per APTICHAT_HOME: aptichat/embeddings/onnx_export.py);
the first call of each backend is reported separately.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # for support.fake_gemini
os.environ.setdefault("HF_HUB_OFFLINE", "1")
BACKENDS = ("torch", "onnx", "onnx-int8")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def real_sections(users: int, prefix: str) -> list[str]:
    """The distinct section texts of `users` synthetic people's documents, built as the ETL builds them."""
    os.environ["APTICHAT_LEGACY_DB"] = f"{prefix}_legacy"
    os.environ.pop("APTICHAT_LEGACY_DATABASE_URL", None)
    from aptichat.db.engine import get_legacy_engine
    from aptichat.db.server import start_embedded
    from aptichat.settings import get_settings
    from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.schema import init_legacy
    from aptichat_pipelines.legacy_sim.synthetic import Mix, generate
    from aptichat_pipelines.resources import LegacyDatabase
    from aptichat_pipelines.transform.chunking import chunk_document
    from aptichat_pipelines.transform.transformer import DocumentTransformer

    settings = get_settings()
    server = start_embedded(settings)
    server.psql(f'DROP DATABASE IF EXISTS "{settings.legacy_db_name}" WITH (FORCE);')
    server.psql(f'CREATE DATABASE "{settings.legacy_db_name}";')
    legacy = get_legacy_engine(settings)
    init_legacy(legacy)
    clean = Mix(**{f.name: 0.0 for f in fields(Mix) if f.name != "spread_days"})
    population = generate(users, 404, prefix="bench-emb", mix=clean)
    with legacy.begin() as conn:
        write_population(conn, population)
    user_ids = [t[0] for t in population.takers]
    fetched = decide_legacy_outcomes(user_ids, LegacyDatabase().fetch_results(user_ids)).checked()
    transformer = DocumentTransformer()
    texts: dict[str, None] = {}
    for stage in fetched.values():
        if stage.results is None:
            continue
        for doc in transformer.build(stage.results).documents:
            for chunk in chunk_document(doc):
                texts.setdefault(chunk.text)
    legacy.dispose()
    server.psql(f'DROP DATABASE IF EXISTS "{settings.legacy_db_name}" WITH (FORCE);')
    return list(texts)


def local_backends(threads: int | None) -> dict[str, Any]:
    from aptichat.embeddings.local import LocalEmbedder

    out: dict[str, Any] = {}
    for backend in BACKENDS:
        embedder = LocalEmbedder(backend=backend, threads=threads)  # type: ignore[arg-type]
        started = time.perf_counter()
        embedder.embed_query("load the model")
        took = time.perf_counter() - started
        print(f"{backend:<10} first call (import, export if none cached, load): {took:6.1f} s", flush=True)
        if embedder.active_backend != backend:
            sys.exit(f"{backend} fell back to {embedder.active_backend}: {embedder.fallback_reason}")
        out[backend] = embedder
    return out


def fidelity(embedders: dict[str, Any], texts: list[str]) -> dict[str, tuple[float, float]]:
    vectors = {name: e.embed_documents(texts) for name, e in embedders.items()}
    out = {}
    for name in BACKENDS[1:]:
        cosine = np.sum(vectors[name] * vectors["torch"], axis=1)
        out[name] = (float(cosine.mean()), float(cosine.min()))
        print(f"cosine {name} vs torch over {len(texts)} sections: mean {cosine.mean():.6f}, min {cosine.min():.6f}")
    return out


def throughput(embedders: dict[str, Any], texts: list[str], rounds: int) -> dict[str, float]:
    seconds: dict[str, list[float]] = {name: [] for name in embedders}
    for round_ in range(rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_documents(texts)
            seconds[name].append(time.perf_counter() - started)
        load = os.getloadavg()[0]
        said = ", ".join(f"{n} {len(texts) / s[-1]:.1f}/s" for n, s in seconds.items())
        print(f"round {round_ + 1}: {said} (load {load:.1f})", flush=True)
    rates = {name: len(texts) / statistics.median(s) for name, s in seconds.items()}
    for name, rate in rates.items():
        # the ratio of each round (backends side by side within seconds), then the median of those
        ratio = statistics.median(t / s for t, s in zip(seconds["torch"], seconds[name], strict=True))
        print(f"{name:<10} {rate:8.1f} sections/s (median of {rounds})   {ratio:5.2f}x torch (median of rounds)")
    return rates


def query_latency(label: str, embed_one: Callable[[str], object], queries: int) -> tuple[float, float]:
    latencies = []
    for i in range(queries):
        started = time.perf_counter()
        embed_one(f"which careers suit someone who likes working with people? ({i})")
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"{label:<28} query p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    return p50, p95


def gemini_stack(texts: list[str], queries: int) -> None:
    from support.fake_gemini import FakeGemini

    from aptichat.embeddings import provider_embedder
    from aptichat.settings import Settings

    with FakeGemini() as fake:
        settings = Settings(
            embeddings="gemini",
            gemini_api_key="bench",
            gemini_base_url=fake.base_url,
            gemini_requests_per_minute=1_000_000,
            gemini_tokens_per_minute=1_000_000_000,
        )
        gemini = provider_embedder(settings)
        gemini.embed_documents(texts[:8])
        started = time.perf_counter()
        gemini.embed_documents(texts)
        rate = len(texts) / (time.perf_counter() - started)
        print(f"gemini via fake server      {rate:8.1f} texts/s (our client stack only)")
        query_latency("gemini via fake server", gemini.embed_query, queries)
        print(f"(fake server saw {len(fake.calls('batchEmbedContents'))} batchEmbedContents requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=60, help="synthetic people whose sections are embedded")
    parser.add_argument("--texts", type=int, default=0, help="at most this many sections (0: all of them)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per backend (median reported)")
    parser.add_argument("--queries", type=int, default=50, help="single queries timed per backend")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (torch and ONNX Runtime)")
    parser.add_argument("--db-prefix", default="aptichat_bench_emb", help="name prefix of the scratch database")
    parser.add_argument("--no-gemini", action="store_true", help="skip the fake-server Gemini figures")
    args = parser.parse_args()

    texts = real_sections(args.users, args.db_prefix)
    if args.texts:
        texts = texts[: args.texts]
    words = statistics.mean(len(t.split()) for t in texts)
    print(
        f"{len(texts)} distinct sections of {args.users} people (mean {words:.0f} words); {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}; threads {args.threads or 'default'}",
        flush=True,
    )
    embedders = local_backends(args.threads)
    fidelity(embedders, texts)
    throughput(embedders, texts, args.rounds)
    for name, embedder in embedders.items():
        embedder.embed_query("warm")
        query_latency(f"local {name}", embedder.embed_query, args.queries)
    if not args.no_gemini:
        gemini_stack(texts, args.queries)


if __name__ == "__main__":
    main()
