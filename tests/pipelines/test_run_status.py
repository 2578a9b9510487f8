"""Job tracking and failure handling: a failed run marks its chat_etl_jobs failed with a class an
operator can act on, administrators are notified, and the previous documents stay current."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from aptichat.db import etl_jobs
from aptichat.db.models import ChatEtlJob
from aptichat.db.server import legacy_url
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
    dagster_instance.add_dynamic_partitions("users", [user])

    # a legacy URL naming a database that does not exist
    broken = make_url(legacy_url()).set(database="no_such_legacy_db").render_as_string(hide_password=False)
    user_etl = defs().resolve_job_def("user_etl")
    result = user_etl.execute_in_process(
        instance=dagster_instance,
        partition_key=user,
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
