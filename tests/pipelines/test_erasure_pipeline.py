"""Erasure holds against the pipeline (aptichat.db.erasure, docs/privacy.md), through Dagster's real
APIs on a legacy database of this test's own (people `u914-*`, so the ledger entries made here touch
no other test's people):

- a materialization of an erased person's partition afterwards (a backfill over all partitions)
  writes nothing: no documents, no stage outputs, no job row;
- a completion sensor replayed from a reset cursor skips the session completed before the erasure,
  and processes a test the person completes after it;
- a run that was in flight when the person was erased does not write them back;
- after the real pipeline ran for a person (sensor tick, runs with the sensor's run keys and tags) and
  the person was erased, nothing in Dagster's storage (every column of every table of its databases,
  every file under the instance's directory: compute logs too) holds their id or session ids, and a
  backfill of all partitions and a reset completion sensor do not bring them back.

Partition keys are pseudonyms (aptichat.db.person_keys): the tests map people to keys through it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context, materialize
from dagster._core.storage.tags import RUN_KEY_TAG
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from aptichat.db import person_keys
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
        "chat_person_keys": "user_id",
        "chat_etl_stage_outputs": "payload->>'user_id'",  # keyed by the person's pseudonym
    }
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t} WHERE {c} = :u"), {"u": user_id}).scalar_one())
            for t, c in tables.items()
        }


def _evaluate(instance: DagsterInstance, legacy: LegacyDatabase, cursor: str | None, name: str) -> object:
    definitions = defs()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"legacy": legacy, "app_db": AppDatabase(), "etl_batching": EtlBatching()},
        definitions=definitions,
    ) as context:
        return definitions.resolve_sensor_def(name)(context)


def _tick(instance: DagsterInstance, legacy: LegacyDatabase, cursor: str | None) -> SensorResult:
    result = _evaluate(instance, legacy, cursor, "test_completion_sensor")
    assert isinstance(result, SensorResult), result
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions("users", list(request.partition_keys or []))
    return result


def _planned_users(engine: Engine, result: SensorResult) -> set[str]:
    """The people a tick planned (its partition keys mapped back to user ids)."""
    keys = _planned_keys(result)
    people = person_keys.users_of(engine, keys)
    assert set(people) == keys, "every planned partition key names a person"
    return set(people.values())


def _planned_keys(result: SensorResult) -> set[str]:
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
    users = sorted(_planned_users(engine, first))
    assert users, "the sensor should plan the seeded people"
    keys = person_keys.keys_of(engine, users)

    # pick a person the pipeline builds documents for
    person = None
    for user in users:
        result = materialize(
            USER_ASSETS, partition_key=keys[user], resources=_resources(legacy), instance=dagster_instance
        )
        assert result.success
        if _rows_naming(engine, user)["chat_documents"]:
            person = user
            break
    assert person is not None
    key = keys[person]
    bystander = next(u for u in users if u != person)
    # what a run leaves for this person: the stage outputs the in-flight check below needs
    with engine.connect() as conn:
        staged = conn.execute(
            text(
                "SELECT payload FROM chat_etl_stage_outputs WHERE asset_key = 'user_documents' AND partition_key = :k"
            ),
            {"k": key},
        ).scalar_one()
    run_began = datetime.now(UTC) - timedelta(seconds=1)

    with Session(engine) as session, session.begin():
        DocumentRepository(session).erase_user(person)
    assert _rows_naming(engine, person) == dict.fromkeys(_rows_naming(engine, person), 0)

    # a run that began before the erasure and writes after it (the embed step of an in-flight run)
    from aptichat.embeddings import get_embedder
    from aptichat_pipelines.stages import UserDocumentsStage

    report = embed_and_store({key: UserDocumentsStage.model_validate(staged)}, engine, get_embedder(), run_began)
    assert report.outcomes[key].status == "erased"
    assert _rows_naming(engine, person)["chat_documents"] == 0

    # a backfill over every partition after the erasure: the person's old partition (its key now maps
    # to nobody) writes nothing
    again = materialize(USER_ASSETS, partition_key=key, resources=_resources(legacy), instance=dagster_instance)
    assert again.success
    assert _rows_naming(engine, person) == dict.fromkeys(_rows_naming(engine, person), 0)

    # the completion sensor replayed from a reset cursor: the pre-erasure session is skipped
    replay = _tick(dagster_instance, legacy, None)
    assert person not in _planned_users(engine, replay)
    assert _rows_naming(engine, person)["chat_etl_jobs"] == 0
    assert _rows_naming(engine, person)["chat_person_keys"] == 0  # no key made for them either

    # the person takes the test again after the erasure: a fresh start, under a new pseudonym
    retake = _retake(scratch_engine, person, datetime.now(UTC) + timedelta(seconds=1))
    fresh = _tick(dagster_instance, legacy, replay.cursor)
    assert person in _planned_users(engine, fresh)
    new_key = person_keys.keys_of(engine, [person])[person]
    assert new_key != key
    with engine.connect() as conn:
        job = conn.execute(text("SELECT session_id FROM chat_etl_jobs WHERE user_id = :u"), {"u": person}).all()
    assert job == [(retake,)]
    rebuilt = materialize(USER_ASSETS, partition_key=new_key, resources=_resources(legacy), instance=dagster_instance)
    assert rebuilt.success
    assert _rows_naming(engine, person)["chat_documents"] > 0
    assert bystander != person


def _sessions_of(legacy_engine: Engine, user_id: str) -> list[str]:
    with legacy_engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM test_sessions WHERE taker_id = :u"), {"u": user_id}).scalars())


def _dagster_storage_holding(root: Path, needles: list[str]) -> list[str]:
    """Where under the instance's directory any needle occurs: every text/blob column of every table
    of every SQLite database (runs, event logs per run, schedules, index), then every file's bytes
    (compute logs, and deleted rows still on a database page)."""
    found = []
    for db in sorted(root.rglob("*.db")):
        with sqlite3.connect(db) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for column in conn.execute(f'PRAGMA table_info("{table}")').fetchall():
                    name = column[1]
                    for needle in needles:
                        hit = conn.execute(
                            f'SELECT count(*) FROM "{table}" WHERE instr(CAST("{name}" AS TEXT), ?) > 0', (needle,)
                        ).fetchone()[0]
                        if hit:
                            found.append(f"{db.relative_to(root)}:{table}.{name} holds {needle!r}")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a SQLite -shm/-wal file gone since the listing
            continue
        found += [f"{path.relative_to(root)} (bytes) holds {n!r}" for n in needles if n.encode() in data]
    return found


def test_dagster_storage_holds_nothing_of_an_erased_person(
    engine: Engine, scratch_engine: Engine, dagster_instance: DagsterInstance
) -> None:
    """Issue 14: after erasure nothing in Dagster's storage names the person or their sessions."""
    seed(4, SEED + 1, engine=scratch_engine)
    legacy = LegacyDatabase(url=scratch_engine.url.render_as_string(hide_password=False))
    first = _tick(dagster_instance, legacy, None)
    job = defs().resolve_job_def("user_etl")
    # the runs the daemon would launch for this tick: the sensor's run keys, tags and partitions
    for request in first.run_requests or []:
        result = job.execute_in_process(
            instance=dagster_instance,
            partition_key=request.partition_key,
            tags={**request.tags, RUN_KEY_TAG: request.run_key or ""},
            resources=_resources(legacy),
        )
        assert result.success
    people = sorted(_planned_users(engine, first))
    person = next(u for u in people if _rows_naming(engine, u)["chat_documents"])
    key = person_keys.keys_of(engine, [person])[person]
    sessions = _sessions_of(scratch_engine, person)
    assert sessions and key in dagster_instance.get_dynamic_partitions("users")
    # the runs did run the person, under their pseudonym
    assert any(
        r.tags.get("dagster/partition") == key or r.tags.get("dagster/asset_partition_range_start")
        for r in dagster_instance.get_runs()
    )

    with Session(engine) as session, session.begin():
        DocumentRepository(session).erase_user(person)
    # the code location's cleanup deletes the partition whose key now names nobody
    cleaned = _evaluate(dagster_instance, legacy, None, "orphan_partitions_sensor")
    assert isinstance(cleaned, SkipReason) and "deleted 1" in str(cleaned.skip_message)
    assert key not in dagster_instance.get_dynamic_partitions("users")

    # a backfill over every partition, and the completion sensor reset: the person stays gone
    for other in dagster_instance.get_dynamic_partitions("users"):
        assert materialize(
            USER_ASSETS, partition_key=other, resources=_resources(legacy), instance=dagster_instance
        ).success
    replay = _tick(dagster_instance, legacy, None)
    assert person not in _planned_users(engine, replay)
    assert _rows_naming(engine, person) == dict.fromkeys(_rows_naming(engine, person), 0)

    root = Path(dagster_instance.root_directory)
    assert list(root.rglob("*.db")), "the test instance keeps its storage in SQLite files under its root"
    assert _dagster_storage_holding(root, [person, *sessions]) == []
    # the search is real: another person's pseudonym is there, their id is not
    bystander = next(u for u in people if u != person)
    other_key = person_keys.keys_of(engine, [bystander])[bystander]
    assert _dagster_storage_holding(root, [other_key]) and not _dagster_storage_holding(root, [bystander])


def test_a_batch_locks_and_reads_the_ledger_for_each_of_its_people(engine: Engine) -> None:
    """The stage writer's batch forms (lock_people, latest_erasures) act as the per-person ones: the
    erasure's exclusive lock of any person of the batch waits, and each erased person's time is read."""
    from aptichat.db import erasure

    people = ["u914-batch-a", "u914-batch-b", "u914-batch-c"]
    erased_at = datetime(2026, 1, 2, tzinfo=UTC)
    with engine.connect() as writer, engine.connect() as eraser:
        with writer.begin() as transaction:
            erasure.record(writer, people[1], erased_at=erased_at)
            assert erasure.latest_erasures(writer, people) == {people[1]: erased_at}
            erasure.lock_people(writer, reversed(people))
            for person in people:
                key = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))")
                with eraser.begin():
                    assert not eraser.execute(key, {"k": f"aptichat:person:{person}"}).scalar(), person
            transaction.rollback()  # the ledger entry was this test's alone
        with eraser.begin():
            assert eraser.execute(key, {"k": f"aptichat:person:{people[0]}"}).scalar()  # released
