"""Writing synthetic populations into the legacy database: `seed`, `seed_if_empty`, `simulate`.

Bulk writes use COPY (10,000 people, about a million answers, in seconds). `simulate` writes one
completed test at a time, stamped with the clock, so a watching sensor sees the pipeline react.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine, text

from aptichat.db.engine import get_legacy_engine
from aptichat.settings import Settings
from aptichat_pipelines.legacy_sim.copyio import NULL, copy_in, lines
from aptichat_pipelines.legacy_sim.instruments import item_id, own_instruments
from aptichat_pipelines.legacy_sim.schema import init_legacy
from aptichat_pipelines.legacy_sim.synthetic import CLEAN, Mix, Population, generate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedReport:
    users: int
    sessions: int
    responses: int
    seconds: float
    skipped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "users": self.users,
            "sessions": self.sessions,
            "responses": self.responses,
            "seconds": round(self.seconds, 2),
            "skipped": self.skipped,
        }


def _response_lines(pop: Population) -> Iterator[str]:
    by_id = {ins.id: ins for ins in own_instruments()}
    for instrument_id, (session_ids, values, ms, shown) in pop.responses.items():
        item_ids = [item_id(instrument_id, p) for p in range(1, len(by_id[instrument_id].items) + 1)]
        for row, sid in enumerate(session_ids):
            k = int(shown[row])
            vals, times = values[row, :k].tolist(), ms[row, :k].tolist()
            yield "".join(
                f"{sid}\t{iid}\t{v}\t{t}\n" if v else f"{sid}\t{iid}\t{NULL}\t{NULL}\n"
                for iid, v, t in zip(item_ids, vals, times, strict=False)
            )


def write_population(conn: Connection, pop: Population) -> None:
    """COPY takers, sessions and responses (the caller owns the transaction)."""
    copy_in(conn, "COPY test_takers (id, created_at, background) FROM STDIN", lines(pop.takers))
    copy_in(
        conn,
        "COPY test_sessions (id, taker_id, instrument_set, started_at, completed_at, status) FROM STDIN",
        lines(pop.sessions),
    )
    copy_in(conn, "COPY responses (session_id, item_id, value, response_ms) FROM STDIN", _response_lines(pop))


def seed(
    n_users: int,
    seed: int = 42,
    *,
    engine: Engine | None = None,
    settings: Settings | None = None,
    if_empty: bool = False,
    replace: bool = False,
) -> SeedReport:
    """Write `n_users` synthetic people (ids `u<seed>-<n>`). Runs `init` first.

    if_empty: do nothing when any test taker exists. replace: delete this seed's people first;
    without it, seeding the same seed twice is refused (ids would collide).
    """
    engine = engine or get_legacy_engine(settings)
    init_legacy(engine)
    started = time.perf_counter()
    prefix = f"u{seed}"
    with engine.begin() as conn:
        if if_empty and conn.execute(text("SELECT EXISTS (SELECT 1 FROM test_takers)")).scalar_one():
            return SeedReport(0, 0, 0, 0.0, skipped="the legacy database already has test takers")
        exists = conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM test_takers WHERE id LIKE :p)"), {"p": f"{prefix}-%"}
        ).scalar_one()
        if exists and not replace:
            return SeedReport(0, 0, 0, 0.0, skipped=f"seed {seed} is already loaded (use replace to reload it)")
        if exists:
            conn.execute(text("DELETE FROM test_takers WHERE id LIKE :p"), {"p": f"{prefix}-%"})
        pop = generate(n_users, seed, prefix=prefix)
        write_population(conn, pop)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "ANALYZE test_takers; ANALYZE test_sessions; ANALYZE responses"
        )
    return SeedReport(len(pop.takers), len(pop.sessions), pop.response_count, time.perf_counter() - started)


def seed_if_empty(n: int = 1000, seed_value: int = 42, *, settings: Settings | None = None) -> SeedReport:
    """For platform start-up: init, then seed `n` people only when there are no test takers yet."""
    return seed(n, seed_value, settings=settings, if_empty=True)


def _shift(pop: Population, delta: timedelta) -> None:
    pop.takers = [(uid, created + delta, bg) for uid, created, bg in pop.takers]
    pop.sessions = [
        (sid, uid, iset, started + delta, done + delta if done else None, status)
        for sid, uid, iset, started, done, status in pop.sessions
    ]


def complete_now(conn: Connection, n: int, seed_value: int, prefix: str) -> list[str]:
    """`n` new people whose one clean, complete session is committed with `conn` as completed just now
    (the newest completion: the completion sensor's next tick sees it); their user ids."""
    stamp = datetime.now(UTC)
    pop = generate(n, seed_value, prefix=prefix, mix=replace(CLEAN, spread_days=0), anchor=stamp)
    _shift(pop, stamp - max(s[4] or s[3] for s in pop.sessions))
    write_population(conn, pop)
    return [t[0] for t in pop.takers]


def simulate(
    rate: float,
    duration: float | None = None,
    *,
    engine: Engine | None = None,
    settings: Settings | None = None,
    retake_share: float = 0.2,
    on_session: Callable[[str, str], None] | None = None,
) -> int:
    """Complete about `rate` tests per second for `duration` seconds (forever when None).

    Each test is a new person, or (retake_share) a retake by an existing one; completed_at is the
    clock at write time and each test commits on its own. Returns how many tests were written.
    """
    engine = engine or get_legacy_engine(settings)
    init_legacy(engine)
    rng = np.random.default_rng()
    mix = Mix(retake=0, abandoned_first=0, abandoned_only=0, spread_days=0)
    stop_at = None if duration is None else time.monotonic() + duration
    written = 0
    while stop_at is None or time.monotonic() < stop_at:
        tick = time.monotonic()
        stamp = datetime.now(UTC)
        pop = generate(1, int(rng.integers(2**31)), prefix=f"sim{stamp:%Y%m%d%H%M%S%f}", mix=mix, anchor=stamp)
        _shift(pop, stamp - max(s[4] or s[3] for s in pop.sessions))
        with engine.begin() as conn:
            retaker = None
            if rng.random() < retake_share:
                retaker = conn.execute(text("SELECT id FROM test_takers ORDER BY random() LIMIT 1")).scalar()
            if retaker is not None:
                pop.takers = []
                pop.sessions = [(f"{retaker}-r{stamp:%Y%m%d%H%M%S%f}", retaker, *rest) for _, _, *rest in pop.sessions]  # type: ignore[misc]
                pop.responses = {
                    k: ([pop.sessions[0][0]] * len(s), v, m, sh) for k, (s, v, m, sh) in pop.responses.items()
                }
            write_population(conn, pop)
        written += 1
        if on_session is not None:
            on_session(pop.sessions[-1][1], pop.sessions[-1][0])
        time.sleep(max(0.0, 1.0 / rate - (time.monotonic() - tick)))
    return written
