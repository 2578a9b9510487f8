"""Cost of a catalog re-rank, people per second (on demand, not pytest): `.venv/bin/python benchmarks/rerank.py`.

What catalog_rerank_sensor's backfill does for each person, timed without Dagster's run overhead: the
legacy queries (which rank the catalog), DocumentTransformer.build and stages.embed_and_store, in
batches of --batch people (users_per_run). First --users people are built once (cold embedding cache,
not timed as a re-rank); then:
  (1) no catalog change: every person rebuilt, no new version expected (all hashes equal);
  (2) the most recommended job's RIASEC profile inverted in the legacy catalog: every person rebuilt,
      new career versions only for those whose ranking changed.
Everything lives in databases of its own (default prefix `aptichat_bench_rerank`), dropped and
recreated on each run. Quick check: `benchmarks/rerank.py --users 40`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]


from scratch import fresh_databases, log, plain_loop, scratch_environment  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="people holding recommendations")
    parser.add_argument("--batch", type=int, default=50, help="people per rebuild batch (users_per_run)")
    parser.add_argument("--db-prefix", default="aptichat_bench_rerank", help="names of the databases")
    return parser.parse_args()


ARGS = parse()
scratch_environment(ARGS.db_prefix)

from sqlalchemy import Engine, select, text  # noqa: E402

from aptichat.settings import get_settings  # noqa: E402

setup = fresh_databases


def seed_users(legacy: Engine, n: int) -> list[str]:
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.synthetic import Mix, generate

    clean = Mix(**{f.name: 0.0 for f in fields(Mix) if f.name != "spread_days"})
    population = generate(n, 515, prefix="bench-rerank", mix=clean)
    with legacy.begin() as conn:
        write_population(conn, population)
    with legacy.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return [t[0] for t in population.takers]


def versions(app: Engine) -> dict[tuple[str, str], int]:
    from aptichat.db.models import ChatDocument

    with app.connect() as conn:
        rows = conn.execute(
            select(ChatDocument.user_id, ChatDocument.document_type, ChatDocument.version).where(
                ChatDocument.status == "current"
            )
        ).all()
    return {(u, t): v for u, t, v in rows}


def rebuild(app: Engine, users: list[str], embedder: Any) -> float:
    """The per-user work of a re-rank run, in batches; returns seconds."""
    started = time.perf_counter()
    plain_loop(app, users, ARGS.batch, embedder)
    return time.perf_counter() - started


def most_recommended_job(app: Engine) -> str:
    from aptichat.db.models import ChatDocument

    with app.connect() as conn:
        contents = conn.execute(
            select(ChatDocument.content).where(
                ChatDocument.status == "current", ChatDocument.document_type == "career_recommendations"
            )
        ).scalars()
        counts = Counter(item["code"] for content in contents for item in content["items"])
    return counts.most_common(1)[0][0]


def main() -> None:
    from aptichat.embeddings import get_embedder

    settings = get_settings()
    log(f"databases {settings.app_db_name}, {settings.legacy_db_name} on {settings.pgdata}; {os.cpu_count()} cores")
    app, legacy = setup()
    users = seed_users(legacy, ARGS.users)
    embedder = get_embedder(settings, engine=app)
    embedder.embed_query("warm the model up before the clock starts")
    seconds = rebuild(app, users, embedder)
    log(f"first build of {len(users)} people (cold cache): {seconds:.1f} s")

    rows = []
    base = versions(app)
    seconds = rebuild(app, users, embedder)
    after = versions(app)
    rows.append(("no catalog change", seconds, sum(after[k] != v for k, v in base.items())))

    job = most_recommended_job(app)
    with legacy.begin() as conn:
        conn.execute(
            text(
                "UPDATE jobs SET riasec_r = 1 - riasec_r, riasec_i = 1 - riasec_i, riasec_a = 1 - riasec_a, "
                "riasec_s = 1 - riasec_s, riasec_e = 1 - riasec_e, riasec_c = 1 - riasec_c WHERE code = :c"
            ),
            {"c": job},
        )
    base = after
    seconds = rebuild(app, users, embedder)
    after = versions(app)
    rows.append((f"job {job} profile inverted", seconds, sum(after[k] != v for k, v in base.items())))

    print(f"\nre-rank of {len(users)} people in batches of {ARGS.batch}")
    print("change                               seconds  people/s  new versions")
    for label, secs, new in rows:
        print(f"{label:<36} {secs:>8.1f} {len(users) / secs:>9.1f} {new:>13}")


if __name__ == "__main__":
    main()
