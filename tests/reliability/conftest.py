"""Reliability fixtures: a small legacy database of this directory's own (the tests here rewrite
answers and point resources at dead sockets, so they must not share the pipelines' seeded one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, instance_for_test
from sqlalchemy import Engine, create_engine
from support.reliability import ReliabilityLegacy

from aptichat.db.server import legacy_url
from aptichat.settings import Settings

POPULATION = 6
SEED = 9191


@pytest.fixture(scope="session")
def reliability_legacy(pg_server: object, engine: Engine, settings: Settings) -> Iterator[ReliabilityLegacy]:
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.schema import init_legacy
    from aptichat_pipelines.legacy_sim.synthetic import sample_clean

    name = f"{settings.legacy_db_name}_rel"
    pg_server.psql(f'CREATE DATABASE "{name}";')  # type: ignore[attr-defined]
    url = legacy_url(settings.model_copy(update={"legacy_db_name": name}))
    legacy = create_engine(url)
    init_legacy(legacy)
    population = sample_clean(POPULATION, seed=SEED)
    with legacy.begin() as conn:
        write_population(conn, population)
    users = sorted({taker for _, taker, *_ in population.sessions})
    try:
        yield ReliabilityLegacy(name, url, legacy, users)
    finally:
        legacy.dispose()
        pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')  # type: ignore[attr-defined]


@pytest.fixture()
def dagster_instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance
