"""Audit trail of admin actions on another person (aptichat_api.audit): who read someone's profile,
documents or history, who erased or reprocessed whom. The person is a salted hash; no content.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ("profile.read", "documents.read", "history.read", "user.reprocess", "user.erase")


def upgrade() -> None:
    op.create_table(
        "chat_audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_user_hash", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")", name="ck_chat_audit_log_action"),
        sa.CheckConstraint("actor_role IN ('admin', 'service')", name="ck_chat_audit_log_actor_role"),
        sa.CheckConstraint("target_user_hash ~ '^[0-9a-f]{16}$'", name="ck_chat_audit_log_target_hash"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chat_audit_log_at", "chat_audit_log", [sa.text("at DESC"), sa.text("id DESC")])
    op.create_index("ix_chat_audit_log_action", "chat_audit_log", ["action", sa.text("id DESC")])
    op.create_index("ix_chat_audit_log_target", "chat_audit_log", ["target_user_hash", sa.text("id DESC")])


def downgrade() -> None:
    op.drop_index("ix_chat_audit_log_target", table_name="chat_audit_log")
    op.drop_index("ix_chat_audit_log_action", table_name="chat_audit_log")
    op.drop_index("ix_chat_audit_log_at", table_name="chat_audit_log")
    op.drop_table("chat_audit_log")
