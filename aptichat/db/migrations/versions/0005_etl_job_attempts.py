"""Truthful ETL job status: the history of the runs that carried each job, who asked for it, and an
index for finding requested jobs by status in request order (not by an id cursor).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "chat_etl_jobs",
        sa.Column(
            "attempts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("chat_etl_jobs", sa.Column("requested_by", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_chat_etl_jobs_requested",
        "chat_etl_jobs",
        ["requested_at", "id"],
        postgresql_where=sa.text("status = 'requested'"),
    )


def downgrade() -> None:
    op.drop_index("ix_chat_etl_jobs_requested", table_name="chat_etl_jobs")
    op.drop_column("chat_etl_jobs", "requested_by")
    op.drop_column("chat_etl_jobs", "attempts")
