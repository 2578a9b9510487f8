"""Re-ranking after a catalog refresh: people's recommendations follow the catalog they rank.

A person's career and major recommendations rank the catalog's jobs and majors (their RIASEC profiles
and skills) and quote their titles and descriptions. `catalog_rerank_sensor` hashes exactly those
fields of chat_jobs and chat_majors (the copy `catalog_refresh` keeps); when the hash differs from
the one it last saw, it requests an asset backfill of the per-user assets for everyone holding
recommendations. The backfill is the ordinary pipeline, so:
- batches: BackfillPolicy.multi_run cuts it into runs of at most `users_per_run` people;
- no starving: its runs carry `dagster/backfill` (one backfill run at a time, dagster.yaml) and
  `dagster/priority` -1, so fresh completions are dequeued first and always find a free run slot;
- a new version only when the ranking changed: DocumentRepository.write_version keeps a document whose
  content hash equals the current one's, and unchanged sections hit the embedding cache.
The first look (no cursor) only records the hash: the documents built so far ranked that catalog.
A hash is only taken of a settled copy: once a refresh has written both catalogs and while none is in
flight. Before the first refresh the copy is empty (the documents ranked the legacy catalog all the
same), so a first look then would see the first refresh as a change and re-rank everyone holding
recommendations (benchmarks/etl.py's dagster dev waited on 80 such runs); mid-refresh, jobs without
their majors would re-rank people twice.
"""

from __future__ import annotations

import hashlib
import json

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES
from sqlalchemy import Engine, select

from aptichat.db import person_keys
from aptichat.db.models import ChatDocument as DocumentRow
from aptichat.db.models import ChatJob, ChatMajor
from aptichat.documents import DocumentType
from aptichat_pipelines.jobs import catalog_job
from aptichat_pipelines.legacy import sql_matching
from aptichat_pipelines.partitions import users_partitions
from aptichat_pipelines.resources import AppDatabase

USER_ASSET_KEYS = [AssetKey("legacy_test_results"), AssetKey("user_documents"), AssetKey("user_document_embeddings")]
RECOMMENDATIONS = (DocumentType.career_recommendations.value, DocumentType.major_recommendations.value)
CATALOG_ASSET_KEYS = [AssetKey("job_catalog"), AssetKey("major_catalog")]
RERANK_TAGS = {"dagster/priority": "-1", "aptichat/source": "catalog_rerank"}


def catalog_ranking_hash(engine: Engine) -> str:
    """A digest of what ranks or appears in a recommendation: each job's and major's code, title,
    description, RIASEC profile and skills (not its embedding, source or job zone), and the version of
    the ranking itself, so a new ranking rule re-ranks everyone once too."""
    digest = hashlib.sha256(sql_matching.RANKING_VERSION.encode())
    with engine.connect() as conn:
        for kind, table, extra in (("job", ChatJob, ChatJob.onet_soc_code), ("major", ChatMajor, ChatMajor.cip_code)):
            rows = conn.execute(
                select(table.code, table.title, table.description, table.riasec, table.skills, extra).order_by(
                    table.code
                )
            ).all()
            for code, title, description, riasec, skills, external in rows:
                record = [kind, code, title, description, dict(riasec or {}), list(skills or []), external]
                digest.update(json.dumps(record, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def people_with_recommendations(engine: Engine) -> list[str]:
    """Everyone holding a current career or major recommendations document."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(DocumentRow.user_id)
                .where(DocumentRow.status == "current", DocumentRow.document_type.in_(RECOMMENDATIONS))
                .distinct()
                .order_by(DocumentRow.user_id)
            ).scalars()
        )


def unsettled_copy(instance: DagsterInstance) -> str | None:
    """Why the catalog copy cannot be hashed now (no refresh has written both catalogs yet, or a
    refresh is in flight), or None when it can."""
    if any(instance.get_latest_materialization_event(key) is None for key in CATALOG_ASSET_KEYS):
        return "waiting for the first catalog refresh to copy the catalog"
    if instance.get_run_records(RunsFilter(job_name=catalog_job.name, statuses=NOT_FINISHED_STATUSES), limit=1):
        return "a catalog refresh is in flight"
    return None


def rerank_request(partition_keys: list[str], catalog_hash: str) -> RunRequest:
    """An asset backfill of the per-user assets over `partition_keys`, at low priority."""
    subset = users_partitions.subset_with_partition_keys(partition_keys)
    # (mypy loses the NamedTuple's fields through Dagster's serdes decorator)
    graph_subset = AssetGraphSubset(partitions_subsets_by_asset_key={k: subset for k in USER_ASSET_KEYS})  # type: ignore[call-arg]
    return RunRequest.for_asset_graph_subset(graph_subset, tags={**RERANK_TAGS, "aptichat/catalog": catalog_hash[:16]})


@sensor(
    asset_selection=AssetSelection.groups("user_etl"),
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="A catalog refresh that changes what ranks recommendations -> a low-priority backfill "
    "of the people holding recommendations (runs of users_per_run; new versions only where they changed).",
)
def catalog_rerank_sensor(context: SensorEvaluationContext, app_db: AppDatabase) -> SensorResult | SkipReason:
    unsettled = unsettled_copy(context.instance)
    if unsettled is not None:
        return SkipReason(unsettled)  # the cursor stays: the next settled look compares with it
    engine = app_db.engine()
    current = catalog_ranking_hash(engine)
    if context.cursor is None:
        return SensorResult(skip_reason="first look: recorded the catalog the documents ranked", cursor=current)
    if current == context.cursor:
        return SkipReason("catalog ranking unchanged")
    existing = set(context.instance.get_dynamic_partitions(users_partitions.name))  # type: ignore[arg-type]
    # partitions are the people's pseudonymous keys (aptichat.db.person_keys), never their ids
    keys = person_keys.keys_of(engine, people_with_recommendations(engine))
    people = sorted(k for k in keys.values() if k in existing)
    if not people:
        return SensorResult(skip_reason="catalog changed; nobody holds recommendations yet", cursor=current)
    context.log.info(f"catalog ranking changed ({context.cursor[:12]} -> {current[:12]}): re-ranking {len(people)}")
    return SensorResult(run_requests=[rerank_request(people, current)], cursor=current)
