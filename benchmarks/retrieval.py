"""Retrieval latency at scale (on demand, not pytest): `.venv/bin/python benchmarks/retrieval.py`.

Builds a separate database (default `aptichat_bench_retrieval` on the embedded server, so other
work is undisturbed) with N synthetic users x 4 documents x 5 chunks of random unit vectors
(COPY BINARY) plus a job/major catalog with HNSW indexes (built with a raised
maintenance_work_mem), then prints p50/p99 latency of:
- the per-user exact path (btree on user_id, exact cosine), the path the engine uses;
- the catalog HNSW path (ef_search 40);
- the combined query (Retriever.retrieve: own vector + own keyword + catalog vector + keyword, fused);
and the recall@10 of the catalog HNSW search against exact search.

Random vectors are fine for latency; they are the hard case for HNSW recall (no cluster
structure), so the recall printed is a floor rather than what real embeddings get.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from aptichat.settings import get_settings

DIM = 384
WORDS = [f"w{i}" for i in range(2000)] + ["nursing", "engineer", "design", "teacher", "numbers", "people"]


def unit(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def setup(db: str, users: int, jobs: int, rebuild: bool) -> Engine:
    from aptichat.db.models import Base
    from aptichat.db.server import app_url, start_embedded

    settings = get_settings().model_copy(update={"app_db_name": db})
    server = start_embedded(settings)
    if rebuild:
        server.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE);')
        server.psql(f'CREATE DATABASE "{db}";')
    engine = create_engine(app_url(settings), pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        present = conn.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'chat_document_chunks'")).scalar()
    if present and not rebuild:
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM chat_users")).scalar_one()
        if n >= users:
            print(f"reusing {db}: {n} users")
            return engine
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    load(engine, users, jobs)
    return engine


def load(engine: Engine, users: int, jobs: int) -> None:
    from pgvector.psycopg import register_vector

    rng = np.random.default_rng(7)
    pyrng = random.Random(7)
    types = ["personality_profile", "thinking_skills", "career_recommendations", "major_recommendations"]
    started = time.perf_counter()
    raw = engine.raw_connection()
    conn = raw.driver_connection
    register_vector(conn)  # type: ignore[arg-type]
    with conn.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy("COPY chat_users (user_id) FROM STDIN") as copy:
            for u in range(users):
                copy.write_row((f"u{u:06d}",))
        with cur.copy(
            "COPY chat_documents (id, user_id, document_type, version, status, title, content, rendered_text,"
            " content_hash) FROM STDIN"
        ) as copy:
            for u in range(users):
                for t, kind in enumerate(types):
                    copy.write_row((u * 4 + t + 1, f"u{u:06d}", kind, 1, "current", kind, "{}", "x", "0" * 64))
        with cur.copy(
            "COPY chat_document_chunks (document_id, user_id, document_type, ordinal, section_id, title, text,"
            " embedding, embedding_model) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "varchar", "varchar", "int4", "varchar", "text", "text", "vector", "text"])
            for u in range(users):
                vectors = unit(20, rng)
                for t, kind in enumerate(types):
                    for o in range(5):
                        words = " ".join(pyrng.choices(WORDS, k=30))
                        copy.write_row(
                            (
                                u * 4 + t + 1,
                                f"u{u:06d}",
                                kind,
                                o,
                                f"{kind[:6]}:{o}",
                                f"Section {o}",
                                words,
                                vectors[t * 5 + o],
                                "random",
                            )
                        )
        for table, count in (("chat_jobs", jobs), ("chat_majors", max(1, jobs // 4))):
            with cur.copy(
                f"COPY {table} (code, title, description, riasec, source, content_hash, embedding, embedding_model)"
                " FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["varchar", "text", "text", "jsonb", "varchar", "varchar", "vector", "text"])
                for i, vector in enumerate(unit(count, rng)):
                    desc = " ".join(pyrng.choices(WORDS, k=25))
                    copy.write_row((f"c{i}", f"Title {i}", desc, '{"R": 0.5}', "bench", "0" * 64, vector, "random"))
    raw.commit()
    print(f"loaded {users} users, {users * 20} chunks, {jobs} jobs in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.connect() as c:
        c.execute(text("SET maintenance_work_mem = '1GB'"))
        for table in ("chat_jobs", "chat_majors"):
            c.execute(text(f"REINDEX INDEX ix_{table}_embedding_hnsw"))
        c.execute(text("ANALYZE"))
        c.commit()
    print(f"HNSW (re)built and analysed in {time.perf_counter() - started:.1f} s")


def pct(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):6.2f} ms  p99 {p99:6.2f} ms  (n={len(ordered)})"


def run(engine: Engine, users: int, iterations: int) -> None:
    from aptichat.intents import Intent
    from aptichat_api.rag.retrieval import _CATALOG_VECTOR_SQL, _OWN_VECTOR_SQL, Retriever, vector_literal

    rng = np.random.default_rng(11)
    pyrng = random.Random(11)
    queries = [vector_literal(v) for v in unit(iterations, rng)]
    owners = [f"u{pyrng.randrange(users):06d}" for _ in range(iterations)]
    with Session(engine) as session:
        plan = session.execute(
            text("EXPLAIN " + str(_OWN_VECTOR_SQL)), {"qv": queries[0], "user_id": owners[0], "k": 24}
        ).scalars()
        print("per-user plan:", " | ".join(line.strip() for line in plan if "Scan" in line))

        def own(i: int) -> list[Any]:
            return list(session.execute(_OWN_VECTOR_SQL, {"qv": queries[i], "user_id": owners[i], "k": 24}))

        def catalog(i: int) -> list[Any]:
            return list(session.execute(_CATALOG_VECTOR_SQL["catalog_job"], {"qv": queries[i], "k": 10}))

        for name, fn in (("per-user exact", own), ("catalog HNSW  ", catalog)):
            session.execute(text("SELECT set_config('hnsw.ef_search', '40', false)"))
            fn(0)
            samples = []
            for i in range(iterations):
                t0 = time.perf_counter()
                rows = fn(i)
                samples.append((time.perf_counter() - t0) * 1000)
                assert rows
            print(f"{name}: {pct(samples)}")
        retriever = Retriever()
        samples = []
        vectors = unit(iterations, rng)
        for i in range(iterations):
            question = " ".join(pyrng.choices(WORDS, k=8))
            t0 = time.perf_counter()
            retriever.retrieve(session, owners[i], question, Intent.CAREERS, vectors[i])
            session.commit()  # ends the SET LOCAL of ef_search like a request would
            samples.append((time.perf_counter() - t0) * 1000)
        print(f"combined      : {pct(samples)}")
        for ef in (40, 100, 200):
            hits = total = 0
            for i in range(min(100, iterations)):
                session.execute(text(f"SET hnsw.ef_search = {ef}"))
                params = {"qv": queries[i], "k": 10}
                approx = {r.code for r in session.execute(_CATALOG_VECTOR_SQL["catalog_job"], params)}
                session.execute(text("SET enable_indexscan = off"))  # the same query, exact (seq scan + sort)
                exact = {r.code for r in session.execute(_CATALOG_VECTOR_SQL["catalog_job"], params)}
                session.execute(text("SET enable_indexscan = on"))
                hits += len(approx & exact)
                total += len(exact)
            print(f"catalog HNSW recall@10 vs exact, ef_search {ef}: {hits / total:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="aptichat_bench_retrieval")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the benchmark database")
    args = parser.parse_args()
    engine = setup(args.db, args.users, args.jobs, args.rebuild)
    run(engine, args.users, args.iterations)


if __name__ == "__main__":
    main()
