"""Materializing the per-user ETL writes one chat_etl_stage_timings row per stage for the run (the
source of aptichat_etl_stage_seconds) and logs one summary line per stage carrying the run id."""

from __future__ import annotations

import io
import json
import logging

from dagster import DagsterInstance, materialize
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from sqlalchemy import Engine, select
from support.partitions import person_partitions

from aptichat.db.models import ChatEtlStageTiming
from aptichat.logs import JsonFormatter
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs

STAGES = ["legacy_test_results", "user_documents", "user_document_embeddings"]


def test_each_stage_records_its_timing_and_logs_a_summary(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance
) -> None:
    users = valid_users[1:3]
    keys = person_partitions(engine, dagster_instance, users)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    stages_log = logging.getLogger("aptichat_pipelines.stages")
    stages_log.addHandler(handler)
    level = stages_log.level
    stages_log.setLevel(logging.INFO)
    try:
        result = materialize(
            [legacy_test_results, user_documents, user_document_embeddings],
            tags={ASSET_PARTITION_RANGE_START_TAG: keys[users[0]], ASSET_PARTITION_RANGE_END_TAG: keys[users[-1]]},
            resources=dict(defs().resources),  # type: ignore[arg-type]
            instance=dagster_instance,
        )
    finally:
        stages_log.removeHandler(handler)
        stages_log.setLevel(level)
    assert result.success

    with engine.connect() as conn:
        rows = conn.execute(
            select(ChatEtlStageTiming).where(ChatEtlStageTiming.run_id == result.run_id).order_by(ChatEtlStageTiming.id)
        ).all()
    assert [r.stage for r in rows] == STAGES
    assert all(r.users == 2 and r.seconds >= 0 and r.finished_at is not None for r in rows)

    summaries = [json.loads(line) for line in buffer.getvalue().splitlines()]
    by_stage = {s["stage"]: s for s in summaries if s.get("run_id") == result.run_id}
    assert set(by_stage) == set(STAGES)
    assert all(s["partitions"] == 2 and s["users"] == 2 for s in by_stage.values())
    assert by_stage["legacy_test_results"]["with_results"] == 2
    assert by_stage["user_document_embeddings"]["users_written"] == 2
    assert not any(u in buffer.getvalue() for u in users)  # the run's log lines name nobody
