"""Browser sign-in and the counsellor role (issue 17): staff accounts (counsellors and admins with their
own ids), which students a counsellor may read, one-time sign-in codes and browser sessions (both stored
as SHA-256 hashes of random values, never the values), the single-use record of launch codes' `jti`, a
person's setting to share their conversations with their counsellor, and the audit trail's new actions
and its `counsellor` actor.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ACTIONS = ("profile.read", "documents.read", "history.read", "user.reprocess", "user.erase")
NEW_ACTIONS = (*OLD_ACTIONS, "status.read", "students.read", "cohort.read")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "chat_staff",
        sa.Column("staff_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('counsellor', 'admin')", name="ck_chat_staff_role"),
        sa.CheckConstraint("length(staff_id) BETWEEN 1 AND 128", name="ck_chat_staff_id"),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "chat_counsellor_students",
        sa.Column("staff_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("assigned_by", sa.String(length=128), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["chat_staff.staff_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "user_id"),
    )
    op.create_index("ix_chat_counsellor_students_user", "chat_counsellor_students", ["user_id"])
    op.create_table(
        "chat_signin_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("staff_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(user_id IS NULL) <> (staff_id IS NULL)", name="ck_chat_signin_codes_subject"),
        sa.CheckConstraint("code_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_signin_codes_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["chat_staff.staff_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_chat_signin_codes_user", "chat_signin_codes", ["user_id"])
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("staff_id", sa.String(length=128), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(user_id IS NULL) <> (staff_id IS NULL)", name="ck_chat_sessions_subject"),
        sa.CheckConstraint(
            "(role = 'user') = (user_id IS NOT NULL) AND role IN ('user', 'counsellor', 'admin')",
            name="ck_chat_sessions_role",
        ),
        sa.CheckConstraint("source IN ('signin', 'launch')", name="ck_chat_sessions_source"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_sessions_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["chat_users.user_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["chat_staff.staff_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_chat_sessions_token_hash"),
    )
    op.create_index("ix_chat_sessions_user", "chat_sessions", ["user_id"])
    op.create_table(
        "chat_launch_codes",
        sa.Column("jti_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jti_hash ~ '^[0-9a-f]{64}$'", name="ck_chat_launch_codes_hash"),
        sa.PrimaryKeyConstraint("jti_hash"),
    )
    op.add_column(
        "chat_users",
        sa.Column("share_conversations", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.drop_constraint("ck_chat_audit_log_action", "chat_audit_log", type_="check")
    op.create_check_constraint("ck_chat_audit_log_action", "chat_audit_log", _in("action", NEW_ACTIONS))
    op.drop_constraint("ck_chat_audit_log_actor_role", "chat_audit_log", type_="check")
    op.create_check_constraint(
        "ck_chat_audit_log_actor_role", "chat_audit_log", _in("actor_role", ("admin", "counsellor", "service"))
    )


def downgrade() -> None:
    op.execute("DELETE FROM chat_audit_log WHERE actor_role = 'counsellor' OR " + _in("action", NEW_ACTIONS[5:]))
    op.drop_constraint("ck_chat_audit_log_actor_role", "chat_audit_log", type_="check")
    op.create_check_constraint(
        "ck_chat_audit_log_actor_role", "chat_audit_log", _in("actor_role", ("admin", "service"))
    )
    op.drop_constraint("ck_chat_audit_log_action", "chat_audit_log", type_="check")
    op.create_check_constraint("ck_chat_audit_log_action", "chat_audit_log", _in("action", OLD_ACTIONS))
    op.drop_column("chat_users", "share_conversations")
    op.drop_table("chat_launch_codes")
    op.drop_index("ix_chat_sessions_user", table_name="chat_sessions")
    op.drop_table("chat_sessions")
    op.drop_index("ix_chat_signin_codes_user", table_name="chat_signin_codes")
    op.drop_table("chat_signin_codes")
    op.drop_index("ix_chat_counsellor_students_user", table_name="chat_counsellor_students")
    op.drop_table("chat_counsellor_students")
    op.drop_table("chat_staff")
