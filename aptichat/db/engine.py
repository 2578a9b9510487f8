"""Engines and sessions, one pooled engine per URL per process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from aptichat.db.server import app_url, legacy_url
from aptichat.settings import Settings, get_settings


@lru_cache(maxsize=16)
def engine_for(url: str, pool_size: int = 10) -> Engine:
    """A pooled engine for `url`, created once per process."""
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


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
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
