"""Legacy-contract fixtures: databases of our own on the shared embedded server (so hand-built
sessions never show up in other tests' populations), and a helper writing sessions with known answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from legacy_support import url_of
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from aptichat.settings import Settings


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
    from aptichat_pipelines.legacy.schema import init_legacy

    for engine in _database(pg_server, settings, "contract"):
        init_legacy(engine)
        yield engine


@pytest.fixture()
def scratch_engine(pg_server: Any, settings: Settings, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty database for one test (seeding, imports)."""
    yield from _database(pg_server, settings, f"scratch_{abs(hash(request.node.nodeid)) % 10**6}")


@pytest.fixture()
def queries(contract_engine: Engine) -> Iterator[Any]:
    from aptichat_pipelines.legacy.queries import AptitudeTestQueries

    with AptitudeTestQueries(url_of(contract_engine), pool_size=2).sync() as q:
        yield q
