"""Migrations against the real embedded PostgreSQL: upgrade, downgrade, constraints that matter."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from aptichat.db import migrate
from aptichat.db.models import Base
from aptichat.settings import Settings


def test_upgrade_creates_every_chat_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t for t in Base.metadata.tables} <= tables
    assert all(t.startswith("chat_") for t in Base.metadata.tables)
    assert migrate.is_current(engine)


def test_indexes_named_in_the_architecture_exist(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'chat_%'")).all()
    defs = {name: definition for name, definition in rows}
    assert "WHERE" in defs["uq_chat_documents_one_current"] and "UNIQUE" in defs["uq_chat_documents_one_current"]
    assert "USING gin" in defs["ix_chat_document_chunks_tsv"]
    assert "btree (user_id" in defs["ix_chat_document_chunks_user"]
    for table in ("chat_jobs", "chat_majors", "chat_scale_guides"):
        assert "USING hnsw (embedding vector_cosine_ops)" in defs[f"ix_{table}_embedding_hnsw"]


def test_embedding_dimension_follows_settings_and_is_recorded(engine: Engine, settings: Settings) -> None:
    with engine.connect() as conn:
        model, dim = conn.execute(text("SELECT model, dim FROM chat_embedding_config")).one()
        typmod = conn.execute(
            text(
                "SELECT atttypmod FROM pg_attribute WHERE attrelid = 'chat_document_chunks'::regclass "
                "AND attname = 'embedding'"
            )
        ).scalar_one()
    assert (model, dim) == (settings.embedding_model, settings.embedding_dim) == ("all-MiniLM-L6-v2", 384)
    assert typmod == 384


def test_downgrade_then_upgrade_round_trips(pg_server: object, settings: Settings) -> None:
    """On a scratch database so the session's schema stays untouched."""
    from sqlalchemy import create_engine

    from aptichat.db.server import app_url

    scratch = f"{settings.app_db_name}_mig"
    pg_server.psql(f'CREATE DATABASE "{scratch}";')  # type: ignore[attr-defined]
    url = app_url(settings).rsplit("/", 1)[0] + "/" + scratch + "?" + app_url(settings).split("?", 1)[1]
    try:
        migrate.upgrade(url)
        eng = create_engine(url)
        assert "chat_documents" in inspect(eng).get_table_names()
        migrate.downgrade(url)
        assert [t for t in inspect(eng).get_table_names() if t.startswith("chat_")] == []
        migrate.upgrade(url)
        assert "chat_documents" in inspect(eng).get_table_names()
        eng.dispose()
    finally:
        pg_server.psql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE);')  # type: ignore[attr-defined]


def test_check_constraints_refuse_bad_rows(db_session) -> None:  # type: ignore[no-untyped-def]
    db_session.execute(text("INSERT INTO chat_users (user_id) VALUES ('u-ck')"))
    with pytest.raises(IntegrityError, match="ck_chat_documents_type"), db_session.begin_nested():
        db_session.execute(
            text(
                "INSERT INTO chat_documents (user_id, document_type, version, status, title, content, "
                "rendered_text, content_hash) VALUES ('u-ck', 'horoscope', 1, 'current', 't', '{}', 'x', "
                "repeat('a', 64))"
            )
        )


def test_readiness_accepts_head_and_newer_revisions_only(engine: Engine) -> None:
    """During a blue-green switch the old colour must stay ready on the next release's schema."""
    assert migrate.is_compatible(migrate.current_revision(engine))
    assert migrate.is_compatible("f00dfeed0042")  # written by newer code (expand migration)
    assert not migrate.is_compatible("0001")  # behind this code's head
    assert not migrate.is_compatible(None)  # never migrated
