"""Sensors: completed tests and API requests become (batched) runs; the catalog refreshes itself.

Modelled on hooli's file sensor: a cursor for where the completion sensor got to and a run_key per unit
of work, so a retried tick never launches the same work twice. API requests need no cursor: they are
claimed by status in chat_etl_jobs.
"""

import hashlib
from dataclasses import replace
from datetime import timedelta

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    RUN_KEY_TAG,
)
from sqlalchemy import Engine

from aptichat.db import etl_jobs, person_keys
from aptichat_pipelines.jobs import catalog_job, user_etl_job
from aptichat_pipelines.legacy.models import SessionCursor
from aptichat_pipelines.partitions import users_partitions
from aptichat_pipelines.planning import Plan, PlannedRun, WorkItem, plan_runs
from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase


def run_request(run: PlannedRun, source: str) -> RunRequest:
    """One run over one partition, or over a contiguous range of partitions added in this tick."""
    tags = {"aptichat/source": source, "aptichat/users": str(len(run.partition_keys))}
    if run.is_range:
        tags[ASSET_PARTITION_RANGE_START_TAG] = run.partition_keys[0]
        tags[ASSET_PARTITION_RANGE_END_TAG] = run.partition_keys[-1]
        return RunRequest(run_key=run.run_key, tags=tags)
    return RunRequest(run_key=run.run_key, partition_key=run.partition_keys[0], tags=tags)


def _existing(context: SensorEvaluationContext) -> set[str]:
    return set(context.instance.get_dynamic_partitions(users_partitions.name))  # type: ignore[arg-type]


def _run_launched(context: SensorEvaluationContext, run_key: str) -> bool:
    """Did this sensor's run key become a run (queued, running or done)? Only asked for sessions an
    earlier tick planned, so an ordinary tick of new completions asks nothing."""
    runs = context.instance.get_run_records(
        RunsFilter(job_name=user_etl_job.name, tags={RUN_KEY_TAG: run_key}), limit=1
    )
    return bool(runs)


def _opaque(plan: Plan) -> Plan:
    """The plan with run keys that name no session (a keyed digest: aptichat.db.person_keys): run keys
    and tags are kept by Dagster forever."""
    plan.runs = [replace(r, run_key=person_keys.run_key_digest(r.run_key)) for r in plan.runs]
    return plan


def _result(plan: Plan, source: str, cursor: str | None) -> SensorResult:
    return SensorResult(
        run_requests=[run_request(r, source) for r in plan.runs],
        dynamic_partitions_requests=(
            [users_partitions.build_add_request(plan.new_partitions)] if plan.new_partitions else []
        ),
        cursor=cursor,
    )


def sealed_cursor(cursor: SessionCursor) -> str:
    """The cursor as Dagster stores it (every tick's, forever): the session id sealed."""
    return f"{cursor.completed_at.isoformat()}|{person_keys.seal(cursor.session_id)}"


def open_cursor(raw: str | None) -> SessionCursor | None:
    """The position a stored cursor names (a cursor from before sealing reads as it is)."""
    cursor = SessionCursor.decode(raw)
    return cursor and SessionCursor(completed_at=cursor.completed_at, session_id=person_keys.unseal(cursor.session_id))


def test_completion_sensor(  # type: ignore[no-untyped-def]
    context: SensorEvaluationContext, legacy: LegacyDatabase, app_db: AppDatabase, etl_batching: EtlBatching
):
    cursor = open_cursor(context.cursor)
    # A tick reads a bounded number of completions, so it stays well under Dagster's tick timeout even
    # when 10,000 tests complete at once; the next tick continues from the cursor.
    sessions = legacy.completed_sessions_after(cursor, etl_batching.sessions_per_tick())
    if not sessions:
        return SkipReason("no tests completed since the cursor")
    engine = app_db.engine()
    valid = []
    for s in sessions:
        if s.status != "completed":
            etl_jobs.record_rejected(
                engine, s.session_id, s.user_id, f"session status is {s.status}", completed_at=s.completed_at
            )
        else:
            valid.append(s)
    quality = legacy.session_quality([s.session_id for s in valid])
    runnable = []
    for s in valid:
        q = quality.get(s.session_id)
        if q is not None and not q.is_valid:
            reason = "; ".join(q.reasons) or "invalid answers"
            etl_jobs.record_rejected(engine, s.session_id, s.user_id, reason, completed_at=s.completed_at)
        else:
            runnable.append(s)
    # sessions first reported by the webhook are run by etl_request_sensor, sessions whose run was
    # launched already (a lost or reset cursor) are in hand, and sessions completed before their
    # person's erasure are never run (the ledger, checked in the claiming transaction): only the rest
    completed = {s.session_id: s.completed_at for s in runnable if s.completed_at is not None}
    claimed = etl_jobs.claim_sensor_sessions(engine, [(s.session_id, s.user_id) for s in runnable], completed)
    launched = {key for key in set(claimed.values()) if key is not None and _run_launched(context, key)}
    # the claim made each person's pseudonymous partition key; a person erased since has none
    keys = person_keys.keys_of(engine, [s.user_id for s in runnable if s.session_id in claimed])
    mine = [
        WorkItem(s.session_id, keys[s.user_id])
        for s in runnable
        if s.session_id in claimed and claimed[s.session_id] not in launched and s.user_id in keys
    ]
    plan = _opaque(plan_runs(mine, _existing(context), etl_batching.run_size()))
    etl_jobs.assign_run_keys(engine, {i.key: r.run_key for r in plan.runs for i in r.items})
    new_cursor = sealed_cursor(sessions[-1].cursor)
    context.log.info(
        f"{len(sessions)} completions: {len(mine)} to run in {len(plan.runs)} runs, "
        f"{len(sessions) - len(runnable)} rejected, {len(runnable) - len(mine)} run elsewhere or already; "
        f"cursor -> {new_cursor}"
    )
    return _result(plan, "sensor", new_cursor)


# a queued API job whose run never appeared after this long is handed back (the tick that queued it
# failed before Dagster launched its run request)
UNLAUNCHED_AFTER = timedelta(minutes=10)


def _release_unlaunched(context: SensorEvaluationContext, engine: Engine) -> int:
    """Queued jobs whose run key never became a run go back to `requested`; returns how many."""
    stale = etl_jobs.queued_without_attempt(engine, UNLAUNCHED_AFTER)
    lost = [key for key in stale if not _run_launched(context, key)]
    return etl_jobs.release_unlaunched(engine, lost)


def etl_request_sensor(  # type: ignore[no-untyped-def]
    context: SensorEvaluationContext, app_db: AppDatabase, etl_batching: EtlBatching
):
    """API requests found by status, not by an id cursor: a request row that commits after a higher
    id was seen is claimed on a later tick, and none is claimed twice (claim_requested_jobs)."""
    engine = app_db.engine()
    released = _release_unlaunched(context, engine)
    existing = _existing(context)
    plans: list[Plan] = []

    def assign(jobs: list[etl_jobs.JobRow]) -> dict[int, str]:
        items = [WorkItem(f"job:{j.id}", j.partition_key) for j in jobs if j.partition_key]
        plan = _opaque(plan_runs(items, existing, etl_batching.run_size()))
        plans[:] = [plan]
        return {int(i.key.split(":", 1)[1]): run.run_key for run in plan.runs for i in run.items}

    claimed = etl_jobs.claim_requested_jobs(engine, etl_batching.sessions_per_tick(), assign)
    if not claimed:
        return SkipReason(f"no new requests ({released} unlaunched handed back)" if released else "no new requests")
    plan = plans[0]
    context.log.info(f"{len(claimed)} requests in {len(plan.runs)} runs; {released} unlaunched handed back")
    return _result(plan, "api", None)


def orphan_partitions_sensor(context: SensorEvaluationContext, app_db: AppDatabase) -> SkipReason:
    """Deletes `users` partitions whose key maps to nobody: an erased person's (erasure deleted the
    mapping row; the API has no Dagster instance) and, once, the user-id keys of an install from before
    pseudonymous keys. Their runs and events stay, naming a key that names nobody (docs/privacy.md)."""
    orphans = person_keys.orphans(app_db.engine(), _existing(context))
    for key in orphans:
        context.instance.delete_dynamic_partition(users_partitions.name, key)  # type: ignore[arg-type]
    return SkipReason(f"deleted {len(orphans)} partitions that name nobody" if orphans else "no orphaned partitions")


ORPHAN_SCAN_MIN_INTERVAL_S = 5


def etl_sensors(interval_s: int) -> list[SensorDefinition]:
    """The two sensors that start per-user ETL runs, evaluated every `interval_s` seconds (a setting,
    so they are built when the code location loads, not when this module is imported)."""
    return [
        sensor(
            job=user_etl_job,
            minimum_interval_seconds=interval_s,
            default_status=DefaultSensorStatus.RUNNING,
            description="Completed tests in the legacy DB -> per-user partitions and (batched) ETL runs.",
        )(test_completion_sensor),
        sensor(
            job=user_etl_job,
            minimum_interval_seconds=interval_s,
            default_status=DefaultSensorStatus.RUNNING,
            description="Webhook and reprocess requests from the API (chat_etl_jobs) -> ETL runs.",
        )(etl_request_sensor),
        sensor(
            # it reads every partition key: no need to on every daemon loop
            minimum_interval_seconds=max(interval_s, ORPHAN_SCAN_MIN_INTERVAL_S),
            default_status=DefaultSensorStatus.RUNNING,
            description="Erased people: deletes `users` partitions whose pseudonymous key maps to nobody.",
        )(orphan_partitions_sensor),
    ]


@sensor(
    job=catalog_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Re-embeds the job/major catalog and scale guides when their content changes.",
)
def catalog_change_sensor(context: SensorEvaluationContext, legacy: LegacyDatabase):  # type: ignore[no-untyped-def]
    from aptichat_pipelines.assets.catalog import scale_guide_rows

    digest = hashlib.sha256()
    for rows in (legacy.catalog_jobs(), legacy.catalog_majors()):
        for row in rows:
            digest.update(row.model_dump_json().encode())
    for guide in scale_guide_rows():
        digest.update(guide["content_hash"].encode())
    fingerprint = digest.hexdigest()[:24]
    if fingerprint == context.cursor:
        return SkipReason("catalog unchanged")
    return SensorResult(run_requests=[RunRequest(run_key=f"catalog:{fingerprint}")], cursor=fingerprint)


__all__ = ["catalog_change_sensor", "etl_sensors"]
