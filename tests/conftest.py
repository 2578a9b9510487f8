"""Shared fixtures: one embedded PostgreSQL per test session, fresh databases per session, and a
transaction rolled back after every test that uses `db_session`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

# Before anything reads settings: a test home beside the repo (kept between runs so the server
# restarts in ~0.1 s), and databases unique to this pytest process so parallel runs never collide.
_RUN = f"t{os.getpid()}_{uuid.uuid4().hex[:6]}"
os.environ.setdefault("APTICHAT_HOME", str(REPO / ".aptichat-test"))
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
os.environ["APTICHAT_APP_DB"] = f"{_RUN}_app"
os.environ["APTICHAT_LEGACY_DB"] = f"{_RUN}_legacy"
os.environ["APTICHAT_DAGSTER_DB"] = f"{_RUN}_dagster"
for _var in (
    "APTICHAT_DATABASE_URL",
    "APTICHAT_LEGACY_DATABASE_URL",
    "GEMINI_API_KEY",
    "APTICHAT_LLM",
    "APTICHAT_EMBEDDINGS",
    "APTICHAT_GEMINI_BASE_URL",
    # the session's secrets are generated into its APTICHAT_HOME (aptichat/secrets.py), HS256 mode
    "APTICHAT_JWT_SECRET",
    "APTICHAT_SERVICE_API_KEY",
    "APTICHAT_JWT_PUBLIC_KEY",
    "APTICHAT_JWT_ISSUER",
    "APTICHAT_JWT_AUDIENCE",
):
    os.environ.pop(_var, None)
# The nightly backup schedule (on by default) must not fire inside a test's `dagster dev` when the
# suite runs at 02:00 UTC: 03:00 on 29 February only.
os.environ["APTICHAT_BACKUP_CRON"] = "0 3 29 2 *"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from aptichat.settings import Settings, get_settings  # noqa: E402

get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def pg_server(settings: Settings) -> Iterator[object]:
    """The embedded server with this session's databases; they are dropped at the end."""
    from aptichat.db.server import start_embedded

    server = start_embedded(settings)
    yield server
    from aptichat.db.engine import engine_for

    engine_for.cache_clear()
    # WITH (FORCE) closes any connection a test left open.
    for name in (settings.app_db_name, settings.legacy_db_name, settings.dagster_db_name):
        server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def engine(pg_server: object, settings: Settings) -> Engine:
    """The app database, migrated to head."""
    from aptichat.db import migrate
    from aptichat.db.engine import get_engine

    migrate.upgrade()
    return get_engine(settings)


@pytest.fixture()
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (savepoints for commits)."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or a skip with the reason when this checkout has no copy of it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _process_user_salt() -> Iterator[None]:
    """create_app sets the process's user-hash salt from its Settings (one app per process in
    production); a test's app with a salt of its own must not leave it to the tests after it, which
    hash and digest with the install's salt as `dagster dev` or the CLI in another process do."""
    from aptichat import logs

    saved = logs._salt
    yield
    logs._salt = saved
