"""Catalog search recall on real embeddings: the product's catalog search against exact search.

The demo (starter) catalog that `make run` loads, embedded with the local MiniLM model through the
catalog assets' own row and text code, in a database of its own (the RAG tests' catalog in the app
database stays as it is). Questions are the ones benchmarks/retrieval.py --mode catalog measures.

Measured (docs/quality.md, "Retrieval latency"): at these sizes, and at the full O*NET + CIP sizes
(923 jobs, 2,052 majors), the planner answers the catalog query with a sequential scan, so search is
exact (recall 1.0); with the HNSW index forced, recall@10 at ef_search 40 is 1.0 on the demo catalog
and 0.98-0.99 on the full one. The floors here sit below those figures: they guard against a change
that breaks the search (the index, the operator class, ef_search), not against noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from aptichat.settings import Settings
from aptichat_api.rag.retrieval import _CATALOG_VECTOR_SQL, Retriever, vector_literal
from benchmarks.retrieval import CATALOG_KINDS, QUESTIONS, measure_catalog_recall

RECALL_FLOOR = 0.95  # measured 1.000 for every catalog, k 5 and 10, as planned and with HNSW forced
_INDEX = {"catalog_job": "ix_chat_jobs_embedding_hnsw", "catalog_major": "ix_chat_majors_embedding_hnsw"}


@pytest.fixture(scope="module")
def demo_catalog(pg_server: Any, settings: Settings, rag_embedder: Any) -> Iterator[Engine]:
    """A database holding only the starter catalog and the scale guides, embedded for real."""
    from aptichat.db.catalog_repository import sync_catalog
    from aptichat.db.models import Base, ChatJob, ChatMajor, ChatScaleGuide
    from aptichat.db.server import app_url
    from aptichat_pipelines.assets.catalog import _catalog_rows, _describe, scale_guide_rows
    from aptichat_pipelines.catalog.starter import starter_jobs, starter_majors

    name = f"{settings.app_db_name}_catalog"
    pg_server.psql(f'CREATE DATABASE "{name}";')
    engine = create_engine(app_url(settings.model_copy(update={"app_db_name": name})), pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        Base.metadata.create_all(engine)
        embed, model = rag_embedder.embed_documents, rag_embedder.model
        for kind, table, entries, code_field in (
            ("job", ChatJob, starter_jobs(), "onet_soc_code"),
            ("major", ChatMajor, starter_majors(), "cip_code"),
        ):
            rows = _catalog_rows(entries, code_field)
            sync_catalog(engine, table, rows, embed, model, lambda r, kind=kind: _describe(kind, r))
        sync_catalog(engine, ChatScaleGuide, scale_guide_rows(), embed, model, lambda r: (r["title"], r["text"]))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        yield engine
    finally:
        engine.dispose()
        pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


@pytest.fixture(scope="module")
def query_vectors(rag_embedder: Any) -> list[np.ndarray]:
    return [rag_embedder.embed_query(q) for q in QUESTIONS]


@pytest.mark.parametrize("force_index", [False, True], ids=["as-planned", "hnsw-forced"])
@pytest.mark.parametrize("k", [Retriever().catalog_k, 10])
def test_catalog_search_matches_exact_search(
    demo_catalog: Engine, query_vectors: list[np.ndarray], k: int, force_index: bool
) -> None:
    """The product's catalog search (its own ef_search) finds what exact search finds, every row."""
    with Session(demo_catalog) as session:
        results = measure_catalog_recall(session, Retriever(), query_vectors, k, force_index=force_index)
    assert set(results) == set(CATALOG_KINDS)
    for kind, r in results.items():
        assert r.rows >= k, f"{kind}: the demo catalog is smaller than k"
        assert r.recall >= RECALL_FLOOR, f"{kind} recall@{k} {r.recall:.3f}"
        assert r.short == 0 and r.min_returned == k, f"{kind}: {r.short} queries returned fewer than {k} rows"


def test_forced_path_uses_the_hnsw_index(demo_catalog: Engine, query_vectors: list[np.ndarray]) -> None:
    """The hnsw-forced case measures the index, not another sequential scan: the index fits the
    query's operator (cosine), and the product's ef_search is in force for the catalog query."""
    literal = vector_literal(query_vectors[0])
    retriever = Retriever()
    with Session(demo_catalog) as session:
        for kind, index in _INDEX.items():
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(
                session.execute(text("EXPLAIN " + str(_CATALOG_VECTOR_SQL[kind])), {"qv": literal, "k": 10}).scalars()
            )
            assert f"Index Scan using {index}" in plan, plan
            retriever._catalog_vector(session, literal, [kind])
            assert session.execute(text("SELECT current_setting('hnsw.ef_search')")).scalar_one() == str(
                retriever.ef_search
            )
            session.rollback()
