"""The pooled engine: a connection used a moment ago is handed out without a ping; an idle one is
pinged first, and one the server dropped is replaced without the caller seeing an error."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from aptichat.db import engine as engines
from aptichat.db.server import app_url
from aptichat.settings import Settings


def _own_engine(settings: Settings) -> Engine:
    # not engine_for's cached one: this test kills its connections
    return engines.engine_for.__wrapped__(app_url(settings), 2)


def _counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_used_a_moment_ago_is_not_pinged(engine: Engine, settings: Settings, monkeypatch) -> None:
    own = _own_engine(settings)
    pings = _counting_pings(own, monkeypatch)
    try:
        for _ in range(5):
            with own.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert pings == []
    finally:
        own.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced(engine: Engine, settings: Settings, monkeypatch) -> None:
    own = _own_engine(settings)
    pings = _counting_pings(own, monkeypatch)
    try:
        with own.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        monkeypatch.setattr(engines, "PING_IDLE_S", 0.0)  # as if it had sat in the pool for a while
        with own.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert len(pings) >= 1
    finally:
        own.dispose()
