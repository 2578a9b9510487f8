"""Engines and sessions, one pooled engine per URL per process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from aptichat.db.server import app_url, legacy_url
from aptichat.settings import Settings, get_settings

# A pooled connection back in the pool for less than this is handed out as it is; one idle longer is
# pinged first (a restarted or failed-over server dropped it). Pinging on every checkout (pool_pre_ping)
# cost five round trips per chat question. A connection that dies while in use raises a disconnect
# error instead, which invalidates the whole pool, so the next checkouts reconnect.
PING_IDLE_S = 2.0


@lru_cache(maxsize=16)
def engine_for(url: str, pool_size: int = 10) -> Engine:
    """A pooled engine for `url`, created once per process."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool discards this connection and checks out another
            raise DisconnectionError(f"idle pooled connection is gone: {exc}") from exc

    event.listen(engine, "connect", fresh)
    event.listen(engine, "checkin", fresh)
    event.listen(engine, "checkout", checkout)


def get_engine(settings: Settings | None = None) -> Engine:
    """The app database engine."""
    settings = settings or get_settings()
    return engine_for(app_url(settings), settings.db_pool_size)


def get_legacy_engine(settings: Settings | None = None) -> Engine:
    """The legacy aptitude-test database engine."""
    settings = settings or get_settings()
    return engine_for(legacy_url(settings), settings.db_pool_size)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    # a plain Session: sessionmaker() would make a new Session subclass per call, whose first session
    # sets up its event dispatch again (a chat question opens two sessions)
    with Session(bind=engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
