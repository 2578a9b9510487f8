"""Our per-user retrieval next to langchain-postgres' PGVectorStore, same vectors, same server, same
machine (on demand, not pytest): `.venv/bin/python benchmarks/peers.py --users 500`.

Both sides get identical data: --users people x the sections of the four example documents, each
section a random unit vector of the configured dimension (384). Measured:
- insert rate (chunks/s): ours through DocumentRepository.write_version (the ETL's atomic per-user
  swap: documents + chunks + integrity check in one transaction), theirs through
  PGVectorStore.add_embeddings, one call per person (the same granularity);
- query latency p50/p95/p99 of "this person's top 10 sections": ours the engine's own-vector SQL
  (Retriever._own_vector: btree on user_id, exact cosine), theirs similarity_search_by_vector with a
  filter on a user_id metadata column (the documented way to scope a search);
- recall@10 of both against exact numpy search over the person's vectors.

Everything lives in a database of its own (default `aptichat_bench_peers` on the embedded server of
APTICHAT_HOME), dropped and recreated each run.

langchain-postgres 0.0.19 declares pgvector<0.4 but runs with our pgvector 0.5.1, so it is installed
without its dependency check: `pip install -e '.[bench]' && pip install --no-deps langchain-postgres==0.0.19`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from aptichat.settings import get_settings


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--db", default="aptichat_bench_peers")
    return parser.parse_args()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fresh_database(name: str) -> tuple[Engine, str]:
    from aptichat.db import migrate
    from aptichat.db.server import app_url, start_embedded

    settings = get_settings().model_copy(update={"app_db_name": name})
    server = start_embedded(settings)
    server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    server.psql(f'CREATE DATABASE "{name}";')
    url = app_url(settings)
    migrate.upgrade(url)  # the real schema: indexes, constraints, embedding config
    return create_engine(url, pool_size=2), url


def dataset(users: int, dim: int) -> dict[str, tuple[list[Any], np.ndarray]]:
    """user -> (example documents, one unit vector per section, in section order)."""
    from aptichat.documents import example_documents

    rng = np.random.default_rng(11)
    out = {}
    for u in range(users):
        user = f"peer-{u:05d}"
        docs = example_documents(user)
        n = sum(len(d.sections()) for d in docs)
        v = rng.standard_normal((n, dim)).astype(np.float32)
        out[user] = (docs, v / np.linalg.norm(v, axis=1, keepdims=True))
    return out


def ours_insert(engine: Engine, data: dict[str, tuple[list[Any], np.ndarray]], model: str) -> float:
    from aptichat.db.repository import ChunkInput, DocumentRepository

    started = time.perf_counter()
    for user, (docs, vectors) in data.items():
        items, i = [], 0
        for doc in docs:
            chunks = []
            for ordinal, s in enumerate(doc.sections()):
                chunks.append(ChunkInput(ordinal, s.section_id, s.title, s.text, vectors[i], model))
                i += 1
            items.append((doc, chunks))
        with Session(engine) as session, session.begin():
            repo = DocumentRepository(session)
            repo.ensure_user(user)
            repo.write_version(user, items)
    return time.perf_counter() - started


def theirs_store(url: str, dim: int) -> Any:
    from langchain_core.embeddings import Embeddings
    from langchain_postgres import Column, PGEngine, PGVectorStore

    class Precomputed(Embeddings):  # only *_by_vector calls are made; this satisfies the constructor
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise NotImplementedError

        def embed_query(self, text: str) -> list[float]:
            raise NotImplementedError

    pg_engine = PGEngine.from_connection_string(url=url)
    pg_engine.init_vectorstore_table(
        table_name="lc_chunks", vector_size=dim, metadata_columns=[Column("user_id", "TEXT")], overwrite_existing=True
    )
    return PGVectorStore.create_sync(
        engine=pg_engine, table_name="lc_chunks", embedding_service=Precomputed(), metadata_columns=["user_id"]
    )


def theirs_insert(store: Any, data: dict[str, tuple[list[Any], np.ndarray]]) -> float:
    started = time.perf_counter()
    for user, (docs, vectors) in data.items():
        texts = [s.text for d in docs for s in d.sections()]
        store.add_embeddings(
            texts,
            vectors.tolist(),
            metadatas=[{"user_id": user}] * len(texts),
            ids=[str(uuid.uuid4()) for _ in texts],
        )
    return time.perf_counter() - started


def main() -> None:
    args = parse()
    settings = get_settings()
    dim, model = settings.embedding_dim, settings.embedding_model
    engine, url = fresh_database(args.db)
    data = dataset(args.users, dim)
    chunks = sum(len(v) for _, v in data.values())
    print(f"{args.users} users, {chunks} chunks of {dim}-d, database {args.db}", flush=True)

    ours_s = ours_insert(engine, data, model)
    store = theirs_store(url, dim)
    theirs_s = theirs_insert(store, data)

    from aptichat_api.rag.retrieval import Retriever, vector_literal

    retriever = Retriever(own_k=10)
    rng = np.random.default_rng(5)
    users = list(data)
    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    ours_recall: list[float] = []
    theirs_recall: list[float] = []
    with Session(engine) as session:
        for q in range(args.queries):
            user = users[int(rng.integers(len(users)))]
            docs, vectors = data[user]
            texts = [s.text for d in docs for s in d.sections()]
            query = rng.standard_normal(dim).astype(np.float32)
            query /= np.linalg.norm(query)
            truth = {texts[i] for i in np.argsort(-(vectors @ query))[:10]}

            started = time.perf_counter()
            mine = retriever._own_vector(session, user, vector_literal(query))
            elapsed = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            found = store.similarity_search_by_vector(query.tolist(), k=10, filter={"user_id": {"$eq": user}})
            elapsed_theirs = (time.perf_counter() - started) * 1000
            if q >= 10:  # the first queries warm caches and plans on both sides
                ours_ms.append(elapsed)
                theirs_ms.append(elapsed_theirs)
            ours_recall.append(len(truth & {s.text for s in mine}) / 10)
            theirs_recall.append(len(truth & {d.page_content for d in found}) / 10)

    rows = [
        ("aptichat (write_version + own-vector SQL)", chunks / ours_s, ours_ms, ours_recall),
        ("langchain-postgres PGVectorStore", chunks / theirs_s, theirs_ms, theirs_recall),
    ]
    print("| system | insert chunks/s | query p50 ms | p95 ms | p99 ms | recall@10 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rate, ms, recall in rows:
        print(
            f"| {name} | {rate:,.0f} | {statistics.median(ms):.2f} | {pct(ms, 95):.2f} | {pct(ms, 99):.2f} "
            f"| {statistics.mean(recall):.3f} |"
        )


if __name__ == "__main__":
    main()
