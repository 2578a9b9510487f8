"""Safety flags: conversations the safety layer sent a fixed reply in, queued for staff review
(GET /admin/safety/flags). Rule names only, never message text; erasure deletes them with the person.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_safety_flags",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column(
            "signals", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("category IN ('distress', 'abuse')", name="ck_chat_safety_flags_category"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["chat_conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["chat_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_chat_safety_flags_queue",
        "chat_safety_flags",
        [sa.text("(reviewed_at IS NOT NULL)"), sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_index("ix_chat_safety_flags_user", "chat_safety_flags", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_safety_flags_user", table_name="chat_safety_flags")
    op.drop_index("ix_chat_safety_flags_queue", table_name="chat_safety_flags")
    op.drop_table("chat_safety_flags")
