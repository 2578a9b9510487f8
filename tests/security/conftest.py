"""Security fixtures: an API served on loopback (offline composer, hashing embedder) with people of
this directory's own, one of whom (bob) carries a canary string in every chunk of his documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from support.api import Api, app_config, seed_person, serve
from support.security import ADMIN, ALICE, BOB, CANARY

from aptichat.settings import Settings


@pytest.fixture(scope="session")
def security_people(engine: Engine, settings: Settings) -> dict[str, str]:
    from aptichat.db.repository import repository_scope

    seed_person(engine, settings, ALICE)
    seed_person(engine, settings, BOB)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE chat_document_chunks SET text = text || ' ' || :canary WHERE user_id = :bob"),
            {"canary": CANARY, "bob": BOB},
        )
    with repository_scope(engine) as repo:
        repo.ensure_user(ADMIN)
    return {"alice": ALICE, "bob": BOB, "admin": ADMIN}


@pytest.fixture(scope="session")
def security_api(engine: Engine, settings: Settings, security_people: dict[str, str]) -> Iterator[Api]:
    from aptichat_api.app import create_app

    with serve(create_app(app_config(settings))) as url:
        yield Api(url, settings)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")
