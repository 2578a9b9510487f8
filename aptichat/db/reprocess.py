"""Reprocess requests: one open job per person, and a limit on how often one person may ask.

Asking twice while a job for the person is open returns that job (one run, not two), and one person
cannot flood the queue everyone shares; administrators can force a new request.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aptichat.db import erasure
from aptichat.db.etl_jobs import OPEN_STATUSES, JobRow
from aptichat.db.models import ChatEtlJob

# reprocess requests one person may make per hour (an open request is returned, not counted again)
REPROCESS_LIMIT_PER_HOUR = 5


class ReprocessLimitExceeded(Exception):
    """A person asked for more reprocessing than `limit_per_hour` allows."""

    code = "reprocess_limited"

    def __init__(self, user_id: str, limit_per_hour: int, retry_after_s: int) -> None:
        super().__init__(
            f"{user_id} asked for reprocessing {limit_per_hour} times in the last hour; try again in {retry_after_s} s"
        )
        self.user_id = user_id
        self.limit_per_hour = limit_per_hour
        self.retry_after_s = retry_after_s


def request_reprocess(
    session: Session,
    user_id: str,
    requested_by: str | None,
    force: bool = False,
    *,
    limit_per_hour: int = REPROCESS_LIMIT_PER_HOUR,
) -> tuple[JobRow, bool]:
    """A reprocess request for a person; returns (job, created).

    While a job for the person is open (requested, queued or running, from any source) that job is
    returned: asking twice queues one run. Otherwise a `requested` job is created, unless the person
    made `limit_per_hour` reprocess requests in the last hour (ReprocessLimitExceeded, code
    `reprocess_limited`). `force` (administrators) always creates a new one. Concurrent requests for
    one person are serialised by a transaction-level advisory lock; the caller commits. An erased
    person who has not come back is refused (aptichat.db.erasure.PersonErased), checked under their
    erasure lock in this transaction."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"aptichat:reprocess:{user_id}", 0))))
    erasure.lock_person(session, user_id)  # an erasure cannot slip in before this request commits
    if erasure.refuses_reprocess(session, user_id):
        raise erasure.PersonErased("the person was erased")
    if not force:
        open_job = session.scalars(
            select(ChatEtlJob)
            .where(ChatEtlJob.user_id == user_id, ChatEtlJob.status.in_(OPEN_STATUSES))
            .order_by(ChatEtlJob.requested_at.desc(), ChatEtlJob.id.desc())
            .limit(1)
        ).first()
        if open_job is not None:
            return JobRow.of(open_job), False
        window = session.scalars(
            select(ChatEtlJob.requested_at)
            .where(
                ChatEtlJob.user_id == user_id,
                ChatEtlJob.source == "reprocess",
                ChatEtlJob.requested_at > func.now() - timedelta(hours=1),
            )
            .order_by(ChatEtlJob.requested_at)
        ).all()
        if len(window) >= limit_per_hour:
            now = session.scalar(select(func.now()))
            assert now is not None
            oldest = window[-limit_per_hour]
            retry_after = max(1, math.ceil((oldest + timedelta(hours=1) - now).total_seconds()))
            raise ReprocessLimitExceeded(user_id, limit_per_hour, retry_after)
    job = ChatEtlJob(
        user_id=user_id, source="reprocess", status="requested", requested_by=requested_by, attempts=[], missing={}
    )
    session.add(job)
    session.flush()
    return JobRow.of(job), True
