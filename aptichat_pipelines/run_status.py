"""Run status sensors: keep chat_etl_jobs current so the API can report progress, classify failures in
words an operator can act on, and notify administrators of failed runs and of people a successful run
failed.

Every run of user_etl is reported, with or without a run key: a backfill's runs and re-executions from
the UI are found by their root run (etl_jobs.mark_run), and each report carries when the run was
created, so a retry's success is never overwritten by its predecessor's failure reported late.
"""

import json
import logging
import urllib.request
from collections import Counter
from datetime import datetime

from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    run_failure_sensor,
    run_status_sensor,
)

from aptichat.db import etl_admin, etl_jobs
from aptichat.db.etl_attempts import Attempt
from aptichat.logs import hash_user
from aptichat.settings import get_settings
from aptichat_pipelines.jobs import user_etl_job
from aptichat_pipelines.resources import AppDatabase

log = logging.getLogger(__name__)
# job ids and hashed people listed in one notice (the count is always complete)
MAX_LISTED = 50

# exception class name -> (error class, what an operator should do)
ERROR_CLASSES: dict[str, tuple[str, str]] = {
    "OperationalError": ("database_unreachable", "a database did not answer; check it is up, the run is retried"),
    "LegacyQueryError": ("legacy_query_failed", "a legacy query failed; see the query and user named in the message"),
    "DocumentIntegrityError": ("integrity_check_failed", "the new version was refused; the old one stays current"),
    "ProviderError": ("embedding_provider_failed", "the embedding provider failed; check the key, quota or network"),
    "QuotaError": ("embedding_quota_exceeded", "the embedding provider's quota ran out; wait or raise the quota"),
    "DagsterExecutionInterruptedError": ("run_interrupted", "the run was stopped; re-run it"),
}


def classify(cls_name: str | None, message: str) -> tuple[str, str]:
    """An error class and a sentence for an operator, from the exception class name and message.

    Our own `Failure`s start their description with the class ("legacy_query_failed: ...")."""
    if cls_name == "Failure":
        prefix, _, rest = message.partition(": ")
        by_class = {c: advice for c, advice in ERROR_CLASSES.values()}
        if prefix in by_class:
            return prefix, f"{by_class[prefix]}. ({rest[:300]})"
    if cls_name in ERROR_CLASSES:
        error_class, advice = ERROR_CLASSES[cls_name]
        return error_class, f"{advice}. ({message[:300]})"
    if "connection" in message.lower() and "refused" in message.lower():
        return "database_unreachable", f"a database refused the connection. ({message[:300]})"
    return "unexpected_error", f"unexpected error {cls_name or ''}: {message[:300]}"


def _first_step_error(context: RunStatusSensorContext) -> tuple[str | None, str]:
    records = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=DagsterEventType.STEP_FAILURE
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event and event.step_failure_data else None
        if error is not None:
            # the root cause is the deepest chained error (Dagster wraps user code errors)
            while error.cause is not None:
                error = error.cause
            # Dagster's message starts with the exception's qualified name ("dagster...Failure: text")
            message = error.message.strip()
            head = f"{error.cls_name}: "
            if head in message.split("\n", 1)[0]:
                message = message.split(head, 1)[1]
            return error.cls_name, message
    return None, context.dagster_run.tags.get("dagster/failure_reason", "the run failed")


def notify_admins(subject: str, detail: dict[str, object]) -> None:
    """POST a JSON notice to APTICHAT_ADMIN_WEBHOOK_URL; logged when none is set or it fails."""
    url = get_settings().admin_webhook_url
    if not url:
        log.warning("ETL failure (no admin webhook set): %s %s", subject, detail)
        return
    body = json.dumps({"text": subject, **detail}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5):
            pass
    except OSError as exc:
        log.error("could not notify administrators at %s: %s (%s)", url, exc, subject)


def _report(context: RunStatusSensorContext, app_db: AppDatabase, status: str, *details: str | None) -> int:
    """Record this run's status on every job it carries; returns how many jobs changed status."""
    run = context.dagster_run
    return etl_jobs.mark_run(
        app_db.engine(),
        run.tags.get("dagster/run_key"),
        run.run_id,
        status,
        *details,
        run_created_at=run_created_at(context),
        root_run_id=run.root_run_id or run.run_id,
    )


def earlier_failed_attempts(instance: DagsterInstance, run: DagsterRun) -> list[Attempt]:
    """The failed runs `run` re-executes (its parent, the parent's parent...), oldest first, as
    attempts of the job: a retry of a run killed mid-way carries the history of that failure."""
    out: list[Attempt] = []
    parent_id, seen = run.parent_run_id, set()
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        record = instance.get_run_record_by_id(parent_id)
        if record is None:
            break
        if record.dagster_run.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
            out.append(
                Attempt(
                    run_id=parent_id,
                    group=run.root_run_id or parent_id,
                    at=record.create_timestamp,
                    outcome="failed",
                    scope="run",
                )
            )
        parent_id = record.dagster_run.parent_run_id
    return out[::-1]


def run_created_at(context: RunStatusSensorContext) -> datetime | None:
    """When the run was created (its run record), which orders it among the job's attempts."""
    record = context.instance.get_run_record_by_id(context.dagster_run.run_id)
    return record.create_timestamp if record is not None else None


@run_status_sensor(
    run_status=DagsterRunStatus.STARTED,
    monitored_jobs=[user_etl_job],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
)
def etl_run_started_sensor(context: RunStatusSensorContext, app_db: AppDatabase) -> None:
    _report(context, app_db, "running")


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[user_etl_job],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
)
def etl_run_succeeded_sensor(context: RunStatusSensorContext, app_db: AppDatabase) -> None:
    # per-user outcomes were written by the run itself; this closes jobs the run did not mention
    _report(context, app_db, "succeeded")
    run = context.dagster_run
    failed = etl_admin.failed_in_run(app_db.engine(), run.run_id)
    if failed:
        # one notice per run, however many people it failed; people only as the logs' salted hash
        classes = Counter(p.error_class or "unexpected_error" for p in failed)
        notify_admins(
            f"AptiChat ETL run {run.run_id} succeeded but failed {len(failed)} people",
            {
                "run_id": run.run_id,
                "people_failed": len(failed),
                "error_classes": dict(sorted(classes.items())),
                "job_ids": [p.job_id for p in failed[:MAX_LISTED]],
                "users": [hash_user(p.user_id) for p in failed[:MAX_LISTED]],
            },
        )


@run_failure_sensor(
    monitored_jobs=[user_etl_job],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
)
def etl_run_failure_sensor(context: RunFailureSensorContext, app_db: AppDatabase) -> None:
    run = context.dagster_run
    cls_name, message = _first_step_error(context)
    error_class, sentence = classify(cls_name, message)
    changed = _report(context, app_db, "failed", error_class, sentence)
    notify_admins(
        f"AptiChat ETL run {run.run_id} failed: {error_class}",
        {
            "run_id": run.run_id,
            "error_class": error_class,
            "message": sentence,
            "jobs_marked_failed": changed,
            "partitions": run.tags.get("dagster/partition") or run.tags.get("dagster/asset_partition_range_start"),
        },
    )


__all__ = [
    "classify",
    "earlier_failed_attempts",
    "etl_run_failure_sensor",
    "etl_run_started_sensor",
    "etl_run_succeeded_sensor",
    "notify_admins",
]
