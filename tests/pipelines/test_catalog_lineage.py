"""Catalog lineage: recommendations depend on the catalogs in the asset graph, and a catalog refresh
that re-ranks people rebuilds (through the real pipeline) only the documents whose ranking changed."""

from __future__ import annotations

from typing import Any

from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    SensorResult,
    SkipReason,
    build_sensor_context,
    materialize,
    partition_loading_context,
)
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests_with_backfill_policies
from dagster._core.definitions.events import AssetKeyPartitionKey
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster._core.utils import make_new_run_id
from sqlalchemy import Engine, select, text
from support.partitions import person_partitions

from aptichat.db.models import ChatDocument as DocumentRow
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog, scale_guides
from aptichat_pipelines.assets.rerank import catalog_rerank_sensor
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.legacy.queries import AptitudeTestQueries
from aptichat_pipelines.legacy_sim.population import seed
from aptichat_pipelines.resources import AppDatabase, LegacyDatabase

USER_ASSETS = [legacy_test_results, user_documents, user_document_embeddings]
CATALOG = [job_catalog, major_catalog, scale_guides]
OWN_SEED = 1515  # people u1515-*: nobody else's test writes their documents
TOP = 10  # the transformer keeps the top 10


def test_recommendations_depend_on_the_job_and_major_catalogs() -> None:
    graph = defs().resolve_asset_graph()
    parents = graph.get(AssetKey("user_documents")).parent_keys
    assert {AssetKey("job_catalog"), AssetKey("major_catalog"), AssetKey("legacy_test_results")} == parents
    # the catalog is no longer an unconnected group: it reaches the embeddings downstream
    downstream = graph.get(AssetKey("job_catalog")).child_keys
    assert AssetKey("user_documents") in downstream


def _tick(instance: DagsterInstance, cursor: str | None) -> SensorResult | SkipReason:
    with build_sensor_context(
        instance=instance, cursor=cursor, resources={"app_db": AppDatabase()}, definitions=defs()
    ) as context:
        return catalog_rerank_sensor(context)  # type: ignore[return-value]


def test_the_first_look_waits_for_a_settled_catalog_copy(engine: Engine, dagster_instance: DagsterInstance) -> None:
    """Before the first refresh the copy is empty though documents ranked the legacy catalog: a first
    look then took the refresh for a change and re-ranked everyone (a dagster dev over an app database
    with 80 people ran 80 rerank runs before anything else). Mid-refresh the copy is half written."""
    before_refresh = _tick(dagster_instance, None)
    assert isinstance(before_refresh, SkipReason), "no hash may be recorded of a copy no refresh has written"
    assert "first catalog refresh" in (before_refresh.skip_message or "")

    for key in ("job_catalog", "major_catalog"):
        dagster_instance.report_runless_asset_event(AssetMaterialization(key))
    refresh = DagsterRun(job_name="catalog_refresh", run_id=make_new_run_id(), status=DagsterRunStatus.STARTED)
    dagster_instance.add_run(refresh)
    during = _tick(dagster_instance, "the hash of an earlier catalog")
    assert isinstance(during, SkipReason) and "in flight" in (during.skip_message or "")

    dagster_instance.delete_run(refresh.run_id)
    first = _tick(dagster_instance, None)
    assert isinstance(first, SensorResult) and first.cursor and not first.run_requests


def _versions(engine: Engine, users: list[str]) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(DocumentRow.user_id, DocumentRow.document_type, DocumentRow.version).where(
                DocumentRow.user_id.in_(users), DocumentRow.status == "current"
            )
        ).all()
    return {(u, t): v for u, t, v in rows}


def _careers(legacy_url: str, users: list[str]) -> dict[str, list[tuple[str, float]]]:
    """Each person with a valid test: their top careers as the legacy contract ranks them now."""
    with AptitudeTestQueries(legacy_url).sync() as q:
        results = q.results_for_users(users, return_exceptions=True)
    return {
        u: [(m.code, m.similarity) for m in sorted(r.job_matches, key=lambda m: (-m.similarity, m.rank))[:TOP]]
        for u, r in results.items()
        if not isinstance(r, Exception) and r.quality.is_valid
    }


def _run_planned(instance: DagsterInstance, request: Any, resources: dict[str, Any]) -> list[int]:
    """Execute a rerank backfill request as the backfill daemon would plan it; returns run sizes."""
    subset = request.asset_graph_subset
    partitions = [
        AssetKeyPartitionKey(key, p)
        for key, keys in subset.partitions_subsets_by_asset_key.items()
        for p in keys.get_partition_keys()
    ]
    with partition_loading_context(dynamic_partitions_store=instance):
        planned = build_run_requests_with_backfill_policies(partitions, defs().resolve_asset_graph(), instance)
    sizes = []
    for run in planned:
        start, end = run.tags[ASSET_PARTITION_RANGE_START_TAG], run.tags[ASSET_PARTITION_RANGE_END_TAG]
        keys = instance.get_dynamic_partitions("users")
        sizes.append(keys.index(end) - keys.index(start) + 1)
        result = materialize(USER_ASSETS, resources=resources, instance=instance, tags={**request.tags, **run.tags})
        assert result.success
    return sizes


def test_a_catalog_change_rebuilds_only_the_rankings_it_changed(
    engine: Engine, scratch_engine: Engine, dagster_instance: DagsterInstance
) -> None:
    seed(12, OWN_SEED, engine=scratch_engine)
    url = scratch_engine.url.render_as_string(hide_password=False)
    resources = {**defs().resources, "legacy": LegacyDatabase(url=url)}
    with scratch_engine.connect() as conn:
        takers = list(conn.execute(text("SELECT id FROM test_takers ORDER BY id")).scalars())
    before = _careers(url, takers)
    people = sorted(u for u, careers in before.items() if careers)
    assert len(people) >= 4, "the seeded population should give several people career recommendations"

    assert materialize(CATALOG, resources=resources, instance=dagster_instance).success
    keys = person_partitions(engine, dagster_instance, people)
    whole = {ASSET_PARTITION_RANGE_START_TAG: keys[people[0]], ASSET_PARTITION_RANGE_END_TAG: keys[people[-1]]}
    assert materialize(USER_ASSETS, resources=resources, instance=dagster_instance, tags=whole).success
    first = _tick(dagster_instance, None)
    assert isinstance(first, SensorResult) and not first.run_requests and first.cursor
    assert isinstance(_tick(dagster_instance, first.cursor), SkipReason)  # no change: nothing to rebuild
    versions = _versions(engine, people)

    # the first person's best career gets the opposite of their interests: it leaves their top 10
    target = before[people[0]][0][0]
    with scratch_engine.begin() as conn:
        original = conn.execute(
            text("SELECT riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c FROM jobs WHERE code = :c"),
            {"c": target},
        ).one()
        flipped = [round(1.0 - float(v), 3) for v in original]
        conn.execute(
            text(
                "UPDATE jobs SET riasec_r=:r, riasec_i=:i, riasec_a=:a, riasec_s=:s, riasec_e=:e, riasec_c=:c "
                "WHERE code = :code"
            ),
            dict(zip("riasec", flipped, strict=True), code=target),
        )
    try:
        after = _careers(url, people)
        changed = {u for u in people if after[u] != before[u]}
        unchanged = set(people) - changed
        assert people[0] in changed and unchanged, (changed, unchanged)

        refreshed = materialize(CATALOG, resources=resources, instance=dagster_instance)
        assert refreshed.success
        seen = _tick(dagster_instance, first.cursor)
        assert isinstance(seen, SensorResult) and seen.cursor != first.cursor and len(seen.run_requests) == 1
        request = seen.run_requests[0]
        assert request.requires_backfill_daemon() and request.tags["dagster/priority"] == "-1"
        requested = set(
            request.asset_graph_subset.partitions_subsets_by_asset_key[AssetKey("user_documents")].get_partition_keys()
        )
        assert requested == {keys[u] for u in people}

        sizes = _run_planned(dagster_instance, request, resources)
        per_run = defs().resolve_asset_graph().get(AssetKey("user_documents")).backfill_policy.max_partitions_per_run
        assert sizes and all(s <= per_run for s in sizes)

        now = _versions(engine, people)
        for (user, doc_type), version in versions.items():
            expected = version + 1 if user in changed and doc_type == "career_recommendations" else version
            assert now[(user, doc_type)] == expected, (user, doc_type)
        assert all(now[k] == v for k, v in versions.items() if k[0] in unchanged)

        # nothing changed since: the sensor requests nothing, and a rebuild writes no new version
        assert isinstance(_tick(dagster_instance, seen.cursor), SkipReason)
        _run_planned(dagster_instance, request, resources)
        assert _versions(engine, people) == now
    finally:
        with scratch_engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE jobs SET riasec_r=:r, riasec_i=:i, riasec_a=:a, riasec_s=:s, riasec_e=:e, riasec_c=:c "
                    "WHERE code = :code"
                ),
                dict(zip("riasec", [float(v) for v in original], strict=True), code=target),
            )
        materialize(CATALOG, resources=resources, instance=dagster_instance)  # the shared chat catalog as it was
