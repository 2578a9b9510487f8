"""ETL throughput, users per minute (on demand, not pytest): `.venv/bin/python benchmarks/etl.py`.

Ways of running the same per-user work (legacy queries -> DocumentTransformer -> chunk, embed,
atomic write), each on its own freshly seeded users with the embedding cache (chat_embedding_cache)
emptied first, so every mode embeds cold:

(a) sensor: `dagster dev` with APTICHAT_USERS_PER_RUN=1, so the completion sensor launches one run
    per user, as a trickle of single completions would. Timed from the commit of the users' completed
    tests to the end of the last run (sensor tick, queue, a process per run, model load, the work).
(b) backfill: a second `dagster dev` with APTICHAT_USERS_PER_RUN=--batch, completion sensor stopped,
    one GraphQL `launchPartitionBackfill` over --users partitions, cut into runs of --batch users
    (BackfillPolicy.multi_run). Timed from the launch to the backfill's completion (the backfill
    daemon's pick-up, a process start per run, the work); the time outside the runs is printed by
    cause (pick-up, each run's wait to STARTED once it could start, the tail to COMPLETED).
(r) run: the same three assets executed in THIS process through Dagster (`materialize` over a
    partition range of --batch users at a time, the production PostgreSQL event log and stage IO
    manager, the asset checks and chat_etl_jobs outcomes): what orchestrating a run costs inside it,
    without the daemon, the launch or a second model load. `--profile` prints where its time goes.
    With the loop, a second pass over the last run's people (cache full, documents unchanged) right after
    the loop's warm pass gives Dagster's own cost per person, in seconds, CPU time (this process, every
    thread) and SQL statements (app, legacy and Dagster's storage), which a shared machine disturbs less.
(c) loop: a plain Python loop in this process over the same functions, without Dagster:
    LegacyDatabase.fetch_results (AptitudeTestQueries) with decide_legacy_outcomes, DocumentTransformer.build and
    stages.embed_and_store, in batches of --batch users. The model is loaded before the clock starts:
    this is the floor. A second, warm pass over the same users (cache full, documents unchanged) shows
    what is left when nothing needs embedding.

Printed at the end: every mode's users/min and its ratio to the cold loop (c). Modes run one after
the other on a shared machine, so ratios of modes measured minutes apart carry the machine's noise;
(r) and (c) are measured back to back in one process, twice each, interleaved (r c r c) when both run.

Everything lives in databases of its own (default prefix `aptichat_bench_etl`, on the embedded server
of APTICHAT_HOME), dropped and recreated on each run, so tests and `make run` are undisturbed.
Quick check: `benchmarks/etl.py --users 50 --single-users 4`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

USER_ASSETS = ["legacy_test_results", "user_documents", "user_document_embeddings"]


from scratch import fresh_databases, log, plain_loop, scratch_environment  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="users of the backfill and of the loop")
    parser.add_argument("--single-users", type=int, default=20, help="users run one per run by the sensor")
    parser.add_argument("--batch", type=int, default=100, help="users per embed_and_store call in the loop")
    parser.add_argument("--db-prefix", default="aptichat_bench_etl", help="names of the three databases")
    parser.add_argument("--modes", default="sensor,backfill,run,loop", help="which of sensor,backfill,run,loop")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process run (r): top functions")
    return parser.parse_args()


ARGS = parse()
# before anything reads settings: databases of our own, offline model, one tick a second
scratch_environment(ARGS.db_prefix)

from sqlalchemy import Engine, func, select, text  # noqa: E402

from aptichat.settings import get_settings  # noqa: E402

setup = fresh_databases


def seed_users(legacy: Engine, n: int, prefix: str, seed: int) -> list[str]:
    """`n` people with one clean, complete session each (every document can be built)."""
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.synthetic import Mix, generate

    clean = Mix(**{f.name: 0.0 for f in fields(Mix) if f.name != "spread_days"})
    population = generate(n, seed, prefix=prefix, mix=clean)
    with legacy.begin() as conn:
        write_population(conn, population)
    with legacy.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return [t[0] for t in population.takers]


def clear_cache(app: Engine) -> None:
    with app.begin() as conn:
        conn.execute(text("DELETE FROM chat_embedding_cache"))


def chunks_of(app: Engine, users: list[str]) -> int:
    from aptichat.db.models import ChatDocument, ChatDocumentChunk

    with app.connect() as conn:
        return int(
            conn.execute(
                select(func.count(ChatDocumentChunk.id))
                .join(ChatDocument, ChatDocument.id == ChatDocumentChunk.document_id)
                .where(ChatDocument.user_id.in_(users), ChatDocument.status == "current")
            ).scalar_one()
        )


STATEMENTS = [0]  # SQL statements sent by this process so far (count_statements)


def count_statements() -> None:
    """Count every SQL statement this process sends (app, legacy, and Dagster's storage in the run modes)."""
    from sqlalchemy import event

    def counted(*_: Any) -> None:
        STATEMENTS[0] += 1

    event.listen(Engine, "before_cursor_execute", counted)


@contextmanager
def cost() -> Iterator[dict[str, float]]:
    """This process's CPU seconds (every thread: the embedder's too) and SQL statements inside the block."""
    spent: dict[str, float] = {}
    cpu, statements = time.process_time(), STATEMENTS[0]
    try:
        yield spent
    finally:
        spent["cpu_seconds"] = round(time.process_time() - cpu, 2)
        spent["statements"] = STATEMENTS[0] - statements


def result(mode: str, users: int, seconds: float, chunks: int, **extra: Any) -> dict[str, Any]:
    row = {
        "mode": mode,
        "users": users,
        "seconds": round(seconds, 1),
        "users_per_min": round(users / seconds * 60, 1),
        "chunks": chunks,
        "chunks_per_s": round(chunks / seconds, 1),
        **extra,
    }
    log(f"RESULT {row}")
    return row


# ---------------------------------------------------------------- dagster dev (a) and (b)


def runs(dev: Any, tags: dict[str, str] | None = None) -> list[dict[str, Any]]:
    data = dev.graphql(
        """query Runs($filter: RunsFilter) { runsOrError(filter: $filter, limit: 1000) { __typename
             ... on Runs { results { runId status jobName creationTime startTime endTime tags { key value } } } } }""",
        {"filter": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}},
    )
    return data["runsOrError"]["results"]  # type: ignore[no-any-return]


FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def idle(dev: Any) -> bool:
    return all(r["status"] in FINISHED for r in runs(dev))


def run_summary(dev: Any) -> str:
    """What dagster dev is doing: unfinished runs by status, job and source (a stray backfill shows here)."""
    counts: dict[str, int] = {}
    every = runs(dev)
    for r in every:
        if r["status"] not in FINISHED:
            tags = {t["key"]: t["value"] for t in r["tags"]}
            source = tags.get("aptichat/source") or tags.get("dagster/sensor_name") or "-"
            what = f"{r['status']} {r['jobName']} ({source})"
            counts[what] = counts.get(what, 0) + 1
    finished = sum(r["status"] in FINISHED for r in every)
    busy = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "none"
    return f"unfinished runs: {busy}; finished: {finished}"


def waiting(dev: Any, predicate: Callable[[], Any], timeout: float, what: str, every: float = 30) -> Any:
    """Poll `predicate` each second until it returns something truthy; say what dagster dev is doing every
    `every` seconds, and stop the benchmark with that and the log's tail after `timeout` seconds."""
    begun = time.monotonic()
    said = begun
    while True:
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now - begun > timeout:
            raise SystemExit(
                f"benchmarks/etl.py: gave up after {timeout:.0f}s waiting for {what}; {run_summary(dev)}\n"
                f"dagster dev's log ({dev.log}) ends:\n{dev.log_tail()}"
            )
        if now - said >= every:
            log(f"  still waiting for {what} ({now - begun:.0f}s of {timeout:.0f}s): {run_summary(dev)}")
            said = now
        time.sleep(1)


def stop_sensor(dev: Any, name: str) -> None:
    data = dev.graphql(
        """query Sensor($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
             ... on Sensor { jobOriginId sensorState { selectorId } } } }""",
        {"s": {"repositoryName": "__repository__", "repositoryLocationName": "aptichat", "sensorName": name}},
    )
    sensor = data["sensorOrError"]
    dev.graphql(
        """mutation Stop($o: String, $s: String) { stopSensor(jobOriginId: $o, jobSelectorId: $s) { __typename } }""",
        {"o": sensor["jobOriginId"], "s": sensor["sensorState"]["selectorId"]},
    )


def dagster_modes(app: Engine, legacy: Engine, modes: set[str]) -> list[dict[str, Any]]:
    """(a) and (b), each in a `dagster dev` of its own over a legacy database of their own: runs are cut by
    APTICHAT_USERS_PER_RUN, which the code location reads when it loads (1 for the trickle of single
    completions, --batch for the backfill)."""
    out: list[dict[str, Any]] = []
    name, legacy = dev_legacy_database()
    try:
        if "sensor" in modes:
            with running_dagster_dev(users_per_run=1, legacy_db=name) as (dev, _):
                out.append(sensor_mode(dev, app, legacy))
        if "backfill" in modes:
            with running_dagster_dev(users_per_run=ARGS.batch, legacy_db=name) as (dev, home):
                out.append(backfill_mode(dev, home, app, legacy))
    finally:
        legacy.dispose()
    return out


def dev_legacy_database() -> tuple[str, Engine]:
    """A legacy database of the dagster dev modes' own, created empty: the completion sensor of the fresh
    Dagster storage would otherwise read every test completed so far, and the run and loop modes' people
    would become one run each ahead of the timed work (80 runs at --users 40)."""
    from sqlalchemy import create_engine

    from aptichat.db.server import legacy_url, start_embedded
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    settings = get_settings()
    name = f"{settings.legacy_db_name}_dev"
    server = start_embedded(settings)
    server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    server.psql(f'CREATE DATABASE "{name}";')
    engine = create_engine(legacy_url(settings.model_copy(update={"legacy_db_name": name})))
    init_legacy(engine)
    return name, engine


@contextmanager
def running_dagster_dev(users_per_run: int, legacy_db: str) -> Iterator[tuple[Any, Path]]:
    from support.dagster_dev import dagster_dev

    from aptichat.db.server import dagster_url

    home = Path(tempfile.mkdtemp(prefix="aptichat-bench-etl-")) / "dagster_home"
    env = {
        "APTICHAT_DAGSTER_PG_URL": dagster_url(),
        "APTICHAT_USERS_PER_RUN": str(users_per_run),
        "APTICHAT_LEGACY_DB": legacy_db,
    }
    if users_per_run == 1:
        # the trickle: a tick a second, so the figure is the runs', not the sensor's interval. The
        # backfill keeps the default interval: ticks a second are CPU taken from its embedding
        env["APTICHAT_SENSOR_INTERVAL_S"] = "1"
    os.environ["APTICHAT_DAGSTER_PG_URL"] = env["APTICHAT_DAGSTER_PG_URL"]
    log(f"starting dagster dev (DAGSTER_HOME={home}, APTICHAT_USERS_PER_RUN={users_per_run})")
    with dagster_dev(home, env, timeout=180) as dev:
        log(f"dagster dev answers on port {dev.port}; waiting for the start-up catalog_refresh run")
        # the catalog sensor's first run embeds the job/major catalog: let it finish before timing
        waiting(
            dev,
            lambda: idle(dev) and any(r["jobName"] == "catalog_refresh" for r in runs(dev)),
            600,
            "the start-up catalog_refresh run to finish and dagster dev to be idle",
        )
        log(f"dagster dev idle on port {dev.port}")
        yield dev, home


def sensor_mode(dev: Any, app: Engine, legacy: Engine) -> dict[str, Any]:
    clear_cache(app)
    n = ARGS.single_users
    started = time.time()
    users = seed_users(legacy, n, "bench-single", 101)
    log(f"(a) {n} completed tests committed; the sensor launches one run per user")

    def all_done() -> list[dict[str, Any]] | None:
        done = [r for r in runs(dev, {"aptichat/source": "sensor"}) if r["status"] in ("SUCCESS", "FAILURE")]
        return done if len(done) >= n and idle(dev) else None

    done = waiting(dev, all_done, 60 * n + 600, f"the {n} single-user runs")
    end = max(r["endTime"] for r in done)
    bodies = [r["endTime"] - r["startTime"] for r in done]
    return result(
        "sensor, one run per user",
        n,
        end - started,
        chunks_of(app, users),
        runs=len(done),
        failed_runs=sum(r["status"] != "SUCCESS" for r in done),
        mean_run_seconds=round(sum(bodies) / len(bodies), 1),
    )


def backfill_mode(dev: Any, home: Path, app: Engine, legacy: Engine) -> dict[str, Any]:
    from dagster import DagsterInstance
    from support.dagster_dev import backfill_status, launch_asset_backfill

    from aptichat.db import person_keys

    stop_sensor(dev, "test_completion_sensor")
    clear_cache(app)
    users = seed_users(legacy, ARGS.users, "bench-batch", 202)
    # partitions are the people's pseudonymous keys (aptichat.db.person_keys), as the sensors make them
    keys = person_keys.ensure_keys(app, users)
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("users", [keys[u] for u in users])
    log(f"(b) {len(users)} partitions added; launching one backfill over all of them")
    started = time.time()
    backfill_id = launch_asset_backfill(dev, USER_ASSETS, [keys[u] for u in users], title="benchmarks/etl.py")

    def finished() -> dict[str, Any] | None:
        status = backfill_status(dev, backfill_id)
        return status if status["status"] not in ("REQUESTED", "CANCELING", "FAILING") else None

    status = waiting(dev, finished, 3 * ARGS.users + 900, f"the backfill of {len(users)} people")
    seconds = time.time() - started
    backfill_runs = runs(dev, {"dagster/backfill": backfill_id})
    run_seconds = [r["endTime"] - r["startTime"] for r in backfill_runs if r["endTime"]]
    where = fixed_cost(dev, backfill_id, started, backfill_runs)
    log(
        "(b) where the time outside the runs went: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in where.items())
    )
    return result(
        f"backfill, runs of {ARGS.batch} (multi_run)",
        len(users),
        seconds,
        chunks_of(app, users),
        runs=len(backfill_runs),
        backfill_status=status["status"],
        in_runs_seconds=round(sum(run_seconds), 1),
        **where,
    )


def fixed_cost(dev: Any, backfill_id: str, launched: float, backfill_runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The backfill's time outside its run bodies, by cause: the daemon's pick-up (launch -> first run
    created), each run's wait to STARTED once it could start (the dequeue, the run worker's process start
    and code import), and the tail (last run's end -> the daemon marking the backfill completed)."""
    data = dev.graphql(
        """query B($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
             ... on PartitionBackfill { endTimestamp } } }""",
        {"id": backfill_id},
    )
    finished = data["partitionBackfillOrError"].get("endTimestamp") or time.time()
    done = sorted((r for r in backfill_runs if r["startTime"] and r["endTime"]), key=lambda r: r["creationTime"])
    if not done:
        return {}
    # one backfill run at a time (dagster.yaml): a run's wait counts from its creation or from the end of
    # the run before it, whichever is later
    previous_end = [0.0] + [r["endTime"] for r in done[:-1]]
    to_start = [r["startTime"] - max(r["creationTime"], end) for r, end in zip(done, previous_end, strict=True)]
    return {
        "pick_up_s": round(done[0]["creationTime"] - launched, 1),
        "queued_to_started_s": [round(s, 1) for s in to_start],
        "last_run_end_to_completed_s": round(finished - max(r["endTime"] for r in done), 1),
    }


# ---------------------------------------------------------------- in-process run (r)

RUN_WARM = "run in process, warm cache (nothing to embed)"
LOOP_WARM = "loop, warm cache (nothing to embed)"


def run_once(app: Engine, users: list[str], label: str, cold: bool = True) -> dict[str, Any]:
    """The three assets through Dagster in this process, --batch partitions per run, as a backfill plans them
    (cold: the embedding cache emptied first; else a second pass over the same users: nothing to embed)."""
    from dagster import DagsterInstance, materialize
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from aptichat.db import person_keys
    from aptichat.db.server import dagster_url
    from aptichat_pipelines.assets.users import user_assets
    from aptichat_pipelines.definitions import resources

    os.environ["APTICHAT_DAGSTER_PG_URL"] = dagster_url()
    home = Path(tempfile.mkdtemp(prefix="aptichat-bench-etl-run-"))
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    keys = person_keys.ensure_keys(app, users)
    assets = user_assets(ARGS.batch)
    embedding = 0.0
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("users", [keys[u] for u in users])
        if cold:
            clear_cache(app)
        started = time.perf_counter()
        with cost() as spent:
            for i in range(0, len(users), ARGS.batch):
                batch = [keys[u] for u in users[i : i + ARGS.batch]]
                tags = {ASSET_PARTITION_RANGE_START_TAG: batch[0], ASSET_PARTITION_RANGE_END_TAG: batch[-1]}
                outcome = materialize(assets, resources=resources(get_settings()), instance=instance, tags=tags)
                if not outcome.success:
                    raise SystemExit(f"the in-process run failed: {outcome.all_events[-1]}")
                # every partition's materialization carries the run's metadata: the first one is the run's
                first = outcome.asset_materializations_for_node("user_document_embeddings")[0]
                embedding += float(first.metadata["seconds_embedding"].value)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
    chunks = chunks_of(app, users)
    return result(label, len(users), seconds, chunks, seconds_embedding=round(embedding, 1), **spent)


def run_modes(app: Engine, legacy: Engine, modes: set[str]) -> list[dict[str, Any]]:
    """(r) and (c) back to back in this process, interleaved r c r c, so both see the same machine."""
    from aptichat.embeddings import get_embedder

    embedder = get_embedder(get_settings(), engine=app)
    embedder.embed_query("warm the model up before the clock starts")
    out: list[dict[str, Any]] = []
    halves = 2 if {"run", "loop"} <= modes else 1
    size = max(1, ARGS.users // halves)
    for half in range(halves):
        if "run" in modes:
            users = seed_users(legacy, size, f"bench-run{half}", 404 + half)
            if ARGS.profile and half == 0:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                out.append(profiler.runcall(run_once, app, users, "run in process, through Dagster"))
                stats = pstats.Stats(profiler).sort_stats("cumulative")
                print("\n(r) profile, top functions by cumulative time:")
                stats.print_stats(40)
            else:
                out.append(run_once(app, users, "run in process, through Dagster"))
        if "loop" in modes:
            looped, loop_users = loop_mode(app, legacy, size, f"bench-loop{half}", 303 + half, warm=half == halves - 1)
            out += looped
    if {"run", "loop"} <= modes:
        # right after the loop's warm pass, the same people through Dagster: their sections are in the
        # cache and their documents unchanged, so both passes do the same work but for the orchestration
        out.append(run_once(app, loop_users, RUN_WARM, cold=False))
    return out


# ---------------------------------------------------------------- the plain loop (c)


def loop_mode(
    app: Engine, legacy: Engine, size: int, prefix: str, seed: int, warm: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """The loop's cold pass (and its warm one); (result rows, the people it ran)."""
    from aptichat.embeddings import get_embedder

    users = seed_users(legacy, size, prefix, seed)
    embedder = get_embedder(get_settings(), engine=app)
    embedder.embed_query("warm the model up before the clock starts")
    out = []
    labels = ["loop, cold cache"] + ([LOOP_WARM] if warm else [])
    for label in labels:
        if "cold" in label:
            clear_cache(app)
        started = time.perf_counter()
        with cost() as spent:
            reports = plain_loop(app, users, ARGS.batch, embedder)
        chunks = sum(r.chunks for r in reports)
        embedded = sum(r.embedded_new for r in reports)
        embedding = sum(r.seconds_embedding for r in reports)
        seconds = time.perf_counter() - started
        out.append(
            result(
                label,
                len(users),
                seconds,
                chunks,
                embedded_new=embedded,
                seconds_embedding=round(embedding, 1),
                **spent,
            )
        )
    return out, users


def main() -> None:
    modes = set(ARGS.modes.split(","))
    settings = get_settings()
    names = (settings.app_db_name, settings.legacy_db_name, settings.dagster_db_name)
    log(f"databases {', '.join(names)} on {settings.pgdata}; {os.cpu_count()} cores")
    log(f"local embedding backend: {settings.local_embedding_backend}; load average {os.getloadavg()[0]:.1f}")
    app, legacy = setup()
    count_statements()
    rows: list[dict[str, Any]] = []
    if modes & {"run", "loop"}:
        rows += run_modes(app, legacy, modes)
    if modes & {"sensor", "backfill"}:
        rows += dagster_modes(app, legacy, modes)

    print("\nmode                                           users  seconds  users/min  chunks/s")
    for r in rows:
        print(f"{r['mode']:<46} {r['users']:>6} {r['seconds']:>8} {r['users_per_min']:>10} {r['chunks_per_s']:>9}")
    loops = [r for r in rows if r["mode"] == "loop, cold cache"]
    if loops:
        floor = statistics.mean(r["users_per_min"] for r in loops)
        print(f"\nratio to the plain loop (cold, mean of {len(loops)}: {floor:.1f} users/min), users/min:")
        for r in rows:
            print(f"  {r['mode']:<46} {r['users_per_min'] / floor:.2f}x")
    warm = {r["mode"]: r for r in rows if r["mode"] in (RUN_WARM, LOOP_WARM)}
    if len(warm) == 2:
        # nothing to embed: what is left is the stages' own work and, in the run, Dagster's
        per = {
            m: (r["seconds"] / r["users"], r["cpu_seconds"] / r["users"], r["statements"] / r["users"])
            for m, r in warm.items()
        }
        (rs, rc, rq), (ls, lc, lq) = per[RUN_WARM], per[LOOP_WARM]
        print(
            f"\nwarm cache, per person: run {rs:.3f} s, {rc * 1000:.0f} ms CPU, {rq:.0f} statements; "
            f"loop {ls:.3f} s, {lc * 1000:.0f} ms CPU, {lq:.0f} statements; "
            f"Dagster adds {rs - ls:.3f} s, {(rc - lc) * 1000:.0f} ms CPU, {rq - lq:.0f} statements per person"
        )
    runs_in_process = [r for r in rows if r["mode"] == "run in process, through Dagster"]
    if loops and runs_in_process:
        ran = sum(r["seconds"] for r in runs_in_process) / sum(r["users"] for r in runs_in_process)
        looped = sum(r["seconds"] for r in loops) / sum(r["users"] for r in loops)
        print(f"\nbatched run through Dagster vs plain loop (same process, interleaved): {looped / ran:.2f}x")
        # the embedding calls are the same function in both; on a shared machine their time swings by
        # tens of percent from minute to minute. What Dagster adds is the time outside them:
        ran_rest = sum(r["seconds"] - r["seconds_embedding"] for r in runs_in_process)
        looped_rest = sum(r["seconds"] - r["seconds_embedding"] for r in loops)
        ran_users = sum(r["users"] for r in runs_in_process)
        looped_users = sum(r["users"] for r in loops)
        extra = ran_rest / ran_users - looped_rest / looped_users
        per_user = sum(r["seconds"] for r in loops) / looped_users
        print(
            f"outside embedding: run {ran_rest / ran_users:.2f} s/user, loop {looped_rest / looped_users:.2f} s/user; "
            f"Dagster adds {extra:.2f} s/user, i.e. with equal embedding the run is "
            f"{per_user / (per_user + extra):.2f}x the loop"
        )


if __name__ == "__main__":
    main()
