"""Pseudonymous partition keys (aptichat.db.person_keys): one random, opaque key per person, the only
name Dagster's storage ever sees for them (docs/privacy.md). Erasure deletes the row, so what Dagster
keeps names nobody. Existing people (chat_users, and people with ETL jobs) get a key here; their old
Dagster partitions, keyed by user id, are dropped by the code location's cleanup sensor.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_person_keys",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("partition_key", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("partition_key ~ '^p_[0-9a-f]{20}$'", name="ck_chat_person_keys_key"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("partition_key", name="uq_chat_person_keys_partition_key"),
    )
    # gen_random_bytes needs pgcrypto; md5(random) is enough for an opaque, unguessable-enough key
    # that is not derived from the id (20 hex digits from two random draws)
    op.execute(
        """
        INSERT INTO chat_person_keys (user_id, partition_key)
        SELECT user_id, 'p_' || substr(md5(random()::text || clock_timestamp()::text || user_id), 1, 20)
        FROM (
            SELECT user_id FROM chat_users
            UNION SELECT user_id FROM chat_etl_jobs WHERE user_id <> '(erased)'
        ) people
        ON CONFLICT DO NOTHING
        """
    )
    # stage outputs stored under the old key (the user id) move to the person's key
    op.execute(
        "UPDATE chat_etl_stage_outputs s SET partition_key = k.partition_key "
        "FROM chat_person_keys k WHERE s.partition_key = k.user_id"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE chat_etl_stage_outputs s SET partition_key = k.user_id "
        "FROM chat_person_keys k WHERE s.partition_key = k.partition_key"
    )
    op.drop_table("chat_person_keys")
