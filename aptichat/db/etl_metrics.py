"""The ETL's numbers in the database: stage timings the per-user assets write, and the aggregate
queries the API's /metrics turns into Prometheus series (the ETL runs in short-lived Dagster
processes, so the database is the one place that outlives them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, insert, select, text

from aptichat.db.etl_jobs import FINAL_STATUSES
from aptichat.db.models import ChatEtlJob, ChatEtlStageTiming

# what the queue-depth gauge reports, always (zero included), so an empty queue is a 0 and not a gap
QUEUE_STATUSES = ("requested", "queued", "running")
# seconds; a stage of one run spans one user (sensor runs) to a few thousand (backfills)
STAGE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


def record_stage_timing(engine: Engine, run_id: str, stage: str, users: int, seconds: float) -> None:
    """One row per stage per run (a retried step adds another row: it did take that time again)."""
    with engine.begin() as conn:
        conn.execute(
            insert(ChatEtlStageTiming).values(run_id=run_id, stage=stage, users=users, seconds=max(0.0, seconds))
        )


@dataclass(frozen=True)
class StageHistogram:
    buckets: tuple[int, ...]  # cumulative counts, one per STAGE_BUCKETS bound (+Inf is `count`)
    sum: float
    count: int


@dataclass
class EtlSnapshot:
    processed: dict[tuple[str, str], int] = field(default_factory=dict)  # (status, source) -> finished jobs
    queue: dict[str, int] = field(default_factory=dict)  # status -> jobs
    oldest_age_s: dict[str, float] = field(default_factory=dict)  # status -> age of its oldest job (requested_at)
    stages: dict[str, StageHistogram] = field(default_factory=dict)  # stage -> histogram


def etl_snapshot(engine: Engine, timeout_ms: int = 2000) -> EtlSnapshot:
    """Three aggregate queries in one short read-only transaction, bounded by a statement timeout.

    Cost: the queue count reads the (status, id) index for three statuses; the processed count is a
    grouped count over chat_etl_jobs (a sequential scan, about 100 ms per million rows) and the
    histogram one over chat_etl_stage_timings (three rows per run). Callers cache the result.
    """
    snapshot = EtlSnapshot(queue=dict.fromkeys(QUEUE_STATUSES, 0), oldest_age_s=dict.fromkeys(QUEUE_STATUSES, 0.0))
    with engine.connect() as conn, conn.begin():
        conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
        conn.execute(text("SET TRANSACTION READ ONLY"))
        for status, source, count in conn.execute(
            select(ChatEtlJob.status, ChatEtlJob.source, func.count())
            .where(ChatEtlJob.status.in_(FINAL_STATUSES))
            .group_by(ChatEtlJob.status, ChatEtlJob.source)
        ):
            snapshot.processed[(status, source)] = int(count)
        age = func.extract("epoch", func.now() - func.min(ChatEtlJob.requested_at))
        for status, count, oldest in conn.execute(
            select(ChatEtlJob.status, func.count(), age)
            .where(ChatEtlJob.status.in_(QUEUE_STATUSES))
            .group_by(ChatEtlJob.status)
        ):
            snapshot.queue[status] = int(count)
            snapshot.oldest_age_s[status] = max(0.0, float(oldest or 0.0))
        seconds = ChatEtlStageTiming.seconds
        columns = [func.count().filter(seconds <= bound) for bound in STAGE_BUCKETS]
        for stage, total, count, *buckets in conn.execute(
            select(ChatEtlStageTiming.stage, func.coalesce(func.sum(seconds), 0.0), func.count(), *columns).group_by(
                ChatEtlStageTiming.stage
            )
        ):
            snapshot.stages[stage] = StageHistogram(tuple(int(b) for b in buckets), float(total), int(count))
    return snapshot
