"""Fixtures of the API tests (flaskr's `app`, `client` and `auth`): one app for the whole session,
called in process through `client` by the route tests, and served over real HTTP on loopback (`api`)
for what needs a real server (streams, WebSockets, HTTP edge cases); three seeded people (alice and
bob with documents, carol without), plus tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from support.api import ADMIN, ALICE, BOB, CAROL, GAPS, Api, Auth, app_config, seed_person, serve

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
def app(engine: Engine, settings: Settings, people: dict[str, str]) -> Flask:
    """Session-wide, so the chat engine (and its caches) is built once, as before."""
    from aptichat_api.app import create_app

    return create_app(app_config(settings))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def auth(settings: Settings) -> Auth:
    return Auth(settings)


@pytest.fixture(scope="session")
def api(app: Flask, settings: Settings) -> Iterator[Api]:
    """The same app on a loopback server."""
    with serve(app) as url:
        yield Api(url, settings)


def pytest_configure(config: pytest.Config) -> None:
    # The tests sign with the short development secret on purpose; PyJWT warns about it each time.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")
