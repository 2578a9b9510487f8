"""The legacy database unreachable: during a sensor tick (the tick fails with the reason, the cursor
stays, the completions are run by the next tick) and during a run (the run fails, the failure sensor
classifies it as `database_unreachable`, the person's previous documents stay current).

"Unreachable" is a LegacyDatabase whose URL names a socket folder where no server listens: what a
stopped or moved legacy server looks like to libpq.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    RetryPolicy,
    SensorResult,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)
from sqlalchemy import Engine, delete, select
from support.partitions import person_key
from support.reliability import ReliabilityLegacy, assert_consistent

from aptichat.db import etl_jobs, person_keys
from aptichat.db.models import ChatEtlJob
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.legacy.retry import LegacyQueryError
from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase
from aptichat_pipelines.run_status import etl_run_failure_sensor

USER_ASSETS = [legacy_test_results, user_documents, user_document_embeddings]


def dead_url(tmp_path: Path, db_name: str) -> str:
    sockets = tmp_path / "no-server-here"
    sockets.mkdir()
    return f"postgresql+psycopg://postgres:@/{db_name}?host={sockets}"


def tick(instance: DagsterInstance, cursor: str | None, legacy_url: str) -> object:
    definitions = defs()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "legacy": LegacyDatabase(url=legacy_url),
            "app_db": AppDatabase(),
            "etl_batching": EtlBatching(max_sessions_per_tick=3),
        },
        definitions=definitions,
    ) as context:
        return definitions.resolve_sensor_def("test_completion_sensor")(context)


def test_tick_with_legacy_down_fails_with_the_reason_and_loses_no_completion(
    tmp_path: Path,
    engine: Engine,
    reliability_legacy: ReliabilityLegacy,
    dagster_instance: DagsterInstance,
) -> None:
    # A fresh sensor over this legacy DB: forget jobs earlier tests left for the same synthetic sessions
    # (the sensor skips sessions whose run already started or ended).
    with engine.begin() as conn:
        conn.execute(delete(ChatEtlJob).where(ChatEtlJob.user_id.in_(reliability_legacy.users)))
    first = tick(dagster_instance, None, reliability_legacy.url)
    assert isinstance(first, SensorResult) and first.cursor
    seen_first = added_users(engine, first)
    dagster_instance.add_dynamic_partitions("users", sorted(added_keys(first)))

    with pytest.raises(LegacyQueryError) as failure:
        tick(dagster_instance, first.cursor, dead_url(tmp_path, reliability_legacy.db_name))
    reason = str(failure.value)
    assert "completed_sessions_after" in reason and "OperationalError" in reason, reason
    assert failure.value.attempts > 1  # transient: retried, within a bound
    # the daemon keeps the cursor of a failed tick: the next tick starts where the first one ended
    later = tick(dagster_instance, first.cursor, reliability_legacy.url)
    assert isinstance(later, SensorResult) and later.cursor != first.cursor
    seen_later = added_users(engine, later)
    assert seen_first | seen_later == set(reliability_legacy.users)
    assert not seen_first & seen_later


def added_keys(result: SensorResult) -> set[str]:
    """The partitions a tick adds (people's pseudonymous keys)."""
    return {key for request in result.dynamic_partitions_requests or [] for key in request.partition_keys or []}


def added_users(engine: Engine, result: SensorResult) -> set[str]:
    """The people of the partitions a tick adds: every user is new to this fresh instance, so these are its users."""
    keys = added_keys(result)
    people = person_keys.users_of(engine, keys)
    assert set(people) == keys
    return set(people.values())


def test_run_with_legacy_down_fails_classified_and_keeps_the_old_version(
    tmp_path: Path,
    engine: Engine,
    reliability_legacy: ReliabilityLegacy,
    dagster_instance: DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real policy (3 retries, 2 s exponential with jitter) would add ~25 s of waiting: one quick retry.
    monkeypatch.setattr(legacy_test_results.op, "_retry_policy", RetryPolicy(max_retries=1, delay=0.1))
    user = reliability_legacy.users[2]
    key = person_key(engine, dagster_instance, user)
    good = {**defs().resources, "legacy": LegacyDatabase(url=reliability_legacy.url)}
    assert materialize(USER_ASSETS, partition_key=key, resources=good, instance=dagster_instance).success
    before = assert_consistent(engine, user)

    run_key = f"outage-test:{user}"
    etl_jobs.claim_sensor_sessions(engine, [(f"outage-session-{user}", user)])
    etl_jobs.assign_run_keys(engine, {f"outage-session-{user}": run_key})
    down = {**defs().resources, "legacy": LegacyDatabase(url=dead_url(tmp_path, reliability_legacy.db_name))}
    result = materialize(
        USER_ASSETS,
        partition_key=key,
        resources=down,
        instance=dagster_instance,
        tags={"dagster/run_key": run_key},
        raise_on_error=False,
    )
    assert not result.success
    retried = dagster_instance.get_records_for_run(result.run_id, of_type=DagsterEventType.STEP_UP_FOR_RETRY).records
    assert len(retried) == 1  # the step was retried, within its bound, then the run failed
    assert assert_consistent(engine, user) == before

    run = dagster_instance.get_run_by_id(result.run_id)
    assert run is not None
    failure = dagster_instance.get_records_for_run(result.run_id, of_type=DagsterEventType.RUN_FAILURE).records
    context = build_run_status_sensor_context(
        sensor_name=etl_run_failure_sensor.name,
        dagster_event=failure[0].event_log_entry.dagster_event,  # type: ignore[arg-type]
        dagster_instance=dagster_instance,
        dagster_run=run,
        resources={"app_db": AppDatabase()},
    ).for_run_failure()
    etl_run_failure_sensor(context)
    with engine.connect() as conn:
        job = conn.execute(select(ChatEtlJob).where(ChatEtlJob.run_key == run_key)).one()
    assert job.status == "failed"
    assert job.error_class == "database_unreachable", (job.error_class, job.error_message)
    assert "database did not answer" in (job.error_message or "")
