"""An IO manager that keeps per-user stage outputs in the app database, one row per partition.

Dagster's filesystem IO manager cannot store one output that spans many partitions, and our runs
process many users at once (BackfillPolicy.single_run), so each stage returns `{user_id: model}` and
this manager stores and loads those rows individually. Partition keys are pseudonyms
(aptichat.db.person_keys); the person a value belongs to is its `user_id`. Values are Pydantic models, stored as JSON.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

from dagster import ConfigurableIOManager, DagsterInvariantViolationError, InputContext, OutputContext
from pydantic import BaseModel
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from aptichat.db import erasure
from aptichat.db.engine import engine_for
from aptichat.db.models import ChatEtlStageOutput
from aptichat.db.server import app_url
from aptichat.settings import get_settings
from aptichat_pipelines.erasure_guard import run_began_at


def _model_path(value: BaseModel) -> str:
    cls = type(value)
    return f"{cls.__module__}:{cls.__qualname__}"


def _load_model(path: str, payload: dict[str, Any]) -> BaseModel:
    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls.model_validate(payload)  # type: ignore[no-any-return]


class StageIOManager(ConfigurableIOManager):
    """Stores `{partition_key: BaseModel}` outputs of partitioned stage assets in chat_etl_stage_outputs."""

    database_url: str | None = None

    def _engine(self):  # type: ignore[no-untyped-def]
        settings = get_settings()
        return engine_for(self.database_url or app_url(settings), settings.db_pool_size)

    def handle_output(self, context: OutputContext, obj: dict[str, BaseModel] | None) -> None:
        if obj is None:
            return
        asset = context.asset_key.to_user_string()
        expected = set(context.asset_partition_keys) if context.has_asset_partitions else {""}
        unexpected = set(obj) - expected
        if unexpected:
            raise ValueError(f"{asset} returned values for partitions outside this run: {sorted(unexpected)[:5]}")
        rows = [
            {
                "asset_key": asset,
                "partition_key": key,
                "run_id": context.run_id,
                "model": _model_path(value),
                "payload": value.model_dump(mode="json"),
            }
            for key, value in obj.items()
        ]
        # partition keys are pseudonyms (aptichat.db.person_keys); the values name their person
        people = {key: str(getattr(value, "user_id", None) or key) for key, value in obj.items()}
        if not rows:
            return
        with self._engine().begin() as conn:
            if context.has_asset_partitions:
                rows = _without_erased(conn, rows, people, _began(context))
            if rows:
                stmt = insert(ChatEtlStageOutput).values(rows)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["asset_key", "partition_key"],
                    set_={
                        "run_id": stmt.excluded.run_id,
                        "model": stmt.excluded.model,
                        "payload": stmt.excluded.payload,
                    },
                )
                conn.execute(stmt)
        context.add_output_metadata({"users": len(rows)})

    def load_input(self, context: InputContext) -> dict[str, BaseModel]:
        asset = context.asset_key.to_user_string()
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else [""]
        with self._engine().connect() as conn:
            found = conn.execute(
                select(ChatEtlStageOutput.partition_key, ChatEtlStageOutput.model, ChatEtlStageOutput.payload).where(
                    ChatEtlStageOutput.asset_key == asset, ChatEtlStageOutput.partition_key.in_(keys)
                )
            ).all()
        # a partition whose upstream produced nothing (e.g. a rejected session) is simply absent
        return {key: _load_model(model, payload) for key, model, payload in found}


def _began(context: OutputContext) -> datetime:
    """When the run's work began (outside a run, e.g. a bare output context in a test: now)."""
    try:
        step = context.step_context
    except DagsterInvariantViolationError:
        return datetime.now(UTC)
    return run_began_at(step.instance, step.dagster_run)


def _without_erased(
    conn: Connection, rows: list[dict[str, Any]], people: dict[str, str], begun_at: datetime
) -> list[dict[str, Any]]:
    """The rows of people (partition key -> user id) not erased since the run began (each person's
    erasure lock held shared until the write commits, so an erasure cannot slip in between). The
    locks and the ledger look-up are one statement each for the whole batch."""
    user_ids = [people[str(row["partition_key"])] for row in rows]
    erasure.lock_people(conn, user_ids)
    erased = erasure.latest_erasures(conn, user_ids)
    return [
        row for row, user_id in zip(rows, user_ids, strict=True) if user_id not in erased or erased[user_id] < begun_at
    ]


def clear_stage_outputs(partition_key: str) -> None:
    """Forget every stage output of one partition (a person's key: erasure of personal data)."""
    settings = get_settings()
    with engine_for(app_url(settings), settings.db_pool_size).begin() as conn:
        conn.execute(delete(ChatEtlStageOutput).where(ChatEtlStageOutput.partition_key == partition_key))
