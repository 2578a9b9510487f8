"""initial chat schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 15:51:11.186142

"""

from typing import Sequence, Union

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from aptichat.settings import get_settings

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the vector extension and every chat_ table."""
    # The vector dimension follows the configured embedding model and is recorded in chat_embedding_config
    # (read here, not at import, so loading the revisions reads no settings).
    settings = get_settings()
    dim, model = settings.embedding_dim, settings.embedding_model
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "chat_embedding_cache",
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("dim > 0", name="ck_chat_embedding_cache_dim"),
        sa.PrimaryKeyConstraint("text_hash", "model", "task"),
    )
    op.create_table(
        "chat_embedding_config",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("dim > 0", name="ck_chat_embedding_config_dim"),
        sa.CheckConstraint("id = 1", name="ck_chat_embedding_config_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "chat_etl_jobs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dagster_run_id", sa.String(length=64), nullable=True),
        sa.Column("error_class", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "missing",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source IN ('sensor', 'webhook', 'reprocess', 'backfill', 'manual')",
            name="ck_chat_etl_jobs_source",
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'queued', 'running', 'succeeded', 'partial', 'failed', 'rejected')",
            name="ck_chat_etl_jobs_status",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_chat_etl_jobs_status", "chat_etl_jobs", ["status", "id"], unique=False)
    op.create_index(
        "ix_chat_etl_jobs_user",
        "chat_etl_jobs",
        ["user_id", "requested_at"],
        unique=False,
    )
    op.create_table(
        "chat_jobs",
        sa.Column("onet_soc_code", sa.String(length=16), nullable=True),
        sa.Column("job_zone", sa.SmallInteger(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("riasec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "skills",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=dim), nullable=True),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', title || ' ' || description)", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("job_zone IS NULL OR job_zone BETWEEN 1 AND 5", name="ck_chat_jobs_zone"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(
        "ix_chat_jobs_embedding_hnsw",
        "chat_jobs",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index("ix_chat_jobs_onet", "chat_jobs", ["onet_soc_code"], unique=False)
    op.create_index("ix_chat_jobs_tsv", "chat_jobs", ["tsv"], unique=False, postgresql_using="gin")
    op.create_table(
        "chat_majors",
        sa.Column("cip_code", sa.String(length=16), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("riasec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "skills",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=dim), nullable=True),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', title || ' ' || description)", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_chat_majors_cip", "chat_majors", ["cip_code"], unique=False)
    op.create_index(
        "ix_chat_majors_embedding_hnsw",
        "chat_majors",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_chat_majors_tsv",
        "chat_majors",
        ["tsv"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "chat_scale_guides",
        sa.Column("guide_id", sa.String(length=64), nullable=False),
        sa.Column("scale", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=dim), nullable=True),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', title || ' ' || text)", persisted=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("guide_id"),
    )
    op.create_index(
        "ix_chat_scale_guides_embedding_hnsw",
        "chat_scale_guides",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_chat_scale_guides_tsv",
        "chat_scale_guides",
        ["tsv"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "chat_users",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column(
            "background",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "document_gaps",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("length(user_id) BETWEEN 1 AND 128", name="ck_chat_users_id"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_chat_conversations_user_id"),
        "chat_conversations",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "chat_documents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rendered_text", sa.Text(), nullable=False),
        sa.Column("source_session_id", sa.String(length=128), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "document_type IN ('personality_profile', 'thinking_skills', 'career_recommendations', 'major_recommendations')",
            name="ck_chat_documents_type",
        ),
        sa.CheckConstraint("status IN ('current', 'superseded')", name="ck_chat_documents_status"),
        sa.CheckConstraint("length(content_hash) = 64", name="ck_chat_documents_hash"),
        sa.CheckConstraint("version >= 1", name="ck_chat_documents_version"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "document_type", "version", name="uq_chat_documents_version"),
    )
    op.create_index(
        "uq_chat_documents_one_current",
        "chat_documents",
        ["user_id", "document_type"],
        unique=True,
        postgresql_where=sa.text("status = 'current'"),
    )
    op.create_table(
        "chat_document_chunks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=dim), nullable=True),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', title || ' ' || text)", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint("length(text) > 0", name="ck_chat_document_chunks_text"),
        sa.CheckConstraint("ordinal >= 0", name="ck_chat_document_chunks_ordinal"),
        sa.ForeignKeyConstraint(["document_id"], ["chat_documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_chat_document_chunks_ordinal"),
    )
    op.create_index(
        "ix_chat_document_chunks_tsv",
        "chat_document_chunks",
        ["tsv"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_chat_document_chunks_user",
        "chat_document_chunks",
        ["user_id", "document_type"],
        unique=False,
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column(
            "citations",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("degraded", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("variant", sa.String(length=64), nullable=True),
        sa.Column(
            "context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('user', 'assistant')", name="ck_chat_messages_role"),
        sa.CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="ck_chat_messages_latency"),
        sa.ForeignKeyConstraint(["conversation_id"], ["chat_conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_chat_messages_conversation",
        "chat_messages",
        ["conversation_id", "id"],
        unique=False,
    )
    op.create_table(
        "chat_feedback",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_chat_feedback_rating"),
        sa.ForeignKeyConstraint(["message_id"], ["chat_messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "user_id", name="uq_chat_feedback_message_user"),
    )
    op.execute(
        sa.text("INSERT INTO chat_embedding_config (id, model, dim) VALUES (1, :model, :dim)").bindparams(
            model=model, dim=dim
        )
    )


def downgrade() -> None:
    """Drop every chat_ table (the extension stays: other schemas may use it)."""
    op.drop_table("chat_feedback")
    op.drop_index("ix_chat_messages_conversation", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_chat_document_chunks_user", table_name="chat_document_chunks")
    op.drop_index(
        "ix_chat_document_chunks_tsv",
        table_name="chat_document_chunks",
        postgresql_using="gin",
    )
    op.drop_table("chat_document_chunks")
    op.drop_index(
        "uq_chat_documents_one_current",
        table_name="chat_documents",
        postgresql_where=sa.text("status = 'current'"),
    )
    op.drop_table("chat_documents")
    op.drop_index(op.f("ix_chat_conversations_user_id"), table_name="chat_conversations")
    op.drop_table("chat_conversations")
    op.drop_table("chat_users")
    op.drop_index(
        "ix_chat_scale_guides_tsv",
        table_name="chat_scale_guides",
        postgresql_using="gin",
    )
    op.drop_index(
        "ix_chat_scale_guides_embedding_hnsw",
        table_name="chat_scale_guides",
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_table("chat_scale_guides")
    op.drop_index("ix_chat_majors_tsv", table_name="chat_majors", postgresql_using="gin")
    op.drop_index(
        "ix_chat_majors_embedding_hnsw",
        table_name="chat_majors",
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_index("ix_chat_majors_cip", table_name="chat_majors")
    op.drop_table("chat_majors")
    op.drop_index("ix_chat_jobs_tsv", table_name="chat_jobs", postgresql_using="gin")
    op.drop_index("ix_chat_jobs_onet", table_name="chat_jobs")
    op.drop_index(
        "ix_chat_jobs_embedding_hnsw",
        table_name="chat_jobs",
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_table("chat_jobs")
    op.drop_index("ix_chat_etl_jobs_user", table_name="chat_etl_jobs")
    op.drop_index("ix_chat_etl_jobs_status", table_name="chat_etl_jobs")
    op.drop_table("chat_etl_jobs")
    op.drop_table("chat_embedding_config")
    op.drop_table("chat_embedding_cache")
