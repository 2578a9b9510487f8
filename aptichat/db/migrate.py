"""Run Alembic migrations programmatically (`aptichat db upgrade|downgrade|current`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration this code knows."""
    return current_revision(engine) == head_revision()


def is_compatible(revision: str | None) -> bool:
    """Whether code at this head can serve a database at `revision` (used by /readyz).

    At head: yes. Ahead of this code (a revision the code does not know, written by the next release's
    expand migration during a blue-green switch): yes, because expand-then-contract migrations keep the
    old schema working. Behind head or empty: no.
    """
    if revision is None:
        return False
    script = ScriptDirectory.from_config(alembic_config())
    if revision == script.get_current_head():
        return True
    try:
        script.get_revision(revision)
    except Exception:  # unknown revision: written by newer code
        return True
    return False
