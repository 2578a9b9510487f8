"""Pipeline fixtures: a seeded legacy database, legacy databases of a test's own on the shared embedded
server (so hand-built sessions never show up in other tests' populations), and a Dagster instance in a
temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, instance_for_test
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from aptichat.settings import Settings

SEED = 7
POPULATION = 60


@pytest.fixture(scope="session")
def legacy_engine(pg_server: object, settings: Settings) -> Engine:
    from aptichat.db.engine import get_legacy_engine
    from aptichat_pipelines.legacy_sim.population import seed

    engine = get_legacy_engine(settings)
    seed(POPULATION, SEED, engine=engine)
    return engine


@pytest.fixture(scope="session")
def legacy_results(legacy_engine: Engine) -> dict[str, Any]:
    """What the legacy queries return for every seeded user (results or the error)."""
    from aptichat_pipelines.legacy.queries import AptitudeTestQueries

    with AptitudeTestQueries(legacy_engine.url.render_as_string(hide_password=False)).sync() as q:
        with legacy_engine.connect() as conn:
            users = conn.execute(text("SELECT id FROM test_takers ORDER BY id")).scalars().all()
        return dict(q.results_for_users(users, return_exceptions=True))


@pytest.fixture(scope="session")
def valid_users(legacy_results: dict[str, Any]) -> list[str]:
    """Users whose latest valid session measured everything (tendencies, interests, skills)."""
    full = [
        u
        for u, r in legacy_results.items()
        if not isinstance(r, Exception) and r.quality.is_valid and r.tendencies and r.interests and r.skills
    ]
    assert len(full) >= 5, "the synthetic population should have several complete, valid sessions"
    return sorted(full)


@pytest.fixture(scope="session")
def users_without_skills(legacy_results: dict[str, Any]) -> list[str]:
    """Users whose valid session did not include the thinking-skills part."""
    return sorted(
        u
        for u, r in legacy_results.items()
        if not isinstance(r, Exception) and r.quality.is_valid and r.skills is None and r.interests
    )


def _database(pg_server: Any, settings: Settings, suffix: str) -> Iterator[Engine]:
    from aptichat.db.server import legacy_url

    name = f"{settings.legacy_db_name}_{suffix}"
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    pg_server.psql(f'CREATE DATABASE "{name}";')
    url = make_url(legacy_url(settings)).set(database=name)
    engine = create_engine(url, pool_size=2)
    try:
        yield engine
    finally:
        engine.dispose()
        pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


@pytest.fixture(scope="session")
def contract_engine(pg_server: Any, settings: Settings) -> Iterator[Engine]:
    """A legacy database with the contract, our instruments, norms and the starter catalog."""
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    for engine in _database(pg_server, settings, "contract"):
        init_legacy(engine)
        yield engine


@pytest.fixture()
def scratch_engine(pg_server: Any, settings: Settings, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty database for one test (seeding, imports)."""
    yield from _database(pg_server, settings, f"scratch_{abs(hash(request.node.nodeid)) % 10**6}")


@pytest.fixture()
def dagster_instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance
