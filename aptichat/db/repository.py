"""All SQL for a person's documents and chunks (chat_users, chat_documents, chat_document_chunks).

Methods take the caller's `Session`, so the caller owns the transaction; `write_documents` and
`repository_scope` open and commit their own. Rules kept here (ARCHITECTURE.md, "Storage"):

- a new version of a user's documents and its chunks land in one transaction (a savepoint inside the
  caller's), so a reader never sees half a version and a failure leaves the previous version current;
- at most one `current` row per user and type (the partial unique index refuses a second);
- chunks exist only for current documents: superseded versions keep their content and rendered text
  for history, but their chunks are deleted, so `WHERE user_id = ...` on chunks never mixes versions;
- every chunk's vector has the dimension and model recorded in chat_embedding_config.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, bindparam, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from aptichat.db.engine import session_scope
from aptichat.db.models import (
    ChatConversation,
    ChatCounsellorStudent,
    ChatDocumentChunk,
    ChatEmbeddingConfig,
    ChatEtlJob,
    ChatEtlStageOutput,
    ChatFeedback,
    ChatMessage,
    ChatSafetyFlag,
    ChatSession,
    ChatSigninCode,
    ChatUser,
)
from aptichat.db.models import ChatDocument as DocumentRow
from aptichat.documents import ChatDocument, DocumentStatus, DocumentType, document_from_row
from aptichat.documents.chunks import (
    ChunkInput,
    ChunkRow,
    EmbeddingConfig,
    chunk_problems,
    to_vector,
    version_problems,
)
from aptichat.settings import get_settings

# what an erased person's kept job records say instead of their id (no hash: nothing to link them by)
ERASED_USER = "(erased)"

__all__ = [
    "ChunkInput",
    "ChunkRow",
    "DocumentIntegrityError",
    "DocumentRepository",
    "EmbeddingConfig",
    "VersionInfo",
    "WriteResult",
    "repository_scope",
    "write_documents",
]

_TYPE_ORDER = {t.value: i for i, t in enumerate(DocumentType)}
# asked once per chat question: built once (not built and keyed again per call)
_VERSION_MARKER = select(func.coalesce(func.max(DocumentRow.id), 0)).where(DocumentRow.user_id == bindparam("user_id"))


class DocumentIntegrityError(ValueError):
    """A version was refused before anything was written; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("document version refused: " + "; ".join(problems))


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a document, without its content."""

    document_id: int
    document_type: DocumentType
    version: int
    status: DocumentStatus
    title: str
    content_hash: str
    source_session_id: str | None
    created_at: datetime


@dataclass
class WriteResult:
    """What `write_version` did, per document type."""

    written: dict[DocumentType, int] = field(default_factory=dict)  # type -> the new version
    skipped: dict[DocumentType, int] = field(default_factory=dict)  # type -> the version kept (same content)
    document_ids: dict[DocumentType, int] = field(default_factory=dict)  # type -> id of the current row
    chunks_written: int = 0

    @property
    def changed(self) -> bool:
        """True when at least one new version landed."""
        return bool(self.written)


class DocumentRepository:
    """A person's documents and chunks, read and written through the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._config: EmbeddingConfig | None = None

    def embedding_config(self) -> EmbeddingConfig:
        """The model and dimension the vector columns were built for (settings if the row is absent)."""
        if self._config is None:
            row = self.session.execute(select(ChatEmbeddingConfig.model, ChatEmbeddingConfig.dim)).first()
            settings = get_settings()
            self._config = (
                EmbeddingConfig(row.model, row.dim)
                if row
                else EmbeddingConfig(settings.embedding_model, settings.embedding_dim)
            )
        return self._config

    def ensure_user(
        self, user_id: str, background: dict[str, Any] | None = None, display_name: str | None = None
    ) -> None:
        """Create the chat_users row if missing; update background/display name when given."""
        values: dict[str, Any] = {"user_id": user_id}
        changes: dict[str, Any] = {}
        if background is not None:
            values["background"] = changes["background"] = background
        if display_name is not None:
            values["display_name"] = changes["display_name"] = display_name
        stmt = pg_insert(ChatUser).values(**values)
        if changes:
            stmt = stmt.on_conflict_do_update(index_elements=["user_id"], set_={**changes, "updated_at": func.now()})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["user_id"])
        self.session.execute(stmt)

    def write_version(
        self,
        user_id: str,
        items: Sequence[tuple[ChatDocument, Sequence[ChunkInput]]],
        *,
        gaps: dict[str, str] | None = None,
    ) -> WriteResult:
        """Store new versions of `user_id`'s documents with their chunks, atomically.

        Everything is validated first (DocumentIntegrityError, nothing written). Then, in one savepoint:
        a document whose content hash and rendering equal the current one's is skipped; otherwise the
        current row becomes superseded (its chunks are deleted) and the new one is inserted as current
        with version max+1, its chunks batch-inserted. `gaps` (type -> why it could not be built)
        replaces chat_users.document_gaps when given. The caller commits.
        """
        problems = version_problems(user_id, items, gaps, self.embedding_config())
        if problems:
            raise DocumentIntegrityError(problems)
        result = WriteResult()
        with self.session.begin_nested():
            self.ensure_user(user_id)
            # Serialise writers of one user: the version number and the current flip are read-then-write.
            self.session.execute(select(ChatUser.user_id).where(ChatUser.user_id == user_id).with_for_update())
            for doc, chunks in items:
                self._write_one(user_id, doc, chunks, result)
            if gaps is not None:
                self.session.execute(
                    update(ChatUser)
                    .where(ChatUser.user_id == user_id)
                    .values(document_gaps=dict(gaps), updated_at=func.now())
                )
        return result

    def _write_one(self, user_id: str, doc: ChatDocument, chunks: Sequence[ChunkInput], result: WriteResult) -> None:
        dtype = doc.document_type
        rendered = doc.render()
        current = self.session.execute(
            select(DocumentRow.id, DocumentRow.version, DocumentRow.content_hash, DocumentRow.rendered_text).where(
                DocumentRow.user_id == user_id,
                DocumentRow.document_type == dtype.value,
                DocumentRow.status == DocumentStatus.current.value,
            )
        ).first()
        # The rendering is compared too: improved wording for unchanged content is still a new version.
        if current is not None and current.content_hash == doc.content_hash and current.rendered_text == rendered:
            result.skipped[dtype] = current.version
            result.document_ids[dtype] = current.id
            return
        latest = self.session.execute(
            select(func.coalesce(func.max(DocumentRow.version), 0)).where(
                DocumentRow.user_id == user_id, DocumentRow.document_type == dtype.value
            )
        ).scalar_one()
        if current is not None:
            # Flip first: the partial unique index allows only one current row at any moment.
            self.session.execute(
                update(DocumentRow).where(DocumentRow.id == current.id).values(status=DocumentStatus.superseded.value)
            )
            self.session.execute(delete(ChatDocumentChunk).where(ChatDocumentChunk.document_id == current.id))
        version = latest + 1
        document_id = self.session.execute(
            insert(DocumentRow)
            .values(
                user_id=user_id,
                document_type=dtype.value,
                version=version,
                status=DocumentStatus.current.value,
                title=doc.title,
                content=doc.content.model_dump(mode="json"),
                rendered_text=rendered,
                source_session_id=doc.source_session_id,
                content_hash=doc.content_hash,
            )
            .returning(DocumentRow.id)
        ).scalar_one()
        rows = [
            {
                "document_id": document_id,
                "user_id": user_id,
                "document_type": dtype.value,
                "ordinal": c.ordinal,
                "section_id": c.section_id,
                "title": c.title,
                "text": c.text,
                "embedding": to_vector(c.embedding),
                "embedding_model": c.embedding_model,
            }
            for c in chunks
        ]
        # A bulk INSERT of plain dicts: batched multi-row statements, not one ORM object per chunk.
        self.session.execute(insert(ChatDocumentChunk), rows)
        result.written[dtype] = version
        result.document_ids[dtype] = document_id
        result.chunks_written += len(rows)

    def current_documents(self, user_id: str, types: Sequence[DocumentType] | None = None) -> list[ChatDocument]:
        """The user's current documents, in DocumentType order (optionally only `types`)."""
        stmt = select(DocumentRow).where(
            DocumentRow.user_id == user_id, DocumentRow.status == DocumentStatus.current.value
        )
        if types is not None:
            stmt = stmt.where(DocumentRow.document_type.in_([DocumentType(t).value for t in types]))
        rows = self.session.scalars(stmt).all()
        return [document_from_row(r) for r in sorted(rows, key=lambda r: _TYPE_ORDER[r.document_type])]

    def get_version(self, user_id: str, document_type: DocumentType, version: int) -> ChatDocument | None:
        """One stored version (current or superseded), or None."""
        row = self.session.scalars(
            select(DocumentRow).where(
                DocumentRow.user_id == user_id,
                DocumentRow.document_type == DocumentType(document_type).value,
                DocumentRow.version == version,
            )
        ).first()
        return document_from_row(row) if row is not None else None

    def list_versions(self, user_id: str, document_type: DocumentType) -> list[VersionInfo]:
        """Every stored version of one document, oldest first."""
        rows = self.session.execute(
            select(
                DocumentRow.id.label("document_id"),
                DocumentRow.document_type,
                DocumentRow.version,
                DocumentRow.status,
                DocumentRow.title,
                DocumentRow.content_hash,
                DocumentRow.source_session_id,
                DocumentRow.created_at,
            )
            .where(DocumentRow.user_id == user_id, DocumentRow.document_type == DocumentType(document_type).value)
            .order_by(DocumentRow.version)
        ).all()
        return [
            VersionInfo(
                **{**r._asdict(), "document_type": DocumentType(r.document_type), "status": DocumentStatus(r.status)}
            )
            for r in rows
        ]

    def current_chunks(self, user_id: str, types: Sequence[DocumentType] | None = None) -> list[ChunkRow]:
        """The chunks of the user's current documents, in DocumentType order then ordinal."""
        rows = self._chunk_rows(user_id, current_only=True)
        if types is not None:
            wanted = {DocumentType(t) for t in types}
            rows = [r for r in rows if r.document_type in wanted]
        return rows

    def _chunk_rows(self, user_id: str, *, current_only: bool) -> list[ChunkRow]:
        stmt = (
            select(
                ChatDocumentChunk.document_id,
                ChatDocumentChunk.document_type,
                DocumentRow.version,
                ChatDocumentChunk.ordinal,
                ChatDocumentChunk.section_id,
                ChatDocumentChunk.title,
                ChatDocumentChunk.text,
                ChatDocumentChunk.embedding,
                ChatDocumentChunk.embedding_model,
            )
            .join(DocumentRow, DocumentRow.id == ChatDocumentChunk.document_id)
            .where(ChatDocumentChunk.user_id == user_id)
        )
        if current_only:
            # Belt and braces: superseded documents have no chunks left.
            stmt = stmt.where(DocumentRow.status == DocumentStatus.current.value)
        rows = sorted(self.session.execute(stmt).all(), key=lambda r: (_TYPE_ORDER[r.document_type], r.ordinal))
        return [
            ChunkRow(
                **{
                    **r._asdict(),
                    "document_type": DocumentType(r.document_type),
                    "embedding": None if r.embedding is None else to_vector(r.embedding),
                }
            )
            for r in rows
        ]

    def current_version_marker(self, user_id: str) -> int:
        """A cheap value that changes whenever a new version lands (or the user is erased): the
        highest document id of the user, 0 when there is none. Ids only grow, so it never repeats."""
        return int(self.session.execute(_VERSION_MARKER, {"user_id": user_id}).scalar_one())

    def document_gaps(self, user_id: str) -> dict[str, str]:
        """Document type -> why the last run could not build it ({} when none or no such user)."""
        gaps = self.session.execute(select(ChatUser.document_gaps).where(ChatUser.user_id == user_id)).scalar()
        return dict(gaps or {})

    def check_integrity(self, user_id: str) -> list[str]:
        """Problems with the user's stored documents and chunks; [] when all is well. Checks: one
        current row per type, content still valid and matching its hash and rendering, each section
        exactly one chunk with a proper vector, no chunks left on superseded versions."""
        problems: list[str] = []
        config = self.embedding_config()
        rows = self.session.scalars(
            select(DocumentRow).where(
                DocumentRow.user_id == user_id, DocumentRow.status == DocumentStatus.current.value
            )
        ).all()
        types = [r.document_type for r in rows]
        for t in sorted({t for t in types if types.count(t) > 1}):
            problems.append(f"{t}: more than one current version")
        chunks = self._chunk_rows(user_id, current_only=False)
        current_ids = {r.id for r in rows}
        stale = [c for c in chunks if c.document_id not in current_ids]
        if stale:
            problems.append(f"{len(stale)} chunk(s) belong to superseded versions")
        for row in rows:
            where = f"{row.document_type} v{row.version}"
            try:
                doc = document_from_row(row)
            except ValidationError as exc:
                problems.append(f"{where}: stored content no longer validates: {exc}")
                continue
            if doc.content_hash != row.content_hash:
                problems.append(f"{where}: stored content_hash does not match the content")
            if doc.render() != row.rendered_text:
                problems.append(f"{where}: rendered_text is out of date with the content")
            own = [c for c in chunks if c.document_id == row.id]
            problems.extend(f"v{row.version} {p}" for p in chunk_problems(doc, own, config))
        return problems

    def erase_user(self, user_id: str, erased_at: datetime | None = None, *, salt: str | None = None) -> dict[str, int]:
        """Erase the person in one transaction, under their exclusive advisory lock (so no writer of
        theirs interleaves): record the erasure in the ledger (chat_erasures, a keyed hash), delete
        their safety flags, feedback, messages, conversations, chunks, documents, user row and the
        ETL's stage outputs of their partition, and anonymise their chat_etl_jobs rows (user id
        replaced, session, idempotency and run keys, error text and self-requests dropped; open jobs
        end `failed` with error_class `erased`). Children go first explicitly, so erasure does not
        depend on ON DELETE CASCADE. `erased_at` (a restore re-applying an older erasure) defaults to
        now; `salt` (the restored install's) defaults to this process's. Returns rows deleted (or
        anonymised, for chat_etl_jobs) per table."""
        from aptichat.db import erasure, person_keys

        counts: dict[str, int] = {}
        with self.session.begin_nested():
            erasure.lock_person(self.session, user_id, exclusive=True)
            erasure.record(self.session, user_id, erased_at, salt)
            for model in (
                ChatSession,  # their browser sessions end now (issue 17)
                ChatSigninCode,
                ChatCounsellorStudent,
                ChatSafetyFlag,
                ChatFeedback,
                ChatMessage,
                ChatConversation,
                ChatDocumentChunk,
                DocumentRow,
                ChatUser,
            ):
                deleted = self.session.execute(delete(model).where(model.user_id == user_id))
                counts[model.__tablename__] = int(getattr(deleted, "rowcount", 0) or 0)
            counts[ChatEtlJob.__tablename__] = self._anonymise_jobs(user_id)
            # after the jobs: a request claim holding their rows has committed its key by now
            key = person_keys.forget(self.session, user_id)
            counts["chat_person_keys"] = int(key is not None)
            # stage outputs live under the person's key (and under the id on an install from before keys)
            staged = self.session.execute(
                delete(ChatEtlStageOutput).where(ChatEtlStageOutput.partition_key.in_([user_id, key or user_id]))
            )
            counts[ChatEtlStageOutput.__tablename__] = int(getattr(staged, "rowcount", 0) or 0)
        return counts

    def _anonymise_jobs(self, user_id: str) -> int:
        open_job = ChatEtlJob.status.in_(("requested", "queued", "running"))
        result = self.session.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.user_id == user_id)
            .values(
                user_id=ERASED_USER,
                session_id=None,
                idempotency_key=None,
                run_key=None,
                error_message=None,
                requested_by=case((ChatEtlJob.requested_by == user_id, None), else_=ChatEtlJob.requested_by),
                error_class=case((open_job, "erased"), else_=ChatEtlJob.error_class),
                finished_at=case((open_job, func.now()), else_=ChatEtlJob.finished_at),
                status=case((open_job, "failed"), else_=ChatEtlJob.status),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


@contextmanager
def repository_scope(engine: Engine | None = None) -> Iterator[DocumentRepository]:
    """A repository on its own session, committed on success and rolled back on any error."""
    with session_scope(engine) as session:
        yield DocumentRepository(session)


def write_documents(
    user_id: str,
    items: Sequence[tuple[ChatDocument, Sequence[ChunkInput]]],
    *,
    gaps: dict[str, str] | None = None,
    engine: Engine | None = None,
) -> WriteResult:
    """`DocumentRepository.write_version` in a transaction of its own, committed before returning."""
    with repository_scope(engine) as repo:
        return repo.write_version(user_id, items, gaps=gaps)
