"""Erasure ledger (aptichat.db.erasure): one row per erasure, the person as a keyed hash (HMAC-SHA256
with the install's salt) and when. No personal data; no FK, so it outlives the person and is carried
across backup restores (docs/privacy.md).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_erasures",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("person_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_erasures_hash"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_hash", "erased_at", name="uq_chat_erasures_entry"),
    )
    op.create_index("ix_chat_erasures_person", "chat_erasures", ["person_hash", sa.text("erased_at DESC")])


def downgrade() -> None:
    op.drop_index("ix_chat_erasures_person", table_name="chat_erasures")
    op.drop_table("chat_erasures")
