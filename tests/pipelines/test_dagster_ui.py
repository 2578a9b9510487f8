"""The operator's view: `dagster dev` on a temporary DAGSTER_HOME over a legacy database of its own.

1. The completion sensor adds one dynamic partition per user who completed a valid test.
2. A backfill of several of those partitions, launched through GraphQL `launchPartitionBackfill` (the
   mutation behind the UI's Materialize -> "Launch backfill" dialog for assets), completes as ONE run
   (BackfillPolicy.single_run), records each user's outcome in chat_etl_jobs against that run, and leaves
   the users' documents current.
3. Headless Chromium opens the asset graph of the user_etl group and the partitions page of
   user_documents; both render (asset names, partition keys in the DOM) and screenshots go to docs/.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select
from support.chromium import CHROMIUM, SKIP_REASON, chromium_page
from support.dagster_dev import (
    DagsterDev,
    backfill_status,
    dagster_dev,
    launch_asset_backfill,
    partition_keys,
    wait_for,
)

from aptichat.db import person_keys
from aptichat.db.models import ChatDocument, ChatEtlJob
from aptichat.db.server import dagster_url, legacy_url
from aptichat.settings import Settings

pytestmark = pytest.mark.slow

# `make screenshots` refreshes the ones in docs/; otherwise they go to a scratch folder, never into the checkout
DOCS = Path(os.environ.get("APTICHAT_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="aptichat-ui-"))
USERS = 6
USER_ASSETS = ["legacy_test_results", "user_documents", "user_document_embeddings"]
PREFIX = "uiuser"  # unique in the app database this pytest process shares with other tests


@dataclass
class Platform:
    dev: DagsterDev
    users: list[str]
    partitions: list[str]


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, pg_server: Any, engine: Engine, settings: Settings
) -> Iterator[Platform]:
    from aptichat_pipelines.legacy_sim.population import write_population
    from aptichat_pipelines.legacy_sim.schema import init_legacy
    from aptichat_pipelines.legacy_sim.synthetic import CLEAN, generate

    # a legacy database and a Dagster storage of its own: the sensor's cursor and the partition set
    # start empty, whatever other dagster dev tests of this pytest process did
    legacy_db = f"{settings.legacy_db_name}_ui"
    dagster_db = f"{settings.dagster_db_name}_ui"
    for name in (legacy_db, dagster_db):
        pg_server.psql(f'CREATE DATABASE "{name}";')
    own = settings.model_copy(update={"legacy_db_name": legacy_db, "dagster_db_name": dagster_db})
    legacy = create_engine(legacy_url(own))
    init_legacy(legacy)
    population = generate(USERS, seed=5150, prefix=PREFIX, mix=CLEAN)
    with legacy.begin() as conn:
        write_population(conn, population)
    users = sorted(t[0] for t in population.takers)
    env = {
        "APTICHAT_LEGACY_DB": legacy_db,
        "APTICHAT_DAGSTER_PG_URL": dagster_url(own),
        "APTICHAT_SENSOR_INTERVAL_S": "1",
    }
    try:
        with dagster_dev(tmp_path_factory.mktemp("dagster_ui") / "dagster_home", env, timeout=120) as dev:

            def all_partitions() -> list[str] | None:
                # partitions are the people's pseudonymous keys (aptichat.db.person_keys), never their ids
                keys = partition_keys(dev, "user_documents")
                return keys if sorted(person_keys.users_of(engine, keys).values()) == users else None

            keys = wait_for(all_partitions, 180, "the sensor to add every user's partition", dev.log_tail)
            yield Platform(dev, users, keys)
    finally:
        legacy.dispose()
        for name in (legacy_db, dagster_db):
            pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


def _runs(dev: DagsterDev, tags: dict[str, str]) -> list[dict[str, Any]]:
    data = dev.graphql(
        """query Runs($filter: RunsFilter) { runsOrError(filter: $filter, limit: 100) { __typename
             ... on Runs { results { runId status jobName tags { key value } } } } }""",
        {"filter": {"tags": [{"key": k, "value": v} for k, v in tags.items()]}},
    )
    return data["runsOrError"]["results"]  # type: ignore[no-any-return]


def _tags(run: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def test_the_sensor_batches_new_users_into_one_run(platform: Platform) -> None:
    dev = platform.dev
    runs = wait_for(
        lambda: [r for r in _runs(dev, {"aptichat/source": "sensor"}) if r["status"] in ("SUCCESS", "FAILURE")],
        240,
        "the sensor's run to finish",
        dev.log_tail,
    )
    assert len(runs) == 1, "six users completing in one tick are one run over a partition range"
    assert runs[0]["status"] == "SUCCESS", dev.log_tail()
    tags = _tags(runs[0])
    assert tags["aptichat/users"] == str(USERS)
    assert {tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]} == {
        platform.partitions[0],
        platform.partitions[-1],
    }


def test_a_backfill_of_several_partitions_is_one_run(platform: Platform, engine: Engine) -> None:
    dev = platform.dev
    # a contiguous slice of the partition order: a non-contiguous selection becomes one run per range
    chosen = platform.partitions[1:5]
    backfill_id = launch_asset_backfill(dev, USER_ASSETS, chosen, title="test_dagster_ui backfill")

    def finished() -> dict[str, Any] | None:
        status = backfill_status(dev, backfill_id)
        return status if status["status"] not in ("REQUESTED", "CANCELING", "FAILING") else None

    status = wait_for(finished, 300, f"backfill {backfill_id} to finish", dev.log_tail)
    assert status["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), status
    assert sorted(status["partitionNames"]) == sorted(chosen)
    people = person_keys.users_of(engine, chosen)
    chosen_users = [people[k] for k in chosen]

    runs = _runs(dev, {"dagster/backfill": backfill_id})
    assert len(runs) == 1, f"BackfillPolicy.single_run: one run for {len(chosen)} partitions, got {runs}"
    run = runs[0]
    assert run["status"] == "SUCCESS" and run["jobName"] == "__ASSET_JOB"
    tags = _tags(run)
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        chosen[0],
        chosen[-1],
    )

    with engine.connect() as conn:
        outcomes = dict(
            conn.execute(
                select(ChatEtlJob.user_id, ChatEtlJob.status).where(
                    ChatEtlJob.dagster_run_id == run["runId"], ChatEtlJob.source == "backfill"
                )
            ).all()
        )
        current = conn.execute(
            select(ChatDocument.user_id, ChatDocument.document_type).where(
                ChatDocument.user_id.in_(chosen_users), ChatDocument.status == "current"
            )
        ).all()
    assert outcomes == dict.fromkeys(chosen_users, "succeeded"), "each backfilled user has a job row for the run"
    per_user: dict[str, set[str]] = {}
    for user_id, document_type in current:
        per_user.setdefault(user_id, set()).add(document_type)
    assert per_user == {
        u: {"personality_profile", "thinking_skills", "career_recommendations", "major_recommendations"}
        for u in chosen_users
    }


@pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)
def test_the_ui_shows_the_asset_graph_and_the_partitions(platform: Platform) -> None:
    base = f"http://127.0.0.1:{platform.dev.port}"
    with chromium_page(1280, 760) as page:
        page.goto(f"{base}/locations/aptichat/asset-groups/user_etl")
        # the graph is drawn when every asset of the group has its node (names in the DOM) and the nodes
        # show their partitions filled (the sensor's and the backfill's runs materialized all of them)
        page.wait_for(
            "['legacy_test_results', 'user_documents', 'user_document_embeddings']"
            ".every(n => document.body.innerText.includes(n))",
            timeout_s=60,
        )
        page.wait_for("document.body.innerText.split('100% filled').length - 1 === 3", timeout_s=60)
        assert page.text().count(f"{len(platform.partitions)} partitions") == 3
        time.sleep(2)  # let the layout settle (fit-to-screen animation) before the picture
        size = page.screenshot(DOCS / "dagster-ui-asset-graph.png")
        assert size > 10_000

        # the partitions page with one backfilled partition selected: its latest materialization's metadata
        selected = platform.partitions[1]
        page.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        page.goto(f"{base}/assets/user_documents?view=partitions&partition={selected}")
        page.wait_for(f"{platform.partitions!r}.every(k => document.body.innerText.includes(k))", timeout_s=60)
        # the status legend counts every partition as materialized
        page.wait_for(f"document.body.innerText.includes('Materialized ({len(platform.partitions)})')")
        page.wait_for("['users_with_gaps', 'scores'].every(n => document.body.innerText.includes(n))", timeout_s=60)
        time.sleep(1)
        assert page.screenshot(DOCS / "dagster-ui-partitions.png") > 10_000
