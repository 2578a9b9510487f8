"""ETL stage outputs (per asset and partition) and the run key of each ETL job.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_etl_stage_outputs",
        sa.Column("asset_key", sa.String(length=128), nullable=False),
        sa.Column("partition_key", sa.String(length=128), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("asset_key", "partition_key"),
    )
    op.add_column("chat_etl_jobs", sa.Column("run_key", sa.String(length=200), nullable=True))
    op.create_index("ix_chat_etl_jobs_run_key", "chat_etl_jobs", ["run_key"])


def downgrade() -> None:
    op.drop_index("ix_chat_etl_jobs_run_key", table_name="chat_etl_jobs")
    op.drop_column("chat_etl_jobs", "run_key")
    op.drop_table("chat_etl_stage_outputs")
