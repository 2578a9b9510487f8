"""The AptiChat code location: assets, checks, jobs, sensors and resources, assembled.

Assembled when Dagster loads the code location (`@definitions`), not when the module is imported, so
the settings it reads (the sensor interval, which URLs the deployment sets) are the loading process's.
"""

from dagster import Definitions, EnvVar, definitions

from aptichat.logs import configure_logging
from aptichat.secrets import check_secrets
from aptichat.settings import Settings, env_name, get_settings
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog, scale_guides
from aptichat_pipelines.assets.rerank import catalog_rerank_sensor
from aptichat_pipelines.assets.users import user_assets
from aptichat_pipelines.jobs import catalog_job, user_etl_job
from aptichat_pipelines.resources import AppDatabase, EmbedderResource, EtlBatching, LegacyDatabase
from aptichat_pipelines.run_status import etl_run_failure_sensor, etl_run_started_sensor, etl_run_succeeded_sensor
from aptichat_pipelines.schedules import BackupStore, backup_job, backup_schedule
from aptichat_pipelines.sensors import catalog_change_sensor, etl_sensors
from aptichat_pipelines.staging import StageIOManager


def _url(settings: Settings, attribute: str) -> EnvVar | None:
    """A URL the deployment sets, as an EnvVar (the UI shows its name, never the password); None: the
    resource falls back to the embedded server."""
    return EnvVar(env_name(attribute)) if getattr(settings, attribute) else None


def resources(settings: Settings) -> dict[str, object]:
    app_url = _url(settings, "database_url")
    return {
        "legacy": LegacyDatabase(url=_url(settings, "legacy_database_url")),
        "app_db": AppDatabase(url=app_url),
        "embedder": EmbedderResource(app_database_url=app_url),
        "stage_io_manager": StageIOManager(database_url=app_url),
        "etl_batching": EtlBatching(),
        "backup_store": BackupStore(),
    }


@definitions
def defs() -> Definitions:
    # Code server and run workers: JSON lines on stderr (Dagster keeps them as the step's compute logs).
    # Skipped when the host already configured logging (pytest, a notebook).
    configure_logging("pipeline")
    settings = get_settings()
    check_secrets(settings)  # against a configured database: refuse to load without strong secrets
    return Definitions(
        assets=[
            *user_assets(settings.users_per_run),  # backfills: runs of at most users_per_run users
            job_catalog,
            major_catalog,
            scale_guides,
        ],
        jobs=[user_etl_job, catalog_job, backup_job],
        schedules=[backup_schedule(settings.backup_cron)],
        sensors=[
            *etl_sensors(settings.sensor_interval_s),
            catalog_change_sensor,
            catalog_rerank_sensor,
            etl_run_started_sensor,
            etl_run_succeeded_sensor,
            etl_run_failure_sensor,
        ],
        resources=resources(settings),
    )
