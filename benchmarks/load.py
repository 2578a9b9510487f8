"""Soak/load (`make soak`, loopback only, bounded in time): `.venv/bin/python benchmarks/load.py`.

Everything runs against an embedded PostgreSQL in a temporary APTICHAT_HOME, removed at the end.

1. chat: `aptichat api serve` (gunicorn, --workers, offline composer, local MiniLM for queries) and
   --clients concurrent chat users (threads, one token each, a rotating set of questions) for
   --duration seconds. Prints requests/s, p50/p95/p99 latency and the status counts; exits 1 on any 5xx.
   Also the CPU ms per request of the gunicorn workers, the PostgreSQL server and this load client
   (from /proc: what the server costs whatever the neighbours do). `--client http` sends the same
   requests with http.client instead of requests.Session, which takes less of the shared cores.
   Before that, ONE client asks --one-client questions in a row on the same server: its p50 is the
   server's own overhead per question (loopback, no queueing; the offline composer included).
2. overhead: one question at a time through the Flask app in this process (no HTTP, no queueing), in
   alternating blocks with the request path as it was before issue 18 ("before": the safety layer's
   sentence scores not kept, a ping on every pool checkout, rate-limit hits in a transaction) and as it
   is ("after"), so both see the same machine load. Prints p50 of each and the ratio.
3. completions: --completions tests completed in the legacy database in ONE transaction ("at once"),
   then processed in this process by the production sensor logic (test_completion_sensor through
   build_sensor_context, its cursor, batching and run keys; a daemon-like loop that launches each
   run key once) and, per planned run, the production stage functions (LegacyDatabase.fetch_results
   -> DocumentTransformer.build -> stages.embed_and_store -> chat_etl_jobs outcomes). Dagster's run
   queue and process-per-run are not in this figure (benchmarks/etl.py measures those). Then every
   completion must have been processed exactly once. Prints the time from the commit to the last
   user's documents, and how many new run keys a tick replayed from a lost cursor plans (must be 0:
   processed completions are not run again).
   --embedder hash (default: deterministic bag-of-words vectors, no model: measures orchestration
   and database work) or local (MiniLM on CPU: embedding-bound, ~45 sections/s on 2 cores).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
HOME = Path(tempfile.mkdtemp(prefix="aptichat-soak-"))
os.environ.update(
    {
        "APTICHAT_HOME": str(HOME),
        "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
        "APTICHAT_RATE_LIMIT_USER": "1000000/minute",
        "APTICHAT_RATE_LIMIT_IP": "1000000/minute",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
)
for var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL", "GEMINI_API_KEY", "APTICHAT_LLM"):
    os.environ.pop(var, None)

QUESTIONS = [
    "Which careers fit me?",
    "What are my strengths?",
    "Which majors fit my interests?",
    "Why is my top career a good match?",
    "What is my Holland code?",
    "How good is my numerical reasoning?",
    "What should I study?",
    "Tell me about my personality.",
]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="chat,overhead,completions")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (and pool size)")
    parser.add_argument("--people", type=int, default=50, help="seeded people the chat clients speak for")
    parser.add_argument(
        "--client",
        choices=["requests", "http"],
        default="requests",
        help="chat load client: requests.Session (as before) or http.client (less CPU on the shared cores)",
    )
    parser.add_argument("--one-client", type=int, default=200, help="questions one client asks in a row first")
    parser.add_argument("--blocks", type=int, default=10, help="overhead: alternating blocks of 16 questions each")
    parser.add_argument("--completions", type=int, default=1000)
    parser.add_argument("--embedder", choices=["hash", "local"], default="hash")
    return parser.parse_args()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _cpu_s(pids: list[int]) -> dict[int, float]:
    """utime + stime of each of these processes that still runs, in seconds."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _children(parent: int, name: str = "") -> list[int]:
    """The pids whose parent is `parent` (and whose command line holds `name`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent and name in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def server_processes() -> dict[str, list[int]]:
    """The gunicorn workers this process started (children of its gunicorn master) and the embedded
    PostgreSQL's processes (children of the postmaster of this run's APTICHAT_HOME)."""
    masters = _children(os.getpid(), "gunicorn")
    postmaster = next((int(p.read_text().split()[0]) for p in HOME.rglob("postmaster.pid")), None)
    return {
        "gunicorn workers": [w for m in masters for w in _children(m)],
        "PostgreSQL": _children(postmaster) if postmaster else [],
    }


def chat(args: argparse.Namespace) -> bool:
    import requests
    from sqlalchemy import create_engine
    from support.api import bearer, seed_person
    from support.processes import gunicorn_api

    from aptichat.db import migrate
    from aptichat.db.server import app_url
    from aptichat.settings import get_settings

    settings = get_settings()
    migrate.upgrade()
    engine = create_engine(app_url(settings))
    people = [f"soak-{i:04d}" for i in range(args.people)]
    for person in people:
        seed_person(engine, settings, person)
    engine.dispose()
    env = {**os.environ, "APTICHAT_DB_POOL_SIZE": str(args.threads)}  # gunicorn threads = the pool size
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    with gunicorn_api(env, workers=args.workers) as url:
        for w in range(args.workers * 2):  # every worker loads its engine and model before the clock
            requests.post(
                f"{url}/chat/question",
                json={"question": QUESTIONS[0]},
                headers=bearer(settings, people[w]),
                timeout=120,
            )
        single: list[float] = []
        one = requests.Session()
        for i in range(args.one_client):
            started = time.perf_counter()
            response = one.post(
                f"{url}/chat/question",
                json={"question": QUESTIONS[i % len(QUESTIONS)]},
                headers=bearer(settings, people[i % len(people)]),
                timeout=60,
            )
            single.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"chat, one client: status {response.status_code} on question {i}")
        if single:
            print(
                f"chat, one client, {len(single)} questions in a row: p50 {statistics.median(single):.1f} ms, "
                f"p95 {pct(single, 95):.1f} ms"
            )
        stop = time.monotonic() + args.duration

        def client(n: int) -> None:
            session = requests.Session()
            headers = bearer(settings, people[n % len(people)])
            i = n
            while time.monotonic() < stop:
                question = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                started = time.perf_counter()
                try:
                    status = session.post(
                        f"{url}/chat/question", json={"question": question}, headers=headers, timeout=60
                    ).status_code
                except requests.RequestException:
                    status = 599
                with lock:
                    results.append((status, (time.perf_counter() - started) * 1000))

        def light_client(n: int) -> None:
            """The same requests over one kept-alive http.client connection: a fraction of the CPU of
            requests' machinery, which runs on the same cores as the server."""
            host, port = url.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            headers = {**bearer(settings, people[n % len(people)]), "Content-Type": "application/json"}
            bodies = [json.dumps({"question": q}).encode() for q in QUESTIONS]
            i = n
            while time.monotonic() < stop:
                body = bodies[i % len(bodies)]
                i += 1
                started = time.perf_counter()
                try:
                    conn.request("POST", "/chat/question", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status = 599
                with lock:
                    results.append((status, (time.perf_counter() - started) * 1000))
            conn.close()

        target = light_client if args.client == "http" else client
        threads = [threading.Thread(target=target, args=(n,)) for n in range(args.clients)]
        cpu_before = {name: _cpu_s(pids) for name, pids in server_processes().items()}
        client_cpu = time.process_time()
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        # processes started during the run (the pools' new connections) count whole
        cpu_ms = {
            name: sum(s - cpu_before[name].get(pid, 0.0) for pid, s in _cpu_s(pids).items()) * 1000
            for name, pids in server_processes().items()
        }
        cpu_ms["load client (this process)"] = (time.process_time() - client_cpu) * 1000
        unhandled = [
            line
            for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines()
            if "unhandled_errors_total" in line
        ]
    statuses = Counter(s for s, _ in results)
    ms = [m for s, m in results if s == 200]
    print(
        f"chat: {args.clients} clients ({args.client}) x {args.duration:.0f}s, gunicorn {args.workers} workers: "
        f"{len(results)} requests, {len(results) / elapsed:.1f}/s, statuses {dict(statuses)}"
    )
    if ms:
        print(f"chat latency ms: p50 {statistics.median(ms):.0f}, p95 {pct(ms, 95):.0f}, p99 {pct(ms, 99):.0f}")
    print(f"chat: {unhandled}")
    if results:
        # CPU per request of each party on this machine's cores: the server's own cost whatever the
        # neighbours do, and the ceiling it sets (cores / CPU per request), the load client included
        per = {name: ms / len(results) for name, ms in cpu_ms.items()}
        total, cores = sum(per.values()), os.cpu_count() or 1
        parts = ", ".join(f"{name} {ms:.2f}" for name, ms in per.items())
        print(
            f"chat CPU ms per request: {parts}; total {total:.2f} "
            f"(on {cores} cores at most {cores * 1000 / total:.0f}/s if nothing else ran)"
        )
    return not any(s >= 500 for s in statuses)


def overhead(args: argparse.Namespace) -> bool:
    from sqlalchemy import create_engine
    from support.api import bearer, seed_person

    from aptichat.db import engine as engines
    from aptichat.db import migrate
    from aptichat.db.server import app_url
    from aptichat.safety import semantic
    from aptichat.settings import get_settings
    from aptichat_api.app import create_app
    from aptichat_api.limits import limiter

    settings = get_settings()
    migrate.upgrade()
    engine = create_engine(app_url(settings))
    people = [f"overhead-{i:02d}" for i in range(8)]
    for person in people:
        seed_person(engine, settings, person)
    engine.dispose()
    app = create_app()
    client = app.test_client()
    headers = [bearer(settings, p) for p in people]

    def ask(i: int) -> float:
        started = time.perf_counter()
        response = client.post("/chat/question", json={"question": QUESTIONS[i % 8]}, headers=headers[i % 8])
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}: {response.get_data(as_text=True)[:300]}")
        return (time.perf_counter() - started) * 1000

    for i in range(64):  # the model, the engine and the answer cache warm for both modes alike
        ask(i)
    storage = limiter.limiter.storage
    autocommit = storage._bind()  # type: ignore[attr-defined]
    in_transaction = engines.get_engine(settings)
    capacity = semantic._sentence_scores.capacity
    times: dict[str, list[float]] = {"before": [], "after": []}
    for block in range(args.blocks):
        for mode in ("before", "after") if block % 2 == 0 else ("after", "before"):
            before = mode == "before"
            semantic._sentence_scores.capacity = 0 if before else capacity
            semantic._sentence_scores._data.clear()
            engines.PING_IDLE_S = 0.0 if before else 2.0  # 0: a ping on every checkout, as pool_pre_ping
            storage._engine = in_transaction if before else autocommit  # type: ignore[attr-defined]
            if not before:
                for i in range(8):  # "after" keeps the scores: re-fill them outside the clock
                    ask(i)
            times[mode] += [ask(block * 16 + i) for i in range(16)]
    b, a = statistics.median(times["before"]), statistics.median(times["after"])
    print(
        f"overhead, one question at a time in-process, {len(times['after'])} per mode in alternating blocks: "
        f"before p50 {b:.1f} ms, after p50 {a:.1f} ms ({b / a:.2f}x)"
    )
    return True


def completions(args: argparse.Namespace) -> bool:
    from dagster import DagsterInstance, SensorResult, build_sensor_context
    from sqlalchemy import func, select

    from aptichat.db import etl_jobs, person_keys
    from aptichat.db.engine import get_engine, get_legacy_engine
    from aptichat.db.models import ChatDocument, ChatEtlJob
    from aptichat.settings import get_settings
    from aptichat_pipelines.definitions import defs
    from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.schema import init_legacy
    from aptichat_pipelines.legacy_sim.synthetic import sample_clean
    from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase
    from aptichat_pipelines.stages import UserDocumentsStage, embed_and_store
    from aptichat_pipelines.transform.transformer import DocumentTransformer

    settings = get_settings()
    from aptichat.db import migrate

    migrate.upgrade()
    app, legacy_engine = get_engine(settings), get_legacy_engine(settings)
    init_legacy(legacy_engine)
    if args.embedder == "hash":
        from support.api import HashEmbedder

        embedder: Any = HashEmbedder(settings.embedding_dim)
        embedder.model = settings.embedding_model
    else:
        from aptichat.embeddings import get_embedder

        embedder = get_embedder(settings, engine=app)
        embedder.embed_query("warm up")  # model loaded before the clock starts
    population = sample_clean(args.completions, seed=20261126)
    with legacy_engine.begin() as conn:
        write_population(conn, population)
    committed = time.perf_counter()

    instance = DagsterInstance.ephemeral()
    definitions = defs()
    resources = {"legacy": LegacyDatabase(), "app_db": AppDatabase(), "etl_batching": EtlBatching()}
    transformer = DocumentTransformer()
    launched: set[str | None] = set()
    cursor, ticks, runs, last_written = None, 0, 0, committed
    while True:
        with build_sensor_context(
            instance=instance, cursor=cursor, resources=resources, definitions=definitions
        ) as ctx:
            result = definitions.resolve_sensor_def("test_completion_sensor")(ctx)
        if not isinstance(result, SensorResult):
            break
        ticks += 1
        for added in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions("users", list(added.partition_keys or []))
        keys_in_order = instance.get_dynamic_partitions("users")
        for request in result.run_requests or []:
            if request.run_key in launched:
                continue  # the daemon launches a run key once
            launched.add(request.run_key)
            if request.partition_key:
                keys = [request.partition_key]
            else:
                start = keys_in_order.index(request.tags["dagster/asset_partition_range_start"])
                end = keys_in_order.index(request.tags["dagster/asset_partition_range_end"])
                keys = list(keys_in_order[start : end + 1])
            run_id = f"soak-run-{runs}"
            runs += 1
            # partition keys are pseudonyms: the assets map them to people in one query, as here
            people = person_keys.users_of(app, keys)
            user_ids = [people[k] for k in keys if k in people]
            fetched = decide_legacy_outcomes(user_ids, LegacyDatabase().fetch_results(user_ids)).checked()
            stages = {}
            for user, stage in fetched.items():
                if stage.results is None:
                    stages[user] = UserDocumentsStage(user_id=user, error=stage.error, error_class=stage.error_class)
                    continue
                out = transformer.build(stage.results)
                stages[user] = UserDocumentsStage(
                    user_id=user, documents=out.documents, gaps=out.gaps, session_id=out.session_id
                )
            report = embed_and_store(stages, app, embedder)
            for user, outcome in report.outcomes.items():
                etl_jobs.record_user_outcome(
                    app, user, run_id, request.run_key, outcome.status, outcome.missing, source="sensor"
                )
            etl_jobs.mark_run(app, request.run_key or "", run_id, "succeeded")
            last_written = time.perf_counter()
        cursor = result.cursor
    elapsed = last_written - committed

    with build_sensor_context(instance=instance, cursor=None, resources=resources, definitions=definitions) as ctx:
        replay = definitions.resolve_sensor_def("test_completion_sensor")(ctx)
    replayed = {r.run_key for r in getattr(replay, "run_requests", None) or []}
    sessions = {s[0] for s in population.sessions}
    users = {s[1] for s in population.sessions}
    with app.connect() as conn:
        per_session = Counter(
            conn.execute(select(ChatEtlJob.session_id).where(ChatEtlJob.session_id.in_(sessions))).scalars()
        )
        statuses = Counter(conn.execute(select(ChatEtlJob.status).where(ChatEtlJob.session_id.in_(sessions))).scalars())
        versions = conn.execute(
            select(ChatDocument.user_id, func.count(), func.max(ChatDocument.version))
            .where(ChatDocument.user_id.in_(users), ChatDocument.status == "current")
            .group_by(ChatDocument.user_id)
        ).all()
    exactly_once = (
        set(per_session) == sessions
        and set(per_session.values()) == {1}
        and len(versions) == len(users)
        and all(v == 1 for _, _, v in versions)
    )
    print(
        f"completions: {len(sessions)} at once -> {ticks} ticks, {runs} runs, embedder {args.embedder}: "
        f"last user's documents {elapsed:.1f}s after the commit ({len(users) / elapsed:.1f} users/s); "
        f"jobs {dict(statuses)}; exactly once: {exactly_once}"
    )
    # A tick replayed from a lost cursor must not plan processed completions again.
    fresh = len(replayed - launched)
    print(f"completions: a tick replayed from a lost cursor plans {fresh} run keys not launched before")
    return exactly_once and fresh == 0


def main() -> None:
    args = parse()
    ok = True
    try:
        parts = set(args.parts.split(","))
        if "chat" in parts:
            ok = chat(args) and ok
        if "overhead" in parts:
            ok = overhead(args) and ok
        if "completions" in parts:
            ok = completions(args) and ok
    finally:
        from aptichat.db.server import stop_embedded

        stop_embedded()
        shutil.rmtree(HOME, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
