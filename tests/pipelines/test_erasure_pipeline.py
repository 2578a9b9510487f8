"""Erasure holds against the pipeline (aptichat.db.erasure, docs/privacy.md), through Dagster's real
APIs on a legacy database of this test's own (people `u914-*`, so the ledger entries made here touch
no other test's people):

- a materialization of an erased person's partition afterwards (a backfill over all partitions)
  writes nothing: no documents, no stage outputs, no job row;
- a completion sensor replayed from a reset cursor skips the session completed before the erasure,
  and processes a test the person completes after it;
- a run that was in flight when the person was erased does not write them back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, SensorResult, build_sensor_context, materialize
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from aptichat.db.repository import DocumentRepository
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.legacy_sim.population import seed
from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase

USER_ASSETS = [legacy_test_results, user_documents, user_document_embeddings]
SEED = 914


def _rows_naming(engine: Engine, user_id: str) -> dict[str, int]:
    tables = {
        "chat_users": "user_id",
        "chat_documents": "user_id",
        "chat_document_chunks": "user_id",
        "chat_etl_jobs": "user_id",
        "chat_etl_stage_outputs": "partition_key",
    }
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t} WHERE {c} = :u"), {"u": user_id}).scalar_one())
            for t, c in tables.items()
        }


def _tick(instance: DagsterInstance, legacy: LegacyDatabase, cursor: str | None) -> SensorResult:
    definitions = defs()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"legacy": legacy, "app_db": AppDatabase(), "etl_batching": EtlBatching()},
        definitions=definitions,
    ) as context:
        result = definitions.resolve_sensor_def("test_completion_sensor")(context)
    assert isinstance(result, SensorResult), result
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions("users", list(request.partition_keys or []))
    return result


def _planned_users(result: SensorResult) -> set[str]:
    users = set()
    for request in result.run_requests or []:
        tags = request.tags
        if request.partition_key:
            users.add(request.partition_key)
        else:
            users |= {tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]}
    return users | {k for r in result.dynamic_partitions_requests or [] for k in (r.partition_keys or [])}


def _latest_session(legacy_engine: Engine, user_id: str) -> str:
    with legacy_engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT id FROM test_sessions WHERE taker_id = :u AND status = 'completed' "
                    "ORDER BY completed_at DESC LIMIT 1"
                ),
                {"u": user_id},
            ).scalar_one()
        )


def _retake(legacy_engine: Engine, user_id: str, completed_at: datetime) -> str:
    """A copy of the person's latest completed session (answers too), completed at `completed_at`."""
    old = _latest_session(legacy_engine, user_id)
    new = f"{old}-retake"
    with legacy_engine.begin() as conn:
        columns = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'responses' ORDER BY 1")
        ).scalars()
        others = [c for c in columns if c != "session_id"]
        conn.execute(
            text(
                "INSERT INTO test_sessions (id, taker_id, instrument_set, started_at, completed_at, status) "
                "SELECT :new, taker_id, instrument_set, CAST(:at AS timestamptz) - (completed_at - started_at), "
                ":at, status FROM test_sessions WHERE id = :old"
            ),
            {"new": new, "old": old, "at": completed_at},
        )
        cols = ", ".join(others)
        conn.execute(
            text(f"INSERT INTO responses (session_id, {cols}) SELECT :new, {cols} FROM responses WHERE session_id=:o"),
            {"new": new, "o": old},
        )
    return new


def _resources(legacy: LegacyDatabase) -> dict[str, object]:
    return {**defs().resources, "legacy": legacy}  # type: ignore[dict-item]


def test_erased_person_is_not_rebuilt_by_a_backfill_a_replayed_sensor_or_an_in_flight_run(
    engine: Engine, scratch_engine: Engine, dagster_instance: DagsterInstance
) -> None:
    from aptichat_pipelines.stages import embed_and_store

    seed(6, SEED, engine=scratch_engine)
    legacy = LegacyDatabase(url=scratch_engine.url.render_as_string(hide_password=False))
    first = _tick(dagster_instance, legacy, None)
    users = sorted(_planned_users(first))
    assert users, "the sensor should plan the seeded people"

    # pick a person the pipeline builds documents for
    person = None
    for user in users:
        result = materialize(USER_ASSETS, partition_key=user, resources=_resources(legacy), instance=dagster_instance)
        assert result.success
        if _rows_naming(engine, user)["chat_documents"]:
            person = user
            break
    assert person is not None
    bystander = next(u for u in users if u != person)
    # what a run leaves for this person: the stage outputs the in-flight check below needs
    with engine.connect() as conn:
        staged = conn.execute(
            text(
                "SELECT payload FROM chat_etl_stage_outputs WHERE asset_key = 'user_documents' AND partition_key = :u"
            ),
            {"u": person},
        ).scalar_one()
    run_began = datetime.now(UTC) - timedelta(seconds=1)

    with Session(engine) as session, session.begin():
        DocumentRepository(session).erase_user(person)
    assert _rows_naming(engine, person) == dict.fromkeys(_rows_naming(engine, person), 0)

    # a run that began before the erasure and writes after it (the embed step of an in-flight run)
    from aptichat.embeddings import get_embedder
    from aptichat_pipelines.stages import UserDocumentsStage

    report = embed_and_store({person: UserDocumentsStage.model_validate(staged)}, engine, get_embedder(), run_began)
    assert report.outcomes[person].status == "erased"
    assert _rows_naming(engine, person)["chat_documents"] == 0

    # a backfill over every partition after the erasure: the person's partition writes nothing
    again = materialize(USER_ASSETS, partition_key=person, resources=_resources(legacy), instance=dagster_instance)
    assert again.success
    assert _rows_naming(engine, person) == dict.fromkeys(_rows_naming(engine, person), 0)

    # the completion sensor replayed from a reset cursor: the pre-erasure session is skipped
    replay = _tick(dagster_instance, legacy, None)
    assert person not in _planned_users(replay)
    assert _rows_naming(engine, person)["chat_etl_jobs"] == 0

    # the person takes the test again after the erasure: a fresh start
    retake = _retake(scratch_engine, person, datetime.now(UTC) + timedelta(seconds=1))
    fresh = _tick(dagster_instance, legacy, replay.cursor)
    assert person in {r.partition_key for r in fresh.run_requests or []} | _planned_users(fresh)
    with engine.connect() as conn:
        job = conn.execute(text("SELECT session_id FROM chat_etl_jobs WHERE user_id = :u"), {"u": person}).all()
    assert job == [(retake,)]
    rebuilt = materialize(USER_ASSETS, partition_key=person, resources=_resources(legacy), instance=dagster_instance)
    assert rebuilt.success
    assert _rows_naming(engine, person)["chat_documents"] > 0
    assert bystander != person
