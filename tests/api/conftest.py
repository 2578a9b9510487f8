"""Fixtures of the API tests: one app served over real HTTP on loopback for the whole module set,
with three seeded people (alice and bob with documents, carol without), plus tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from support.api import ADMIN, ALICE, BOB, CAROL, GAPS, Api, app_config, seed_person, serve

from aptichat.settings import Settings


@pytest.fixture(scope="session")
def people(engine: Engine, settings: Settings) -> dict[str, str]:
    """alice and bob have every example document (bob with a gap), carol exists without documents."""
    from aptichat.db.repository import repository_scope

    seed_person(engine, settings, ALICE)
    seed_person(engine, settings, BOB, gaps=GAPS)
    with repository_scope(engine) as repo:
        repo.ensure_user(CAROL, display_name="Carol")
        repo.ensure_user(ADMIN)
    return {"alice": ALICE, "bob": BOB, "carol": CAROL, "admin": ADMIN}


@pytest.fixture(scope="session")
def api(engine: Engine, settings: Settings, people: dict[str, str]) -> Iterator[Api]:
    from aptichat_api.app import create_app

    app = create_app(app_config(settings))
    with serve(app) as url:
        yield Api(url, settings)


def pytest_configure(config: pytest.Config) -> None:
    # The tests sign with the short development secret on purpose; PyJWT warns about it each time.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")
