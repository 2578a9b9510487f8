"""The app's database access: one pooled engine per app (sized by settings.db_pool_size, which
`aptichat api serve` also uses as the number of gunicorn threads) and a session per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aptichat.db.engine import get_engine, session_scope


def init_app(app: Flask) -> None:
    # Created lazily: building the app must not need a running database (tests of /healthz, CLI).
    app.extensions["aptichat_db_engine"] = None


def engine() -> Engine:
    existing = current_app.extensions.get("aptichat_db_engine")
    if existing is None:
        existing = get_engine(current_app.config["SETTINGS"])
        current_app.extensions["aptichat_db_engine"] = existing
    return existing  # type: ignore[no-any-return]


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (so a bad request stores nothing)."""
    with session_scope(engine()) as s:
        yield s
