"""Nightly backups as a Dagster job on a schedule: `backup create`, then `verify` (restore into a scratch
server, compare row counts, probe the vectors), then retention; the same code as `aptichat backup`.

Retention runs only after the new backup verified, so a night whose backup is broken never deletes an
older good one. The schedule skips a tick while an earlier backup run is still queued or running. The
age of the newest backup is the gauge `aptichat_backup_newest_age_seconds` (aptichat_api/metrics.py),
alerted on when the schedule stops producing backups. Runbook: docs/operations.md "Backups".
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dagster import (
    ConfigurableResource,
    DagsterRunStatus,
    DefaultScheduleStatus,
    In,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    in_process_executor,
    job,
    op,
    schedule,
)
from pydantic import Field

from aptichat.settings import Settings, get_settings

BACKUP_JOB = "backup"
ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


class BackupStore(ConfigurableResource):
    """Where backups go, how many are kept, and which databases are dumped. Empty fields: the settings
    (APTICHAT_BACKUP_DIR, APTICHAT_BACKUP_KEEP_DAILY/WEEKLY, APTICHAT_APP_DB, APTICHAT_DAGSTER_DB)."""

    backup_dir: str | None = Field(default=None, description="Empty: APTICHAT_BACKUP_DIR, else APTICHAT_HOME/backups.")
    keep_daily: int | None = Field(default=None, ge=1, description="Empty: APTICHAT_BACKUP_KEEP_DAILY.")
    keep_weekly: int | None = Field(default=None, ge=0, description="Empty: APTICHAT_BACKUP_KEEP_WEEKLY.")
    app_db_name: str | None = Field(default=None, description="Empty: APTICHAT_APP_DB.")
    dagster_db_name: str | None = Field(default=None, description="Empty: APTICHAT_DAGSTER_DB.")

    def settings(self) -> Settings:
        overrides: dict[str, Any] = {
            "backup_dir": Path(self.backup_dir) if self.backup_dir else None,
            "backup_keep_daily": self.keep_daily,
            "backup_keep_weekly": self.keep_weekly,
            "app_db_name": self.app_db_name,
            "dagster_db_name": self.dagster_db_name,
        }
        return get_settings().model_copy(update={k: v for k, v in overrides.items() if v is not None})


@op(description="pg_dump of the app and Dagster databases into a new folder of the backup directory.")
def create_backup(context: OpExecutionContext, backup_store: BackupStore) -> str:
    from aptichat.deploy import backups

    settings = backup_store.settings()
    out = settings.backups / backups.backup_name(datetime.now(UTC))
    manifest = backups.create(settings, out)
    rows = {key: sum(entry["tables"].values()) for key, entry in manifest["databases"].items()}
    context.add_output_metadata(
        {
            "path": MetadataValue.path(str(out)),
            "bytes": sum(entry["bytes"] for entry in manifest["databases"].values()),
            "rows": MetadataValue.json(rows),
            "versions": MetadataValue.json(manifest["versions"]),
        }
    )
    return str(out)


@op(description="Restore the new backup into a scratch embedded server; counts and a vector probe must match.")
def verify_backup(context: OpExecutionContext, path: str) -> None:
    from aptichat.deploy import backups

    report = backups.verify(Path(path))  # raises BackupError: the run fails and retention never runs
    context.log.info(f"backup verified: {report}")
    context.add_output_metadata(
        {"rows": MetadataValue.json(report["rows"]), "vectors": MetadataValue.json(report["vectors"])}
    )


@op(ins={"verified": In(Nothing)}, description="Keep the newest backup of the last N days and M ISO weeks.")
def prune_backups(context: OpExecutionContext, backup_store: BackupStore) -> None:
    from aptichat.deploy import backups

    report = backups.apply_retention(backup_store.settings())
    context.add_output_metadata(
        {"kept": MetadataValue.json(report["kept"]), "deleted": MetadataValue.json(report["deleted"])}
    )


@job(name=BACKUP_JOB, executor_def=in_process_executor, description="Nightly backup: create, verify, retention.")
def backup_job() -> None:
    path = create_backup()
    prune_backups(verified=verify_backup(path))


def backup_schedule(cron: str) -> ScheduleDefinition:
    """The nightly backup at `cron` (UTC), on by default: a backup schedule someone must remember to
    switch on is one nobody switched on."""

    @schedule(
        name="nightly_backup",
        job=backup_job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Backup create + verify + retention (docs/operations.md, Backups).",
    )
    def nightly_backup(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        active = context.instance.get_run_records(RunsFilter(job_name=BACKUP_JOB, statuses=ACTIVE), limit=1)
        if active:
            return SkipReason(
                f"backup run {active[0].dagster_run.run_id} is still {active[0].dagster_run.status.value}"
            )
        when = context.scheduled_execution_time
        key = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if when else datetime.now(UTC).isoformat()
        return RunRequest(run_key=f"backup-{key}", tags={"aptichat/kind": "backup"})

    return nightly_backup
