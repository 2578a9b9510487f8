"""Hybrid retrieval: the person's own chunks (exact), the catalog (HNSW) and keyword search, fused.

Ranking is weighted reciprocal rank fusion (RRF): every list a candidate appears in contributes
`weight / (RRF_K + rank)`; the sum is then multiplied by the intent boost of the candidate's
document type (a careers question lifts career_recommendations chunks and catalog jobs). RRF needs
no calibration between cosine similarities and ts_rank values, which live on unrelated scales.

Isolation: per-user statements filter on `c.user_id = :user_id` with the id bound as a parameter;
the question reaches SQL only as a bound parameter (a vector literal or tsquery input), never as
SQL text. Per-user search is exact (a sequential scan over the user's rows found by the btree on
user_id): pgvector applies a WHERE filter after the HNSW scan has picked its `ef_search` nearest
candidates, so filtering to one person's ~30 rows out of millions can silently return too few rows
(docs/decisions/0003-one-chunk-per-section.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from aptichat.intents import Intent

log = logging.getLogger(__name__)

RRF_K = 60
# How much each ranked list counts. The person's own vector list leads: their documents are what
# the advisor is for; the catalog adds general knowledge about jobs and majors.
LIST_WEIGHTS = {"own_vector": 1.0, "own_keyword": 0.6, "catalog_vector": 0.7, "catalog_keyword": 0.4}
# Cosine similarity below which a vector-only candidate is dropped (keyword hits are kept: a
# shared rare word is evidence on its own). Measured on the golden set, see docs/quality.md.
RELEVANCE_FLOOR = 0.15

CATALOG_TYPES = ("catalog_job", "catalog_major", "scale_guide")
# HNSW candidate list for catalog queries. Measured on the full O*NET + CIP catalog with MiniLM vectors
# and 50 student questions (benchmarks/retrieval.py --mode catalog, docs/quality.md): at 40 the planner
# used the index for the 2,052 majors straight after a sync (no statistics yet) and recall@10 was 0.97
# (0.95-0.99 across index builds); at 100 the index, when used, gives 0.99-1.0 for +0.1-0.7 ms, and the
# planner prefers an exact seq scan (~6 ms for the majors), as it already did at 40 once analysed.
CATALOG_EF_SEARCH = 100

# document_type -> multiplier, per intent. Unlisted types count 1.0.
INTENT_BOOSTS: dict[Intent, dict[str, float]] = {
    Intent.PERSONALITY: {"personality_profile": 1.6, "scale_guide": 1.1, "catalog_job": 0.5, "catalog_major": 0.5},
    Intent.THINKING_SKILLS: {"thinking_skills": 1.6, "scale_guide": 1.1, "catalog_job": 0.5, "catalog_major": 0.5},
    Intent.CAREERS: {"career_recommendations": 1.6, "catalog_job": 1.0, "catalog_major": 0.5},
    Intent.MAJORS: {"major_recommendations": 1.6, "catalog_major": 1.0, "catalog_job": 0.5},
    # General questions are about the test and decisions, which is what the guides explain.
    Intent.GENERAL_GUIDANCE: {"scale_guide": 2.0, "catalog_job": 0.6, "catalog_major": 0.6},
}


@dataclass
class RetrievedSection:
    """One candidate section with where it came from and how it ranked."""

    source: str  # "own" or "catalog"
    document_type: str
    section_id: str
    title: str
    text: str
    similarity: float | None = None
    score: float = 0.0
    lists: dict[str, int] = field(default_factory=dict)  # list name -> 1-based rank
    pinned: bool = False

    @property
    def key(self) -> str:
        return self.section_id


@dataclass
class RetrievalResult:
    sections: list[RetrievedSection]
    vector_failed: bool = False  # no vector lists: the query could not be embedded or the search failed
    keyword_failed: bool = False
    embedding_failed: bool = False  # the query had no vector at all
    error: str | None = None  # what failed, for logs and staff (never shown to the person)

    @property
    def degraded_cause(self) -> str | None:
        """A stable code when a ranked list is missing from the answer's retrieval, else None."""
        if self.vector_failed and self.keyword_failed:
            return "retrieval_failed"
        if self.embedding_failed:
            return "query_embedding_failed"
        if self.vector_failed:
            return "vector_search_failed"
        if self.keyword_failed:
            return "keyword_search_failed"
        return None


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form; sent as a bound parameter and cast in SQL."""
    return "[" + ",".join(f"{float(x):.7g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_OPERATOR_WORDS = {"or", "and", "not"}


def keyword_query(question: str, max_terms: int = 32) -> str:
    """Input for websearch_to_tsquery that ORs the question's words.

    websearch_to_tsquery ANDs words by default, which finds nothing for a natural sentence; joining
    plain words with "or" makes any shared word count and ts_rank_cd rewards sharing more. Only
    word characters survive, so no tsquery operator can come from the person's text.
    """
    words = [w.lower() for w in _WORD.findall(question) if len(w) > 1 and w.lower() not in _OPERATOR_WORDS]
    return " or ".join(dict.fromkeys(words[:max_terms]))


_OWN_VECTOR_SQL = text(
    """
    SELECT c.document_type, c.section_id, c.title, c.text,
           1 - (c.embedding <=> CAST(:qv AS vector)) AS similarity
    FROM chat_document_chunks c
    JOIN chat_documents d ON d.id = c.document_id AND d.user_id = :user_id AND d.status = 'current'
    WHERE c.user_id = :user_id AND c.embedding IS NOT NULL
    ORDER BY c.embedding <=> CAST(:qv AS vector)
    LIMIT :k
    """
)

_OWN_KEYWORD_SQL = text(
    """
    SELECT c.document_type, c.section_id, c.title, c.text, ts_rank_cd(c.tsv, q) AS rank
    FROM chat_document_chunks c
    JOIN chat_documents d ON d.id = c.document_id AND d.user_id = :user_id AND d.status = 'current',
         websearch_to_tsquery('english', :terms) AS q
    WHERE c.user_id = :user_id AND c.tsv @@ q
    ORDER BY rank DESC, c.id
    LIMIT :k
    """
)

# Catalog tables have no owner and no WHERE clause (the kind is the table), so HNSW cannot lose rows to a
# post-filter. Whether the planner uses the HNSW index or an exact seq scan + sort depends on the table's
# size, its statistics and ef_search; CATALOG_EF_SEARCH keeps either answer close to exact.
_CATALOG_VECTOR_SQL = {
    "catalog_job": text(
        "SELECT code, title, description AS text, 1 - (embedding <=> CAST(:qv AS vector)) AS similarity"
        " FROM chat_jobs ORDER BY embedding <=> CAST(:qv AS vector) LIMIT :k"
    ),
    "catalog_major": text(
        "SELECT code, title, description AS text, 1 - (embedding <=> CAST(:qv AS vector)) AS similarity"
        " FROM chat_majors ORDER BY embedding <=> CAST(:qv AS vector) LIMIT :k"
    ),
    "scale_guide": text(
        "SELECT guide_id AS code, title, text, 1 - (embedding <=> CAST(:qv AS vector)) AS similarity"
        " FROM chat_scale_guides ORDER BY embedding <=> CAST(:qv AS vector) LIMIT :k"
    ),
}
_CATALOG_KEYWORD_SQL = {
    "catalog_job": text(
        "SELECT code, title, description AS text, ts_rank_cd(tsv, q) AS rank"
        " FROM chat_jobs, websearch_to_tsquery('english', :terms) AS q WHERE tsv @@ q"
        " ORDER BY rank DESC, code LIMIT :k"
    ),
    "catalog_major": text(
        "SELECT code, title, description AS text, ts_rank_cd(tsv, q) AS rank"
        " FROM chat_majors, websearch_to_tsquery('english', :terms) AS q WHERE tsv @@ q"
        " ORDER BY rank DESC, code LIMIT :k"
    ),
    "scale_guide": text(
        "SELECT guide_id AS code, title, text, ts_rank_cd(tsv, q) AS rank"
        " FROM chat_scale_guides, websearch_to_tsquery('english', :terms) AS q WHERE tsv @@ q"
        " ORDER BY rank DESC, guide_id LIMIT :k"
    ),
}
# Guide ids already read "guide:<scale>"; job and major codes get a prefix so they never collide.
CATALOG_PREFIX = {"catalog_job": "job:", "catalog_major": "major:", "scale_guide": ""}


# What an operator must do when the query embedder no longer matches the stored vectors.
REEMBED_ADVICE = (
    "re-embed: run a backfill of user_document_embeddings with the new model "
    "(docs/pipeline.md), or configure the model the vectors were built with"
)
_STORED_EMBEDDING_SQL = text(
    """
    SELECT cfg.model, cfg.dim, sample.embedding_model AS chunk_model, sample.chunk_dim
    FROM (SELECT 1) AS one
    LEFT JOIN chat_embedding_config cfg ON true
    LEFT JOIN LATERAL (
        SELECT embedding_model, vector_dims(embedding) AS chunk_dim FROM chat_document_chunks
        WHERE embedding IS NOT NULL LIMIT 1
    ) AS sample ON true
    """
)


def embedding_mismatch(session: Session, model: str, dim: int) -> str | None:
    """Why vectors made by `model` (`dim`-d) cannot be compared with the stored ones, with the fix;
    None when they match. Reads the recorded config and one stored chunk (cheap: LIMIT 1)."""
    row = session.execute(_STORED_EMBEDDING_SQL).one()
    stored = [(m, d) for m, d in ((row.model, row.dim), (row.chunk_model, row.chunk_dim)) if m is not None]
    for stored_model, stored_dim in stored:
        if (stored_model, stored_dim) != (model, dim):
            return (
                f"embedder {model} ({dim}-d) differs from the stored vectors ({stored_model}, {stored_dim}-d): "
                f"{REEMBED_ADVICE}"
            )
    return None


def catalog_types_for(intent: Intent) -> tuple[str, ...]:
    """Which catalogs are worth a query for this intent (fewer queries, less noise)."""
    if intent is Intent.CAREERS:
        return ("catalog_job", "scale_guide")
    if intent is Intent.MAJORS:
        return ("catalog_major", "scale_guide")
    if intent in (Intent.PERSONALITY, Intent.THINKING_SKILLS):
        return ("scale_guide",)
    return CATALOG_TYPES


class Retriever:
    """Runs the ranked lists for one question and fuses them into one ranking."""

    def __init__(
        self,
        own_k: int = 24,
        catalog_k: int = 5,
        ef_search: int = CATALOG_EF_SEARCH,
        floor: float = RELEVANCE_FLOOR,
    ) -> None:
        self.own_k = own_k
        self.catalog_k = catalog_k
        self.ef_search = ef_search
        self.floor = floor

    def retrieve(
        self,
        session: Session,
        user_id: str,
        question: str,
        intent: Intent,
        query_vector: np.ndarray | None,
        k: int = 6,
        pinned: Sequence[RetrievedSection] = (),
        vector_error: str | None = None,
    ) -> RetrievalResult:
        """The top `k` sections for the question. `query_vector=None` means keyword-only."""
        lists: dict[str, list[RetrievedSection]] = {}
        terms = keyword_query(question)
        catalogs = catalog_types_for(intent)
        errors = [vector_error] if vector_error else []
        vector_failed = query_vector is None
        if query_vector is not None:
            literal = vector_literal(query_vector)
            found = self._contained(
                session,
                "vector",
                lambda: {
                    "own_vector": self._own_vector(session, user_id, literal),
                    "catalog_vector": self._catalog_vector(session, literal, catalogs),
                },
            )
            vector_failed = isinstance(found, str)
            if isinstance(found, str):
                errors.append(found)
            else:
                lists.update(found)
        keyword_failed = False
        if terms:
            found = self._contained(
                session,
                "keyword",
                lambda: {
                    "own_keyword": self._own_keyword(session, user_id, terms),
                    "catalog_keyword": self._catalog_keyword(session, terms, catalogs),
                },
            )
            keyword_failed = isinstance(found, str)
            if isinstance(found, str):
                errors.append(found)
            else:
                lists.update(found)
        fused = fuse(lists, intent, floor=None if vector_failed else self.floor)
        fused = merge_pinned(pinned, fused)
        return RetrievalResult(
            dedupe(fused)[:k],
            vector_failed=vector_failed,
            keyword_failed=keyword_failed,
            embedding_failed=query_vector is None,
            error="; ".join(errors) or None,
        )

    @staticmethod
    def _contained(
        session: Session, path: str, search: Callable[[], dict[str, list[RetrievedSection]]]
    ) -> dict[str, list[RetrievedSection]] | str:
        """The lists `search` ranks, or the error text when it fails. It runs in a SAVEPOINT: a
        failed statement aborts only the savepoint, never the caller's transaction, which already
        holds the person's conversation and question (a full rollback would lose both)."""
        try:
            with session.begin_nested():
                return search()
        except Exception as exc:  # a broken path degrades the answer, never loses the question
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                # The database itself is gone, not one search path: the caller's transaction is lost
                # too, so degrading would only fail later at commit. The API answers 503
                # database_unavailable and the client retries.
                raise
            log.warning("%s retrieval failed, answering without it: %s", path, exc)
            return f"{path} search: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"

    def _own_vector(self, session: Session, user_id: str, literal: str) -> list[RetrievedSection]:
        rows = session.execute(_OWN_VECTOR_SQL, {"qv": literal, "user_id": user_id, "k": self.own_k})
        return [
            RetrievedSection("own", r.document_type, r.section_id, r.title, r.text, float(r.similarity)) for r in rows
        ]

    def _own_keyword(self, session: Session, user_id: str, terms: str) -> list[RetrievedSection]:
        rows = session.execute(_OWN_KEYWORD_SQL, {"terms": terms, "user_id": user_id, "k": self.own_k})
        return [RetrievedSection("own", r.document_type, r.section_id, r.title, r.text) for r in rows]

    def _catalog_vector(self, session: Session, literal: str, catalogs: Iterable[str]) -> list[RetrievedSection]:
        # set_config(..., true) is SET LOCAL with a bindable value: it ends with the transaction.
        session.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(self.ef_search)})
        found: list[RetrievedSection] = []
        for kind in catalogs:
            for r in session.execute(_CATALOG_VECTOR_SQL[kind], {"qv": literal, "k": self.catalog_k}):
                if r.similarity is not None:
                    found.append(_catalog_row(kind, r, float(r.similarity)))
        found.sort(key=lambda s: -(s.similarity or 0.0))
        return found

    def _catalog_keyword(self, session: Session, terms: str, catalogs: Iterable[str]) -> list[RetrievedSection]:
        found: list[tuple[float, RetrievedSection]] = []
        for kind in catalogs:
            for r in session.execute(_CATALOG_KEYWORD_SQL[kind], {"terms": terms, "k": self.catalog_k}):
                found.append((float(r.rank), _catalog_row(kind, r, None)))
        found.sort(key=lambda pair: -pair[0])
        return [section for _, section in found]


def _catalog_row(kind: str, row: Any, similarity: float | None) -> RetrievedSection:
    return RetrievedSection("catalog", kind, CATALOG_PREFIX[kind] + row.code, row.title, row.text, similarity)


def fuse(lists: dict[str, list[RetrievedSection]], intent: Intent, floor: float | None) -> list[RetrievedSection]:
    """Weighted RRF over the lists, times the intent boost; `floor` drops weak vector-only hits."""
    merged: dict[str, RetrievedSection] = {}
    for name, ranked in lists.items():
        for rank, section in enumerate(ranked, start=1):
            current = merged.setdefault(section.key, section)
            if section.similarity is not None:
                current.similarity = max(current.similarity or -1.0, section.similarity)
            current.lists[name] = min(current.lists.get(name, rank), rank)
    boosts = INTENT_BOOSTS.get(intent, {})
    kept: list[RetrievedSection] = []
    for section in merged.values():
        keyword = any(name.endswith("keyword") for name in section.lists)
        if floor is not None and not keyword and (section.similarity or 0.0) < floor:
            continue
        rrf = sum(LIST_WEIGHTS.get(name, 0.5) / (RRF_K + rank) for name, rank in section.lists.items())
        # RRF alone ignores how close the best match is; (1 + similarity) lets a near-exact catalog
        # hit (a guide answering "what is a percentile?") beat a loosely related own chunk.
        closeness = 1.0 + max(section.similarity if section.similarity is not None else 0.3, 0.0)
        section.score = rrf * boosts.get(section.document_type, 1.0) * closeness
        kept.append(section)
    kept.sort(key=lambda s: (-s.score, s.section_id))
    return kept


def merge_pinned(pinned: Sequence[RetrievedSection], ranked: list[RetrievedSection]) -> list[RetrievedSection]:
    """Sections a follow-up refers to ("the second one") go first, whatever they scored."""
    if not pinned:
        return ranked
    top = max((s.score for s in ranked), default=0.0)
    first = []
    for offset, section in enumerate(pinned):
        section.pinned = True
        section.score = top + 1.0 - offset * 1e-3
        first.append(section)
    keys = {s.key for s in first}
    return first + [s for s in ranked if s.key not in keys]


def dedupe(sections: list[RetrievedSection]) -> list[RetrievedSection]:
    """Drop repeats: the same section id, the same text, or a catalog job/major the person's own
    recommendation already covers (careers:<code> beats job:<code>: it says why it fits *them*)."""
    seen_keys: set[str] = set()
    seen_text: set[str] = set()
    own_codes = {s.section_id.split(":", 1)[1] for s in sections if s.source == "own" and ":" in s.section_id}
    out: list[RetrievedSection] = []
    for section in sections:
        norm = re.sub(r"\s+", " ", section.text.casefold()).strip()
        if section.key in seen_keys or norm in seen_text:
            continue
        covered = section.source == "catalog" and section.document_type != "scale_guide"
        if covered and section.section_id.split(":", 1)[1] in own_codes:
            continue
        seen_keys.add(section.key)
        seen_text.add(norm)
        out.append(section)
    return out
