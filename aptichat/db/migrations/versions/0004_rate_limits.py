"""Rate-limit counters shared by every API worker and replica (aptichat_api.ratelimit_store).

UNLOGGED: counters are worth no WAL and no fsync; after a crash they start empty, which only forgives
one window. fillfactor 70 leaves room on each page so the per-hit updates stay HOT.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE chat_rate_limits (
            key bytea PRIMARY KEY,
            hits bigint NOT NULL DEFAULT 0,
            entries double precision[] NOT NULL DEFAULT '{}',
            expires_at double precision NOT NULL,
            CONSTRAINT ck_chat_rate_limits_key CHECK (octet_length(key) = 32),
            CONSTRAINT ck_chat_rate_limits_hits CHECK (hits >= 0)
        ) WITH (fillfactor = 70)
        """
    )
    op.execute(
        "COMMENT ON TABLE chat_rate_limits IS 'Rate-limit counters (aptichat_api.ratelimit_store): "
        "key = sha256(salt, limits key), entries = accepted hits of the moving window, epoch seconds'"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS chat_rate_limits")
