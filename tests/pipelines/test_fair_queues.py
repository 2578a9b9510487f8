"""Fair queues: a backfill runs as runs of at most N users under its own run-queue limit, so a fresh
completion's run is never queued behind it."""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster import AssetKey, BackfillPolicy, DagsterInstance, DagsterRun, partition_loading_context
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests_with_backfill_policies
from dagster._core.definitions.events import AssetKeyPartitionKey
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster._utils.tags import TagConcurrencyLimitsCounter

from aptichat.settings import get_settings
from aptichat_pipelines.definitions import defs

USER_KEYS = [AssetKey("legacy_test_results"), AssetKey("user_documents"), AssetKey("user_document_embeddings")]
DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster_home" / "dagster.yaml"


def test_every_user_asset_backfills_in_runs_of_users_per_run() -> None:
    graph = defs().resolve_asset_graph()
    n = get_settings().users_per_run
    for key in USER_KEYS:
        assert graph.get(key).backfill_policy == BackfillPolicy.multi_run(n), key


def test_a_backfill_of_three_n_users_plans_three_runs(dagster_instance: DagsterInstance) -> None:
    graph = defs().resolve_asset_graph()
    n = get_settings().users_per_run
    people = [f"fair-{i:05d}" for i in range(3 * n)]
    dagster_instance.add_dynamic_partitions("users", people)
    wanted = [AssetKeyPartitionKey(key, p) for key in USER_KEYS for p in people]
    with partition_loading_context(dynamic_partitions_store=dagster_instance):
        runs = build_run_requests_with_backfill_policies(wanted, graph, dagster_instance)
    assert len(runs) == 3
    ranges = sorted((r.tags[ASSET_PARTITION_RANGE_START_TAG], r.tags[ASSET_PARTITION_RANGE_END_TAG]) for r in runs)
    assert ranges == [(people[i * n], people[i * n + n - 1]) for i in range(3)]
    # each run takes a person through all three stages (one process start, one embedding batch)
    assert all(set(r.asset_selection or []) == set(USER_KEYS) for r in runs)


def _run(tags: dict[str, str]) -> DagsterRun:
    return DagsterRun(job_name="user_etl", tags=tags)


def test_the_run_queue_limits_backfill_runs_but_lets_a_sensor_run_start() -> None:
    runs_config = yaml.safe_load(DAGSTER_YAML.read_text())["concurrency"]["runs"]
    limits = runs_config["tag_concurrency_limits"]
    backfill_limit = next(limit["limit"] for limit in limits if limit["key"] == "dagster/backfill")
    # one slot is always left for fresh completions (sensor and API runs carry no limited tag)
    assert runs_config["max_concurrent_runs"] > backfill_limit

    in_progress = [_run({"dagster/backfill": "bf1"}) for _ in range(backfill_limit)]
    counter = TagConcurrencyLimitsCounter(limits, in_progress)
    # another run of the same backfill, another backfill and a catalog re-rank (a backfill too) wait
    assert counter.is_blocked(_run({"dagster/backfill": "bf1"}))
    assert counter.is_blocked(_run({"dagster/backfill": "bf2", "dagster/priority": "-1"}))
    # the completion sensor's run starts
    assert not counter.is_blocked(
        _run({"dagster/sensor_name": "test_completion_sensor", "aptichat/source": "sensor", "dagster/run_key": "s1"})
    )


def test_a_queued_run_is_dequeued_within_a_second() -> None:
    """A fresh completion's run leaves the queue on the next dequeue; Dagster's default waits up to 5 s
    (a quick first answer: benchmarks/first_answer.py)."""
    coordinator = _configured_run_coordinator()
    assert isinstance(coordinator, QueuedRunCoordinator)
    assert coordinator.dequeue_interval_seconds == 1


def _configured_run_coordinator() -> QueuedRunCoordinator:
    import importlib

    config = yaml.safe_load(DAGSTER_YAML.read_text())["run_coordinator"]
    cls = getattr(importlib.import_module(config["module"]), config["class"])
    return cls.from_config_value(None, config.get("config") or {})  # type: ignore[no-any-return]


def test_a_launched_backfill_gets_its_runs_within_seconds() -> None:
    """The backfill daemon's loop sleeps the configured interval, not Dagster's hard-coded 30 s: a
    backfill's runs are created (and a finished backfill marked completed) within it."""
    from dagster._daemon import controller
    from dagster._daemon.backfill import execute_backfill_iteration_loop

    dagster_default = controller.DEFAULT_DAEMON_INTERVAL_SECONDS
    try:
        controller.DEFAULT_DAEMON_INTERVAL_SECONDS = 30  # type: ignore[misc]
        coordinator = _configured_run_coordinator()
        assert controller.DEFAULT_DAEMON_INTERVAL_SECONDS == 5 == coordinator.backfill_daemon_interval_seconds  # type: ignore[attr-defined]
        # the loop still reads the constant by this name (a Dagster upgrade that renames it fails here)
        assert "DEFAULT_DAEMON_INTERVAL_SECONDS" in execute_backfill_iteration_loop.__code__.co_names
    finally:
        controller.DEFAULT_DAEMON_INTERVAL_SECONDS = dagster_default  # type: ignore[misc]


def test_a_fresh_completion_embeds_beside_a_backfill_run_that_is_embedding(tmp_path: Path) -> None:
    """The `embedder` pool (as dagster.yaml configures it) has a slot for a fresh run's embedding step
    while the one backfill run allowed at a time holds another: the fresh person does not wait for N
    people's embedding (measured: benchmarks/fairqueue.py, docs/pipeline.md)."""
    from dagster import instance_for_test

    concurrency = yaml.safe_load(DAGSTER_YAML.read_text())["concurrency"]
    with instance_for_test(temp_dir=str(tmp_path), overrides={"concurrency": concurrency}) as instance:
        storage = instance.event_log_storage
        assert storage.supports_global_concurrency_limits
        step = "user_document_embeddings"
        assert storage.initialize_concurrency_limit_to_default("embedder")  # what a step's first claim does
        backfill = storage.claim_concurrency_slot("embedder", "backfill-run", step)
        fresh = storage.claim_concurrency_slot("embedder", "sensor-run", step)
        assert backfill.is_claimed and fresh.is_claimed
        # still bounded: the run queue lets at most max_concurrent_runs run, and the pool no more
        third = storage.claim_concurrency_slot("embedder", "third-run", step)
        assert not third.is_claimed
        assert concurrency["pools"]["default_limit"] == concurrency["runs"]["max_concurrent_runs"]


def test_fresh_work_is_looked_for_on_every_daemon_loop() -> None:
    """The sensor daemon evaluates at most every MIN_INTERVAL_LOOP_TIME (5 s); an interval equal to it
    skipped every other loop on timing jitter (10 s from a completion to its run). The completion and
    request sensors' default interval is below the loop, so each loop evaluates them."""
    from dagster._daemon.sensor import MIN_INTERVAL_LOOP_TIME

    sensors = {s.name: s for s in defs().sensors or []}
    for name in ("test_completion_sensor", "etl_request_sensor"):
        assert sensors[name].minimum_interval_seconds < MIN_INTERVAL_LOOP_TIME, name  # type: ignore[union-attr,operator]
