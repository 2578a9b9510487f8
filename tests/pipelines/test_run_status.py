"""Job tracking and failure handling: a failed run marks its chat_etl_jobs failed with a class an
operator can act on, administrators are notified, and the previous documents stay current."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult, build_run_status_sensor_context
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from support.partitions import person_key, person_partitions

from aptichat.db import etl_jobs
from aptichat.db.models import ChatEtlJob
from aptichat.db.server import legacy_url
from aptichat.logs import hash_user
from aptichat.settings import Settings
from aptichat_pipelines import run_status
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.resources import AppDatabase, LegacyDatabase


@pytest.fixture()
def admin_hook(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[list[dict[str, object]]]:
    received: list[dict[str, object]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    monkeypatch.setattr(run_status, "get_settings", lambda: settings.model_copy(update={"admin_webhook_url": url}))
    yield received
    server.shutdown()


def test_classify_names_actionable_classes() -> None:
    assert run_status.classify("OperationalError", "connection refused")[0] == "database_unreachable"
    assert run_status.classify("Failure", "legacy_query_failed: relation jobs does not exist")[0] == (
        "legacy_query_failed"
    )
    error_class, sentence = run_status.classify("KeyError", "'x'")
    assert error_class == "unexpected_error" and "KeyError" in sentence


def test_a_failed_run_marks_its_jobs_and_notifies_admins(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance, admin_hook: list[dict[str, object]]
) -> None:
    user = valid_users[-1]
    job, _ = etl_jobs.create_job(engine, user, "reprocess")
    run_key = f"job:{job.id}"
    etl_jobs.mark_queued(engine, [job.id], run_key)
    key = person_key(engine, dagster_instance, user)

    # a legacy URL naming a database that does not exist
    broken = make_url(legacy_url()).set(database="no_such_legacy_db").render_as_string(hide_password=False)
    user_etl = defs().resolve_job_def("user_etl")
    result = user_etl.execute_in_process(
        instance=dagster_instance,
        partition_key=key,
        tags={"dagster/run_key": run_key},
        resources={"legacy": LegacyDatabase(url=broken)},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    context = build_run_status_sensor_context(
        sensor_name="etl_run_failure_sensor",
        dagster_event=failure,
        dagster_instance=dagster_instance,
        dagster_run=result.dagster_run,
        resources={"app_db": AppDatabase()},
    ).for_run_failure()
    run_status.etl_run_failure_sensor(context)

    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job.id)).one()
    # the server refuses the connection for a database it does not have: the operator checks the URL
    assert row.status == "failed" and row.error_class == "database_unreachable"
    assert "no_such_legacy_db" in (row.error_message or "") and row.dagster_run_id == result.run_id
    assert admin_hook and admin_hook[0]["error_class"] == "database_unreachable"
    assert admin_hook[0]["run_id"] == result.run_id
    # the notice and the run's failure name the person only by their partition key
    assert user not in json.dumps(admin_hook[0]) and admin_hook[0]["partitions"] == key


def _sensor_context(instance: DagsterInstance, result: ExecuteInProcessResult, event_type: DagsterEventType):  # type: ignore[no-untyped-def]
    event = next(e for e in result.all_events if e.event_type == event_type)
    context = build_run_status_sensor_context(
        sensor_name="etl_run_status_sensor",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"app_db": AppDatabase()},
    )
    return context.for_run_failure() if event_type == DagsterEventType.RUN_FAILURE else context


def test_a_retried_run_that_succeeds_makes_the_job_succeeded_with_both_attempts(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance, admin_hook: list[dict[str, object]]
) -> None:
    user = valid_users[-2]
    job, _ = etl_jobs.create_job(engine, user, "reprocess")
    run_key = f"job:{job.id}"
    etl_jobs.mark_queued(engine, [job.id], run_key)
    key = person_key(engine, dagster_instance, user)
    user_etl = defs().resolve_job_def("user_etl")
    broken = make_url(legacy_url()).set(database="no_such_legacy_db").render_as_string(hide_password=False)
    first = user_etl.execute_in_process(
        instance=dagster_instance,
        partition_key=key,
        tags={"dagster/run_key": run_key},
        resources={"legacy": LegacyDatabase(url=broken)},
        raise_on_error=False,
    )
    run_status.etl_run_failure_sensor(_sensor_context(dagster_instance, first, DagsterEventType.RUN_FAILURE))
    assert _job(engine, job.id).status == "failed"

    # the retry: same run key, created later, and this time the legacy database answers
    retry = user_etl.execute_in_process(instance=dagster_instance, partition_key=key, tags={"dagster/run_key": run_key})
    assert retry.success
    run_status.etl_run_succeeded_sensor(_sensor_context(dagster_instance, retry, DagsterEventType.RUN_SUCCESS))
    row = _job(engine, job.id)
    assert row.status == "succeeded" and row.error_class is None and row.dagster_run_id == retry.run_id
    runs = {(a["run_id"], a["outcome"]) for a in row.attempts}
    assert (first.run_id, "failed") in runs and (retry.run_id, "succeeded") in runs
    # the failure sensor reporting the first run again (a late tick) changes nothing
    run_status.etl_run_failure_sensor(_sensor_context(dagster_instance, first, DagsterEventType.RUN_FAILURE))
    assert _job(engine, job.id).status == "succeeded"


def test_a_successful_run_that_failed_some_people_notifies_admins_once(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance, admin_hook: list[dict[str, object]]
) -> None:
    ghosts = ["ghost-run-status-1", "ghost-run-status-2"]  # no test session in the legacy database
    batch = [valid_users[-3], *ghosts]
    keys = person_partitions(engine, dagster_instance, batch)
    # a run launched outside our sensors (a backfill from the UI): no run key
    result = (
        defs()
        .resolve_job_def("user_etl")
        .execute_in_process(
            instance=dagster_instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: keys[batch[0]], ASSET_PARTITION_RANGE_END_TAG: keys[batch[-1]]},
        )
    )
    assert result.success
    run_status.etl_run_succeeded_sensor(_sensor_context(dagster_instance, result, DagsterEventType.RUN_SUCCESS))

    assert len(admin_hook) == 1
    notice = admin_hook[0]
    assert notice["run_id"] == result.run_id and notice["people_failed"] == 2
    assert notice["error_classes"] == {"no_completed_session": 2}
    assert sorted(notice["users"]) == sorted(hash_user(g) for g in ghosts)  # type: ignore[call-overload]
    assert not any(g in json.dumps(notice) for g in batch)  # people only as hashes
    with engine.connect() as conn:
        rows = conn.execute(select(ChatEtlJob).where(ChatEtlJob.user_id.in_(batch))).all()
    by_user = {r.user_id: r for r in rows if r.dagster_run_id == result.run_id}
    assert {u: by_user[u].status for u in batch} == {batch[0]: "succeeded", ghosts[0]: "failed", ghosts[1]: "failed"}
    assert by_user[ghosts[0]].error_class == "no_completed_session"


def _job(engine: Engine, job_id: int):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job_id)).one()


def test_a_retry_records_the_crashed_run_it_follows_when_that_run_left_no_job_row(
    engine: Engine, tmp_path: Path
) -> None:
    """A backfill run killed before anyone's verdict leaves no job row for its failure; its retry
    creates the rows, and they carry the crashed run as a failed attempt before the retry's own."""
    from dagster import DagsterRun, DagsterRunStatus, instance_for_test

    from aptichat.db.etl_jobs import record_user_outcome
    from aptichat_pipelines.run_status import earlier_failed_attempts

    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        crashed = instance.add_run(
            DagsterRun(job_name="user_etl", run_id="crashed-0001", status=DagsterRunStatus.FAILURE)
        )
        retry = instance.add_run(
            DagsterRun(
                job_name="user_etl",
                run_id="retry-0002",
                status=DagsterRunStatus.STARTED,
                parent_run_id=crashed.run_id,
                root_run_id=crashed.run_id,
            )
        )
        earlier = earlier_failed_attempts(instance, retry)
    assert [(a.run_id, a.outcome, a.group) for a in earlier] == [("crashed-0001", "failed", "crashed-0001")]

    user = f"retry-history-{uuid.uuid4().hex[:8]}"
    record_user_outcome(
        engine,
        user,
        retry.run_id,
        None,
        "succeeded",
        {},
        source="backfill",
        root_run_id=crashed.run_id,
        earlier=earlier,
    )
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.user_id == user)).one()
    assert row.status == "succeeded"
    assert [(a["run_id"], a["outcome"]) for a in row.attempts] == [
        ("crashed-0001", "failed"),
        ("retry-0002", "succeeded"),
    ]
