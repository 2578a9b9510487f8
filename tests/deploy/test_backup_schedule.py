"""The nightly backup as Dagster runs it, and the restore drill.

The schedule is evaluated with build_schedule_context; the job runs in process against the embedded
server with the real backup code (pg_dump, a verify restore into a scratch server, retention); then
the newest backup is restored into a fresh server and a chat question is answered from it, through
the real API app and chat engine (hashing embedder, offline composer)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import DagsterRunStatus, RunRequest, build_schedule_context, instance_for_test
from sqlalchemy import create_engine
from support.api import ALICE, Auth, app_config, seed_person

from aptichat.db import migrate
from aptichat.db.server import app_url, dagster_url, start_embedded, stop_embedded
from aptichat.deploy import backups
from aptichat.settings import Settings
from aptichat_pipelines.schedules import BackupStore, backup_job, backup_schedule

from .test_backup_retention import fake_backup


@pytest.fixture(scope="module")
def source(settings: Settings, pg_server: object) -> Iterator[Settings]:
    """App and Dagster databases of their own on the session's server, migrated, with alice's documents
    (committed: a backup only sees committed rows)."""
    run = f"bs{uuid.uuid4().hex[:8]}"
    src = settings.model_copy(update={"app_db_name": f"{run}_app", "dagster_db_name": f"{run}_dagster"})
    server = start_embedded(settings)
    for name in (src.app_db_name, src.dagster_db_name):
        server.psql(f'CREATE DATABASE "{name}";')  # type: ignore[attr-defined]
    migrate.upgrade(url=app_url(src))
    from dagster_postgres.run_storage import PostgresRunStorage

    PostgresRunStorage(dagster_url(src))  # Dagster's tables, as the daemon would create them
    engine = create_engine(app_url(src))
    seed_person(engine, src, ALICE)
    engine.dispose()
    yield src
    for name in (src.app_db_name, src.dagster_db_name):
        server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')  # type: ignore[attr-defined]


def test_schedule_requests_one_run_per_night_and_skips_while_one_is_active() -> None:
    schedule = backup_schedule("0 2 * * *")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job_name == backup_job.name
    night = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    with instance_for_test() as instance:
        result = schedule.evaluate_tick(build_schedule_context(instance=instance, scheduled_execution_time=night))
        assert result.run_requests and len(result.run_requests) == 1
        request = result.run_requests[0]
        assert isinstance(request, RunRequest) and request.run_key == "backup-2026-12-02T02:00"
        # Last night's backup still running (a slow verify): tonight's tick is skipped, not stacked.
        running = instance.create_run_for_job(backup_job, status=DagsterRunStatus.STARTED)
        skipped = schedule.evaluate_tick(build_schedule_context(instance=instance, scheduled_execution_time=night))
        assert not skipped.run_requests and skipped.skip_message and running.run_id in skipped.skip_message
        instance.report_run_failed(running)
        again = schedule.evaluate_tick(build_schedule_context(instance=instance, scheduled_execution_time=night))
        assert again.run_requests


@pytest.fixture(scope="module")
def nightly(source: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One run of the backup job in process, over a folder holding two older backups (fake, by date)."""
    folder = tmp_path_factory.mktemp("backups")
    now = datetime.now(UTC)
    old = [fake_backup(folder, now - timedelta(days=d)) for d in (1, 3)]
    store = BackupStore(
        backup_dir=str(folder),
        keep_daily=2,
        keep_weekly=0,
        app_db_name=source.app_db_name,
        dagster_db_name=source.dagster_db_name,
    )
    result = backup_job.execute_in_process(resources={"backup_store": store})
    assert result.success
    new = Path(result.output_for_node("create_backup"))
    # daily 2: tonight's and yesterday's are kept; the one of three days ago is deleted after verify
    assert new.exists() and old[0].exists() and not old[1].exists()
    return new, result


def test_the_backup_job_creates_verifies_and_prunes(source: Settings, nightly: tuple[Path, object]) -> None:
    new, result = nightly
    manifest = backups.load_manifest(new)  # the checksums hold
    assert manifest["databases"]["app"]["tables"]["chat_users"] == 1
    assert manifest["databases"]["app"]["tables"]["chat_document_chunks"] > 0
    assert "runs" in manifest["databases"]["dagster"]["tables"]
    events = {e.step_key: e for e in result.get_step_success_events()}  # type: ignore[attr-defined]
    assert set(events) == {"create_backup", "verify_backup", "prune_backups"}
    kept = backups.list_backups(new.parent)
    assert kept[0].path == new and len(kept) == 2
    age = backups.newest_backup_age_seconds(source.model_copy(update={"backup_dir": new.parent}))
    assert age is not None and 0 <= age < 600


def test_restore_drill_answers_a_chat_question_from_the_newest_backup(
    source: Settings, nightly: tuple[Path, object]
) -> None:
    from aptichat.secrets import carry_secrets
    from aptichat_api.app import create_app

    newest = backups.list_backups(nightly[0].parent)[0].path
    # Under /tmp itself, as `backup verify` does: as root, the server runs as another user, and a
    # concurrent pytest session may reset /tmp/pytest-of-root to 0700 under it (seen: initdb denied).
    drill_home = Path(tempfile.mkdtemp(prefix="aptichat-drill-"))
    carry_secrets(source.home, drill_home)  # the same install: its tokens and salt
    target = source.model_copy(update={"home": drill_home, "database_url": None, "legacy_database_url": None})
    app = None
    try:
        restored = backups.restore(newest, target)
        assert restored["count_mismatches"] == {}
        assert app_url(target) != app_url(source)  # a fresh server, not the source
        app = create_app(app_config(target))
        client = app.test_client()
        r = client.post(
            "/chat/question",
            json={"question": "What are my strengths in thinking skills?"},
            headers=Auth(target).headers(ALICE),
        )
        assert r.status_code == 200, r.text
        body = r.json
        assert body is not None and body["answer"]
        assert {c["document_type"] for c in body["citations"]} & {"thinking_skills", "personality_profile"}
    finally:
        engine = app.extensions.get("aptichat_db_engine") if app is not None else None
        if engine is not None:
            engine.dispose()  # the app's pooled connections, before their server stops
        stop_embedded(target)
        shutil.rmtree(drill_home, ignore_errors=True)
