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

`--mode catalog` measures what real embeddings get instead: the catalog as the product builds it
(legacy catalog -> `job_catalog`/`major_catalog`/`scale_guides` asset code -> chat_* tables, local
MiniLM vectors) in separate databases (`<db>_app`/`<db>_legacy`), for the demo (starter) catalog
that `make run` loads and, with `--catalog full`, the O*NET + CIP catalog imported from
../shared/data with the product's importers. For QUESTIONS (a student's questions about careers,
majors and the test) it compares the product's catalog search (`Retriever._catalog_vector`) with
the same SQL run exactly (`SET LOCAL enable_indexscan = off`: seq scan + sort): recall@k, rows
returned, and the median latency of each, side by side in one process; as planned straight after the
sync (no statistics yet) and after ANALYZE, at ef_search 40 and the product's CATALOG_EF_SEARCH, then
with the HNSW index forced (`enable_seqscan = off`) at each --ef over --builds index builds (REINDEX:
HNSW levels are random, so recall varies by build).
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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


# -- catalog recall on real embeddings (--mode catalog) -----------------------------------------------

# Questions a student might ask about careers, majors and the test; written for this benchmark (not
# taken from any held-out set). tests/api/rag/test_catalog_recall.py uses them too.
QUESTIONS = [
    "What jobs are good for someone who likes helping people?",
    "Which careers involve working with computers and code?",
    "I love drawing and painting, what could I do for a living?",
    "What careers pay well if I am good at maths?",
    "Jobs where I can work outdoors with animals",
    "What does a nurse actually do every day?",
    "Is engineering a good fit for someone who likes building things?",
    "What kind of work suits a shy person who likes details?",
    "Which jobs let me travel a lot?",
    "I want to work in a hospital but not as a doctor",
    "Careers in law and justice",
    "What jobs involve teaching or training others?",
    "How do I become an electrician or plumber?",
    "Jobs in finance and banking for someone organised",
    "What careers are there in music or film?",
    "Which jobs help the environment?",
    "Can I work in sports without being a professional athlete?",
    "What does a data scientist do?",
    "Jobs that involve cooking and food",
    "Which careers let me start my own business?",
    "What should I study to become a psychologist?",
    "Which majors lead to a job in software?",
    "Is biology a good major if I want to go into medicine?",
    "What can I do with a history degree?",
    "What majors are good for someone who likes writing?",
    "Should I study business or economics?",
    "Which degree is best for working with children?",
    "What do you learn in a mechanical engineering program?",
    "Majors about space, physics and astronomy",
    "What can I study if I am interested in politics?",
    "Is architecture more art or engineering?",
    "Which majors involve a lot of maths?",
    "What should I study to work in marketing?",
    "Degrees for working in agriculture or farming",
    "Programs that train you for a trade like welding or carpentry",
    "Which majors are about languages and other cultures?",
    "What does a percentile mean in my results?",
    "What is openness to experience?",
    "What does a high neuroticism score say about me?",
    "What is my Holland code and what does Realistic mean?",
    "What does the Investigative interest type mean?",
    "How was my numerical reasoning measured?",
    "What is spatial reasoning good for?",
    "How accurate is this aptitude test?",
    "Does a low score in memory mean I cannot go to university?",
    "What is the difference between extraversion and agreeableness?",
    "Jobs for someone who is Artistic and Social",
    "Careers for a conscientious, conventional person who likes order",
    "What jobs fit an Enterprising person who likes leading others?",
    "Which careers use logical reasoning the most?",
]
CATALOG_KINDS = ("catalog_job", "catalog_major", "scale_guide")


@dataclass
class KindRecall:
    """Recall of the product's catalog search against exact search for one catalog table."""

    kind: str
    rows: int  # rows in the table
    k: int
    hits: int = 0
    expected: int = 0
    short: int = 0  # queries that returned fewer rows than the exact search
    min_returned: int = 10**9
    approx_ms: list[float] = field(default_factory=list)
    exact_ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 1.0


def measure_catalog_recall(
    session: Session,
    retriever: Any,
    query_vectors: Sequence[np.ndarray],
    k: int,
    kinds: Sequence[str] = CATALOG_KINDS,
    force_index: bool = False,
) -> dict[str, KindRecall]:
    """For each query and catalog kind: the product's search (`retriever._catalog_vector`, its own
    ef_search) and the same SQL with index scans off (exact). A returned row counts as a hit when the
    exact top k holds it or when it is as close as the exact k-th row (ties). Each query ends with a
    rollback, which ends the SET LOCALs as a request's commit would. `force_index` turns sequential
    scans off for the product's search: what it returns if the planner picks the HNSW index."""
    from aptichat_api.rag.retrieval import vector_literal

    retriever.catalog_k = k
    out: dict[str, KindRecall] = {}
    for kind in kinds:
        table = {"catalog_job": "chat_jobs", "catalog_major": "chat_majors", "scale_guide": "chat_scale_guides"}[kind]
        n = session.execute(text(f"SELECT count(*) FROM {table} WHERE embedding IS NOT NULL")).scalar_one()
        result = out[kind] = KindRecall(kind, n, k)
        for vector in query_vectors:
            literal = vector_literal(vector)
            if force_index:
                session.execute(text("SET LOCAL enable_seqscan = off"))
            t0 = time.perf_counter()
            approx = retriever._catalog_vector(session, literal, [kind])
            t1 = time.perf_counter()
            session.execute(text("SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = on"))
            t2 = time.perf_counter()
            exact = retriever._catalog_vector(session, literal, [kind])
            t3 = time.perf_counter()
            session.rollback()
            result.approx_ms.append((t1 - t0) * 1000)
            result.exact_ms.append((t3 - t2) * 1000)
            expected = {s.section_id for s in exact}
            kth = min((s.similarity or 0.0 for s in exact), default=1.0)
            result.hits += sum(1 for s in approx if s.section_id in expected or (s.similarity or 0.0) >= kth - 1e-6)
            result.expected += len(exact)
            result.short += len(approx) < len(exact)
            result.min_returned = min(result.min_returned, len(approx))
    return out


def catalog_plan(session: Session, kind: str, literal: str, k: int, ef_search: int) -> str:
    """The scan node of the catalog query's plan at this ef_search (is the HNSW index used at all?)."""
    from aptichat_api.rag.retrieval import _CATALOG_VECTOR_SQL

    session.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef_search)})
    plan = session.execute(text("EXPLAIN " + str(_CATALOG_VECTOR_SQL[kind])), {"qv": literal, "k": k}).scalars()
    scan = next((line.strip().removeprefix("->  ") for line in plan if "Scan" in line), "?")
    session.rollback()
    return scan.split("  (cost")[0]


def print_recall(label: str, results: dict[str, KindRecall], questions: int) -> None:
    for r in results.values():
        print(
            f"  {label} {r.kind:13s} ({r.rows:4d} rows) recall@{r.k:<2d} {r.recall:.3f}"
            f"  short {r.short:2d}/{questions} (min rows {r.min_returned:2d})"
            f"  median {statistics.median(r.approx_ms):5.2f} ms vs exact {statistics.median(r.exact_ms):5.2f} ms"
        )


def build_catalog(app: Engine, legacy_url: str, embedder: Any) -> dict[str, int]:
    """chat_jobs/chat_majors/chat_scale_guides from the legacy catalog with the assets' own code (not
    analysed: as after a sync, until autovacuum gets to it)."""
    from aptichat.db.catalog_repository import sync_catalog
    from aptichat.db.models import ChatJob, ChatMajor, ChatScaleGuide
    from aptichat_pipelines.assets.catalog import _catalog_rows, _describe, scale_guide_rows
    from aptichat_pipelines.resources import LegacyDatabase

    legacy = LegacyDatabase(url=legacy_url)
    model = embedder.model
    sizes = {}
    for kind, table, rows, field_name in (
        ("job", ChatJob, legacy.catalog_jobs(), "onet_soc_code"),
        ("major", ChatMajor, legacy.catalog_majors(), "cip_code"),
    ):
        started = time.perf_counter()
        report = sync_catalog(
            app,
            table,
            _catalog_rows(rows, field_name),
            embedder.embed_documents,
            model,
            functools.partial(_describe, kind),
        )
        sizes[kind] = report.total
        print(f"  {kind}: {report.total} rows, {report.embedded} embedded in {time.perf_counter() - started:.1f} s")
    report = sync_catalog(
        app, ChatScaleGuide, scale_guide_rows(), embedder.embed_documents, model, lambda r: (r["title"], r["text"])
    )
    sizes["scale_guide"] = report.total
    return sizes


def run_catalog(db: str, catalogs: Sequence[str], ks: Sequence[int], efs: Sequence[int], builds: int) -> None:
    from aptichat.db.models import Base
    from aptichat.db.server import app_url, legacy_url, start_embedded
    from aptichat.embeddings import provider_embedder
    from aptichat_api.rag.retrieval import CATALOG_EF_SEARCH, Retriever, vector_literal
    from aptichat_pipelines.catalog.cip import import_cip
    from aptichat_pipelines.catalog.onet import import_onet
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    settings = get_settings().model_copy(update={"app_db_name": f"{db}_app", "legacy_db_name": f"{db}_legacy"})
    server = start_embedded(settings)
    embedder = provider_embedder(settings)
    query_vectors = [embedder.embed_query(q) for q in QUESTIONS]
    data = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    for catalog in catalogs:
        print(f"catalog {catalog}: {len(QUESTIONS)} questions, model {embedder.model}")
        for name in (settings.app_db_name, settings.legacy_db_name):
            server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
            server.psql(f'CREATE DATABASE "{name}";')
        app = create_engine(app_url(settings), pool_size=2)
        legacy = create_engine(legacy_url(settings), pool_size=2)
        with app.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        Base.metadata.create_all(app)
        init_legacy(legacy)  # our instruments and the starter catalog, as `make run` loads it
        if catalog == "full":
            import_onet(data / "onet", legacy)
            import_cip(data / "cip-soc", legacy)
        build_catalog(app, legacy_url(settings), embedder)
        literal = vector_literal(query_vectors[0])
        n = len(query_vectors)
        with Session(app) as session:
            # Straight after a sync, before any ANALYZE (autovacuum may get there within a minute).
            for ef in sorted({40, CATALOG_EF_SEARCH}):
                plans = ", ".join(f"{kind} {catalog_plan(session, kind, literal, 10, ef)}" for kind in CATALOG_KINDS)
                print(f"  not analysed, ef_search {ef}: {plans}")
                results = measure_catalog_recall(session, Retriever(ef_search=ef), query_vectors, max(ks))
                print_recall(f"not analysed, as planned, ef_search {ef:3d}", results, n)
            with app.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            for ef in sorted({40, CATALOG_EF_SEARCH}):
                plans = ", ".join(f"{kind} {catalog_plan(session, kind, literal, 10, ef)}" for kind in CATALOG_KINDS)
                print(f"  analysed, ef_search {ef}: {plans}")
                for k in ks:
                    results = measure_catalog_recall(session, Retriever(ef_search=ef), query_vectors, k)
                    print_recall(f"analysed, as planned, ef_search {ef:3d}", results, n)
            for build in range(builds):
                if build:
                    with app.connect() as conn:
                        for table in ("chat_jobs", "chat_majors", "chat_scale_guides"):
                            conn.execute(text(f"REINDEX INDEX ix_{table}_embedding_hnsw"))
                        conn.commit()
                for ef in efs:
                    for k in ks:
                        retriever = Retriever(ef_search=ef)
                        results = measure_catalog_recall(session, retriever, query_vectors, k, force_index=True)
                        print_recall(f"index build {build + 1}, HNSW forced, ef_search {ef:3d}", results, n)
        app.dispose()
        legacy.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="aptichat_bench_retrieval")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the benchmark database")
    parser.add_argument("--mode", choices=("latency", "catalog"), default="latency")
    parser.add_argument("--catalog", choices=("demo", "full", "both"), default="both", help="--mode catalog")
    parser.add_argument("--builds", type=int, default=3, help="--mode catalog: HNSW index builds (REINDEX)")
    parser.add_argument("--k", default="5,10", help="--mode catalog: comma-separated k values")
    parser.add_argument("--ef", default="40,64,100,200", help="--mode catalog: ef_search values with HNSW forced")
    args = parser.parse_args()
    if args.mode == "catalog":
        catalogs = ("demo", "full") if args.catalog == "both" else (args.catalog,)
        db = "aptichat_bench_catalog" if args.db == parser.get_default("db") else args.db
        ks = [int(x) for x in args.k.split(",")]
        run_catalog(db, catalogs, ks, [int(x) for x in args.ef.split(",")], args.builds)
        return
    engine = setup(args.db, args.users, args.jobs, args.rebuild)
    run(engine, args.users, args.iterations)


if __name__ == "__main__":
    main()
