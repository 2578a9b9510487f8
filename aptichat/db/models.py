"""Typed SQLAlchemy 2.0 models of every chat_ table (ARCHITECTURE.md, "Storage").

The vector columns take their dimension from settings when the schema is created; the dimension and
model in use are recorded in chat_embedding_config so a switch of model is a deliberate re-embedding,
never a silent mix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from aptichat.documents.enums import DocumentStatus, DocumentType, EtlJobStatus
from aptichat.settings import get_settings

# The CHECK constraints below are derived from the document enums, so the two cannot drift apart;
# migration 0001 spells the same values out (tests/db/test_repository.py keeps them in step).
DOCUMENT_TYPES = tuple(t.value for t in DocumentType)
DOCUMENT_STATUSES = tuple(s.value for s in DocumentStatus)
ETL_JOB_STATUSES = tuple(s.value for s in EtlJobStatus)
ETL_JOB_SOURCES = ("sensor", "webhook", "reprocess", "backfill", "manual")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _dim() -> int:
    return get_settings().embedding_dim


class Base(DeclarativeBase):
    pass


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ChatEmbeddingConfig(Base):
    """One row: the embedding model and dimension the vector columns were built for."""

    __tablename__ = "chat_embedding_config"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_chat_embedding_config_single_row"),
        CheckConstraint("dim > 0", name="ck_chat_embedding_config_dim"),
    )
    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    model: Mapped[str] = mapped_column(Text, nullable=False)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = _created()


class ChatUser(Base):
    __tablename__ = "chat_users"
    __table_args__ = (CheckConstraint("length(user_id) BETWEEN 1 AND 128", name="ck_chat_users_id"),)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    background: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    # document type -> reason, for documents the last run could not build ("not measured in this test")
    document_gaps: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    # the person lets their counsellor read their conversations (GET/PUT /users/{id}/settings)
    share_conversations: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    )


class ChatDocument(Base):
    __tablename__ = "chat_documents"
    __table_args__ = (
        CheckConstraint(_in("document_type", DOCUMENT_TYPES), name="ck_chat_documents_type"),
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="ck_chat_documents_status"),
        CheckConstraint("version >= 1", name="ck_chat_documents_version"),
        CheckConstraint("length(content_hash) = 64", name="ck_chat_documents_hash"),
        UniqueConstraint("user_id", "document_type", "version", name="uq_chat_documents_version"),
        Index(
            "uq_chat_documents_one_current",
            "user_id",
            "document_type",
            unique=True,
            postgresql_where=sql("status = 'current'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False)
    document_type: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    rendered_text: Mapped[str] = mapped_column(Text, nullable=False)
    source_session_id: Mapped[str | None] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = _created()
    chunks: Mapped[list[ChatDocumentChunk]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="ChatDocumentChunk.ordinal",
    )


class ChatDocumentChunk(Base):
    __tablename__ = "chat_document_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal", name="uq_chat_document_chunks_ordinal"),
        CheckConstraint("ordinal >= 0", name="ck_chat_document_chunks_ordinal"),
        CheckConstraint("length(text) > 0", name="ck_chat_document_chunks_text"),
        Index("ix_chat_document_chunks_user", "user_id", "document_type"),
        Index("ix_chat_document_chunks_tsv", "tsv", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("chat_documents.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False)
    document_type: Mapped[str] = mapped_column(String(32), nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    section_id: Mapped[str] = mapped_column(String(128), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    embedding: Mapped[Any] = mapped_column(Vector(_dim()), nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(Text)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', title || ' ' || text)", persisted=True),
    )
    document: Mapped[ChatDocument] = relationship(back_populates="chunks")


class _CatalogMixin:
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    # {"R": 0..1, "I": ..., "A": ..., "S": ..., "E": ..., "C": ...}
    riasec: Mapped[dict[str, float]] = mapped_column(JSONB, nullable=False)
    skills: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    embedding: Mapped[Any] = mapped_column(Vector(_dim()), nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(Text)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', title || ' ' || description)", persisted=True),
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    )


class ChatJob(_CatalogMixin, Base):
    __tablename__ = "chat_jobs"
    __table_args__ = (
        Index(
            "ix_chat_jobs_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_chat_jobs_tsv", "tsv", postgresql_using="gin"),
        Index("ix_chat_jobs_onet", "onet_soc_code"),
        CheckConstraint("job_zone IS NULL OR job_zone BETWEEN 1 AND 5", name="ck_chat_jobs_zone"),
    )
    onet_soc_code: Mapped[str | None] = mapped_column(String(16))
    job_zone: Mapped[int | None] = mapped_column(SmallInteger)


class ChatMajor(_CatalogMixin, Base):
    __tablename__ = "chat_majors"
    __table_args__ = (
        Index(
            "ix_chat_majors_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_chat_majors_tsv", "tsv", postgresql_using="gin"),
        Index("ix_chat_majors_cip", "cip_code"),
    )
    cip_code: Mapped[str | None] = mapped_column(String(16))


class ChatScaleGuide(Base):
    """Our own explanations of every scale, type and skill, embedded for general questions."""

    __tablename__ = "chat_scale_guides"
    __table_args__ = (
        Index(
            "ix_chat_scale_guides_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_chat_scale_guides_tsv", "tsv", postgresql_using="gin"),
    )
    guide_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scale: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    embedding: Mapped[Any] = mapped_column(Vector(_dim()), nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(Text)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', title || ' ' || text)", persisted=True),
    )


class ChatConversation(Base):
    __tablename__ = "chat_conversations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str | None] = mapped_column(Text)
    # summary of turns that no longer fit the prompt budget
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    )


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant')", name="ck_chat_messages_role"),
        CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="ck_chat_messages_latency"),
        Index("ix_chat_messages_conversation", "conversation_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    intent: Mapped[str | None] = mapped_column(String(32))
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    provider: Mapped[str | None] = mapped_column(String(64))
    degraded: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    variant: Mapped[str | None] = mapped_column(String(64))
    # extra facts for follow-ups ("the second one"): listed items, last claim
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    created_at: Mapped[datetime] = _created()


class ChatFeedback(Base):
    __tablename__ = "chat_feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_chat_feedback_rating"),
        UniqueConstraint("message_id", "user_id", name="uq_chat_feedback_message_user"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False)
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


# What the audit trail records: staff (or the service key) acting on another person's data. The one
# list: the table's check constraint, the API's recorder and its query/response schemas all use it.
AuditAction = Literal[
    "profile.read",
    "documents.read",
    "history.read",
    "user.reprocess",
    "user.erase",
    "status.read",
    "students.read",
    "cohort.read",
]
AUDIT_ACTIONS: tuple[str, ...] = get_args(AuditAction)
AUDIT_ACTOR_ROLES = ("admin", "counsellor", "service")


class ChatAuditEntry(Base):
    """One admin action on another person (aptichat_api.audit): who, what, on whom, when, in which
    request. The person appears only as the salted hash of the logs (aptichat.logs.hash_user), so the
    trail outlives their erasure without naming them; no document, question or answer text is kept.
    No foreign key to chat_users for the same reason."""

    __tablename__ = "chat_audit_log"
    __table_args__ = (
        CheckConstraint(_in("action", AUDIT_ACTIONS), name="ck_chat_audit_log_action"),
        CheckConstraint(_in("actor_role", AUDIT_ACTOR_ROLES), name="ck_chat_audit_log_actor_role"),
        CheckConstraint("target_user_hash ~ '^[0-9a-f]{16}$'", name="ck_chat_audit_log_target_hash"),
        Index("ix_chat_audit_log_at", sql("at DESC"), sql("id DESC")),
        Index("ix_chat_audit_log_action", "action", sql("id DESC")),
        Index("ix_chat_audit_log_target", "target_user_hash", sql("id DESC")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # staff are named (their accountability is the point); the service key is `service`
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    target_user_hash: Mapped[str] = mapped_column(String(16), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(128))


class ChatErasure(Base):
    """One erasure (aptichat.db.erasure): the person as HMAC-SHA256 of their id keyed with the install's
    salt, and when. Every writer checks it; restores re-apply it. No personal data, no FK."""

    __tablename__ = "chat_erasures"
    __table_args__ = (
        CheckConstraint("person_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_erasures_hash"),
        UniqueConstraint("person_hash", "erased_at", name="uq_chat_erasures_entry"),
        Index("ix_chat_erasures_person", "person_hash", sql("erased_at DESC")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    person_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ChatEtlJob(Base):
    """A request to (re)process one user and where it stands."""

    __tablename__ = "chat_etl_jobs"
    __table_args__ = (
        CheckConstraint(_in("status", ETL_JOB_STATUSES), name="ck_chat_etl_jobs_status"),
        CheckConstraint(_in("source", ETL_JOB_SOURCES), name="ck_chat_etl_jobs_source"),
        Index("ix_chat_etl_jobs_user", "user_id", "requested_at"),
        Index("ix_chat_etl_jobs_status", "status", "id"),
        # the requests sensor claims requested rows in request order (aptichat.db.etl_jobs)
        Index(
            "ix_chat_etl_jobs_requested",
            "requested_at",
            "id",
            postgresql_where=sql("status = 'requested'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128), nullable=False)
    session_id: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    # webhook deliveries are idempotent per session: the same key never makes a second job
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    # the sensor's run_key of the run that carries this job (known before Dagster assigns a run id)
    run_key: Mapped[str | None] = mapped_column(String(200), index=True)
    error_class: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    missing: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    # every run that carried this job, oldest first: {run_id, group, at, outcome, scope, error_class,
    # recorded_at}; the status is derived from them (aptichat.db.etl_jobs.derive_status), no exception text
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    # who asked (a principal's id) for API requests; None for the sensors
    requested_by: Mapped[str | None] = mapped_column(String(128))
    requested_at: Mapped[datetime] = _created()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChatEmbeddingCache(Base):
    """text hash + model -> vector, so re-running the ETL embeds nothing unchanged."""

    __tablename__ = "chat_embedding_cache"
    __table_args__ = (CheckConstraint("dim > 0", name="ck_chat_embedding_cache_dim"),)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    task: Mapped[str] = mapped_column(String(32), primary_key=True, default="document")
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    # untyped vector: the cache can hold several models side by side
    embedding: Mapped[Any] = mapped_column(Vector(), nullable=False)
    created_at: Mapped[datetime] = _created()


class ChatPersonKey(Base):
    """A person's pseudonymous partition key (aptichat.db.person_keys): the only name Dagster's storage
    holds for them. Erasure deletes the row, so the key then names nobody."""

    __tablename__ = "chat_person_keys"
    __table_args__ = (
        CheckConstraint("partition_key ~ '^p_[0-9a-f]{20}$'", name="ck_chat_person_keys_key"),
        UniqueConstraint("partition_key", name="uq_chat_person_keys_partition_key"),
    )
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    partition_key: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ChatEtlStageOutput(Base):
    """Intermediate results of the per-user ETL stages (legacy results, built documents), one row per
    asset and partition, so a run over many partitions stores each user's value separately."""

    __tablename__ = "chat_etl_stage_outputs"
    asset_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    partition_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class ChatEtlStageTiming(Base):
    """How long one per-user stage took in one run (one row per stage per run), the source of the
    aptichat_etl_stage_seconds histogram the API exports: ETL runs are short-lived processes, so their
    timings live in the database rather than in a process's memory."""

    __tablename__ = "chat_etl_stage_timings"
    __table_args__ = (
        CheckConstraint("seconds >= 0", name="ck_chat_etl_stage_timings_seconds"),
        CheckConstraint("users >= 0", name="ck_chat_etl_stage_timings_users"),
        Index("ix_chat_etl_stage_timings_finished", "finished_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False)
    stage: Mapped[str] = mapped_column(String(64), nullable=False)
    users: Mapped[int] = mapped_column(Integer, nullable=False)
    seconds: Mapped[float] = mapped_column(Float, nullable=False)
    finished_at: Mapped[datetime] = _created()


class ChatSafetyFlag(Base):
    """A conversation the safety layer flagged for staff review (aptichat.safety): which message,
    the category and the names of the rules that fired. No message text is copied here; staff read
    the conversation itself, and erasure removes the flag with the person's other rows."""

    __tablename__ = "chat_safety_flags"
    __table_args__ = (
        CheckConstraint("category IN ('distress', 'abuse')", name="ck_chat_safety_flags_category"),
        # the admin queue: unreviewed first, newest first
        Index("ix_chat_safety_flags_queue", sql("(reviewed_at IS NOT NULL)"), sql("created_at DESC"), sql("id DESC")),
        Index("ix_chat_safety_flags_user", "user_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), nullable=False)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), nullable=False
    )
    # the person's message that was flagged
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    signals: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    created_at: Mapped[datetime] = _created()
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- browser sign-in and the counsellor role (migration 0010, aptichat_api.sessions) ----------------
STAFF_ROLES = ("counsellor", "admin")


class ChatStaff(Base):
    """A staff account: a counsellor (reads only the students assigned to them) or an admin. Their id is
    the `sub` of their tokens and sessions; ids are their own namespace, apart from chat_users."""

    __tablename__ = "chat_staff"
    __table_args__ = (
        CheckConstraint(_in("role", STAFF_ROLES), name="ck_chat_staff_role"),
        CheckConstraint("length(staff_id) BETWEEN 1 AND 128", name="ck_chat_staff_id"),
    )
    staff_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    display_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class ChatCounsellorStudent(Base):
    """An admin's assignment of a student to a counsellor."""

    __tablename__ = "chat_counsellor_students"
    __table_args__ = (Index("ix_chat_counsellor_students_user", "user_id"),)
    staff_id: Mapped[str] = mapped_column(ForeignKey("chat_staff.staff_id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"), primary_key=True)
    assigned_by: Mapped[str | None] = mapped_column(String(128))
    assigned_at: Mapped[datetime] = _created()


class ChatSigninCode(Base):
    """A one-time sign-in code (`aptichat signin link`): only its SHA-256 is stored; single use."""

    __tablename__ = "chat_signin_codes"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (staff_id IS NULL)", name="ck_chat_signin_codes_subject"),
        CheckConstraint("code_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_signin_codes_hash"),
        Index("ix_chat_signin_codes_user", "user_id"),
    )
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("chat_staff.staff_id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChatSession(Base):
    """A browser session: the cookie holds a random token, this row its SHA-256. Sign-out revokes it."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (staff_id IS NULL)", name="ck_chat_sessions_subject"),
        CheckConstraint(
            "(role = 'user') = (user_id IS NOT NULL) AND role IN ('user', 'counsellor', 'admin')",
            name="ck_chat_sessions_role",
        ),
        CheckConstraint("source IN ('signin', 'launch')", name="ck_chat_sessions_source"),
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_sessions_hash"),
        UniqueConstraint("token_hash", name="uq_chat_sessions_token_hash"),
        Index("ix_chat_sessions_user", "user_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("chat_users.user_id", ondelete="CASCADE"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("chat_staff.staff_id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # refresh extends expires_at up to this (the session's absolute lifetime)
    max_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChatLaunchCode(Base):
    """A `/launch` code already used: the SHA-256 of its `jti`, kept until the code would have expired."""

    __tablename__ = "chat_launch_codes"
    __table_args__ = (CheckConstraint("jti_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_launch_codes_hash"),)
    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
