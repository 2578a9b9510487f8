"""The PostgreSQL rate-limit storage (aptichat_api.ratelimit_store) on the real embedded server: the
`limits` interface under threads, expiry, cleanup, reset; then the real thing, gunicorn with two
workers sharing one budget."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from sqlalchemy import Engine, text
from support.api import ALICE, bearer
from support.metrics_files import requests_per_worker
from support.processes import gunicorn_api

from aptichat.db.server import app_url, legacy_url
from aptichat.settings import Settings
from aptichat_api.ratelimit_store import TABLE, PostgresStorage


@pytest.fixture()
def storage(engine: Engine) -> PostgresStorage:
    store = storage_from_string("aptichat-db://")
    assert isinstance(store, PostgresStorage)
    return store


def _key(name: str) -> str:
    return f"test:{name}:{time.monotonic_ns()}"


def _in_threads(fn: Callable[[], object], threads: int, each: int) -> list[object]:
    barrier = threading.Barrier(threads)

    def run() -> list[object]:
        barrier.wait()
        return [fn() for _ in range(each)]

    with ThreadPoolExecutor(threads) as pool:
        return [r for rs in pool.map(lambda _: run(), range(threads)) for r in rs]


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one())


def test_scheme_is_registered_and_table_is_unlogged(storage: PostgresStorage, engine: Engine) -> None:
    assert storage.check()
    with engine.connect() as conn:
        persistence = conn.execute(text(f"SELECT relpersistence FROM pg_class WHERE relname = '{TABLE}'")).scalar_one()
    assert persistence == "u"


def test_check_is_false_where_the_table_is_missing(engine: Engine, settings: Settings) -> None:
    """An explicit database URI: the legacy database has no chat_rate_limits table."""
    uri = legacy_url(settings).replace("postgresql+psycopg://", "aptichat-db://", 1)
    assert not PostgresStorage(uri).check()
    same_db = PostgresStorage(app_url(settings).replace("postgresql+psycopg://", "aptichat-db://", 1))
    assert same_db.check() and same_db.acquire_entry(_key("explicit"), 1, 60)


def test_moving_window_admits_exactly_the_limit_under_threads(storage: PostgresStorage) -> None:
    key = _key("moving")
    results = _in_threads(lambda: storage.acquire_entry(key, 50, 60), threads=16, each=10)
    assert results.count(True) == 50 and results.count(False) == 110
    start, count = storage.get_moving_window(key, 50, 60)
    assert count == 50 and time.time() - 60 < start <= time.time() + 1


def test_a_hit_and_a_window_read_run_without_a_transaction(storage: PostgresStorage) -> None:
    """Each is one atomic statement: in autocommit, so the request path pays no BEGIN/COMMIT round trips."""
    from sqlalchemy import event

    seen: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append((statement.split()[0], bool(conn.connection.dbapi_connection.autocommit)))

    engine = storage._bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        key = _key("autocommit")
        assert storage.acquire_entry(key, 5, 60)
        assert storage.get_moving_window(key, 5, 60)[1] == 1
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [kind for kind, _ in seen] == ["INSERT", "SELECT"]
    assert all(autocommit for _, autocommit in seen)


def test_a_request_reads_its_rate_limit_headers_from_its_hits(
    settings: Settings, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hits per request (address and person) and no third statement for the headers: an accepted
    hit returns its window. The headers are the ones a read of the row gives (the old way)."""
    from sqlalchemy import event
    from support.api import app_config

    from aptichat.db.engine import get_engine
    from aptichat_api.app import create_app

    def run() -> tuple[list[tuple[int, str, str]], set[str], list[str]]:
        app = create_app(app_config(settings, RATE_LIMIT_USER="5/minute", RATE_LIMIT_IP="7/minute"))
        client = app.test_client()
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if TABLE in statement:
                seen.append(statement.split()[0])

        engine = get_engine(settings)  # the limiter's storage runs on it (in autocommit)
        event.listen(engine, "before_cursor_execute", record)
        try:
            responses = [client.get(f"/users/{ALICE}/profile", headers=bearer(settings, ALICE)) for _ in range(6)]
        finally:
            event.remove(engine, "before_cursor_execute", record)
        headers = [
            (r.status_code, r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) for r in responses
        ]
        return headers, {r.headers["X-RateLimit-Reset"] for r in responses[:5]}, seen

    headers, resets, seen = run()
    shown = int(headers[0][1])  # flask-limiter shows one of the two limits while both admit
    assert headers == [(200, str(shown), str(shown - 1 - i)) for i in range(5)] + [(429, "5", "0")]
    assert len(resets) == 1  # the oldest hit in the window: the first request's
    # 5 accepted requests: 2 hits each; the refused one: its 2 hits and a read for its headers
    assert seen == ["INSERT"] * 12 + ["SELECT"], seen

    monkeypatch.setattr(PostgresStorage, "_remembered_window", lambda *_: None)
    old_headers, old_resets, old_seen = run()
    assert old_headers == headers and len(old_resets) == 1
    assert old_seen.count("SELECT") == 6


def test_moving_window_slides_and_costs_count(storage: PostgresStorage) -> None:
    key = _key("slide")
    assert storage.acquire_entry(key, 3, 2, amount=2)
    assert not storage.acquire_entry(key, 3, 2, amount=2)  # 2 + 2 > 3
    assert storage.acquire_entry(key, 3, 2)
    assert not storage.acquire_entry(key, 3, 2)
    assert not storage.acquire_entry(key, 3, 2, amount=4)  # never more than the limit at once
    assert storage.get_moving_window(key, 3, 2)[1] == 3
    time.sleep(2.2)
    assert storage.get_moving_window(key, 3, 2)[1] == 0
    assert storage.acquire_entry(key, 3, 2, amount=3)


def test_moving_window_strategy_through_limits(storage: PostgresStorage) -> None:
    limiter = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(4)
    ident = _key("strategy")
    assert [limiter.hit(item, ident) for _ in range(5)] == [True] * 4 + [False]
    assert not limiter.test(item, ident)
    stats = limiter.get_window_stats(item, ident)
    assert stats.remaining == 0 and time.time() < stats.reset_time <= time.time() + 61
    limiter.clear(item, ident)
    assert limiter.hit(item, ident) and limiter.get_window_stats(item, ident).remaining == 3


def test_fixed_window_counts_atomically_and_expires(storage: PostgresStorage) -> None:
    key = _key("fixed")
    values = _in_threads(lambda: storage.incr(key, 60), threads=8, each=25)
    assert sorted(values) == list(range(1, 201))  # every increment saw a distinct count
    assert storage.get(key) == 200
    assert time.time() < storage.get_expiry(key) <= time.time() + 61

    short = _key("fixed-short")
    assert storage.incr(short, 1) == 1 and storage.incr(short, 1, amount=2) == 3
    time.sleep(1.2)
    assert storage.get(short) == 0 and storage.get_expiry(short) <= time.time() + 0.5
    assert storage.incr(short, 1) == 1  # a new window

    limiter = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(2, 30)
    ident = _key("fixed-strategy")
    assert [limiter.hit(item, ident) for _ in range(3)] == [True, True, False]


def test_keys_are_digests_without_personal_data(storage: PostgresStorage, engine: Engine) -> None:
    key = f"LIMITER/user:{ALICE}/ip:203.0.113.7"
    assert storage.acquire_entry(key, 5, 60)
    with engine.connect() as conn:
        dumped = conn.execute(text(f"SELECT string_agg(t::text, ' ') FROM {TABLE} AS t")).scalar_one()
        lengths = set(conn.execute(text(f"SELECT octet_length(key) FROM {TABLE}")).scalars())
    assert ALICE not in dumped and "203.0.113.7" not in dumped and ALICE.encode().hex() not in dumped
    assert lengths == {32}


def test_expired_rows_are_purged_and_reset_empties(engine: Engine) -> None:
    store = PostgresStorage("aptichat-db://?cleanup_interval=0")
    store.reset()
    for i in range(5):
        assert store.acquire_entry(_key(f"purge{i}"), 2, 1)
    store.incr(_key("purge-fixed"), 1)
    live = _key("live")
    store.incr(live, 600)
    assert _rows(engine) == 7
    time.sleep(1.2)
    store.incr(live, 600)  # any write purges the expired rows (interval 0)
    assert _rows(engine) == 1 and store.get(live) == 2
    store.clear(live)
    assert store.get(live) == 0 and _rows(engine) == 0
    store.incr(_key("a"), 60)
    store.acquire_entry(_key("b"), 2, 60)
    assert store.reset() == 2 and _rows(engine) == 0


def _count(metrics_text: str, endpoint: str) -> int:
    """Requests to endpoints matching `endpoint` counted by the worker that answered this scrape."""
    pattern = re.compile(rf'^aptichat_http_requests_total\{{endpoint="[^"]*{endpoint}[^"]*"[^}}]*\}} (\d+)', re.M)
    return sum(int(n) for n in pattern.findall(metrics_text))


def _scrape(url: str, endpoint: str) -> int:
    with requests.Session() as fresh:  # a new connection, which any worker may accept
        return _count(fresh.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=30).text, endpoint)


def _wait_for_two_workers(url: str, directory: Path, timeout_s: float = 120) -> None:
    """gunicorn answers /healthz as soon as its first worker has loaded the app. /metrics sums the
    workers (multiprocess mode), so each worker's own file in `directory` says which ones answered."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _scrape(url, "prometheus")  # the endpoint of /metrics is health.prometheus
        if sum(1 for n in requests_per_worker(directory, "prometheus").values() if n > 0) >= 2:
            return
        time.sleep(0.1)
    raise TimeoutError("the second gunicorn worker never answered")


@pytest.mark.slow
def test_gunicorn_two_workers_share_one_budget(
    engine: Engine, settings: Settings, people: dict[str, str], tmp_path: Path
) -> None:
    """20/minute per address on 2 workers: 60 requests over fresh connections, exactly 20 served.
    With per-process counters (memory://) each worker would admit its own 20."""
    PostgresStorage().reset()
    env = {
        **os.environ,
        "APTICHAT_DB_POOL_SIZE": "4",
        "APTICHAT_RATE_LIMIT_IP": "20/minute",
        "APTICHAT_RATE_LIMIT_STORAGE_URI": "aptichat-db://",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    headers = {**bearer(settings, ALICE), "Connection": "close"}
    with gunicorn_api(env, workers=2, threads=4) as url:
        _wait_for_two_workers(url, tmp_path)

        def one(_: int) -> requests.Response:
            with requests.Session() as fresh:  # a new connection each time, so both workers accept
                return fresh.get(f"{url}/users/{ALICE}/profile", headers=headers, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(one, range(60)))
        statuses = [r.status_code for r in responses]
        assert statuses.count(200) == 20 and statuses.count(429) == 40, statuses
        refused = [r for r in responses if r.status_code == 429]
        assert all(r.json()["error"]["code"] == "rate_limited" for r in refused)
        assert all(int(r.headers["Retry-After"]) > 0 for r in refused)

        # Each worker's own counters show some but not all of the 60 requests: both workers answered
        # (and every scrape, whichever worker answers it, reports all 60).
        per_worker = requests_per_worker(tmp_path, "profile")
        assert sum(per_worker.values()) == 60 and all(0 < n < 60 for n in per_worker.values()), per_worker
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(lambda _: _scrape(url, "profile"), range(8))) == {60}
