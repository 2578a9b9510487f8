"""chat_etl_jobs on the real embedded PostgreSQL: status derived from every run that carried a job
(retries and re-executions, reported in any order), requests found by status even when they commit
out of id order, and idempotent, limited reprocess requests."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from aptichat.db import etl_jobs, reprocess
from aptichat.db.etl_attempts import Attempt, deciding_attempt
from aptichat.db.models import ChatEtlJob

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=3)


def _user() -> str:
    return f"etl-{uuid.uuid4().hex[:12]}"


def _queued_job(engine: Engine, user: str) -> tuple[int, str]:
    job, _ = etl_jobs.create_job(engine, user, "reprocess")
    run_key = f"job:{job.id}"
    etl_jobs.mark_queued(engine, [job.id], run_key)
    return job.id, run_key


def _job(engine: Engine, job_id: int) -> ChatEtlJob:
    job = etl_jobs.get_job(engine, job_id)
    assert job is not None
    return job


# --- truthful status -------------------------------------------------------------------------------


def test_a_retry_that_succeeds_makes_a_failed_job_succeeded_and_keeps_the_history(engine: Engine) -> None:
    user = _user()
    job_id, run_key = _queued_job(engine, user)
    etl_jobs.mark_run(engine, run_key, "run-1", "running", run_created_at=T0)
    changed = etl_jobs.mark_run(
        engine,
        run_key,
        "run-1",
        "failed",
        "run_interrupted",
        "DagsterExecutionInterruptedError: Traceback (most recent call last) ...",
        run_created_at=T0,
    )
    assert changed == 1 and _job(engine, job_id).status == "failed"

    # Dagster's automatic retry keeps the run key and the root run
    etl_jobs.mark_run(engine, run_key, "run-2", "running", run_created_at=T1, root_run_id="run-1")
    assert _job(engine, job_id).status == "running"
    etl_jobs.record_user_outcome(
        engine, user, "run-2", run_key, "succeeded", {}, run_created_at=T1, root_run_id="run-1"
    )
    etl_jobs.mark_run(engine, run_key, "run-2", "succeeded", run_created_at=T1, root_run_id="run-1")

    job = _job(engine, job_id)
    assert (job.status, job.dagster_run_id, job.error_class, job.error_message) == (
        "succeeded",
        "run-2",
        None,
        None,
    )
    history = [(a["run_id"], a["outcome"], a["scope"], a["error_class"]) for a in job.attempts]
    assert history == [
        ("run-1", "running", "run", None),
        ("run-1", "failed", "run", "run_interrupted"),
        ("run-2", "running", "run", None),
        ("run-2", "succeeded", "user", None),
        ("run-2", "succeeded", "run", None),
    ]
    assert "Traceback" not in json.dumps(job.attempts)
    # no second row was made for the retry
    with engine.connect() as conn:
        assert conn.execute(select(ChatEtlJob.id).where(ChatEtlJob.user_id == user)).scalars().all() == [job_id]


def test_a_late_failure_report_of_an_older_run_never_overwrites_its_retry(engine: Engine) -> None:
    user = _user()
    job_id, run_key = _queued_job(engine, user)
    # the retry is reported first (the failure sensor catches up after a restart)
    etl_jobs.record_user_outcome(
        engine, user, "run-2", run_key, "partial", {"thinking_skills": "not measured"}, run_created_at=T1
    )
    changed = etl_jobs.mark_run(engine, run_key, "run-1", "failed", "run_interrupted", "boom", run_created_at=T0)
    job = _job(engine, job_id)
    assert changed == 0
    assert (job.status, job.dagster_run_id, job.missing, job.error_message) == (
        "partial",
        "run-2",
        {"thinking_skills": "not measured"},
        None,
    )
    assert [(a["run_id"], a["outcome"]) for a in job.attempts] == [("run-2", "partial"), ("run-1", "failed")]


def test_within_one_run_the_persons_verdict_beats_the_runs_own_status(engine: Engine) -> None:
    user = _user()
    job_id, run_key = _queued_job(engine, user)
    etl_jobs.record_user_outcome(
        engine,
        user,
        "run-1",
        run_key,
        "failed",
        {"all": "no session"},
        error_class="no_completed_session",
        run_created_at=T0,
    )
    # the started sensor reports late, then the run succeeds for the others
    etl_jobs.mark_run(engine, run_key, "run-1", "running", run_created_at=T0)
    etl_jobs.mark_run(engine, run_key, "run-1", "succeeded", run_created_at=T0)
    job = _job(engine, job_id)
    assert (job.status, job.error_class) == ("failed", "no_completed_session")


def test_a_retry_from_failure_that_skips_the_person_leaves_their_verdict(engine: Engine) -> None:
    user = _user()
    job_id, run_key = _queued_job(engine, user)
    etl_jobs.record_user_outcome(engine, user, "run-1", run_key, "partial", {"x": "y"}, run_created_at=T0)
    etl_jobs.mark_run(engine, run_key, "run-1", "failed", "unexpected_error", "later step", run_created_at=T0)
    assert _job(engine, job_id).status == "partial"
    etl_jobs.mark_run(engine, run_key, "run-2", "running", run_created_at=T1)
    assert _job(engine, job_id).status == "running"
    etl_jobs.mark_run(engine, run_key, "run-2", "succeeded", run_created_at=T1)
    assert _job(engine, job_id).status == "partial"


def test_a_reexecuted_backfill_run_updates_the_row_of_its_first_attempt(engine: Engine) -> None:
    user = _user()
    etl_jobs.record_user_outcome(
        engine,
        user,
        "bf-1",
        None,
        "failed",
        {"all": "x"},
        source="backfill",
        error_class="legacy_query_failed",
        run_created_at=T0,
        root_run_id="bf-1",
    )
    etl_jobs.record_user_outcome(
        engine, user, "bf-2", None, "succeeded", {}, source="backfill", run_created_at=T1, root_run_id="bf-1"
    )
    with engine.connect() as conn:
        rows = conn.execute(select(ChatEtlJob).where(ChatEtlJob.user_id == user)).all()
    assert [(r.status, r.source, r.dagster_run_id, r.error_class) for r in rows] == [
        ("succeeded", "backfill", "bf-2", None)
    ]


def test_rejected_jobs_are_never_touched_by_runs(engine: Engine) -> None:
    user = _user()
    session_id = f"s-{user}"
    etl_jobs.record_rejected(engine, session_id, user, "too many unanswered items (40 of 60)")
    etl_jobs.mark_run(engine, etl_jobs.session_key(session_id), "run-1", "running")
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.user_id == user)).one()
    assert (row.status, row.attempts) == ("rejected", [])


def test_deciding_attempt_orders_runs_by_creation_not_by_report() -> None:
    old = Attempt("r1", "r1", T0, "failed", "run", "run_interrupted")
    new = Attempt("r2", "r1", T1, "succeeded", "run")
    assert deciding_attempt([new, old]) == new
    assert deciding_attempt([old, new]) == new
    assert deciding_attempt([]) is None
    with pytest.raises(ValueError):
        Attempt("r1", "r1", T0, "exploded", "run")


# --- requested jobs found by status ---------------------------------------------------------------


def _only(ids: set[int]):  # type: ignore[no-untyped-def]
    """An `assign` that plans only this test's rows (other tests' rows stay requested)."""

    def assign(jobs: list[etl_jobs.JobRow]) -> Mapping[int, str]:
        return {j.id: f"run-for-{j.id}" for j in jobs if j.id in ids}

    return assign


def _insert_request(conn, user: str) -> int:  # type: ignore[no-untyped-def]
    return int(
        conn.execute(
            insert(ChatEtlJob).values(user_id=user, source="webhook", status="requested").returning(ChatEtlJob.id)
        ).scalar_one()
    )


def test_a_request_that_commits_after_a_higher_id_is_still_claimed(engine: Engine) -> None:
    user = _user()
    slow = engine.connect()
    slow_tx = slow.begin()
    try:
        late_id = _insert_request(slow, user)  # the lower id, not committed yet
        with engine.begin() as fast:
            early_id = _insert_request(fast, user)
        assert late_id < early_id

        claimed = etl_jobs.claim_requested_jobs(engine, 1000, _only({late_id, early_id}))
        assert [(j.id, j.status, j.run_key) for j in claimed] == [(early_id, "queued", f"run-for-{early_id}")]
        # what the id cursor did: the late row is below the cursor now and would never be seen
        with engine.connect() as conn:
            above_cursor = conn.execute(select(ChatEtlJob.id).where(ChatEtlJob.id > early_id)).scalars().all()
        assert late_id not in above_cursor
        slow_tx.commit()
    finally:
        slow.close()

    claimed = etl_jobs.claim_requested_jobs(engine, 1000, _only({late_id, early_id}))
    assert [j.id for j in claimed] == [late_id]
    assert _job(engine, late_id).status == "queued" and _job(engine, early_id).status == "queued"


def test_two_claims_at_once_never_take_the_same_row(engine: Engine) -> None:
    user = _user()
    with engine.begin() as conn:
        ids = {_insert_request(conn, user) for _ in range(3)}
    seen_inside: list[list[int]] = []

    def assign(jobs: list[etl_jobs.JobRow]) -> Mapping[int, str]:
        # a second tick while this one still holds its rows
        seen_inside.append([j.id for j in etl_jobs.claim_requested_jobs(engine, 1000, _only(ids))])
        return {j.id: "first-tick" for j in jobs if j.id in ids}

    first = etl_jobs.claim_requested_jobs(engine, 1000, assign)
    assert seen_inside == [[]]
    assert {j.id for j in first} == ids


def test_unplanned_rows_stay_requested_and_unlaunched_runs_are_handed_back(engine: Engine) -> None:
    user = _user()
    with engine.begin() as conn:
        a, b = _insert_request(conn, user), _insert_request(conn, user)
        conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.id.in_([a, b]))
            .values(requested_at=datetime.now(UTC) - timedelta(minutes=30))
        )
    etl_jobs.claim_requested_jobs(engine, 1000, _only({a}))
    assert (_job(engine, a).status, _job(engine, b).status) == ("queued", "requested")
    stale = etl_jobs.queued_without_attempt(engine, timedelta(minutes=10))
    assert stale[f"run-for-{a}"] == [a]
    assert etl_jobs.release_unlaunched(engine, [f"run-for-{a}"]) == 1
    assert (_job(engine, a).status, _job(engine, a).run_key) == ("requested", None)


# --- reprocess ------------------------------------------------------------------------------------


def _finish(session: Session, job_id: int) -> None:
    session.execute(update(ChatEtlJob).where(ChatEtlJob.id == job_id).values(status="succeeded"))


def test_reprocess_returns_the_open_job_instead_of_queueing_another(db_session: Session) -> None:
    user = _user()
    first, created = reprocess.request_reprocess(db_session, user, "alice")
    again, created_again = reprocess.request_reprocess(db_session, user, "alice")
    assert created and not created_again and again.id == first.id
    row = db_session.get(ChatEtlJob, first.id)
    assert row is not None and (row.source, row.status, row.requested_by) == ("reprocess", "requested", "alice")

    _finish(db_session, first.id)
    second, created = reprocess.request_reprocess(db_session, user, "alice")
    assert created and second.id != first.id


def test_reprocess_returns_an_open_sensor_job_for_the_person(db_session: Session) -> None:
    user = _user()
    db_session.execute(insert(ChatEtlJob).values(user_id=user, source="sensor", status="running"))
    open_id = db_session.scalars(select(ChatEtlJob.id).where(ChatEtlJob.user_id == user)).one()
    job, created = reprocess.request_reprocess(db_session, user, "alice")
    assert (job.id, created) == (open_id, False)


def test_reprocess_is_limited_per_person_and_admins_can_force(db_session: Session) -> None:
    user, other = _user(), _user()
    for _ in range(2):
        job, created = reprocess.request_reprocess(db_session, user, "alice", limit_per_hour=2)
        assert created
        _finish(db_session, job.id)
    with pytest.raises(reprocess.ReprocessLimitExceeded) as refused:
        reprocess.request_reprocess(db_session, user, "alice", limit_per_hour=2)
    assert refused.value.code == "reprocess_limited"
    assert 0 < refused.value.retry_after_s <= 3600
    # someone else is not affected
    assert reprocess.request_reprocess(db_session, other, "bob", limit_per_hour=2)[1]
    forced, created = reprocess.request_reprocess(db_session, user, "admin", force=True, limit_per_hour=2)
    assert created
    # force makes a new one even while one is open
    forced_again, created = reprocess.request_reprocess(db_session, user, "admin", force=True, limit_per_hour=2)
    assert created and forced_again.id != forced.id


def test_concurrent_reprocess_requests_for_one_person_make_one_job(engine: Engine) -> None:
    user = _user()
    results: list[int] = []
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with Session(engine) as s, s.begin():
            job, _ = reprocess.request_reprocess(s, user, "alice")
            results.append(job.id)
            holding.set()
            release.wait(10)

    def second() -> None:
        with Session(engine) as s, s.begin():
            job, _ = reprocess.request_reprocess(s, user, "alice")
            results.append(job.id)

    t1 = threading.Thread(target=first)
    t1.start()
    assert holding.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.5)
    assert t2.is_alive()  # waits for the first request's transaction
    release.set()
    t1.join(10)
    t2.join(10)
    assert len(results) == 2 and results[0] == results[1]
