"""/metrics exports the ETL from the database: finished jobs, queue depth and the stage histogram
match rows inserted into chat_etl_jobs and chat_etl_stage_timings; with the database down the scrape
still answers, without the ETL block, and the failure is counted."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy import Engine, delete, insert
from support.api import app_config, serve

from aptichat.db.etl_metrics import STAGE_BUCKETS
from aptichat.db.models import ChatEtlJob, ChatEtlStageTiming
from aptichat.secrets import secret_value
from aptichat.settings import Settings

SAMPLE = re.compile(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$")


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = requests.get(f"{url}/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in r.text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


@pytest.fixture()
def url(engine: Engine, settings: Settings) -> Iterator[str]:
    from aptichat_api.app import create_app

    with serve(create_app(app_config(settings, ETL_METRICS_CACHE_S=0))) as base:
        yield base


def test_etl_metrics_match_inserted_rows(url: str, engine: Engine) -> None:
    stage = f"test_stage_{uuid.uuid4().hex[:8]}"
    marker = f"obs-{uuid.uuid4().hex[:8]}"
    before = scrape(url)
    jobs = [
        *[{"status": "succeeded", "source": "webhook"}] * 3,
        {"status": "failed", "source": "sensor"},
        *[{"status": "requested", "source": "webhook"}] * 2,
        {"status": "running", "source": "backfill"},
    ]
    timings = [0.05, 0.3, 7.0, 4000.0]
    with engine.begin() as conn:
        conn.execute(insert(ChatEtlJob), [{"user_id": marker, **j} for j in jobs])
        conn.execute(
            insert(ChatEtlStageTiming), [{"run_id": marker, "stage": stage, "users": 2, "seconds": s} for s in timings]
        )
    try:
        after = scrape(url)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(ChatEtlJob).where(ChatEtlJob.user_id == marker))
            conn.execute(delete(ChatEtlStageTiming).where(ChatEtlStageTiming.run_id == marker))

    def delta(k: tuple[str, frozenset[tuple[str, str]]]) -> float:
        return after.get(k, 0.0) - before.get(k, 0.0)

    processed = "aptichat_etl_users_processed_total"
    assert delta(key(processed, status="succeeded", source="webhook")) == 3
    assert delta(key(processed, status="failed", source="sensor")) == 1
    assert key(processed, status="requested", source="webhook") not in after  # only finished jobs count
    queue = "aptichat_etl_queue_depth"
    assert {s for (n, labels) in after if n == queue for _, s in labels} == {"requested", "queued", "running"}
    assert delta(key(queue, status="requested")) == 2
    assert delta(key(queue, status="running")) == 1
    assert delta(key(queue, status="queued")) == 0

    hist = "aptichat_etl_stage_seconds"
    for bound in STAGE_BUCKETS:
        le = str(int(bound)) if float(bound).is_integer() else repr(bound)
        assert after[key(f"{hist}_bucket", stage=stage, le=le)] == sum(1 for s in timings if s <= bound), bound
    assert after[key(f"{hist}_bucket", stage=stage, le="+Inf")] == 4
    assert after[key(f"{hist}_count", stage=stage)] == 4
    assert math.isclose(after[key(f"{hist}_sum", stage=stage)], sum(timings))

    # the rows are gone again: so is the stage (a total over the table, not a process memory)
    assert key(f"{hist}_count", stage=stage) not in scrape(url)


def test_database_down_skips_the_etl_block_and_counts_it(settings: Settings) -> None:
    from aptichat_api.app import create_app

    # a configured database needs configured secrets (create_app refuses to start without them)
    secrets = {name: SecretStr(secret_value(settings, name)) for name in ("jwt_secret", "service_api_key")}
    dead = settings.model_copy(
        update={
            "database_url": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
            "log_user_salt": "a-test-salt-that-is-long-enough-for-the-check",
            **secrets,
        }
    )
    with serve(create_app(app_config(dead, ETL_METRICS_CACHE_S=30))) as base:
        first = scrape(base)
        second = scrape(base)  # within the cache interval: no second attempt
    errors = key("aptichat_etl_metrics_errors_total")
    assert not [k for k in first if k[0].startswith(("aptichat_etl_queue", "aptichat_etl_users", "aptichat_etl_stage"))]
    assert first[errors] >= 1 and second[errors] == first[errors]
    assert any(name == "aptichat_http_requests_total" for name, _ in second)
