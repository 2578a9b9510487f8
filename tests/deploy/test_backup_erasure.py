"""A backup restore never brings an erased person back (aptichat.deploy.erasures, docs/privacy.md):
a backup taken before the erasure, restored over the live databases (`--clean`) or into empty ones
with the ledger file only, comes back without the person (no column of the app database names them,
their Dagster partition is gone) and with the erasure in its ledger; the bystander is restored whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from support.api import seed_person

from aptichat.db import erasure, migrate
from aptichat.db.repository import DocumentRepository
from aptichat.db.server import app_url, dagster_url, start_embedded
from aptichat.deploy import backups
from aptichat.secrets import user_salt
from aptichat.settings import Settings

PERSON, BYSTANDER = "bk-hana-0001", "bk-ivan-0002"


def _databases(settings: Settings, server: object) -> Settings:
    run = f"bke{uuid.uuid4().hex[:8]}"
    target = settings.model_copy(update={"app_db_name": f"{run}_app", "dagster_db_name": f"{run}_dagster"})
    for name in (target.app_db_name, target.dagster_db_name):
        server.psql(f'CREATE DATABASE "{name}";')  # type: ignore[attr-defined]
    return target


@pytest.fixture()
def live(settings: Settings, pg_server: object) -> Iterator[tuple[Settings, list[Settings]]]:
    """Databases of their own with two people and their Dagster partitions; a list to add targets to."""
    server = start_embedded(settings)
    src = _databases(settings, server)
    migrate.upgrade(url=app_url(src))
    from dagster_postgres.event_log import PostgresEventLogStorage
    from dagster_postgres.run_storage import PostgresRunStorage

    PostgresRunStorage(dagster_url(src))  # Dagster's tables, as the daemon would create them
    events = PostgresEventLogStorage(dagster_url(src))
    events.add_dynamic_partitions("users", [PERSON, BYSTANDER])
    events.dispose()
    engine = create_engine(app_url(src))
    for person in (PERSON, BYSTANDER):
        seed_person(engine, src, person)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chat_etl_jobs (user_id, session_id, source, status) VALUES (:u, 's1', 'sensor', 'queued')"
            ),
            {"u": PERSON},
        )
    engine.dispose()
    made: list[Settings] = [src]
    yield src, made
    for target in made:
        for name in (target.app_db_name, target.dagster_db_name):
            server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')  # type: ignore[attr-defined]


def _naming(target: Settings, user_id: str) -> list[str]:
    engine = create_engine(app_url(target))
    try:
        with engine.connect() as conn:
            columns = conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND data_type IN ('text', 'character varying', 'jsonb', 'json') ORDER BY 1, 2"
                )
            ).all()
            return [
                f"{t}.{c}"
                for t, c in columns
                if conn.execute(
                    text(f'SELECT EXISTS (SELECT 1 FROM "{t}" WHERE "{c}"::text LIKE :p)'), {"p": f"%{user_id}%"}
                ).scalar()
            ]
    finally:
        engine.dispose()


def _partitions(target: Settings) -> set[str]:
    engine = create_engine(dagster_url(target))
    try:
        with engine.connect() as conn:
            return set(
                conn.execute(text("SELECT partition FROM dynamic_partitions WHERE partitions_def_name = 'users'"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()


def _erase(target: Settings, user_id: str) -> erasure.Entry:
    engine = create_engine(app_url(target))
    try:
        with Session(engine) as session, session.begin():
            DocumentRepository(session).erase_user(user_id, salt=user_salt(target))
            erased_at = erasure.latest_erasure(session, user_id, user_salt(target))
        assert erased_at is not None
        return erasure.Entry(erasure.person_hash(user_id, user_salt(target)), erased_at)
    finally:
        engine.dispose()


def _ledger(target: Settings) -> set[str]:
    engine = create_engine(app_url(target))
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT person_hash FROM chat_erasures")).scalars().all())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_restore_re_applies_erasures_recorded_after_the_backup(
    live: tuple[Settings, list[Settings]], settings: Settings, pg_server: object, tmp_path: Path
) -> None:
    src, made = live
    backup = tmp_path / "before-erasure"
    backups.create(src, backup)
    entry = _erase(src, PERSON)
    assert _naming(src, PERSON) == []
    erasure.append_to_file(tmp_path / "old-home", entry)

    # restored over the live databases: the live ledger is read before and re-applied after
    manifest = backups.restore(backup, src, clean=True)
    assert manifest["count_mismatches"] == {}, "the backup itself restored exactly"
    assert manifest["erasures"]["people_erased_again"] == 1
    assert _naming(src, PERSON) == []
    assert _naming(src, BYSTANDER), "the bystander is restored"
    assert _partitions(src) == {BYSTANDER}
    assert entry.person_hash in _ledger(src)

    # restored into empty databases, the erasure known only from a ledger file (a new machine)
    empty = _databases(settings, start_embedded(settings))
    made.append(empty)
    manifest = backups.restore(backup, empty, ledger_files=[tmp_path / "old-home"])
    assert manifest["erasures"]["people_erased_again"] == 1
    assert _naming(empty, PERSON) == []
    assert _naming(empty, BYSTANDER)
    assert _partitions(empty) == {BYSTANDER}
    assert entry.person_hash in _ledger(empty), "the ledger outlives the restore"
