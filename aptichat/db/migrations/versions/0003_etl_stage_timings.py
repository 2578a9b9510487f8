"""Per-stage ETL timings (one row per stage per run), exported as aptichat_etl_stage_seconds.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_etl_stage_timings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("seconds >= 0", name="ck_chat_etl_stage_timings_seconds"),
        sa.CheckConstraint("users >= 0", name="ck_chat_etl_stage_timings_users"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chat_etl_stage_timings_finished", "chat_etl_stage_timings", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_etl_stage_timings_finished", table_name="chat_etl_stage_timings")
    op.drop_table("chat_etl_stage_timings")
