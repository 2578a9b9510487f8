"""Helpers of the reliability tests: rewrite a person's legacy answers, snapshot and check what is stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from aptichat.db.models import ChatDocument as DocumentRow
from aptichat.db.models import ChatDocumentChunk
from aptichat.db.repository import DocumentRepository


@dataclass(frozen=True)
class ReliabilityLegacy:
    db_name: str
    url: str
    engine: Engine
    users: list[str]


def reverse_answers(legacy: Engine, user_id: str) -> None:
    """Mirror every Likert answer of the user's sessions (v -> min + max - v): the scores, and so the
    documents, change, while the answer pattern keeps passing the quality checks."""
    with legacy.begin() as conn:
        conn.execute(
            text(
                "UPDATE responses r SET value = i2.response_min + i2.response_max - r.value "
                "FROM items i JOIN instruments i2 ON i2.id = i.instrument_id "
                "WHERE r.item_id = i.id AND r.value IS NOT NULL AND i2.response_min IS NOT NULL "
                "AND r.session_id IN (SELECT id FROM test_sessions WHERE taker_id = :u)"
            ),
            {"u": user_id},
        )


@dataclass(frozen=True)
class Snapshot:
    """A user's stored state: current (type, version, id, hash) and every chunk (document, ordinal)."""

    current: frozenset[tuple[str, int, int, str]]
    chunks: tuple[tuple[int, int], ...]

    @property
    def current_ids(self) -> set[int]:
        return {c[2] for c in self.current}


def snapshot(engine: Engine, user_id: str) -> Snapshot:
    with Session(engine) as session:
        rows = session.scalars(
            select(DocumentRow).where(DocumentRow.user_id == user_id, DocumentRow.status == "current")
        ).all()
        chunks = session.execute(
            select(ChatDocumentChunk.document_id, ChatDocumentChunk.ordinal)
            .where(ChatDocumentChunk.user_id == user_id)
            .order_by(ChatDocumentChunk.document_id, ChatDocumentChunk.ordinal)
        ).all()
    return Snapshot(
        frozenset((r.document_type, r.version, r.id, r.content_hash) for r in rows),
        tuple((int(d), int(o)) for d, o in chunks),
    )


def assert_consistent(engine: Engine, user_id: str) -> Snapshot:
    """One current version per type, each section exactly one chunk, no chunk twice, none stale."""
    state = snapshot(engine, user_id)
    assert state.current, f"{user_id} has no current documents"
    assert len(state.chunks) == len(set(state.chunks)), "duplicate chunks"
    assert {d for d, _ in state.chunks} <= state.current_ids, "chunks outside the current version"
    with Session(engine) as session:
        assert DocumentRepository(session).check_integrity(user_id) == []
    return state
