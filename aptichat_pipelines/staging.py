"""An IO manager that keeps per-user stage outputs in the app database, one row per partition.

Dagster's filesystem IO manager cannot store one output that spans many partitions, and our runs
process many users at once (BackfillPolicy.single_run), so each stage returns `{user_id: model}` and
this manager stores and loads those rows individually. Values are Pydantic models, stored as JSON.
"""

from __future__ import annotations

import importlib
from typing import Any

from dagster import ConfigurableIOManager, InputContext, OutputContext
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from aptichat.db.engine import engine_for
from aptichat.db.models import ChatEtlStageOutput
from aptichat.db.server import app_url
from aptichat.settings import get_settings


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
        if not rows:
            return
        stmt = insert(ChatEtlStageOutput).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["asset_key", "partition_key"],
            set_={"run_id": stmt.excluded.run_id, "model": stmt.excluded.model, "payload": stmt.excluded.payload},
        )
        with self._engine().begin() as conn:
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


def clear_stage_outputs(user_id: str) -> None:
    """Forget every stage output of one user (erasure of personal data)."""
    settings = get_settings()
    with engine_for(app_url(settings), settings.db_pool_size).begin() as conn:
        conn.execute(delete(ChatEtlStageOutput).where(ChatEtlStageOutput.partition_key == user_id))
