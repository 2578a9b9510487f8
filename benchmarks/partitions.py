"""A partition per person, at 10k, 50k and 100k people: what the orchestrator's side costs.

    .venv/bin/python benchmarks/partitions.py                    # 10k, 50k, 100k
    .venv/bin/python benchmarks/partitions.py --sizes 10000      # what `--quick` runs

A scratch instance of its own: a temporary APTICHAT_HOME (its own embedded PostgreSQL: app, legacy and
Dagster databases), removed at the end. For each size, cumulatively, it registers people the way the
platform holds them (a `chat_person_keys` row, a succeeded `chat_etl_jobs` row, a `users` dynamic
partition named by the pseudonymous key) and then measures:

  tick      a completion-sensor tick with --completions (500) NEW completions in the legacy database: the
            production `test_completion_sensor` through `build_sensor_context` on the instance (it reads
            every existing partition key, claims the sessions in chat_etl_jobs, plans the runs) plus what
            the daemon then does with the result (adds the new partitions). --ticks ticks, p50 and max.
  keys      the `partitionKeys` GraphQL query of `user_documents` on `dagster-webserver` (p50 of 3)
  page      headless Chromium (tests/support/chromium.py) opening the asset's partitions page
            (/assets/user_documents?view=partitions) until the status legend shows the partition count
            (skipped when /usr/bin/chromium is absent)
  backfill  `launchPartitionBackfill` of the three per-person assets over all partitions (allPartitions),
            the UI's "Materialize all" (the launch only: no daemon runs here, nothing executes)

Bars (issue 18): tick p99 < 10 s and page < 5 s at 100,000 people. With --ticks 3 the max stands for
the p99. Exit status 1 when a measurement failed (not when a bar is missed: the figures are the result).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
HOME = Path(tempfile.mkdtemp(prefix="aptichat-partitions-"))
os.environ.update(
    {
        "APTICHAT_HOME": str(HOME),
        "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "APTICHAT_LOG_FORMAT": "text",
    }
)
for _var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL", "GEMINI_API_KEY", "APTICHAT_LLM"):
    os.environ.pop(_var, None)

from support.processes import free_port  # noqa: E402

from aptichat.platform_processes import stop_group  # noqa: E402

USER_ASSETS = ["legacy_test_results", "user_documents", "user_document_embeddings"]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,100000", help="people, cumulative")
    parser.add_argument("--completions", type=int, default=500, help="new completions per sensor tick")
    parser.add_argument("--ticks", type=int, default=3, help="sensor ticks per size")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium page load")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def register_people(app: Any, instance: Any, start: int, stop: int) -> None:
    """People start..stop-1 as the platform holds them once processed: key row, job row, partition."""
    from sqlalchemy import text

    with app.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO chat_person_keys (user_id, partition_key)
                SELECT 'bulk-' || lpad(i::text, 7, '0'), 'p_' || substr(md5('bulk' || i::text), 1, 20)
                FROM generate_series(:start, :stop - 1) AS i
                """
            ),
            {"start": start, "stop": stop},
        )
        conn.execute(
            text(
                """
                INSERT INTO chat_etl_jobs (user_id, session_id, source, status, run_key, requested_at, finished_at)
                SELECT 'bulk-' || lpad(i::text, 7, '0'), 'bulk-s-' || i, 'sensor', 'succeeded',
                       'batch:' || (i / 50), now() - interval '1 day', now() - interval '1 day'
                FROM generate_series(:start, :stop - 1) AS i
                """
            ),
            {"start": start, "stop": stop},
        )
        keys = conn.execute(
            text(
                "SELECT partition_key FROM chat_person_keys WHERE user_id LIKE 'bulk-%' "
                "ORDER BY user_id OFFSET :start LIMIT :n"
            ),
            {"start": start, "n": stop - start},
        ).scalars()
        keys = list(keys)
    for i in range(0, len(keys), 10_000):
        instance.add_dynamic_partitions("users", keys[i : i + 10_000])
    with app.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def complete_tests(legacy: Any, n: int, seed: int) -> None:
    """`n` new people's clean sessions, completed a moment ago, in one transaction."""
    from dataclasses import fields

    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.synthetic import Mix, generate

    clean = Mix(**{f.name: 0.0 for f in fields(Mix) if f.name != "spread_days"})
    stamp = datetime.now(UTC)
    pop = generate(n, seed, prefix=f"tick{seed}", mix=clean, anchor=stamp)
    # every session completed within the last second, after whatever an earlier tick's cursor saw
    pop.sessions = [
        (sid, uid, iset, done - timedelta(minutes=30), done, status)
        for i, (sid, uid, iset, _, _, status) in enumerate(pop.sessions)
        for done in [stamp - timedelta(milliseconds=n - i)]
    ]
    with legacy.begin() as conn:
        write_population(conn, pop)


def sensor_tick(instance: Any, definitions: Any, cursor: str | None) -> tuple[float, str | None, int]:
    """One tick as the daemon runs it: the sensor function, then its partitions added. Returns the
    seconds, the new cursor and how many runs it planned."""
    from dagster import SensorResult, build_sensor_context

    from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase

    resources = {"legacy": LegacyDatabase(), "app_db": AppDatabase(), "etl_batching": EtlBatching()}
    started = time.perf_counter()
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources, definitions=definitions) as ctx:
        result = definitions.resolve_sensor_def("test_completion_sensor")(ctx)
    if not isinstance(result, SensorResult):
        raise RuntimeError(f"the tick found nothing to run: {result}")
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions("users", list(request.partition_keys or []))
    return time.perf_counter() - started, result.cursor, len(result.run_requests or [])


class Webserver:
    """`dagster-webserver` alone (no daemon: no sensor or backfill runs here) on the scratch instance."""

    def __init__(self, dagster_home: Path) -> None:
        self.port = free_port()
        self.log = HOME / "webserver.log"
        env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
        cmd = [str(REPO / ".venv" / "bin" / "dagster-webserver"), "-w", str(REPO / "workspace.yaml")]
        cmd += ["-h", "127.0.0.1", "-p", str(self.port)]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 300
        while True:
            try:
                self.graphql("{ version }")
                break
            except Exception:  # not up yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"dagster-webserver did not start:\n{self.log.read_text()[-3000:]}") from None
                time.sleep(1)

    def graphql(self, query: str, variables: dict[str, Any] | None = None, timeout: float = 600) -> dict[str, Any]:
        import requests

        payload = {"query": query, "variables": variables or {}}
        response = requests.post(f"http://127.0.0.1:{self.port}/graphql", json=payload, timeout=timeout)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {json.dumps(body['errors'])[:2000]}")
        return body["data"]  # type: ignore[no-any-return]

    def stop(self) -> None:
        stop_group(self.proc, signal.SIGINT, 30)


def partition_keys_query(web: Webserver) -> tuple[float, int]:
    started = time.perf_counter()
    data = web.graphql(
        """query Keys($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { __typename
             ... on AssetNode { partitionKeys } } }""",
        {"path": ["user_documents"]},
    )
    return time.perf_counter() - started, len(data["assetNodeOrError"]["partitionKeys"] or [])


def page_load(web: Webserver, expected: int) -> tuple[float, str]:
    """Seconds from navigating to the asset's partitions page to its legend counting the partitions."""
    from support.chromium import chromium_page

    with chromium_page(1280, 800) as page:
        page.goto(f"http://127.0.0.1:{web.port}/locations/aptichat/asset-groups/user_etl")  # app shell cached
        started = time.perf_counter()
        page.send("Page.navigate", url=f"http://127.0.0.1:{web.port}/assets/user_documents?view=partitions")
        shown = page.wait_for(
            "(() => { const m = document.body && document.body.innerText.match(/Missing \\(([\\d,]+)\\)/);"
            f" return m && Number(m[1].replace(/,/g, '')) >= {expected} ? m[0] : null; }})()",
            timeout_s=300,
        )
        return time.perf_counter() - started, str(shown)


def backfill_launch(web: Webserver) -> tuple[float, str]:
    started = time.perf_counter()
    data = web.graphql(
        """mutation Launch($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
             __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }""",
        {
            "params": {
                "assetSelection": [{"path": [a]} for a in USER_ASSETS],
                "allPartitions": True,
                "fromFailure": False,
                "title": "benchmarks/partitions.py",
            }
        },
    )
    seconds = time.perf_counter() - started
    result = data["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"backfill not launched: {result}")
    backfill_id = str(result["backfillId"])
    web.graphql(
        "mutation Cancel($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename } }", {"id": backfill_id}
    )
    return seconds, backfill_id


def main() -> int:
    args = parse()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    from dagster import DagsterInstance
    from support.chromium import CHROMIUM

    from aptichat.db import migrate
    from aptichat.db.engine import get_engine, get_legacy_engine
    from aptichat.db.server import dagster_url, start_embedded, stop_embedded
    from aptichat.settings import get_settings
    from aptichat_pipelines.definitions import defs
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    rows: list[dict[str, Any]] = []
    ok = True
    web: Webserver | None = None
    try:
        settings = get_settings()
        start_embedded(settings)
        migrate.upgrade()
        os.environ["APTICHAT_DAGSTER_PG_URL"] = dagster_url()
        app, legacy = get_engine(settings), get_legacy_engine(settings)
        init_legacy(legacy)
        dagster_home = HOME / "dagster_home"
        dagster_home.mkdir()
        shutil.copy(REPO / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
        definitions = defs()
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            log("starting dagster-webserver on the scratch instance")
            web = Webserver(dagster_home)
            registered, cursor, seed = 0, None, 1
            for size in sizes:
                started = time.perf_counter()
                register_people(app, instance, registered, size)
                registered = size
                log(f"{size:,} people registered in {time.perf_counter() - started:.0f} s")
                row: dict[str, Any] = {"people": size}
                ticks = []
                for _ in range(args.ticks):
                    complete_tests(legacy, args.completions, seed)
                    seed += 1
                    seconds, cursor, planned = sensor_tick(instance, definitions, cursor)
                    ticks.append(seconds)
                    log(f"  tick with {args.completions} new completions: {seconds:.2f} s, {planned} runs planned")
                row["tick_p50"], row["tick_max"] = statistics.median(ticks), max(ticks)
                partitions = len(instance.get_dynamic_partitions("users"))
                row["partitions"] = partitions
                timings = [partition_keys_query(web) for _ in range(3)]
                row["keys"] = statistics.median(t for t, _ in timings)
                log(f"  partitionKeys: {row['keys']:.2f} s ({timings[0][1]:,} keys)")
                if CHROMIUM.exists() and not args.no_browser:
                    try:
                        row["page"], shown = page_load(web, partitions)
                        log(f"  asset partitions page: {row['page']:.1f} s ({shown})")
                    except Exception as exc:
                        log(f"  asset partitions page: FAILED {type(exc).__name__}: {str(exc)[:300]}")
                        row["page"], ok = float("nan"), False
                try:
                    row["backfill"], backfill_id = backfill_launch(web)
                    log(f"  backfill launch over all partitions: {row['backfill']:.1f} s ({backfill_id})")
                except Exception as exc:
                    log(f"  backfill launch: FAILED {type(exc).__name__}: {str(exc)[:300]}")
                    row["backfill"], ok = float("nan"), False
                rows.append(row)
    finally:
        if web is not None:
            web.stop()
        stop_embedded()
        shutil.rmtree(HOME, ignore_errors=True)
    print(f"\npartitions (sensor tick with {args.completions} new completions, {args.ticks} ticks; seconds):")
    print("| people | partitions | tick p50 | tick max | partitionKeys | asset page | backfill launch |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        page = f"{r['page']:.1f}" if "page" in r else "not run"
        print(
            f"| {r['people']:,} | {r['partitions']:,} | {r['tick_p50']:.2f} | {r['tick_max']:.2f} | {r['keys']:.2f} "
            f"| {page} | {r['backfill']:.1f} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
