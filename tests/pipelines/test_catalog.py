"""Catalog assets re-embed only what changed; the change sensor notices a new legacy catalog."""

from __future__ import annotations

from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context, materialize
from sqlalchemy import Engine, func, select, text

from aptichat.db.models import ChatJob, ChatMajor, ChatScaleGuide
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog, scale_guides
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.resources import LegacyDatabase
from aptichat_pipelines.sensors import catalog_change_sensor
from aptichat_pipelines.transform.scale_guides import all_scale_guides

CATALOG = [job_catalog, major_catalog, scale_guides]


def embedded_counts(result) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        e.asset_key.to_user_string(): e.materialization.metadata["embedded"].value
        for e in result.get_asset_materialization_events()
    }


def tick(instance: DagsterInstance, cursor: str | None) -> object:
    """One evaluation of the catalog sensor; the context manager sets its resources up and tears them down."""
    with build_sensor_context(instance=instance, cursor=cursor, resources={"legacy": LegacyDatabase()}) as context:
        return catalog_change_sensor(context)


def test_catalog_embeds_once_then_only_what_changed(
    engine: Engine, legacy_engine: Engine, dagster_instance: DagsterInstance
) -> None:
    first = materialize(CATALOG, resources=dict(defs().resources), instance=dagster_instance)  # type: ignore[arg-type]
    assert first.success
    with engine.connect() as conn:
        jobs = conn.execute(select(func.count()).where(ChatJob.embedding.is_not(None))).scalar_one()
        majors = conn.execute(select(func.count()).where(ChatMajor.embedding.is_not(None))).scalar_one()
        guides = conn.execute(select(func.count()).select_from(ChatScaleGuide)).scalar_one()
    with legacy_engine.connect() as conn:
        legacy_jobs = conn.execute(text("SELECT count(*) FROM jobs")).scalar_one()
    assert jobs == legacy_jobs >= 60 and majors >= 30 and guides == len(all_scale_guides())

    again = materialize(CATALOG, resources=dict(defs().resources), instance=dagster_instance)  # type: ignore[arg-type]
    assert set(embedded_counts(again).values()) == {0}

    seen = tick(dagster_instance, None)
    assert isinstance(seen, SensorResult) and len(seen.run_requests) == 1
    unchanged = tick(dagster_instance, seen.cursor)
    assert isinstance(unchanged, SkipReason)

    with legacy_engine.begin() as conn:
        code = conn.execute(text("SELECT code FROM jobs ORDER BY code LIMIT 1")).scalar_one()
        conn.execute(
            text("UPDATE jobs SET description = description || ' Updated wording.' WHERE code = :c"), {"c": code}
        )
    changed = tick(dagster_instance, seen.cursor)
    assert isinstance(changed, SensorResult) and changed.cursor != seen.cursor

    third = materialize(CATALOG, resources=dict(defs().resources), instance=dagster_instance)  # type: ignore[arg-type]
    assert embedded_counts(third) == {"job_catalog": 1, "major_catalog": 0, "scale_guides": 0}
    with engine.connect() as conn:
        description = conn.execute(select(ChatJob.description).where(ChatJob.code == code)).scalar_one()
    assert description.endswith("Updated wording.")
