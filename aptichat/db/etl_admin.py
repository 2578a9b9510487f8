"""What operators read about ETL jobs: a filtered, paged list, and the people a run failed.

Shown to administrators only: these rows carry error messages and run ids, which a person never sees
(aptichat.person_state words their state instead).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from aptichat.db.models import ChatEtlJob

MAX_PAGE = 200


def list_jobs(
    session: Session,
    *,
    status: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ChatEtlJob]:
    """Jobs newest first, filtered by status, person and request time; page with `before_id` (the
    last id of the previous page), which stays stable while new jobs arrive."""
    query = select(ChatEtlJob).order_by(ChatEtlJob.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
    if status is not None:
        query = query.where(ChatEtlJob.status == status)
    if user_id is not None:
        query = query.where(ChatEtlJob.user_id == user_id)
    if since is not None:
        query = query.where(ChatEtlJob.requested_at >= since)
    if before_id is not None:
        query = query.where(ChatEtlJob.id < before_id)
    return list(session.scalars(query))


class FailedPerson(NamedTuple):
    job_id: int
    user_id: str
    error_class: str | None


def failed_in_run(engine: Engine, run_id: str) -> list[FailedPerson]:
    """The people this run gave a `failed` verdict that still stands (a later run has not fixed it),
    for one batched notice to administrators when the run itself succeeded."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(ChatEtlJob.id, ChatEtlJob.user_id, ChatEtlJob.error_class)
            .where(
                ChatEtlJob.status == "failed",
                ChatEtlJob.dagster_run_id == run_id,
                ChatEtlJob.attempts.contains([{"run_id": run_id, "scope": "user", "outcome": "failed"}]),
            )
            .order_by(ChatEtlJob.id)
        ).all()
    return [FailedPerson(r.id, r.user_id, r.error_class) for r in rows]
