"""Sensors through `build_sensor_context` on a real Dagster instance and the real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, DagsterRunStatus, SensorResult, SkipReason, build_sensor_context
from dagster._core.storage.tags import RUN_KEY_TAG
from dagster._core.test_utils import create_run_for_test
from sqlalchemy import Engine, func, insert, select, text, update

from aptichat.db import etl_jobs, person_keys
from aptichat.db.models import ChatEtlJob
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.legacy.models import SessionCursor
from aptichat_pipelines.resources import AppDatabase, EtlBatching, LegacyDatabase
from aptichat_pipelines.sensors import open_cursor


def tick(
    instance: DagsterInstance,
    cursor: str | None,
    sensor: str = "test_completion_sensor",
    batching: EtlBatching | None = None,
) -> SensorResult | SkipReason:
    definitions = defs()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"legacy": LegacyDatabase(), "app_db": AppDatabase(), "etl_batching": batching or EtlBatching()},
        definitions=definitions,
    ) as context:
        return definitions.resolve_sensor_def(sensor)(context)  # type: ignore[no-any-return]


def apply(instance: DagsterInstance, result: SensorResult) -> None:
    """What the daemon does with a tick's partitions requests."""
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions("users", list(request.partition_keys or []))


def completed(legacy_engine: Engine) -> list[tuple[datetime, str, str]]:
    with legacy_engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(  # type: ignore[misc]
                text(
                    "SELECT completed_at, id, taker_id FROM test_sessions WHERE completed_at IS NOT NULL "
                    "ORDER BY completed_at, id"
                )
            ).all()
        ]


def test_ticks_walk_every_completion_once_in_bounded_batches(
    legacy_engine: Engine, engine: Engine, dagster_instance: DagsterInstance
) -> None:
    batching = EtlBatching(max_sessions_per_tick=25, users_per_run=10)
    all_sessions = completed(legacy_engine)
    assert len(all_sessions) > 25

    cursor, seen_sessions, run_keys, ticks = None, [], [], 0
    while True:
        result = tick(dagster_instance, cursor, batching=batching)
        if isinstance(result, SkipReason):
            break
        ticks += 1
        assert ticks < 20
        apply(dagster_instance, result)
        for request in result.run_requests or []:
            assert request.run_key not in run_keys
            run_keys.append(request.run_key)
            users = int(request.tags["aptichat/users"])
            assert users <= 10  # the batch bound
            if users > 1:
                assert request.tags["dagster/asset_partition_range_start"]
        cursor = result.cursor
        seen_sessions.append(open_cursor(cursor))
        assert all(s[1] not in (cursor or "") for s in all_sessions)  # the session id is sealed
    assert ticks == -(-len(all_sessions) // 25)
    assert seen_sessions[-1] == SessionCursor(completed_at=all_sessions[-1][0], session_id=all_sessions[-1][1])

    with engine.connect() as conn:
        jobs = conn.execute(
            select(ChatEtlJob.session_id, ChatEtlJob.status, ChatEtlJob.error_message).where(
                ChatEtlJob.session_id.in_([s[1] for s in all_sessions])
            )
        ).all()
    # every completion became exactly one job: queued to run, or rejected with the reason
    assert sorted(j.session_id for j in jobs) == sorted(s[1] for s in all_sessions)
    rejected = [j for j in jobs if j.status == "rejected"]
    assert rejected and all(j.error_message for j in rejected)
    partitions = set(dagster_instance.get_dynamic_partitions("users"))
    # partitions are pseudonyms of the people who completed tests, never their ids; run keys name no session
    people = person_keys.users_of(engine, partitions)
    assert set(people) == partitions and set(people.values()) <= {s[2] for s in all_sessions}
    assert all(person_keys.is_person_key(k) for k in partitions)
    assert not {k for k in run_keys if any(s[1] in k for s in all_sessions)}


def test_a_repeated_tick_yields_the_same_run_keys(
    legacy_engine: Engine, engine: Engine, dagster_instance: DagsterInstance
) -> None:
    first = tick(dagster_instance, None)
    again = tick(dagster_instance, None)  # the cursor of the first tick was lost
    assert isinstance(first, SensorResult) and isinstance(again, SensorResult)
    assert [r.run_key for r in first.run_requests] == [r.run_key for r in again.run_requests]
    assert first.cursor == again.cursor


def test_a_reset_cursor_does_not_rerun_completions_already_processed(
    legacy_engine: Engine, engine: Engine, dagster_instance: DagsterInstance
) -> None:
    batching = EtlBatching(users_per_run=5)
    sessions = [s[1] for s in completed(legacy_engine)]

    def users_by_run_key() -> dict[str, set[str]]:
        """The sensor's queued jobs of the legacy completions, grouped by the run key they wait for."""
        with engine.connect() as conn:
            rows = conn.execute(
                select(ChatEtlJob.run_key, ChatEtlJob.user_id).where(
                    ChatEtlJob.session_id.in_(sessions), ChatEtlJob.source == "sensor", ChatEtlJob.status == "queued"
                )
            ).all()
        grouped: dict[str, set[str]] = {}
        for row in rows:
            grouped.setdefault(row.run_key, set()).add(row.user_id)
        return grouped

    first = tick(dagster_instance, None, batching=batching)
    assert isinstance(first, SensorResult) and len(first.run_requests) > 2
    apply(dagster_instance, first)
    planned = users_by_run_key()
    done, waiting = first.run_requests[0].run_key, first.run_requests[1].run_key
    assert etl_jobs.mark_run(engine, done, "run-that-finished", "succeeded") == len(planned[done]) > 0
    # the daemon created the second run too, but it has not started
    create_run_for_test(
        dagster_instance, job_name="user_etl", status=DagsterRunStatus.NOT_STARTED, tags={RUN_KEY_TAG: waiting}
    )

    again = tick(dagster_instance, None, batching=batching)  # an operator reset the cursor after the first run finished
    assert isinstance(again, SensorResult)
    assert again.cursor == first.cursor
    replanned = users_by_run_key()
    # the waiting run's users still wait for it, under its key; nobody else was moved there
    assert replanned.pop(waiting) == planned[waiting]
    # neither the finished run's users nor the waiting run's are planned again; every other user is, once
    assert set().union(*replanned.values()) == set().union(*planned.values()) - planned[done] - planned[waiting]
    # and each queued job names the run that now carries it, so that run's outcome reaches it
    assert set(replanned) == {r.run_key for r in again.run_requests}
    for request in again.run_requests:
        # existing partitions: a run each
        assert replanned[request.run_key] == {
            person_keys.users_of(engine, [request.partition_key or ""])[request.partition_key or ""]
        }


def test_ties_on_completed_at_are_not_skipped(
    legacy_engine: Engine, engine: Engine, dagster_instance: DagsterInstance
) -> None:
    stamp = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)
    with legacy_engine.begin() as conn:
        template = conn.execute(
            text("SELECT id, taker_id, instrument_set FROM test_sessions WHERE status = 'completed' LIMIT 1")
        ).one()
        for suffix in ("tie-a", "tie-b"):
            conn.execute(
                text(
                    "INSERT INTO test_sessions (id, taker_id, instrument_set, started_at, completed_at, status) "
                    "VALUES (:id, :taker, :iset, :stamp, :stamp, 'completed')"
                ),
                {
                    "id": f"{template.id}-{suffix}",
                    "taker": template.taker_id,
                    "iset": template.instrument_set,
                    "stamp": stamp,
                },
            )
            conn.execute(
                text(
                    "INSERT INTO responses (session_id, item_id, value, response_ms) SELECT :new, item_id, value, "
                    "response_ms FROM responses WHERE session_id = :old"
                ),
                {"new": f"{template.id}-{suffix}", "old": template.id},
            )
    batching = EtlBatching(max_sessions_per_tick=1)
    # a cursor as an older version stored it (session id not sealed) is still read
    before = SessionCursor(completed_at=datetime(2030, 12, 31, tzinfo=UTC), session_id="").encode()
    first = tick(dagster_instance, before, batching=batching)
    assert isinstance(first, SensorResult)
    second = tick(dagster_instance, first.cursor, batching=batching)
    assert isinstance(second, SensorResult)
    keys = [r.run_key for r in [*first.run_requests, *second.run_requests]]
    assert keys == [
        person_keys.run_key_digest(f"{template.id}-tie-a"),
        person_keys.run_key_digest(f"{template.id}-tie-b"),
    ]
    # a re-take: the user's partition already exists after the first tick, so the second run is its own
    assert second.run_requests[0].partition_key == person_keys.keys_of(engine, [template.taker_id])[template.taker_id]


def rk(key: str) -> str:
    """The opaque run key the sensors give the work `key` names (a session id, job:<id>)."""
    return person_keys.run_key_digest(key)


def _request_keys(result: SensorResult | SkipReason) -> set[str]:
    return {r.run_key for r in result.run_requests} if isinstance(result, SensorResult) else set()


def _status(engine: Engine, job_id: int) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob.status, ChatEtlJob.run_key).where(ChatEtlJob.id == job_id)).one()
    return row.status, row.run_key


def test_webhook_requests_are_picked_up_once(engine: Engine, dagster_instance: DagsterInstance) -> None:
    job, created = etl_jobs.create_job(engine, "hook-user-1", "webhook", session_id="hook-session-1")
    assert created
    _, created_again = etl_jobs.create_job(engine, "hook-user-1", "webhook", session_id="hook-session-1")
    assert not created_again
    # no cursor: requests are found by status, whatever cursor a previous version of the sensor left
    result = tick(dagster_instance, str(job.id + 1000), "etl_request_sensor")
    assert rk(f"job:{job.id}") in _request_keys(result)
    assert rk(f"job:{job.id}") not in _request_keys(tick(dagster_instance, None, "etl_request_sensor"))
    assert _status(engine, job.id) == ("queued", rk(f"job:{job.id}"))


def _insert_request(conn, user: str) -> int:  # type: ignore[no-untyped-def]
    return int(
        conn.execute(
            insert(ChatEtlJob).values(user_id=user, source="reprocess", status="requested").returning(ChatEtlJob.id)
        ).scalar_one()
    )


def test_requests_committed_out_of_order_are_all_claimed(engine: Engine, dagster_instance: DagsterInstance) -> None:
    slow = engine.connect()
    slow_tx = slow.begin()
    try:
        late_id = _insert_request(slow, "order-user-late")  # the lower id, committed last
        with engine.begin() as fast:
            early_id = _insert_request(fast, "order-user-early")
        assert late_id < early_id
        first = tick(dagster_instance, None, "etl_request_sensor")
        assert rk(f"job:{early_id}") in _request_keys(first) and rk(f"job:{late_id}") not in _request_keys(first)
        slow_tx.commit()
    finally:
        slow.close()
    second = tick(dagster_instance, None, "etl_request_sensor")
    assert rk(f"job:{late_id}") in _request_keys(second) and rk(f"job:{early_id}") not in _request_keys(second)
    assert _status(engine, late_id) == ("queued", rk(f"job:{late_id}"))
    assert _status(engine, early_id) == ("queued", rk(f"job:{early_id}"))


def test_a_request_queued_for_a_run_that_never_launched_is_handed_back(
    engine: Engine, dagster_instance: DagsterInstance
) -> None:
    with engine.begin() as conn:
        lost = _insert_request(conn, "lost-user")
        launched = _insert_request(conn, "launched-user")
        # both queued by a tick 20 minutes ago; only the second one's run was created
        conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.id.in_([lost, launched]))
            .values(
                status="queued",
                run_key=func.concat("job:", ChatEtlJob.id),
                requested_at=func.now() - timedelta(minutes=20),
            )
        )
    create_run_for_test(dagster_instance, job_name="user_etl", tags={RUN_KEY_TAG: f"job:{launched}"})
    result = tick(dagster_instance, None, "etl_request_sensor")
    assert rk(f"job:{lost}") in _request_keys(result)
    assert rk(f"job:{launched}") not in _request_keys(result) and f"job:{launched}" not in _request_keys(result)
    assert _status(engine, lost) == ("queued", rk(f"job:{lost}"))
    assert _status(engine, launched) == ("queued", f"job:{launched}")
