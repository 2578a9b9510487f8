"""The values passed between the per-user stages, and the embed-and-store step.

Kept apart from the asset definitions so the same functions run inside Dagster and in a plain
Python loop (benchmarks/etl.py measures both).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aptichat.db import erasure
from aptichat.db.repository import ChunkInput, DocumentIntegrityError, DocumentRepository
from aptichat.documents import ChatDocument
from aptichat.embeddings import Embedder
from aptichat_pipelines.legacy.models import LegacyTestResults
from aptichat_pipelines.transform.chunking import ChunkDraft, chunk_document


class LegacyStageResult(BaseModel):
    """One user's legacy results, or why there are none."""

    user_id: str
    results: LegacyTestResults | None = None
    error: str | None = None
    error_class: str | None = None


class UserDocumentsStage(BaseModel):
    """One user's built documents and gaps, or why none could be built."""

    user_id: str
    session_id: str | None = None
    documents: list[ChatDocument] = Field(default_factory=list)
    gaps: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    error_class: str | None = None


@dataclass
class UserOutcome:
    status: str  # succeeded | partial | failed | erased (nothing written: see aptichat.db.erasure)
    missing: dict[str, str]
    # why a failed person failed, as aptichat.person_state words it for them (None unless failed)
    error_class: str | None = None


@dataclass
class EmbedReport:
    model: str
    dim: int
    outcomes: dict[str, UserOutcome] = field(default_factory=dict)
    users_written: int = 0
    documents_written: int = 0
    documents_skipped: int = 0
    chunks: int = 0
    embedded_new: int = 0
    seconds_embedding: float = 0.0
    seconds_writing: float = 0.0
    unchunked: list[str] = field(default_factory=list)
    bad_vectors: list[str] = field(default_factory=list)


def _vector_problem(vector: np.ndarray, dim: int) -> str | None:
    if vector.shape != (dim,):
        return f"dimension {vector.shape} != {dim}"
    if not np.all(np.isfinite(vector)):
        return "NaN or infinite values"
    if float(np.linalg.norm(vector)) < 1e-6:
        return "zero vector"
    return None


# Sections per embedding group: large enough that the embedder's batches (64) stay full and the
# cache lookup is one query, small enough that writing one group overlaps embedding the next.
GROUP_SECTIONS = 512


def embed_and_store(
    stages: dict[str, UserDocumentsStage],
    engine: Engine,
    embedder: Embedder,
    begun_at: datetime | None = None,
    group_sections: int = GROUP_SECTIONS,
    on_outcome: Callable[[str, UserOutcome], None] | None = None,
) -> EmbedReport:
    """Chunk every document of every user, embed the chunks of many users at a time (groups of about
    `group_sections` sections, whatever the users), and write each user's new version (documents +
    chunks) in its own transaction on a writer thread while the next group embeds: the swap is atomic
    per user, and one user's failure leaves their previous version current without touching the
    others. A person erased at or after `begun_at` (when the work began: the run's creation; default
    now) is not written back (outcome `erased`), checked under their erasure lock in the write
    transaction. Users are written in the order of `stages`; an error other than a refused version
    (the database gone) stops the writes and is raised once the writer has finished. `on_outcome(label,
    outcome)` runs on the writer thread after each user's write (the run records it in chat_etl_jobs
    there, overlapped with embedding too)."""
    begun_at = begun_at or datetime.now(UTC)
    # `stages` is keyed by a label (in a run: the person's pseudonymous partition key) that the
    # report uses; the writes go to each stage's own user_id
    report = EmbedReport(model=embedder.model, dim=embedder.dim)
    drafts: dict[str, list[tuple[ChatDocument, list[ChunkDraft]]]] = {
        user_id: [(doc, chunk_document(doc)) for doc in stage.documents] for user_id, stage in stages.items()
    }
    report.chunks = sum(len(chunks) for per_user in drafts.values() for _, chunks in per_user)
    writing = [0.0]

    def write(group: list[str], vectors: np.ndarray) -> None:
        started = time.perf_counter()
        position = 0
        for label in group:
            items, position = _chunk_inputs(label, drafts[label], vectors, position, embedder, report)
            stage = stages[label]
            outcome = _store_user(engine, stage.user_id or label, stage, items, report, begun_at, label)
            report.outcomes[label] = outcome
            if on_outcome is not None:
                on_outcome(label, outcome)
        writing[0] += time.perf_counter() - started

    # one writer thread: the database round trips of group k run while group k+1 embeds (the embedder
    # computes outside the GIL); at most one group waits in memory
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-writer") as writer:
        pending: Future[None] | None = None
        try:
            for group in _groups(drafts, group_sections):
                texts = [c for label in group for _, chunks in drafts[label] for c in chunks]
                started = time.perf_counter()
                before = _cache_misses(embedder)
                vectors = (
                    embedder.embed_documents([c.text for c in texts], [c.title for c in texts])
                    if texts
                    else np.zeros((0, embedder.dim), dtype=np.float32)
                )
                after = _cache_misses(embedder)
                report.embedded_new += after - before if before is not None and after is not None else len(texts)
                report.seconds_embedding += time.perf_counter() - started
                if pending is not None:
                    pending.result()
                pending = writer.submit(write, group, vectors)
        finally:
            if pending is not None:
                pending.result()
    report.seconds_writing = writing[0]
    return report


def _groups(drafts: dict[str, list[tuple[ChatDocument, list[ChunkDraft]]]], size: int) -> list[list[str]]:
    """Users in order, cut into consecutive groups of at least `size` sections (the last may be smaller)."""
    groups: list[list[str]] = [[]]
    sections = 0
    for label, per_user in drafts.items():
        if sections >= size:
            groups.append([])
            sections = 0
        groups[-1].append(label)
        sections += sum(len(chunks) for _, chunks in per_user)
    return groups if groups[0] else []


def _chunk_inputs(
    label: str,
    drafts: list[tuple[ChatDocument, list[ChunkDraft]]],
    vectors: np.ndarray,
    position: int,
    embedder: Embedder,
    report: EmbedReport,
) -> tuple[list[tuple[ChatDocument, list[ChunkInput]]], int]:
    items: list[tuple[ChatDocument, list[ChunkInput]]] = []
    for doc, chunks in drafts:
        inputs = []
        for c in chunks:
            vector = vectors[position]
            position += 1
            problem = _vector_problem(vector, embedder.dim)
            if problem:
                report.bad_vectors.append(f"{label}/{c.section_id}: {problem}")
            inputs.append(
                ChunkInput(
                    ordinal=c.ordinal,
                    section_id=c.section_id,
                    title=c.title,
                    text=c.text,
                    embedding=vector,
                    embedding_model=embedder.model,
                )
            )
        items.append((doc, inputs))
    return items, position


def _store_user(
    engine: Engine,
    user_id: str,
    stage: UserDocumentsStage,
    items: list[tuple[ChatDocument, list[ChunkInput]]],
    report: EmbedReport,
    begun_at: datetime,
    label: str,
) -> UserOutcome:
    if stage.error is not None or not items:
        reason = stage.error or "no document could be built from this test's results"
        return UserOutcome("failed", {"all": reason, **stage.gaps}, stage.error_class or "unexpected_error")
    try:
        with Session(engine) as session, session.begin():
            erasure.lock_person(session, user_id)
            if erasure.erased_after(session, user_id, begun_at):
                return UserOutcome("erased", {})
            repo = DocumentRepository(session)
            repo.ensure_user(user_id)
            # a document this test could not build but an earlier test did stays current: the person
            # still has those results, so it is not a gap for the chat (the job still reports it)
            kept = {d.document_type.value for d in repo.current_documents(user_id)}
            gaps = {t: reason for t, reason in stage.gaps.items() if t not in kept}
            result = repo.write_version(user_id, items, gaps=gaps)
    except DocumentIntegrityError as exc:
        # what the report says reaches Dagster's metadata: the person as their label only
        said = str(exc).replace(user_id, label)
        report.unchunked.append(f"{label}: {said}")
        return UserOutcome(
            "failed", {"all": f"integrity check refused the new version: {said}"}, "integrity_check_failed"
        )
    report.users_written += 1
    report.documents_written += len(result.written)
    report.documents_skipped += len(result.skipped)
    return UserOutcome("partial" if stage.gaps else "succeeded", dict(stage.gaps))


def _cache_misses(embedder: Embedder) -> int | None:
    stats = getattr(embedder, "document_stats", None) or getattr(embedder, "stats", None)
    if callable(stats):
        value = stats()
        misses = value.get("document_misses") if isinstance(value, dict) else getattr(value, "document_misses", None)
        return int(misses) if misses is not None else None
    return None


def summarise_scores(built: dict[str, UserDocumentsStage]) -> dict[str, Any]:
    """Averages worth seeing in the UI: mean percentile per scale and the most common Holland codes."""
    sums: dict[str, list[float]] = {}
    codes: dict[str, int] = {}
    for stage in built.values():
        for doc in stage.documents:
            content = doc.content
            for t in getattr(content, "tendencies", None) or []:
                sums.setdefault(t.scale, []).append(t.percentile)
            for s in getattr(content, "skills", None) or []:
                if hasattr(s, "percentile"):
                    sums.setdefault(s.skill, []).append(s.percentile)
            interests = getattr(content, "interests", None)
            if interests is not None:
                codes[interests.holland_code] = codes.get(interests.holland_code, 0) + 1
    means = {k: round(sum(v) / len(v), 1) for k, v in sums.items() if v and not math.isnan(sum(v))}
    top_codes = dict(sorted(codes.items(), key=lambda kv: -kv[1])[:5])
    return {"mean_percentile": means, "top_holland_codes": top_codes}
