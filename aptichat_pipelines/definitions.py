"""The AptiChat code location: assets, checks, jobs, sensors and resources, assembled."""

from dagster import Definitions

from aptichat.logs import configure_logging
from aptichat.secrets import check_secrets
from aptichat.settings import get_settings
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog, scale_guides
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.jobs import catalog_job, user_etl_job
from aptichat_pipelines.resources import AppDatabase, EmbedderResource, LegacyDatabase
from aptichat_pipelines.run_status import etl_run_failure_sensor, etl_run_started_sensor, etl_run_succeeded_sensor
from aptichat_pipelines.sensors import catalog_change_sensor, etl_request_sensor, test_completion_sensor
from aptichat_pipelines.staging import StageIOManager

# Code server and run workers: JSON lines on stderr (Dagster keeps them as the step's compute logs).
# Skipped when the host already configured logging (pytest, a notebook).
configure_logging("pipeline")
# Against a configured database, refuse to load with a missing or weak secret (aptichat/secrets.py).
check_secrets(get_settings())

defs = Definitions(
    assets=[legacy_test_results, user_documents, user_document_embeddings, job_catalog, major_catalog, scale_guides],
    jobs=[user_etl_job, catalog_job],
    sensors=[
        test_completion_sensor,
        etl_request_sensor,
        catalog_change_sensor,
        etl_run_started_sensor,
        etl_run_succeeded_sensor,
        etl_run_failure_sensor,
    ],
    resources={
        "legacy": LegacyDatabase(),
        "app_db": AppDatabase(),
        "embedder": EmbedderResource(),
        "stage_io_manager": StageIOManager(),
    },
)
