"""A quick first answer: one completed test -> that person's current documents, on an idle `make run`.

    .venv/bin/python benchmarks/first_answer.py                      # 5 completions, one by one
    .venv/bin/python benchmarks/first_answer.py --completions 3 --demo-users 3

Starts the real platform (`aptichat platform run --demo-users N`, the API included) on a temporary
APTICHAT_HOME (its own embedded PostgreSQL, removed afterwards) and a temporary DAGSTER_HOME holding a
copy of dagster_home/dagster.yaml, waits until it is idle (demo population processed, the catalog
embedded, no run queued or running), then completes tests one at a time: a new person's clean session
committed in the legacy database, the clock running until `chat_documents` holds that person's current
documents, then a pause so the next one starts on an idle platform again.

For each completion it prints the total and where the time went, read from Dagster's own records:
  sensor    commit -> the run is created (the completion sensor's tick: its interval and the daemon loop)
  dequeue   created -> the run coordinator dequeues it (RUN_STARTING: the run queue's dequeue interval)
  launch    RUN_STARTING -> the run worker reports RUN_START (the worker process's start and imports,
            loading the code location)
  setup     RUN_START -> the first step starts (resources, the executor)
  steps     first step -> documents current (legacy queries, documents, model load, embedding, write)
Then p50 and max of each column. Exit status 1 when a completion did not become current documents.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
HOME = Path(tempfile.mkdtemp(prefix="aptichat-first-answer-"))
os.environ.update(
    {
        "APTICHAT_HOME": str(HOME),
        "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
)
for _var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL", "GEMINI_API_KEY", "APTICHAT_LLM"):
    os.environ.pop(_var, None)

from support.processes import free_port  # noqa: E402

from aptichat.platform_processes import stop_group  # noqa: E402

COLUMNS = ("total", "sensor", "dequeue", "launch", "setup", "steps")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=5, help="tests completed one by one")
    parser.add_argument("--demo-users", type=int, default=10, help="the platform's demo population")
    parser.add_argument("--pause", type=float, default=3.0, help="idle seconds between completions")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one completion may take")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def complete_one_test(n: int) -> str:
    """A new person's clean, complete session committed now; returns their user id."""
    from aptichat.db.engine import get_legacy_engine
    from aptichat_pipelines.legacy_sim.population import complete_now

    with get_legacy_engine().begin() as conn:
        (user,) = complete_now(conn, 1, 7000 + n, f"first{datetime.now(UTC):%H%M%S%f}")
    return user


def current_documents(user_id: str) -> int:
    from sqlalchemy import func, select

    from aptichat.db.engine import get_engine
    from aptichat.db.models import ChatDocument

    with get_engine().connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(ChatDocument.user_id == user_id, ChatDocument.status == "current")
            ).scalar_one()
        )


def busy_runs(instance: Any) -> int:
    """Runs queued or running, plus backfills not finished (the catalog re-rank sensor's backfill is
    requested a moment before its runs exist)."""
    from dagster import DagsterRunStatus, RunsFilter
    from dagster._core.execution.backfill import BulkActionStatus

    unfinished = [
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
    ]
    backfills = instance.get_backfills(status=BulkActionStatus.REQUESTED)
    return len(instance.get_run_records(RunsFilter(statuses=unfinished))) + len(backfills)


def wait_idle(instance: Any, proc: subprocess.Popen[bytes], log_path: Path, timeout: float, need_catalog: bool) -> None:
    """No run queued or running, the catalog embedded once and the demo population's jobs final,
    for 3 s in a row."""
    from dagster import DagsterRunStatus, RunsFilter
    from sqlalchemy import text

    from aptichat.db.engine import get_engine

    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the platform exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        ready = busy_runs(instance) == 0
        if ready and need_catalog:
            ready = bool(
                instance.get_run_records(
                    RunsFilter(job_name="catalog_refresh", statuses=[DagsterRunStatus.SUCCESS]), limit=1
                )
            )
        if ready:
            try:
                with get_engine().connect() as conn:
                    open_jobs = conn.execute(
                        text("SELECT count(*) FROM chat_etl_jobs WHERE status IN ('requested', 'queued', 'running')")
                    ).scalar_one()
            except Exception:  # the tables are not there yet
                open_jobs = 1
            ready = open_jobs == 0
        if ready:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 3:
                return
        else:
            quiet_since = None
        time.sleep(1)
    raise RuntimeError(f"the platform was not idle after {timeout:.0f} s:\n{log_path.read_text()[-4000:]}")


def breakdown(instance: Any, committed: float, since: float, done: float) -> dict[str, float]:
    """Where one completion's time went, from the run the sensor created for it."""
    from dagster import DagsterEventType, RunsFilter

    records = [
        r
        for r in instance.get_run_records(RunsFilter(job_name="user_etl"), limit=20)
        if r.create_timestamp.timestamp() >= since
    ]
    row = {column: float("nan") for column in COLUMNS}
    row["total"] = done - committed
    if not records:
        return row
    record = min(records, key=lambda r: r.create_timestamp)
    created = record.create_timestamp.timestamp()
    row["sensor"] = created - committed
    starting = instance.get_records_for_run(
        record.dagster_run.run_id, of_type=DagsterEventType.RUN_STARTING, limit=1
    ).records
    launched = starting[0].event_log_entry.timestamp if starting else None
    if launched is not None:
        row["dequeue"] = launched - created
    if record.start_time:
        if launched is not None:
            row["launch"] = record.start_time - launched
        steps = instance.get_records_for_run(
            record.dagster_run.run_id, of_type=DagsterEventType.STEP_START, limit=1
        ).records
        if steps:
            first_step = steps[0].event_log_entry.timestamp
            row["setup"] = first_step - record.start_time
            row["steps"] = done - first_step
    return row


def main() -> int:
    args = parse()
    from dagster import DagsterInstance

    from aptichat.db.server import stop_embedded

    dagster_home = HOME / "dagster_home"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "APTICHAT_API_PORT": str(free_port()), "APTICHAT_LOG_FORMAT": "text"}
    log_path = HOME / "platform.log"
    cmd = [
        sys.executable,
        "-m",
        "aptichat.cli",
        "platform",
        "run",
        "--demo-users",
        str(args.demo_users),
        "--dagster-port",
        str(port),
        "--dagster-home",
        str(dagster_home),
    ]
    log(f"starting the platform: {' '.join(cmd[2:])} (APTICHAT_HOME={HOME})")
    with log_path.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    rows: list[dict[str, float]] = []
    ok = True
    try:
        # Dagster's storage URL is the platform's; read it the way the platform sets it
        from aptichat.db.server import dagster_url

        os.environ["APTICHAT_DAGSTER_PG_URL"] = dagster_url()
        started = time.monotonic()
        while True:
            try:
                import requests

                requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ version }"}, timeout=5)
                break
            except Exception:  # not up yet
                if time.monotonic() - started > 300 or proc.poll() is not None:
                    raise RuntimeError(f"Dagster did not answer:\n{log_path.read_text()[-4000:]}") from None
                time.sleep(1)
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            log("platform up; waiting until the demo population and the catalog are processed")
            wait_idle(instance, proc, log_path, 1800, need_catalog=True)
            log("idle; completing tests one by one")
            for n in range(args.completions):
                since = time.time()
                user = complete_one_test(n)
                committed = time.time()
                deadline = time.monotonic() + args.timeout
                while current_documents(user) == 0:
                    if time.monotonic() > deadline:
                        log(f"completion {n + 1}: no current documents after {args.timeout:.0f} s")
                        ok = False
                        break
                    time.sleep(0.1)
                done = time.time()
                row = breakdown(instance, committed, since, done)
                rows.append(row)
                log(f"completion {n + 1}: " + ", ".join(f"{c} {row[c]:.1f} s" for c in COLUMNS))
                wait_idle(instance, proc, log_path, args.timeout, need_catalog=False)
                time.sleep(args.pause)
    finally:
        stop_group(proc, signal.SIGINT, 60)
        stop_embedded()
        shutil.rmtree(HOME, ignore_errors=True)
    if rows:
        print(f"first answer over {len(rows)} completions one by one (seconds):")
        print(f"{'':<6}" + "".join(f"{c:>9}" for c in COLUMNS))
        for name, fn in (("p50", statistics.median), ("max", max)):
            values = [fn([r[c] for r in rows if r[c] == r[c]] or [float("nan")]) for c in COLUMNS]
            print(f"{name:<6}" + "".join(f"{v:>9.1f}" for v in values))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
