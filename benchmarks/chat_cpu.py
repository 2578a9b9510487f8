"""CPU per chat question, by stage: `.venv/bin/python benchmarks/chat_cpu.py`.

Requests per second on a shared 2-core machine measure the neighbours as much as the code; CPU per
request does not. This asks questions one at a time through the Flask app in this process (the same
app `aptichat api serve` runs: the real ChatEngine, the offline composer, local MiniLM for the query
vectors unless --embedder hash, rate limits counted in PostgreSQL, prometheus_client in multiprocess
mode as under gunicorn) against an embedded PostgreSQL in a temporary APTICHAT_HOME, and prints:

- per mode, CPU ms per question of this process (`time.process_time`: every thread, user + system)
  and of the PostgreSQL server (its backends' utime + stime from /proc), and the database round
  trips per question (statements and BEGIN/COMMIT commands sent by psycopg);
- the process's CPU split by stage (exclusive: a stage's time excludes the stages called inside
  it; "flask, werkzeug, test client, rest" is what no stage claims), from a second pass with the
  stage wrappers installed (they cost a few microseconds per call, so that pass is a little slower);
- with --profile, cProfile by CPU time (`thread_time`) of the hit mode.

Modes: `hit` is the soak's steady state (benchmarks/load.py: 50 people asking a rotating set of 8
questions, so after the first round every question is an answer-cache hit; the messages are still
written); `miss` empties the answer cache before each question (classification, retrieval, the
composer and the faithfulness check run every time).

To compare two trees side by side, run this file from each (copy it into the older tree's
benchmarks/ if it is not there) one after the other; the CPU figures hardly move with the load.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
HOME = Path(tempfile.mkdtemp(prefix="aptichat-chatcpu-"))
(HOME / "prometheus").mkdir()
os.environ.update(
    {
        "APTICHAT_HOME": str(HOME),
        "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
        "APTICHAT_RATE_LIMIT_USER": "1000000/minute",
        "APTICHAT_RATE_LIMIT_IP": "1000000/minute",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        # as gunicorn_conf.py sets it for the workers: every metric update writes a mmap'd file
        "PROMETHEUS_MULTIPROC_DIR": str(HOME / "prometheus"),
    }
)
for var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL", "GEMINI_API_KEY", "APTICHAT_LLM"):
    os.environ.pop(var, None)

QUESTIONS = [  # the soak's (benchmarks/load.py)
    "Which careers fit me?",
    "What are my strengths?",
    "Which majors fit my interests?",
    "Why is my top career a good match?",
    "What is my Holland code?",
    "How good is my numerical reasoning?",
    "What should I study?",
    "Tell me about my personality.",
]
OTHER = "flask, werkzeug, test client, rest"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="hit,miss")
    parser.add_argument("--requests", type=int, default=400, help="questions measured per mode and pass")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    parser.add_argument("--profile", action="store_true", help="cProfile (CPU time) of the hit mode")
    parser.add_argument("--profile-lines", type=int, default=40)
    parser.add_argument("--calls", action="store_true", help="count Python function calls per question")
    parser.add_argument("--no-stages", action="store_true", help="skip the pass with stage wrappers")
    return parser.parse_args()


# -- the PostgreSQL server's CPU ----------------------------------------------------------------------


def _postmaster_pid() -> int | None:
    from aptichat.settings import get_settings

    for pidfile in Path(get_settings().home).rglob("postmaster.pid"):
        return int(pidfile.read_text().split("\n", 1)[0])
    return None


def postgres_cpu_s(postmaster: int | None) -> float:
    """utime + stime of the postmaster's children (the backends, the WAL writer, ...), in seconds.
    A backend that exits takes its time with it: the app's pooled connections stay open throughout."""
    if postmaster is None:
        return 0.0
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:  # fields[1] is the ppid
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# -- round trips --------------------------------------------------------------------------------------


class RoundTrips:
    """Statements and transaction commands psycopg sends (each is one round trip)."""

    def __init__(self) -> None:
        import psycopg

        self.counts: Counter[str] = Counter()
        execute, command = psycopg.Cursor.execute, psycopg.Connection._exec_command
        counts = self.counts

        def counted_execute(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            counts["statements"] += 1
            return execute(cursor, *args, **kwargs)

        def counted_command(conn: Any, command_: Any, *args: Any, **kwargs: Any) -> Any:
            counts[bytes(command_).split(b" ", 1)[0].decode().upper()] += 1
            return command(conn, command_, *args, **kwargs)

        psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign,assignment]
        psycopg.Connection._exec_command = counted_command  # type: ignore[method-assign,assignment]


# -- stages -------------------------------------------------------------------------------------------


class StageClock:
    """Exclusive CPU time (process_time) per stage, for calls on one thread at a time."""

    def __init__(self) -> None:
        self.totals: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[list[float]] = []  # per open stage: [children's time]
        self.enabled = False  # installed once; timing only while enabled

    def _enter(self) -> float:
        self._stack.append([0.0])
        return time.process_time()

    def _leave(self, stage: str, started: float) -> None:
        elapsed = time.process_time() - started
        children = self._stack.pop()[0]
        self.totals[stage] += elapsed - children
        self.calls[stage] += 1
        if self._stack:
            self._stack[-1][0] += elapsed

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        clock = self
        if inspect.isgeneratorfunction(fn):

            def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
                items = fn(*args, **kwargs)
                if not clock.enabled:
                    yield from items
                    return
                while True:
                    started = clock._enter()
                    try:
                        item = next(items)
                    except StopIteration:
                        return
                    finally:
                        clock._leave(stage, started)
                    yield item

            return generator

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not clock.enabled:
                return fn(*args, **kwargs)
            started = clock._enter()
            try:
                return fn(*args, **kwargs)
            finally:
                clock._leave(stage, started)

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def patch(self, owner: Any, name: str, stage: str) -> None:
        """Wrap owner.name; a module-level function also where other aptichat modules imported it."""
        original = inspect.getattr_static(owner, name, None)
        if original is None:
            return
        if isinstance(original, staticmethod | classmethod):
            setattr(owner, name, type(original)(self.wrap(original.__func__, stage)))
            return
        wrapped = self.wrap(original, stage)
        setattr(owner, name, wrapped)
        if inspect.ismodule(owner):
            for module in list(sys.modules.values()):
                if getattr(module, "__name__", "").startswith("aptichat") and getattr(module, name, None) is original:
                    setattr(module, name, wrapped)


def install_stages(clock: StageClock) -> None:
    """The stages of a question, outermost first (exclusive times: inner stages are subtracted)."""
    import logging

    import flask_limiter
    import limits.strategies
    import prometheus_client.metrics as prom
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    import aptichat_api.app as app_module
    import aptichat_api.auth as auth
    import aptichat_api.routing as routing
    from aptichat_api import chat_service, ratelimit_store, schemas
    from aptichat_api.rag import cache, engine, memory, retrieval

    targets: list[tuple[Any, str, str]] = [
        (flask_limiter.Limiter, "_check_request_limit", "rate limit (flask-limiter, storage)"),
        (limits.strategies.MovingWindowRateLimiter, "get_window_stats", "rate limit (flask-limiter, storage)"),
        (ratelimit_store.PostgresStorage, "acquire_entry", "rate limit (flask-limiter, storage)"),
        (ratelimit_store.PostgresStorage, "get_moving_window", "rate limit (flask-limiter, storage)"),
        (auth, "principal_from_request", "auth (JWT)"),
        (auth, "quiet_principal", "auth (JWT)"),
        (auth, "require", "auth (JWT)"),
        (routing, "parse_body", "request body (pydantic)"),
        (routing, "to_response", "response (pydantic, JSON)"),
        (schemas.ChatAnswer, "from_result", "response (pydantic, JSON)"),
        (engine, "validate_question", "engine: question checks"),
        (engine.ChatEngine, "_prepare", "engine: phase 1 rest (load person, build request)"),
        (engine.ChatEngine, "_persist", "engine: phase 3 rest (citations, result)"),
        (engine.ChatEngine, "stream", "engine: stream rest"),
        (engine.ChatEngine, "assess_safety", "safety check"),
        (engine.ChatEngine, "_embed", "query embedding"),
        (engine.ChatEngine, "_understand", "understanding, intent"),
        (retrieval.Retriever, "retrieve", "retrieval"),
        (engine, "build_prompt", "prompt"),
        (engine.AnswerPipeline, "stream", "composer, faithfulness"),
        (cache.ChunkCache, "marker", "document version marker"),
        (cache.ChunkCache, "get", "chunk cache"),
        (cache.AnswerCache, "get", "answer cache"),
        (cache.AnswerCache, "put", "answer cache"),
        (memory.ConversationStore, "get", "conversation memory"),
        (memory.ConversationStore, "get_or_create", "conversation memory"),
        (memory.ConversationStore, "add_message", "conversation memory"),
        (memory.ConversationStore, "history", "conversation memory"),
        (memory.ConversationStore, "recent_user_texts", "conversation memory"),
        (memory.ConversationStore, "last_assistant_context", "conversation memory"),
        (Session, "commit", "transaction commit, session close"),
        (Session, "close", "transaction commit, session close"),
        (Connection, "_execute_context", "SQL execution (core, driver, round trips)"),
        (chat_service.ChatService, "_answered", "metrics (prometheus)"),
        (prom.Counter, "inc", "metrics (prometheus)"),
        (prom.Gauge, "set", "metrics (prometheus)"),
        (prom.Histogram, "observe", "metrics (prometheus)"),
        (prom.MetricWrapperBase, "labels", "metrics (prometheus)"),
        (app_module, "_finish", "access log, response headers"),
        (app_module, "_start_timer", "access log, response headers"),
        (logging.Logger, "handle", "logging"),
    ]
    for owner, name, stage in targets:
        clock.patch(owner, name, stage)


# -- the run ------------------------------------------------------------------------------------------


def main() -> None:
    args = parse()
    try:
        run(args)
    finally:
        from aptichat.db.server import stop_embedded

        stop_embedded()
        shutil.rmtree(HOME, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    from sqlalchemy import create_engine
    from support.api import bearer, chat_engine_factory, seed_person

    from aptichat.db import migrate
    from aptichat.db.server import app_url
    from aptichat.settings import get_settings

    settings = get_settings()
    migrate.upgrade()
    seeding = create_engine(app_url(settings))
    people = [f"cpu-{i:03d}" for i in range(args.people)]
    for person in people:
        seed_person(seeding, settings, person)
    seeding.dispose()

    from aptichat.logs import configure_logging

    # as aptichat_api/wsgi.py under gunicorn: a JSON access line per request (to nowhere here)
    configure_logging("api", stream=open(os.devnull, "w"), force=True)  # noqa: SIM115
    clock = StageClock()
    if not args.no_stages:
        install_stages(clock)  # before the app is built: it keeps references to the request hooks
    from aptichat_api.app import create_app
    from aptichat_api.chat_service import chat_service

    config = {"CHAT_ENGINE_FACTORY": chat_engine_factory} if args.embedder == "hash" else None
    app = create_app(config)
    client = app.test_client()
    headers = [bearer(settings, p) for p in people]
    trips = RoundTrips()
    postmaster = _postmaster_pid()

    def ask(i: int, miss: bool) -> None:
        if miss:
            engine = chat_service.engine_if_built(app)
            if engine is not None:
                engine.answer_cache.forget(people[(i // len(QUESTIONS)) % len(people)])
        question = QUESTIONS[i % len(QUESTIONS)]
        response = client.post("/chat/question", json={"question": question}, headers=headers[(i // 8) % len(people)])
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}: {response.get_data(as_text=True)[:300]}")

    # every (person, question) once: the model, the pools, prepared statements and the answer cache warm
    for i in range(len(people) * len(QUESTIONS)):
        ask(i, miss=False)
    print(
        f"chat CPU per question: {args.people} people x {len(QUESTIONS)} questions, embedder {args.embedder}, "
        f"in-process Flask test client, PostgreSQL server CPU from /proc"
    )
    for mode in args.modes.split(","):
        miss = mode == "miss"
        n = args.requests if not miss else max(1, args.requests // 2)

        def measure(stages: bool, n: int = n, miss: bool = miss) -> tuple[float, float, float, list[float]]:
            clock.totals.clear()
            clock.calls.clear()
            trips.counts.clear()
            clock.enabled = stages
            cpu, pg, wall = time.process_time(), postgres_cpu_s(postmaster), time.perf_counter()
            each: list[float] = []
            for i in range(n):
                started = time.process_time()
                ask(i, miss)
                each.append((time.process_time() - started) * 1000)
            clock.enabled = False
            return time.process_time() - cpu, postgres_cpu_s(postmaster) - pg, time.perf_counter() - wall, each

        cpu, pg, wall, each = measure(stages=False)
        trips_line = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(trips.counts.items()))
        print(
            f"\n{mode}: {n} questions: app process CPU {cpu / n * 1000:.2f} ms/question "
            f"(median {statistics.median(each):.2f}), PostgreSQL CPU {pg / n * 1000:.2f} ms/question, "
            f"wall {wall / n * 1000:.2f} ms/question; round trips per question: {trips_line}"
        )
        if args.profile and mode == "hit":
            profile(n, ask, args.profile_lines)
        if args.calls:
            import cProfile
            import pstats

            counting = cProfile.Profile()
            for i in range(n):
                counting.runcall(ask, i, miss)
            calls = pstats.Stats(counting).total_calls  # type: ignore[attr-defined]
            print(f"  Python function calls per question (cProfile, a deterministic proxy): {calls / n:,.0f}")
        if args.no_stages:
            continue
        cpu, _, _, _ = measure(stages=True)
        totals = dict(clock.totals)
        totals[OTHER] = max(0.0, cpu - sum(clock.totals.values()))
        print(f"  second pass with the stage wrappers: {cpu / n * 1000:.2f} ms/question, of which")
        print(f"  {'stage (exclusive CPU)':<52} {'ms/question':>11} {'share':>6} {'calls/question':>14}")
        for stage, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            per_call = f"{clock.calls[stage] / n:.1f}" if stage in clock.calls else ""
            print(f"  {stage:<52} {seconds / n * 1000:>11.3f} {seconds / cpu:>6.1%} {per_call:>14}")


def profile(n: int, ask: Callable[[int, bool], None], lines: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for i in range(n):
        ask(i, False)
    profiler.disable()
    print(f"  hit: cProfile by CPU time (thread_time) of {n} more questions")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)


if __name__ == "__main__":
    main()
