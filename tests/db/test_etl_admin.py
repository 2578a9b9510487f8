"""The operators' view of ETL jobs on the real embedded PostgreSQL: filters, stable paging, and the
people a successful run failed (for one batched notice)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from aptichat.db import etl_admin, etl_jobs
from aptichat.db.models import ChatEtlJob

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _user() -> str:
    return f"adm-{uuid.uuid4().hex[:12]}"


def test_list_jobs_filters_and_pages_newest_first(db_session: Session) -> None:
    user, other = _user(), _user()
    old = datetime.now(UTC) - timedelta(days=2)
    for status, who, at in [
        ("failed", user, old),
        ("failed", user, datetime.now(UTC)),
        ("succeeded", user, datetime.now(UTC)),
        ("failed", other, datetime.now(UTC)),
        ("failed", user, datetime.now(UTC)),
    ]:
        db_session.execute(insert(ChatEtlJob).values(user_id=who, source="sensor", status=status, requested_at=at))
    failed = etl_admin.list_jobs(db_session, status="failed", user_id=user)
    assert [j.requested_at == old for j in failed] == [False, False, True]
    assert [j.id for j in failed] == sorted((j.id for j in failed), reverse=True)
    recent = etl_admin.list_jobs(db_session, status="failed", user_id=user, since=old + timedelta(hours=1))
    assert len(recent) == 2
    first = etl_admin.list_jobs(db_session, user_id=user, limit=2)
    second = etl_admin.list_jobs(db_session, user_id=user, limit=2, before_id=first[-1].id)
    assert len(first) == 2 and len(second) == 2 and not {j.id for j in first} & {j.id for j in second}


def test_failed_in_run_names_only_people_whose_failure_stands(engine: Engine) -> None:
    failed, fine, fixed = _user(), _user(), _user()
    run = f"run-{uuid.uuid4().hex[:8]}"
    for user, status in [(failed, "failed"), (fine, "succeeded"), (fixed, "failed")]:
        etl_jobs.record_user_outcome(
            engine,
            user,
            run,
            None,
            status,
            {},
            error_class="legacy_query_failed" if status == "failed" else None,
            run_created_at=T0,
            root_run_id=run,
        )
    etl_jobs.record_user_outcome(
        engine, fixed, f"{run}-retry", None, "succeeded", {}, run_created_at=T0 + timedelta(minutes=1), root_run_id=run
    )
    people = etl_admin.failed_in_run(engine, run)
    assert [(p.user_id, p.error_class) for p in people] == [(failed, "legacy_query_failed")]
