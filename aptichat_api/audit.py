"""The audit trail of admin actions (table chat_audit_log): staff, or the service key, acting on
another person's data: reading their profile, documents or history, erasing them, reprocessing them.

A row says who (the admin's id: staff are accountable by name; `service` for the key), what (an
action of AUDIT_ACTIONS), on whom (aptichat.logs.hash_user of the person: the same salted hash as the
logs, so the trail outlives an erasure without naming anyone) and in which request (the request id
of the access line). Never any content: no document, question, answer or message text.

A row is written in the same transaction as the read or the change it records, so an action that
cannot be audited does not happen. A person's own actions on their own data are not recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import Session

from aptichat import logs
from aptichat.db.models import AUDIT_ACTIONS, AuditAction, ChatAuditEntry
from aptichat_api.auth import Principal

Action = AuditAction


def is_audited(principal: Principal, target_user_id: str) -> bool:
    """Staff or the service key acting on someone else: every read of a counsellor."""
    if principal.role in ("service", "counsellor"):
        return True
    return principal.is_admin and principal.user_id != target_user_id


def record(session: Session, principal: Principal, action: Action, target_user_id: str) -> None:
    """Add the audit row of `action` on `target_user_id` to `session`'s transaction (when audited)."""
    assert action in AUDIT_ACTIONS, action
    if not is_audited(principal, target_user_id):
        return
    session.add(
        ChatAuditEntry(
            actor=principal.actor,
            actor_role=principal.role,
            action=action,
            target_user_hash=logs.hash_user(target_user_id),
            request_id=g.get("request_id"),
        )
    )
    session.flush()  # a row that cannot be written fails the request, not a later commit


def entries(
    session: Session,
    *,
    action: str | None = None,
    since: datetime | None = None,
    target_user_id: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Newest first, `limit` at a time; `next_before` (an id) pages further back."""
    stmt = select(ChatAuditEntry).order_by(ChatAuditEntry.id.desc()).limit(limit + 1)
    if action is not None:
        stmt = stmt.where(ChatAuditEntry.action == action)
    if since is not None:
        stmt = stmt.where(ChatAuditEntry.at >= since)
    if target_user_id is not None:
        stmt = stmt.where(ChatAuditEntry.target_user_hash == logs.hash_user(target_user_id))
    if before is not None:
        stmt = stmt.where(ChatAuditEntry.id < before)
    rows = list(session.scalars(stmt))
    page = rows[:limit]
    return {"entries": page, "next_before": page[-1].id if len(rows) > limit else None}
