"""The per-user ETL through Dagster's real APIs, on the real embedded PostgreSQL with local embeddings."""

from __future__ import annotations

import os

import pytest
from dagster import AssetKey, DagsterInstance, materialize
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from support.partitions import person_key, person_partitions

from aptichat.db.models import ChatDocument as DocumentRow
from aptichat.db.models import ChatDocumentChunk, ChatEtlJob
from aptichat.db.repository import DocumentRepository
from aptichat.documents import DocumentType
from aptichat.settings import Settings
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.resources import EVENT_BATCH_SIZE

USER_ASSETS = [legacy_test_results, user_documents, user_document_embeddings]


def resources() -> dict[str, object]:
    return dict(defs().resources)  # type: ignore[arg-type]


def current_rows(engine: Engine, user_id: str) -> list[DocumentRow]:
    with Session(engine) as session:
        return list(
            session.scalars(select(DocumentRow).where(DocumentRow.user_id == user_id, DocumentRow.status == "current"))
        )


def test_materialize_all_three_stages_for_one_partition(
    engine: Engine, settings: Settings, valid_users: list[str], dagster_instance: DagsterInstance
) -> None:
    user = valid_users[0]
    key = person_key(engine, dagster_instance, user)
    result = materialize(USER_ASSETS, partition_key=key, resources=resources(), instance=dagster_instance)
    assert result.success

    rows = current_rows(engine, user)
    assert {r.document_type for r in rows} == {t.value for t in DocumentType}
    with Session(engine) as session:
        repo = DocumentRepository(session)
        chunks = repo.current_chunks(user)
        assert repo.check_integrity(user) == []
    documents = {r.document_type: r for r in rows}
    expected_sections = sum(len(_sections(r)) for r in rows)
    assert len(chunks) == expected_sections
    assert all(c.embedding is not None and c.embedding.shape == (settings.embedding_dim,) for c in chunks)
    assert {c.embedding_model for c in chunks} == {settings.embedding_model}
    careers = documents["career_recommendations"].content["items"]
    assert careers[0]["rank"] == 1 and careers[0]["reasons"]

    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert set(checks) == {
        "documents_validate",
        "recommendations_ranked",
        "every_section_chunked",
        "embeddings_match_settings",
    }
    assert all(checks.values()), checks

    # idempotent: a second run of the same partition writes no new version
    again = materialize(USER_ASSETS, partition_key=key, resources=resources(), instance=dagster_instance)
    assert again.success
    assert {(r.document_type, r.version) for r in current_rows(engine, user)} == {
        (r.document_type, r.version) for r in rows
    }
    with engine.connect() as conn:
        statuses = (
            conn.execute(
                select(ChatEtlJob.status).where(
                    ChatEtlJob.user_id == user, ChatEtlJob.dagster_run_id.in_([result.run_id, again.run_id])
                )
            )
            .scalars()
            .all()
        )
    # each run recorded its verdict for the user (runs outside the sensors get a job row of their own)
    assert sorted(statuses) == ["succeeded", "succeeded"]


def _sections(row: DocumentRow) -> list[object]:
    from aptichat.documents import document_from_row

    return list(document_from_row(row).sections())


def test_one_run_processes_a_range_of_partitions(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance
) -> None:
    batch = valid_users[1:5]
    keys = person_partitions(engine, dagster_instance, batch)
    job = defs().resolve_job_def("user_etl")
    result = job.execute_in_process(
        instance=dagster_instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: keys[batch[0]], ASSET_PARTITION_RANGE_END_TAG: keys[batch[-1]]},
    )
    assert result.success
    for user in batch:
        assert len(current_rows(engine, user)) == 4, user
    runs = dagster_instance.get_runs()
    assert len(runs) == 1  # four users, one run
    # the run's materializations went through Dagster's event batching (AppDatabase sets it up), and
    # every person still has their own materialization of each stage
    assert os.environ.get("DAGSTER_EVENT_BATCH_SIZE") == str(EVENT_BATCH_SIZE)
    for asset in ("legacy_test_results", "user_documents", "user_document_embeddings"):
        materialized = dagster_instance.get_materialized_partitions(AssetKey(asset))
        assert {keys[u] for u in batch} <= materialized, asset


def test_a_user_without_thinking_skills_gets_the_other_documents_and_a_recorded_gap(
    engine: Engine, users_without_skills: list[str], dagster_instance: DagsterInstance
) -> None:
    if not users_without_skills:
        pytest.skip("the seeded population has no valid session without the thinking-skills part")
    user = users_without_skills[0]
    key = person_key(engine, dagster_instance, user)
    result = materialize(USER_ASSETS, partition_key=key, resources=resources(), instance=dagster_instance)
    assert result.success
    types = {r.document_type for r in current_rows(engine, user)}
    assert "thinking_skills" not in types and "personality_profile" in types
    with Session(engine) as session:
        gaps = DocumentRepository(session).document_gaps(user)
    assert "not measured" in gaps["thinking_skills"]
    with engine.connect() as conn:
        job = conn.execute(
            select(ChatEtlJob).where(ChatEtlJob.user_id == user, ChatEtlJob.dagster_run_id == result.run_id)
        ).one()
    assert job.status == "partial" and "thinking_skills" in job.missing


def test_chunks_are_never_shared_between_users(engine: Engine) -> None:
    with engine.connect() as conn:
        mixed = conn.execute(
            select(ChatDocumentChunk.id)
            .join(DocumentRow, DocumentRow.id == ChatDocumentChunk.document_id)
            .where(DocumentRow.user_id != ChatDocumentChunk.user_id)
        ).all()
    assert mixed == []
