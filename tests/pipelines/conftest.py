"""Pipeline fixtures: a seeded legacy database and a Dagster instance in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, instance_for_test
from sqlalchemy import Engine, text

from aptichat.settings import Settings

SEED = 7
POPULATION = 60


@pytest.fixture(scope="session")
def legacy_engine(pg_server: object, settings: Settings) -> Engine:
    from aptichat.db.engine import get_legacy_engine
    from aptichat_pipelines.legacy.population import seed

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


@pytest.fixture()
def dagster_instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance
