"""In-process caches: a person's current chunks, and answers to repeated questions.

Both are keyed by the document version marker from the repository, not by time: the moment a new
version of someone's documents lands, the marker changes and the old entries are never served
again (they age out of the LRU). One marker query per question is far cheaper than a stale answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from aptichat.lru import LRU, CacheStats


@dataclass(frozen=True)
class CachedChunk:
    document_type: str
    section_id: str
    title: str
    text: str


@dataclass(frozen=True)
class UserChunks:
    """One person's current chunks at one version marker."""

    marker: Hashable
    chunks: tuple[CachedChunk, ...] = field(default_factory=tuple)

    def by_section(self, section_id: str) -> CachedChunk | None:
        for chunk in self.chunks:
            if chunk.section_id == section_id:
                return chunk
        return None


def _repository(session: Session) -> Any:
    # Imported late: the repository belongs to another module set and may be replaced in tests.
    from aptichat.db.repository import DocumentRepository

    return DocumentRepository(session)


def _marker_key(marker: Any) -> Hashable:
    """Version markers may be lists/dicts from SQL; make them hashable and comparable."""
    if isinstance(marker, dict):
        return tuple(sorted((str(k), _marker_key(v)) for k, v in marker.items()))
    if isinstance(marker, list | tuple):
        return tuple(_marker_key(v) for v in marker)
    return marker if isinstance(marker, Hashable) else repr(marker)


class ChunkCache:
    """The person's current chunks, reloaded only when their version marker changes."""

    def __init__(self, capacity: int = 1024, repository: Callable[[Session], Any] = _repository) -> None:
        self._lru: LRU[str, UserChunks] = LRU(max(1, capacity))
        self._repository = repository

    @property
    def stats(self) -> CacheStats:
        return self._lru.stats

    def marker(self, session: Session, user_id: str) -> Hashable:
        return _marker_key(self._repository(session).current_version_marker(user_id))

    def get(self, session: Session, user_id: str, marker: Hashable | None = None) -> UserChunks:
        marker = self.marker(session, user_id) if marker is None else marker
        cached = self._lru.get(user_id)
        if cached is not None and cached.marker == marker:
            return cached
        if cached is not None:
            self._lru.stale()  # counted as a hit by the LRU, but it was stale: record it honestly
        rows = self._repository(session).current_chunks(user_id)
        chunks = tuple(
            CachedChunk(
                document_type=str(getattr(r, "document_type", "")),
                section_id=str(r.section_id),
                title=str(r.title),
                text=str(r.text),
            )
            for r in rows
        )
        fresh = UserChunks(marker, chunks)
        self._lru.put(user_id, fresh)
        return fresh

    def forget(self, user_id: str) -> int:
        """Drop the person's cached chunks (1 if there were any, else 0)."""
        return self._lru.pop_where(lambda key: key == user_id)


@dataclass(frozen=True)
class CachedAnswer:
    """What a repeated question may reuse (the message rows are still written per question)."""

    answer: str
    intent: str
    citations: tuple[dict[str, Any], ...]
    provider: str
    context: dict[str, Any]


class AnswerCache:
    """Answers keyed by (user, normalised question, document version marker, variant)."""

    def __init__(self, capacity: int = 2048) -> None:
        # At least one entry, even when APTICHAT_QUERY_CACHE_SIZE=0 turns the query-vector cache off.
        self._lru: LRU[tuple[str, str, Hashable, str], CachedAnswer] = LRU(max(1, capacity))

    @property
    def stats(self) -> CacheStats:
        return self._lru.stats

    @staticmethod
    def key(user_id: str, question: str, marker: Hashable, variant: str | None) -> tuple[str, str, Hashable, str]:
        """`question` must already be normalised (question.normalise_question)."""
        return (user_id, question, marker, variant or "")

    def get(self, key: tuple[str, str, Hashable, str]) -> CachedAnswer | None:
        return self._lru.get(key)

    def put(self, key: tuple[str, str, Hashable, str], value: CachedAnswer) -> None:
        self._lru.put(key, value)

    def forget(self, user_id: str) -> int:
        """Drop every cached answer of the person; returns how many went."""
        return self._lru.pop_where(lambda key: key[0] == user_id)
