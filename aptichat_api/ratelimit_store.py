"""Rate-limit counters in our own PostgreSQL, shared by every gunicorn worker and every replica (no
Redis): a `limits` storage registered under the URI scheme `aptichat-db://`.

- `aptichat-db://` counts in the configured app database (the embedded server by default, or
  APTICHAT_DATABASE_URL), through the process's pooled engine (`aptichat.db.engine.get_engine`).
- `aptichat-db://user:password@host:5432/dbname?sslmode=require` counts in that PostgreSQL database
  instead (psycopg driver); it must carry the `chat_rate_limits` table (migration 0004).
- Options (URI query or RATELIMIT_STORAGE_OPTIONS): `cleanup_interval` (seconds between two purges of
  expired rows by one process, default 60), `key_salt` (see below).

Strategy: the app keeps RATELIMIT_STRATEGY "moving-window", and this storage implements
MovingWindowSupport exactly. It is the only strategy that never lets more than the configured amount
through in any window of the configured length, whichever process serves the requests: fixed-window
allows up to twice the budget across a window boundary, and sliding-window-counter is an estimate.
Each key is one row holding the timestamps of its latest `limit` accepted hits, newest first; a hit is
one `INSERT .. ON CONFLICT DO UPDATE .. WHERE <hits in window> + amount <= limit` statement. The
upsert locks the row and re-evaluates its WHERE on the latest committed version, so concurrent hits
from any number of processes are serialised per key and never overshoot. Refused hits write nothing.
The fixed-window interface (`incr`/`get`/`get_expiry`) is implemented too, with the same one-statement
atomicity, so "fixed-window" works as well should a deployment prefer it.

Every statement runs in autocommit (one statement is its own transaction): no BEGIN/COMMIT round trips
on the request path. An accepted hit also returns its window, which the response's rate-limit headers
use instead of reading the row again (two statements per request, not three). Time is the database's
(`statement_timestamp()`), so replicas with skewed clocks share one window.

Table `chat_rate_limits` is UNLOGGED (no WAL: a hit costs no fsync; after a server crash the counters
start empty, which only forgives a window). It has no index besides the key, so updates stay HOT;
each process deletes expired rows at most once per `cleanup_interval`, in batches, skipping rows that
concurrent hits hold locked.

Keys are stored as SHA-256 digests of (salt, limits key): the limits key names a user id or a client
address, and counters must not hold personal data (erasure; a dump of the database). The salt is the
`key_salt` option, else the settings' `log_user_salt` (the salt of our other user pseudonyms), so
every process of a deployment computes the same digest. Rows also vanish within one window of the
last hit.

`reset()` empties the whole table (every namespace of every app using it); `clear(key)` one key.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import urllib.parse

from flask import g, has_request_context
from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

SCHEME = "aptichat-db"
TABLE = "chat_rate_limits"
DEFAULT_CLEANUP_INTERVAL_S = 60.0
CLEANUP_BATCH = 1000

# One clock for every process and replica: the database's, fixed for the whole statement.
_NOW = "extract(epoch FROM statement_timestamp())::float8"

_ACQUIRE = text(
    f"""
    INSERT INTO {TABLE} AS r (key, hits, entries, expires_at)
    VALUES (:key, 0, array_fill({_NOW}, ARRAY[CAST(:amount AS integer)]), {_NOW} + :expiry)
    ON CONFLICT (key) DO UPDATE SET
        entries = (
            EXCLUDED.entries
            || ARRAY(SELECT e FROM unnest(r.entries) AS e WHERE e > {_NOW} - :expiry ORDER BY e DESC)
        )[1:CAST(:limit AS integer)],
        expires_at = EXCLUDED.expires_at
    WHERE (SELECT count(*) FROM unnest(r.entries) AS e WHERE e > {_NOW} - :expiry) + :amount <= :limit
    RETURNING r.entries[cardinality(r.entries)], cardinality(r.entries)
    """
)

_MOVING_WINDOW = text(
    f"""
    SELECT coalesce(min(e), {_NOW}), count(e)
    FROM {TABLE} AS r CROSS JOIN LATERAL unnest(r.entries) AS e
    WHERE r.key = :key AND e > {_NOW} - :expiry
    """
)

_INCR = text(
    f"""
    INSERT INTO {TABLE} AS r (key, hits, entries, expires_at)
    VALUES (:key, :amount, '{{}}', {_NOW} + :expiry)
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.expires_at > {_NOW} THEN r.hits + EXCLUDED.hits ELSE EXCLUDED.hits END,
        expires_at = CASE WHEN r.expires_at > {_NOW} THEN r.expires_at ELSE EXCLUDED.expires_at END
    RETURNING hits
    """
)

_GET = text(f"SELECT hits FROM {TABLE} WHERE key = :key AND expires_at > {_NOW}")
_GET_EXPIRY = text(
    f"SELECT coalesce((SELECT expires_at FROM {TABLE} WHERE key = :key AND expires_at > {_NOW}), {_NOW})"
)
_CLEAR = text(f"DELETE FROM {TABLE} WHERE key = :key")
_RESET = text(f"DELETE FROM {TABLE}")
_PURGE = text(
    f"""
    DELETE FROM {TABLE} WHERE key IN (
        SELECT key FROM {TABLE} WHERE expires_at <= {_NOW} LIMIT :batch FOR UPDATE SKIP LOCKED
    )
    """
)
_CHECK = text(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} LIMIT 1) AS probe")


def _database_url(uri: str) -> str | None:
    """The SQLAlchemy URL named by an `aptichat-db://` URI, or None for the configured app database."""
    parsed = urllib.parse.urlsplit(uri)
    if not parsed.netloc:
        return None
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parsed.query) if k not in ("cleanup_interval", "key_salt")]
    rebuilt = parsed._replace(scheme="postgresql+psycopg", query=urllib.parse.urlencode(query))
    return urllib.parse.urlunsplit(rebuilt)


class PostgresStorage(Storage, MovingWindowSupport):
    """`limits` storage in the `chat_rate_limits` table (see the module docstring)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        uri = uri or f"{SCHEME}://"
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query))
        self._url = _database_url(uri)
        interval = options.get("cleanup_interval", query.get("cleanup_interval", DEFAULT_CLEANUP_INTERVAL_S))
        self._cleanup_interval = float(interval)
        salt = options.get("key_salt", query.get("key_salt"))
        self._salt = str(salt) if salt is not None else None
        self._engine: Engine | None = None
        self._pid = 0
        self._bind_lock = threading.Lock()
        self._cleanup_lock = threading.Lock()
        self._next_cleanup = time.monotonic() + self._cleanup_interval
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    # -- plumbing ---------------------------------------------------------------------------------

    def _bind(self) -> Engine:
        """The engine, resolved on first use (after gunicorn forked); a child never reuses pooled
        connections inherited from its parent."""
        pid = os.getpid()
        engine = self._engine
        if engine is not None and self._pid == pid:
            return engine
        # One thread resolves it: the first requests of a fresh worker arrive together, and resolving
        # the embedded server's URL is not safe to run from several threads at once.
        with self._bind_lock:
            if self._engine is None or self._pid != pid:
                from aptichat.db.engine import engine_for, get_engine

                if self._engine is not None:
                    self._engine.dispose(close=False)
                # Autocommit: each hit is ONE atomic statement, so a transaction would only add a BEGIN
                # and a COMMIT round trip to every request (two hits and a window read per request).
                base = engine_for(self._url) if self._url else get_engine()
                self._engine = base.execution_options(isolation_level="AUTOCOMMIT")
                self._pid = pid
            return self._engine

    def _digest(self, key: str) -> bytes:
        if self._salt is None:
            from aptichat.secrets import user_salt
            from aptichat.settings import get_settings

            self._salt = user_salt(get_settings())
        return hashlib.sha256(f"{self._salt}\x00{key}".encode()).digest()

    def _maybe_purge(self) -> None:
        """Delete expired rows at most once per cleanup interval per process, off the lock path of
        other threads (a thread that finds a purge running just goes on)."""
        if time.monotonic() < self._next_cleanup or not self._cleanup_lock.acquire(blocking=False):
            return
        try:
            self._next_cleanup = time.monotonic() + self._cleanup_interval
            self.purge_expired()
        finally:
            self._cleanup_lock.release()

    def purge_expired(self) -> int:
        """Delete expired rows (one batch); returns how many."""
        with self._bind().begin() as conn:
            return int(conn.execute(_PURGE, {"batch": CLEANUP_BATCH}).rowcount)

    # -- moving window (the app's strategy) -------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        params = {"key": self._digest(key), "limit": limit, "expiry": float(expiry), "amount": amount}
        with self._bind().begin() as conn:
            window = conn.execute(_ACQUIRE, params).first()
        self._remember_window(key, expiry, None if window is None else (float(window[0]), int(window[1])))
        self._maybe_purge()
        return window is not None

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        remembered = self._remembered_window(key, expiry)
        if remembered is not None:
            return remembered
        with self._bind().connect() as conn:
            start, count = conn.execute(_MOVING_WINDOW, {"key": self._digest(key), "expiry": float(expiry)}).one()
        return float(start), int(count)

    # The rate-limit headers read the window of a limit the request has just hit: the accepted hit
    # returns it (its row after the update: every entry is inside the window, newest first), so the
    # read costs no third statement per request. Kept for the current request only (flask.g), and
    # forgotten when read or when a hit is refused (the headers then read the row as before).
    _WINDOWS = "aptichat_ratelimit_windows"

    def _remember_window(self, key: str, expiry: int, window: tuple[float, int] | None) -> None:
        if not has_request_context():
            return
        windows: dict[tuple[str, int], tuple[float, int]] = g.setdefault(self._WINDOWS, {})
        if window is None:
            windows.pop((key, expiry), None)
        else:
            windows[(key, expiry)] = window

    def _remembered_window(self, key: str, expiry: int) -> tuple[float, int] | None:
        if not has_request_context():
            return None
        windows: dict[tuple[str, int], tuple[float, int]] | None = g.get(self._WINDOWS)
        return None if windows is None else windows.pop((key, expiry), None)

    # -- fixed window -----------------------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        params = {"key": self._digest(key), "expiry": float(expiry), "amount": amount}
        with self._bind().begin() as conn:
            hits = int(conn.execute(_INCR, params).scalar_one())
        self._maybe_purge()
        return hits

    def get(self, key: str) -> int:
        with self._bind().connect() as conn:
            return int(conn.execute(_GET, {"key": self._digest(key)}).scalar() or 0)

    def get_expiry(self, key: str) -> float:
        with self._bind().connect() as conn:
            return float(conn.execute(_GET_EXPIRY, {"key": self._digest(key)}).scalar_one())

    # -- housekeeping -----------------------------------------------------------------------------

    def check(self) -> bool:
        """Healthy when the database answers and the table exists (migrations applied)."""
        try:
            with self._bind().connect() as conn:
                conn.execute(_CHECK).scalar_one()
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._bind().begin() as conn:
            return int(conn.execute(_RESET).rowcount)

    def clear(self, key: str) -> None:
        with self._bind().begin() as conn:
            conn.execute(_CLEAR, {"key": self._digest(key)})
