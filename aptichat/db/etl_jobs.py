"""chat_etl_jobs: requests to process a user and where each stands. All SQL for that table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert

from aptichat.db.models import ChatEtlJob

FINAL_STATUSES = ("succeeded", "partial", "failed", "rejected")


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


def _row(job: ChatEtlJob) -> JobRow:
    return JobRow(job.id, job.user_id, job.session_id, job.source, job.status, job.run_key)


def claim_sensor_sessions(engine: Engine, sessions: Sequence[tuple[str, str]]) -> dict[str, str | None]:
    """Record sessions found by the completion sensor as queued jobs.

    `sessions` holds (session_id, user_id). Returns the sessions this sensor may still have to run, each
    with the run key an earlier tick gave it (None when new): newly inserted, or inserted by an earlier
    tick of this sensor and still queued (a repeated tick, or a run that has not started yet; the sensor
    checks those keys against Dagster's runs). `assign_run_keys` then names the run of each. A session
    whose run already started or ended is left out, so a lost or reset cursor does not process every
    completion again; a session that reached us through the webhook first belongs to the requests sensor.
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
        conn.execute(insert(ChatEtlJob).values(rows).on_conflict_do_nothing(index_elements=["idempotency_key"]))
        owned = conn.execute(
            select(ChatEtlJob.session_id, ChatEtlJob.run_key).where(
                ChatEtlJob.idempotency_key.in_([r["idempotency_key"] for r in rows]),
                ChatEtlJob.source == "sensor",
                ChatEtlJob.status == "queued",
            )
        ).all()
        return {row.session_id: row.run_key for row in owned if row.session_id is not None}


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


def record_rejected(engine: Engine, session_id: str, user_id: str, reason: str) -> None:
    """An invalid session: recorded with the reason instead of run."""
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
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]))


def create_job(engine: Engine, user_id: str, source: str, session_id: str | None = None) -> tuple[JobRow, bool]:
    """A job requested through the API; idempotent per session. Returns (job, created)."""
    key = session_key(session_id) if session_id else None
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(ChatEtlJob)
            .values(user_id=user_id, session_id=session_id, source=source, idempotency_key=key, status="requested")
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(ChatEtlJob.id)
        ).scalar_one_or_none()
        where = ChatEtlJob.id == new_id if new_id is not None else ChatEtlJob.idempotency_key == key
        job = conn.execute(select(ChatEtlJob).where(where)).one()
    return JobRow(job.id, job.user_id, job.session_id, job.source, job.status, job.run_key), new_id is not None


def requested_jobs_after(engine: Engine, after_id: int, limit: int) -> list[JobRow]:
    """API-requested jobs with ids above the sensor's cursor, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(ChatEtlJob)
            .where(ChatEtlJob.id > after_id, ChatEtlJob.source.in_(("webhook", "reprocess", "manual")))
            .order_by(ChatEtlJob.id)
            .limit(limit)
        ).all()
    return [JobRow(r.id, r.user_id, r.session_id, r.source, r.status, r.run_key) for r in rows]


def mark_queued(engine: Engine, job_ids: Iterable[int], run_key: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.id.in_(list(job_ids)), ChatEtlJob.status == "requested")
            .values(status="queued", run_key=run_key)
        )


def mark_run(
    engine: Engine,
    run_key: str,
    run_id: str,
    status: str,
    error_class: str | None = None,
    error_message: str | None = None,
) -> int:
    """Move every unfinished job of a run to `status`; returns how many changed."""
    values: dict[str, object] = {"status": status, "dagster_run_id": run_id}
    now = datetime.now(UTC)
    if status == "running":
        values["started_at"] = now
    else:
        values.update(finished_at=now, error_class=error_class, error_message=error_message)
    with engine.begin() as conn:
        result = conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.run_key == run_key, ChatEtlJob.status.not_in(FINAL_STATUSES))
            .values(**values)
        )
    return result.rowcount or 0


def record_user_outcome(
    engine: Engine,
    user_id: str,
    run_id: str,
    run_key: str | None,
    status: str,
    missing: dict[str, str],
    source: str = "manual",
) -> None:
    """The pipeline's verdict for one user in one run. Runs launched outside our sensors (a backfill
    from the UI, a manual materialization) get a job row here so the API can still report them."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        changed = 0
        if run_key:
            changed = (
                conn.execute(
                    update(ChatEtlJob)
                    .where(
                        ChatEtlJob.run_key == run_key,
                        ChatEtlJob.user_id == user_id,
                        ChatEtlJob.status.not_in(FINAL_STATUSES),
                    )
                    .values(status=status, missing=missing, dagster_run_id=run_id, finished_at=now)
                ).rowcount
                or 0
            )
        if not changed:
            conn.execute(
                insert(ChatEtlJob).values(
                    user_id=user_id,
                    source=source,
                    status=status,
                    missing=missing,
                    dagster_run_id=run_id,
                    run_key=run_key,
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
            select(ChatEtlJob).where(ChatEtlJob.user_id == user_id).order_by(ChatEtlJob.id.desc()).limit(1)
        ).one_or_none()
    return row  # type: ignore[return-value]
