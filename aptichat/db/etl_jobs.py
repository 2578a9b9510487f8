"""chat_etl_jobs: requests to process a user and where each stands. All SQL for that table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import insert

from aptichat.db import erasure, person_keys
from aptichat.db.etl_attempts import Attempt, attempts_of, deciding_attempt, with_attempt
from aptichat.db.models import ChatEtlJob

FINAL_STATUSES = ("succeeded", "partial", "failed", "rejected")
OPEN_STATUSES = ("requested", "queued", "running")
# jobs the API creates; the requests sensor runs them (the completion sensor runs its own)
API_SOURCES = ("webhook", "reprocess", "manual")


def session_key(session_id: str) -> str:
    """The idempotency key of a completed session: the webhook and the sensor share it, so a session
    reported both ways is processed once."""
    return f"session:{session_id}"


@dataclass(frozen=True)
class JobRow:
    id: int
    user_id: str
    session_id: str | None
    source: str
    status: str
    run_key: str | None
    # the person's pseudonymous partition key, set by claim_requested_jobs (aptichat.db.person_keys)
    partition_key: str | None = None

    @classmethod
    def of(cls, job: Any) -> JobRow:
        """From a ChatEtlJob or a selected row of it."""
        return cls(job.id, job.user_id, job.session_id, job.source, job.status, job.run_key)


def claim_sensor_sessions(
    engine: Engine, sessions: Sequence[tuple[str, str]], completed_at: Mapping[str, datetime] | None = None
) -> dict[str, str | None]:
    """Record sessions found by the completion sensor as queued jobs.

    `sessions` holds (session_id, user_id). Returns the sessions this sensor may still have to run, each
    with the run key an earlier tick gave it (None when new): newly inserted, or inserted by an earlier
    tick of this sensor and still queued (a repeated tick, or a run that has not started yet; the sensor
    checks those keys against Dagster's runs). `assign_run_keys` then names the run of each. A session
    whose run already started or ended is left out, so a lost or reset cursor does not process every
    completion again; a session that reached us through the webhook first belongs to the requests sensor.
    A session completed (`completed_at`: session id -> time) before its person's erasure is left out
    and recorded nowhere (aptichat.db.erasure).
    """
    if not sessions:
        return {}
    rows = [
        {
            "user_id": u,
            "session_id": s,
            "source": "sensor",
            "idempotency_key": session_key(s),
            "status": "queued",
        }
        for s, u in sessions
    ]
    with engine.begin() as conn:
        rows = _not_erased(conn, rows, completed_at)
        if not rows:
            return {}
        # each person's pseudonymous partition key, made under their erasure lock (person_keys)
        person_keys.ensure(conn, [r["user_id"] for r in rows])
        conn.execute(insert(ChatEtlJob).values(rows).on_conflict_do_nothing(index_elements=["idempotency_key"]))
        owned = conn.execute(
            select(ChatEtlJob.session_id, ChatEtlJob.run_key).where(
                ChatEtlJob.idempotency_key.in_([r["idempotency_key"] for r in rows]),
                ChatEtlJob.source == "sensor",
                ChatEtlJob.status == "queued",
            )
        ).all()
        return {row.session_id: row.run_key for row in owned if row.session_id is not None}


def _not_erased(
    conn: Connection, rows: list[dict[str, Any]], completed_at: Mapping[str, datetime] | None
) -> list[dict[str, Any]]:
    """The rows whose session was not completed before its person's erasure; takes each person's
    shared erasure lock for the rest of the transaction (in id order, so two writers never deadlock)."""
    for user_id in sorted({r["user_id"] for r in rows}):
        erasure.lock_person(conn, user_id)
    if completed_at is None:
        return rows
    return [
        r
        for r in rows
        if r["session_id"] not in completed_at
        or not erasure.erased_after(conn, r["user_id"], completed_at[r["session_id"]])
    ]


def assign_run_keys(engine: Engine, run_keys: Mapping[str, str]) -> None:
    """Point the queued sensor jobs of these sessions at the run that will carry them (session id ->
    run key), so the run's outcome finds them; a repeated tick may plan them differently."""
    if not run_keys:
        return
    with engine.begin() as conn:
        conn.execute(
            update(ChatEtlJob)
            .where(
                ChatEtlJob.idempotency_key == bindparam("key"),
                ChatEtlJob.source == "sensor",
                ChatEtlJob.status == "queued",
            )
            .values(run_key=bindparam("new_run_key")),
            [{"key": session_key(s), "new_run_key": k} for s, k in run_keys.items()],
        )


def record_rejected(
    engine: Engine, session_id: str, user_id: str, reason: str, completed_at: datetime | None = None
) -> None:
    """An invalid session: recorded with the reason instead of run (not at all when it was completed
    before its person's erasure)."""
    stmt = insert(ChatEtlJob).values(
        user_id=user_id,
        session_id=session_id,
        source="sensor",
        idempotency_key=session_key(session_id),
        status="rejected",
        error_class="invalid_session",
        error_message=reason,
        finished_at=func.now(),
    )
    with engine.begin() as conn:
        erasure.lock_person(conn, user_id)
        if completed_at is not None and erasure.erased_after(conn, user_id, completed_at):
            return
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]))


def create_job(
    engine: Engine,
    user_id: str,
    source: str,
    session_id: str | None = None,
    *,
    completed_at: datetime | None = None,
) -> tuple[JobRow, bool]:
    """A job requested through the API; idempotent per session. Returns (job, created).

    Raises erasure.PersonErased for a session completed (`completed_at`) before the person's
    erasure, and for a request without a session (reprocess) for an erased person who has not
    come back; checked under the person's erasure lock in the inserting transaction."""
    key = session_key(session_id) if session_id else None
    with engine.begin() as conn:
        erasure.lock_person(conn, user_id)
        if completed_at is not None and erasure.erased_after(conn, user_id, completed_at):
            raise erasure.PersonErased(f"the session was completed before the person's erasure ({source})")
        if completed_at is None and session_id is None and erasure.refuses_reprocess(conn, user_id):
            raise erasure.PersonErased("the person was erased")
        new_id = conn.execute(
            insert(ChatEtlJob)
            .values(user_id=user_id, session_id=session_id, source=source, idempotency_key=key, status="requested")
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(ChatEtlJob.id)
        ).scalar_one_or_none()
        where = ChatEtlJob.id == new_id if new_id is not None else ChatEtlJob.idempotency_key == key
        job = conn.execute(select(ChatEtlJob).where(where)).one()
    return JobRow.of(job), new_id is not None


def claim_requested_jobs(
    engine: Engine,
    limit: int,
    assign: Callable[[list[JobRow]], Mapping[int, str]],
) -> list[JobRow]:
    """Queue the oldest `requested` API jobs, found by status (not by an id cursor, so a row that
    commits late is still found on a later call).

    The rows are locked (FOR UPDATE SKIP LOCKED: two sensor ticks never take the same row) while
    `assign` plans them and returns job id -> run key; those rows become `queued` with their run key
    in the same transaction. Rows `assign` leaves out stay `requested`. Returns the queued jobs."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(ChatEtlJob)
            .where(ChatEtlJob.status == "requested", ChatEtlJob.source.in_(API_SOURCES))
            .order_by(ChatEtlJob.requested_at, ChatEtlJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        jobs = [JobRow.of(r) for r in rows]
        if not jobs:
            return []
        # the rows are locked, so an erasure of their person waits for this transaction and then
        # deletes the key made here (erase_user forgets the key after anonymising the jobs)
        keys = person_keys.ensure(conn, [j.user_id for j in jobs])
        jobs = [replace(j, partition_key=keys[j.user_id]) for j in jobs]
        run_keys = {job_id: key for job_id, key in assign(jobs).items() if key}
        if run_keys:
            conn.execute(
                update(ChatEtlJob)
                .where(ChatEtlJob.id == bindparam("job_id"), ChatEtlJob.status == "requested")
                .values(status="queued", run_key=bindparam("new_run_key")),
                [{"job_id": i, "new_run_key": k} for i, k in run_keys.items()],
            )
    return [replace(j, status="queued", run_key=run_keys[j.id]) for j in jobs if j.id in run_keys]


def queued_without_attempt(engine: Engine, older_than: timedelta) -> dict[str, list[int]]:
    """Run key -> job ids of API jobs queued for a run that never reported (no attempt), requested more
    than `older_than` ago: the sensor asks Dagster whether each run key became a run and hands the
    others back with `release_unlaunched` (a tick that queued them and then failed)."""
    cutoff = datetime.now(UTC) - older_than
    with engine.connect() as conn:
        rows = conn.execute(
            select(ChatEtlJob.id, ChatEtlJob.run_key).where(
                ChatEtlJob.status == "queued",
                ChatEtlJob.source.in_(API_SOURCES),
                ChatEtlJob.attempts == sql("'[]'::jsonb"),
                ChatEtlJob.requested_at < cutoff,
                ChatEtlJob.run_key.is_not(None),
            )
        ).all()
    out: dict[str, list[int]] = {}
    for job_id, run_key in rows:
        if run_key is not None:
            out.setdefault(run_key, []).append(job_id)
    return out


def release_unlaunched(engine: Engine, run_keys: Iterable[str]) -> int:
    """Queued jobs of run keys that never became runs go back to `requested`; returns how many."""
    keys = list(run_keys)
    if not keys:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            update(ChatEtlJob)
            .where(
                ChatEtlJob.run_key.in_(keys),
                ChatEtlJob.status == "queued",
                ChatEtlJob.attempts == sql("'[]'::jsonb"),
            )
            .values(status="requested", run_key=None)
        )
    return result.rowcount or 0


def mark_queued(engine: Engine, job_ids: Iterable[int], run_key: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.id.in_(list(job_ids)), ChatEtlJob.status == "requested")
            .values(status="queued", run_key=run_key)
        )


def _apply(
    conn: Connection,
    jobs: Sequence[Any],
    attempt: Attempt,
    error_message: str | None = None,
    missing: dict[str, str] | None = None,
) -> int:
    """Add `attempt` to each locked job row and store the status its attempts add up to; returns how
    many rows changed status. The verdict's details (missing, error message) are stored only when
    this attempt is the one that decides."""
    now = datetime.now(UTC)
    changed = 0
    for job in jobs:
        history, added = with_attempt(job.attempts or [], attempt)
        deciding = deciding_attempt(attempts_of(history))
        if deciding is None:
            continue
        values: dict[str, Any] = {"attempts": history, "status": deciding.outcome}
        newest = max(attempts_of(history), key=lambda a: a.at)
        values["dagster_run_id"] = newest.run_id
        if deciding.outcome == "running":
            values.update(finished_at=None, error_class=None, error_message=None)
            if job.started_at is None:
                values["started_at"] = now
        else:
            values["error_class"] = deciding.error_class if deciding.outcome == "failed" else None
            if deciding == attempt:
                values["finished_at"] = now
                values["error_message"] = error_message if deciding.outcome == "failed" else None
                if missing is not None:
                    values["missing"] = missing
            elif deciding.outcome != "failed":
                values["error_message"] = None
        if not added and deciding.outcome == job.status:
            continue
        conn.execute(update(ChatEtlJob).where(ChatEtlJob.id == job.id).values(**values))
        changed += deciding.outcome != job.status
    return changed


def _carried_by(run_key: str | None, group: str | None) -> Any:
    """Jobs of a run: by the sensor's run key (kept by Dagster's retries and re-executions), or for
    runs without one (backfills, the UI) by a root run an earlier attempt recorded."""
    clauses = []
    if run_key:
        clauses.append(ChatEtlJob.run_key == run_key)
    if group:
        clauses.append(ChatEtlJob.attempts.contains([{"group": group}]))
    return or_(*clauses) if clauses else sql("false")


def mark_run(
    engine: Engine,
    run_key: str | None,
    run_id: str,
    status: str,
    error_class: str | None = None,
    error_message: str | None = None,
    *,
    run_created_at: datetime | None = None,
    root_run_id: str | None = None,
) -> int:
    """A run's own status (running, succeeded, failed) for every job it carries; returns how many jobs
    changed status.

    `run_created_at` (the run record's create_timestamp) orders this run among the job's attempts, so
    a failure reported after its retry succeeded never overwrites the success; `root_run_id`
    (dagster/root_run_id, else the run id) ties re-executions together. `error_message` is for
    administrators only."""
    attempt = Attempt(
        run_id=run_id,
        group=root_run_id or run_id,
        at=run_created_at or datetime.now(UTC),
        outcome=status,
        scope="run",
        error_class=error_class if status == "failed" else None,
    )
    with engine.begin() as conn:
        jobs = conn.execute(
            select(ChatEtlJob)
            .where(_carried_by(run_key, root_run_id), ChatEtlJob.status != "rejected")
            .order_by(ChatEtlJob.id)
            .with_for_update()
        ).all()
        return _apply(conn, jobs, attempt, error_message=error_message)


def record_user_outcome(
    engine: Engine,
    user_id: str,
    run_id: str,
    run_key: str | None,
    status: str,
    missing: dict[str, str],
    source: str = "manual",
    *,
    error_class: str | None = None,
    run_created_at: datetime | None = None,
    root_run_id: str | None = None,
    earlier: Sequence[Attempt] = (),
) -> None:
    """The pipeline's verdict for one user in one run (succeeded, partial, failed with its class).

    The job the run carries is updated whatever its status, unless a newer run already decided it;
    runs launched outside our sensors (a backfill from the UI, a manual materialization) get a job
    row here the first time, found again by `root_run_id` when such a run is re-executed. `earlier`:
    the failed runs this one re-executes (a retry after a crash), put in the history of a row created
    here, since a run killed before anyone's verdict left no row for its failure to be recorded on."""
    attempt = Attempt(
        run_id=run_id,
        group=root_run_id or run_id,
        at=run_created_at or datetime.now(UTC),
        outcome=status,
        scope="user",
        error_class=error_class if status == "failed" else None,
    )
    with engine.begin() as conn:
        jobs = conn.execute(
            select(ChatEtlJob)
            .where(
                _carried_by(run_key, root_run_id),
                ChatEtlJob.user_id == user_id,
                ChatEtlJob.status != "rejected",
            )
            .order_by(ChatEtlJob.id)
            .with_for_update()
        ).all()
        if jobs:
            _apply(conn, jobs, attempt, missing=missing)
            return
        erasure.lock_person(conn, user_id)
        if erasure.refuses_reprocess(conn, user_id):
            return  # erased while the run was in flight: no record names them again
        now = datetime.now(UTC)
        conn.execute(
            insert(ChatEtlJob).values(
                user_id=user_id,
                source=source,
                status=status,
                missing=missing,
                error_class=attempt.error_class,
                dagster_run_id=run_id,
                run_key=run_key,
                attempts=[*(a.to_json() for a in earlier if a.run_id != run_id), attempt.to_json()],
                started_at=now,
                finished_at=now,
            )
        )


def get_job(engine: Engine, job_id: int) -> ChatEtlJob | None:
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job_id)).one_or_none()
    return row  # type: ignore[return-value]


def latest_job(engine: Engine, user_id: str) -> ChatEtlJob | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(ChatEtlJob)
            .where(ChatEtlJob.user_id == user_id)
            .order_by(ChatEtlJob.requested_at.desc(), ChatEtlJob.id.desc())
            .limit(1)
        ).one_or_none()
    return row  # type: ignore[return-value]
