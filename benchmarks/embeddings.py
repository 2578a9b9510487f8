"""Embedding throughput and query latency: the local model, and the Gemini path through the fake server.

Run on demand (never from pytest): `.venv/bin/python benchmarks/embeddings.py [--texts 256] [--queries 50]`.
Prints texts/second for document batches and single-query latency (median, p95) for each provider, and
the ratios between them. The fake server answers instantly, so its figures measure our client stack
(SDK, JSON, pacing, normalisation), not Google's service.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # for support.fake_gemini
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = (
    "people who enjoy solving practical problems often like working with tools machines plants or animals "
    "while others prefer ideas research and analysis or creative expression through art music and writing "
    "helping teaching and caring for others matters to some and leading persuading or organising to others"
)
WORDS = CORPUS.split(" ")


def sample_texts(count: int, words: int = 40) -> list[str]:
    """Deterministic ~40-word sentences, all different, like document chunks."""
    return [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(words)) + f" ({i})" for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(label: str, embed_batch: Callable[[list[str]], object], embed_one: Callable[[str], object], args) -> dict:
    texts = sample_texts(args.texts)
    embed_batch(texts[:8])  # warm-up: model load / connection pool
    started = time.perf_counter()
    embed_batch(texts)
    batch_s = time.perf_counter() - started
    latencies = []
    for i in range(args.queries):
        started = time.perf_counter()
        embed_one(f"which careers suit someone who likes {WORDS[i % len(WORDS)]}? ({i})")
        latencies.append((time.perf_counter() - started) * 1000)
    result = {
        "texts_per_s": args.texts / batch_s,
        "median_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
    }
    print(
        f"{label:<28} {result['texts_per_s']:>10.1f} texts/s   query median {result['median_ms']:>7.2f} ms"
        f"   p95 {result['p95_ms']:>7.2f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=256, help="documents per batch run")
    parser.add_argument("--queries", type=int, default=50, help="single queries timed")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for the local model")
    args = parser.parse_args()

    from support.fake_gemini import FakeGemini

    from aptichat.embeddings import provider_embedder
    from aptichat.settings import Settings

    print(
        f"{args.texts} texts of ~40 words per batch run; {args.queries} single queries; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}; torch threads {args.threads or 'default'}"
    )
    local = provider_embedder(Settings(embeddings="local", local_embedding_threads=args.threads))
    started = time.perf_counter()
    local.embed_query("load the model")
    print(f"local model first call (imports + load): {time.perf_counter() - started:.1f} s")
    local_result = measure("local all-MiniLM-L6-v2", local.embed_documents, local.embed_query, args)

    with FakeGemini() as fake:
        settings = Settings(
            embeddings="gemini",
            gemini_api_key="bench",
            gemini_base_url=fake.base_url,
            gemini_requests_per_minute=1_000_000,
            gemini_tokens_per_minute=1_000_000_000,
        )
        gemini = provider_embedder(settings)
        fake_result = measure("gemini via fake server", gemini.embed_documents, gemini.embed_query, args)
        requests = len(fake.calls("batchEmbedContents"))
    print(f"(fake server saw {requests} batchEmbedContents requests, <=100 texts each)")
    print(
        "ratios fake/local: "
        f"throughput {fake_result['texts_per_s'] / local_result['texts_per_s']:.1f}x, "
        f"query median {fake_result['median_ms'] / local_result['median_ms']:.2f}x, "
        f"query p95 {fake_result['p95_ms'] / local_result['p95_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
