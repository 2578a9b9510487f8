"""End to end: `dagster dev` (webserver + daemon) against a temporary DAGSTER_HOME. A test completed in
the legacy database is picked up by the sensor with nobody clicking, the run succeeds, the person's
documents appear, and the GraphQL API lists the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from support.dagster_dev import dagster_dev, wait_for

from aptichat.db import person_keys
from aptichat.db.models import ChatDocument, ChatEtlJob
from aptichat.db.server import dagster_url, legacy_url
from aptichat.settings import Settings

pytestmark = pytest.mark.slow


def test_a_completed_test_flows_through_the_sensor_to_documents(
    tmp_path: Path, pg_server: object, engine: Engine, settings: Settings
) -> None:
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.schema import init_legacy
    from aptichat_pipelines.legacy_sim.synthetic import sample_clean

    # a legacy database of its own, so the sensor sees exactly the test completed here
    legacy_db = f"{settings.legacy_db_name}_e2e"
    pg_server.psql(f'CREATE DATABASE "{legacy_db}";')  # type: ignore[attr-defined]
    e2e_settings = settings.model_copy(update={"legacy_db_name": legacy_db})
    legacy = create_engine(legacy_url(e2e_settings))
    init_legacy(legacy)
    env = {
        "APTICHAT_LEGACY_DB": legacy_db,
        "APTICHAT_DAGSTER_PG_URL": dagster_url(settings),
        "APTICHAT_SENSOR_INTERVAL_S": "1",
    }
    try:
        with dagster_dev(tmp_path / "dagster_home", env) as dev:
            population = sample_clean(1, seed=4242)
            with legacy.begin() as conn:
                write_population(conn, population)
            user_id, session_id = population.sessions[-1][1], population.sessions[-1][0]

            def documents() -> int:
                with engine.connect() as conn:
                    return len(
                        conn.execute(
                            select(ChatDocument.id).where(
                                ChatDocument.user_id == user_id, ChatDocument.status == "current"
                            )
                        ).all()
                    )

            assert wait_for(documents, 240, f"documents of {user_id}", dev.log_tail) == 4

            def job_done() -> str | None:
                with engine.connect() as conn:
                    status = conn.execute(
                        select(ChatEtlJob.status).where(ChatEtlJob.session_id == session_id)
                    ).scalar_one_or_none()
                return status if status in ("succeeded", "partial", "failed") else None

            assert wait_for(job_done, 60, "the job status", dev.log_tail) == "succeeded"

            def run_listed() -> list[dict[str, object]]:
                return [
                    r
                    for r in dev.runs()
                    if r["jobName"] == "user_etl"
                    and r["status"] == "SUCCESS"
                    # the run key is the session's salted digest, never the session id
                    and {"key": "dagster/run_key", "value": person_keys.run_key_digest(session_id)} in r["tags"]  # type: ignore[operator]
                ]

            assert wait_for(run_listed, 30, "the run in GraphQL", dev.log_tail)
            partitions = dev.graphql(
                """{ partitionSetsOrError(repositorySelector: {repositoryName: "__repository__",
                     repositoryLocationName: "aptichat"}, pipelineName: "user_etl") {
                     ... on PartitionSets { results { name } } } }"""
            )
            assert partitions["partitionSetsOrError"]["results"]
    finally:
        legacy.dispose()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        pg_server.psql(f'DROP DATABASE IF EXISTS "{legacy_db}" WITH (FORCE);')  # type: ignore[attr-defined]
