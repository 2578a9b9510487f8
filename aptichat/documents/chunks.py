"""Chunks: `ChunkInput` (one embedded section, to store), `ChunkRow` (a stored chunk), and the checks
that a document's chunks are complete and embedded as configured. No SQL here: the repository runs the
checks before writing a version and again over stored rows in `check_integrity`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from aptichat.documents.document import ChatDocument
from aptichat.documents.enums import DocumentType


@dataclass(frozen=True)
class ChunkInput:
    """One chunk to store: one section of a document, embedded."""

    ordinal: int
    section_id: str
    title: str
    text: str
    embedding: Sequence[float] | np.ndarray
    embedding_model: str


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk of a document, with the version it belongs to."""

    document_id: int
    document_type: DocumentType
    version: int
    ordinal: int
    section_id: str
    title: str
    text: str
    embedding: np.ndarray | None
    embedding_model: str | None


@dataclass(frozen=True)
class EmbeddingConfig:
    """The embedding model and dimension the vector columns were built for (chat_embedding_config)."""

    model: str
    dim: int


class ChunkLike(Protocol):
    """What the checks read from a chunk: ChunkInput before writing, ChunkRow after."""

    @property
    def ordinal(self) -> int: ...
    @property
    def section_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def embedding(self) -> Any: ...
    @property
    def embedding_model(self) -> str | None: ...


def to_vector(embedding: Any) -> np.ndarray:
    """`embedding` as a 1-d float32 array (pgvector stores single precision anyway)."""
    return np.asarray(embedding, dtype=np.float32)


def vector_problem(embedding: Any, dim: int) -> str | None:
    """Why `embedding` cannot be stored as a vector(dim), or None when it can."""
    if embedding is None:
        return "has no embedding"
    try:
        vector = np.asarray(embedding, dtype=np.float64)
    except (TypeError, ValueError):
        return "embedding is not a sequence of numbers"
    if vector.ndim != 1 or vector.shape[0] != dim:
        return f"embedding has dimension {vector.shape} but the configured model has {dim}"
    if not np.isfinite(vector).all():
        return "embedding contains NaN or infinite values"
    # A zero vector has no direction: cosine distance to it is undefined, so retrieval would break.
    if not np.linalg.norm(vector) > 1e-9:
        return "embedding is a zero vector"
    return None


def chunk_problems(doc: ChatDocument, chunks: Sequence[ChunkLike], config: EmbeddingConfig) -> list[str]:
    """Every reason the chunks do not fit `doc`: each section exactly one chunk, ordinals unique and
    non-negative, text present, vectors of the configured dimension and model, finite and non-zero."""
    where = doc.document_type.value
    problems: list[str] = []
    expected = doc.section_ids()
    got = [c.section_id for c in chunks]
    missing = [s for s in expected if s not in got]
    unknown = [s for s in got if s not in expected]
    repeated = sorted({s for s in got if got.count(s) > 1})
    if missing:
        problems.append(f"{where}: no chunk for section(s) {missing}")
    if unknown:
        problems.append(f"{where}: chunk(s) for unknown section(s) {unknown}")
    if repeated:
        problems.append(f"{where}: more than one chunk for section(s) {repeated}")
    ordinals = [c.ordinal for c in chunks]
    if len(set(ordinals)) != len(ordinals) or any(o < 0 for o in ordinals):
        problems.append(f"{where}: chunk ordinals must be unique and >= 0, got {ordinals}")
    for c in chunks:
        label = f"{where} chunk {c.section_id!r}"
        if not (c.text or "").strip():
            problems.append(f"{label}: text is empty")
        if not (c.title or "").strip():
            problems.append(f"{label}: title is empty")
        if c.embedding_model != config.model:
            problems.append(f"{label}: embedding_model {c.embedding_model!r} is not the configured {config.model!r}")
        problem = vector_problem(c.embedding, config.dim)
        if problem:
            problems.append(f"{label}: {problem}")
    return problems


def version_problems(
    user_id: str,
    items: Sequence[tuple[ChatDocument, Sequence[ChunkLike]]],
    gaps: Mapping[str, str] | None,
    config: EmbeddingConfig,
) -> list[str]:
    """Every reason a new version of `user_id`'s documents must be refused before writing: documents
    of another user or repeated types, chunk problems, and gaps that are not document types or
    contradict a document being written."""
    problems: list[str] = []
    types = [doc.document_type for doc, _ in items]
    for t in sorted({t for t in types if types.count(t) > 1}):
        problems.append(f"{t}: more than one document of this type in one version")
    for doc, chunks in items:
        if doc.user_id != user_id:
            problems.append(f"{doc.document_type}: belongs to user {doc.user_id!r}, not {user_id!r}")
        problems.extend(chunk_problems(doc, chunks, config))
    known = {t.value for t in DocumentType}
    for key, reason in (gaps or {}).items():
        if key not in known:
            problems.append(f"gaps: {key!r} is not a document type")
        elif key in types:
            problems.append(f"gaps: {key} is reported missing but is being written")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"gaps: {key!r} needs a reason")
    return problems
