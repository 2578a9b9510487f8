"""Fair queues, measured (on demand, not pytest): how long a fresh completion waits while a backfill of
everyone runs. `.venv/bin/python benchmarks/fairqueue.py` (default: a 1,000-user backfill, 5 fresh
completions).

1. Databases of their own (prefix `aptichat_bench_fair`), `dagster dev` with the repository's dagster.yaml,
   the completion sensor ticking every second, the start-up catalog refresh let finish.
2. The completion sensor is stopped, --users people with complete tests are written to the legacy
   database and added as partitions, and the sensor's cursor is moved past them, so they are not fresh
   completions: they are the people an operator's "backfill everyone" re-runs. The sensor is started.
3. One GraphQL `launchPartitionBackfill` over all of them (what the UI's dialog sends):
   BackfillPolicy.multi_run(N) makes it runs of N users, one at a time (dagster/backfill limit).
4. Once the backfill's first run is STARTED, --fresh tests are completed one by one in the legacy
   database (each commit "now"), --gap seconds apart; each is timed from its commit to the person's
   documents being current in chat_documents. How many backfill runs had ended by then is printed too.
5. The backfill is cancelled once the fresh completions are measured (its progress is printed): the
   figure asked is the fresh completion's wait while a backfill of 1,000 is in flight, not the backfill.

Prints every completion and the p50/max; docs/pipeline.md (Fair queues) quotes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]


from scratch import fresh_databases, log, scratch_environment  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="people in the backfill")
    parser.add_argument("--fresh", type=int, default=5, help="fresh completions timed during the backfill")
    parser.add_argument("--gap", type=float, default=20.0, help="seconds between one fresh result and the next commit")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one fresh completion may take")
    parser.add_argument("--db-prefix", default="aptichat_bench_fair", help="names of the three databases")
    return parser.parse_args()


ARGS = parse()
scratch_environment(ARGS.db_prefix)

from sqlalchemy import Engine, func, select  # noqa: E402

SENSOR = "test_completion_sensor"
USER_ASSETS = ["legacy_test_results", "user_documents", "user_document_embeddings"]


setup = fresh_databases


def write_people(legacy: Engine, n: int, prefix: str, seed: int) -> list[str]:
    """`n` people whose one clean, complete session was committed just now; their user ids."""
    from aptichat_pipelines.legacy_sim.population import complete_now

    with legacy.begin() as conn:
        return complete_now(conn, n, seed, prefix)


def current(app: Engine, user_id: str) -> bool:
    from aptichat.db.models import ChatDocument

    with app.connect() as conn:
        return bool(
            conn.execute(
                select(func.count()).where(ChatDocument.user_id == user_id, ChatDocument.status == "current")
            ).scalar_one()
        )


def sensor_selector() -> dict[str, str]:
    return {"repositoryName": "__repository__", "repositoryLocationName": "aptichat", "sensorName": SENSOR}


def set_sensor(dev: Any, running: bool, cursor: str | None = None) -> None:
    data = dev.graphql(
        """query Sensor($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
             ... on Sensor { jobOriginId sensorState { selectorId } } } }""",
        {"s": sensor_selector()},
    )["sensorOrError"]
    if not running:
        dev.graphql(
            "mutation Stop($o: String, $s: String) { stopSensor(jobOriginId: $o, jobSelectorId: $s) { __typename } }",
            {"o": data["jobOriginId"], "s": data["sensorState"]["selectorId"]},
        )
        return
    if cursor is not None:
        out = dev.graphql(
            "mutation Cursor($s: SensorSelector!, $c: String) { setSensorCursor(sensorSelector: $s, cursor: $c) "
            "{ __typename ... on PythonError { message } } }",
            {"s": sensor_selector(), "c": cursor},
        )["setSensorCursor"]
        if out["__typename"] != "Sensor":
            raise RuntimeError(f"setSensorCursor: {out}")
    dev.graphql(
        "mutation Start($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename } }",
        {"s": sensor_selector()},
    )


def cursor_after(legacy: Engine) -> str:
    """The completion sensor's cursor placed after the newest completed session."""
    from sqlalchemy import text

    from aptichat_pipelines.legacy.models import SessionCursor
    from aptichat_pipelines.sensors import sealed_cursor

    with legacy.connect() as conn:
        completed_at, session_id = conn.execute(
            text(
                "SELECT completed_at, id::text FROM test_sessions WHERE completed_at IS NOT NULL "
                "ORDER BY completed_at DESC, id DESC LIMIT 1"
            )
        ).one()
    return sealed_cursor(SessionCursor(completed_at=completed_at, session_id=session_id))


def runs(dev: Any, backfill_id: str) -> list[dict[str, Any]]:
    data = dev.graphql(
        """query Runs($filter: RunsFilter) { runsOrError(filter: $filter, limit: 1000) { __typename
             ... on Runs { results { runId status startTime endTime } } } }""",
        {"filter": {"tags": [{"key": "dagster/backfill", "value": backfill_id}]}},
    )
    return data["runsOrError"]["results"]  # type: ignore[no-any-return]


def main() -> None:
    from dagster import DagsterInstance
    from support.dagster_dev import dagster_dev, launch_asset_backfill, wait_for

    from aptichat.db import person_keys
    from aptichat.db.server import dagster_url
    from aptichat.settings import get_settings

    app, legacy = setup()
    per_run = get_settings().users_per_run
    home = Path(tempfile.mkdtemp(prefix="aptichat-bench-fair-")) / "dagster_home"
    env = {"APTICHAT_DAGSTER_PG_URL": dagster_url(), "APTICHAT_SENSOR_INTERVAL_S": "1"}
    os.environ["APTICHAT_DAGSTER_PG_URL"] = env["APTICHAT_DAGSTER_PG_URL"]
    log(f"starting dagster dev (DAGSTER_HOME={home}); users per run N={per_run}")
    waits: list[float] = []
    with dagster_dev(home, env, timeout=180) as dev:

        def idle_after_catalog() -> bool:
            all_runs = dev.runs(100)
            return any(r["jobName"] == "catalog_refresh" for r in all_runs) and all(
                r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in all_runs
            )

        wait_for(idle_after_catalog, 1200, "the start-up catalog_refresh run", dev.log_tail)
        set_sensor(dev, running=False)
        people = write_people(legacy, ARGS.users, "fair-bf", 404)
        keys = person_keys.ensure_keys(app, people)
        with DagsterInstance.from_config(str(home)) as instance:
            instance.add_dynamic_partitions("users", [keys[u] for u in people])
        set_sensor(dev, running=True, cursor=cursor_after(legacy))
        log(f"{len(people)} people written and added as partitions; the sensor's cursor is past them")

        backfill_id = launch_asset_backfill(
            dev, USER_ASSETS, [keys[u] for u in people], title="benchmarks/fairqueue.py"
        )
        launched = time.time()
        wait_for(
            lambda: any(r["status"] == "STARTED" for r in runs(dev, backfill_id)),
            600,
            "the backfill's first run to start",
            dev.log_tail,
        )
        log(f"backfill {backfill_id} running ({time.time() - launched:.0f} s after launch)")
        for i in range(ARGS.fresh):
            (user,) = write_people(legacy, 1, f"fair-fresh{i}-{int(time.time())}", 9000 + i)
            committed = time.time()
            wait_for(lambda u=user: current(app, u), ARGS.timeout, f"fresh completion {i + 1}", dev.log_tail)
            wait_s = time.time() - committed
            waits.append(wait_s)
            states = [r["status"] for r in runs(dev, backfill_id)]
            log(
                f"fresh completion {i + 1}/{ARGS.fresh}: current documents {wait_s:.1f} s after commit; "
                f"backfill runs: {states.count('SUCCESS')} done, {states.count('STARTED')} started, "
                f"{len(states)} created of ~{-(-ARGS.users // per_run)}"
            )
            if i + 1 < ARGS.fresh:
                time.sleep(ARGS.gap)
        states = [r["status"] for r in runs(dev, backfill_id)]
        done_users = states.count("SUCCESS") * per_run
        elapsed = time.time() - launched
        log(f"backfill progress when measured: ~{done_users} of {ARGS.users} people in {elapsed:.0f} s; cancelling it")
        dev.graphql(
            "mutation Cancel($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename } }",
            {"id": backfill_id},
        )
    print()
    print(f"fresh completion during a {ARGS.users}-person backfill (runs of N={per_run}), commit -> current documents:")
    print(f"  n={len(waits)}  p50={statistics.median(waits):.1f} s  max={max(waits):.1f} s  ", end="")
    print("each: " + ", ".join(f"{w:.1f}" for w in waits))


if __name__ == "__main__":
    main()
