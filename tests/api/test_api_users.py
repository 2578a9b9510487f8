"""People's data (in process): profile, documents, reprocess and jobs, the webhook, erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, update
from support.api import ALICE, BOB, CAROL, GAPS, Auth, seed_person

from aptichat.db import etl_jobs
from aptichat.db.models import ChatEtlJob
from aptichat.settings import Settings

SECRET_TRACE = "psycopg.OperationalError: connection to host db-7.internal failed"


def _fresh(engine: Engine, settings: Settings, prefix: str, gaps: dict[str, str] | None = None) -> str:
    """A person of one test, with every example document (but those in `gaps`)."""
    person = f"{prefix}-{uuid.uuid4().hex[:8]}"
    seed_person(engine, settings, person, gaps=gaps)
    return person


def _rejected(engine: Engine, prefix: str = "rejected") -> str:
    """A person whose only test was rejected: no chat_users row, no documents."""
    person = f"{prefix}-{uuid.uuid4().hex[:8]}"
    etl_jobs.record_rejected(engine, f"sess-{person}", person, "too many unanswered items (41 of 120)")
    return person


def _close_open_jobs(engine: Engine, person: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ChatEtlJob)
            .where(ChatEtlJob.user_id == person, ChatEtlJob.status.in_(etl_jobs.OPEN_STATUSES))
            .values(status="succeeded")
        )


def test_profile_summarises_documents_and_gaps(client: FlaskClient, auth: Auth) -> None:
    r = client.get(f"/users/{BOB}/profile", headers=auth.headers(BOB))
    assert r.status_code == 200, r.text
    p = r.json
    assert p["holland_code"] == "SIA"
    assert [s["id"] for s in p["interests"]] == list("RIASEC")
    assert [t["id"] for t in p["top_tendencies"]] == ["agreeableness", "openness", "conscientiousness"]
    assert {s["id"] for s in p["thinking_skills"]} == {"verbal", "numerical", "spatial", "logical", "memory"}
    assert {d["document_type"]: d["current_version"] for d in p["documents"]} == {
        "personality_profile": 1,
        "thinking_skills": 1,
        "career_recommendations": 1,
    }
    assert p["gaps"] == GAPS


def test_profile_of_person_without_documents(client: FlaskClient, auth: Auth) -> None:
    p = client.get(f"/users/{CAROL}/profile", headers=auth.headers(CAROL)).json
    assert p["display_name"] == "Carol" and p["holland_code"] is None and p["documents"] == []


def test_documents_with_full_content_and_type_filter(client: FlaskClient, auth: Auth) -> None:
    docs = client.get(f"/users/{ALICE}/documents", headers=auth.headers()).json["documents"]
    assert [d["document_type"] for d in docs] == [
        "personality_profile",
        "thinking_skills",
        "career_recommendations",
        "major_recommendations",
    ]
    assert all(d["version"] == 1 and d["content"] and d["rendered_text"] for d in docs)
    only = client.get(
        f"/users/{ALICE}/documents", query_string={"type": "thinking_skills"}, headers=auth.headers()
    ).json["documents"]
    assert [d["document_type"] for d in only] == ["thinking_skills"]
    assert only[0]["content"]["skills"][0]["skill"] == "verbal"
    bad = client.get(f"/users/{ALICE}/documents", query_string={"type": "diary"}, headers=auth.headers())
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_request"


def test_reprocess_creates_a_requested_job_and_jobs_reports_it(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    # a person of this test's own: alice may have a request open from another test, which is returned
    person = _fresh(engine, settings, "reproc")
    r = client.post(f"/users/{person}/reprocess", headers=auth.headers(person))
    assert r.status_code == 202 and r.json["status"] == "requested"
    job_id = r.json["job_id"]
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job_id)).one()
    assert (row.source, row.status, row.user_id) == ("reprocess", "requested", person)
    job = client.get(f"/jobs/{job_id}", headers=auth.headers(person)).json
    assert job["job_id"] == job_id and job["status"] == "requested" and job["source"] == "reprocess"
    profile = client.get(f"/users/{person}/profile", headers=auth.headers(person)).json
    assert profile["processing"]["job_id"] == job_id
    assert client.get(f"/jobs/{job_id}", headers=auth.headers(BOB)).status_code == 403
    assert client.get(f"/jobs/{job_id}", headers=auth.service).status_code == 200
    missing = client.get("/jobs/999999999", headers=auth.headers())
    assert missing.status_code == 404 and missing.json["error"]["code"] == "job_not_found"
    huge = client.get(f"/jobs/{2**70}", headers=auth.headers())
    assert huge.status_code == 404


def test_webhook_is_idempotent_per_session(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    event = {"user_id": "dora-0004", "session_id": "sess-dora-1", "completed_at": "2026-11-26T10:00:00Z"}
    first = client.post("/events/test-completed", json=event, headers=auth.service)
    assert first.status_code == 202 and first.json["duplicate"] is False
    again = client.post("/events/test-completed", json=event, headers=auth.service)
    assert again.status_code == 202 and again.json["job_id"] == first.json["job_id"] and again.json["duplicate"]
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(ChatEtlJob).where(ChatEtlJob.session_id == "sess-dora-1")
        ).scalar_one()
    assert count == 1
    stolen = {**event, "user_id": "eve-0005"}
    conflict = client.post("/events/test-completed", json=stolen, headers=auth.service)
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "session_conflict"
    bad_date = {**event, "completed_at": "yesterday"}
    r = client.post("/events/test-completed", json=bad_date, headers=auth.service)
    assert r.status_code == 422


def test_unknown_person_is_404_for_admin_and_403_for_others(client: FlaskClient, auth: Auth) -> None:
    admin = auth.headers("root", role="admin")
    r = client.get("/users/nobody-here/profile", headers=admin)
    assert r.status_code == 404 and r.json["error"]["code"] == "user_not_found"
    r = client.get("/users/nobody-here/profile", headers=auth.headers())
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_erase_then_read(client: FlaskClient, auth: Auth, engine: Engine, settings: Settings) -> None:
    victim = "erin-0006"
    seed_person(engine, settings, victim)
    headers = auth.headers(victim)
    answer = client.post("/chat/question", json={"question": "What fits me?"}, headers=headers)
    assert answer.status_code == 200
    mid = answer.json["message_id"]
    fb = client.post("/chat/feedback", json={"message_id": mid, "rating": 4}, headers=headers)
    assert fb.status_code == 200
    r = client.delete(f"/users/{victim}", headers=headers)
    assert r.status_code == 200, r.text
    erased = r.json["erased"]
    assert erased["chat_documents"] == 4 and erased["chat_messages"] == 2 and erased["chat_feedback"] == 1
    for path in (f"/users/{victim}/profile", f"/users/{victim}/documents"):
        gone = client.get(path, headers=headers)
        assert gone.status_code == 404 and gone.json["error"]["code"] == "user_not_found"
    again = client.post("/chat/question", json={"question": "What fits me?"}, headers=headers)
    assert again.status_code == 404
    assert client.get("/chat/history", headers=headers).status_code == 404
    # the others are untouched
    assert client.get(f"/users/{ALICE}/profile", headers=auth.headers()).status_code == 200


def test_reprocess_is_idempotent_while_open_limited_per_person_and_forced_by_admins(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings, app: Flask
) -> None:
    person = _fresh(engine, settings, "limit")
    me = auth.headers(person)
    first = client.post(f"/users/{person}/reprocess", headers=me)
    assert first.status_code == 202 and first.json["duplicate"] is False
    again = client.post(f"/users/{person}/reprocess", headers=me)
    assert again.status_code == 200, again.text
    assert again.json == {"job_id": first.json["job_id"], "status": "requested", "duplicate": True}

    limit = app.config["SETTINGS"].reprocess_limit_per_hour
    ids = {first.json["job_id"]}
    for _ in range(limit - 1):
        _close_open_jobs(engine, person)  # each request ran; the person asks once more
        r = client.post(f"/users/{person}/reprocess", headers=me)
        assert r.status_code == 202
        ids.add(r.json["job_id"])
    assert len(ids) == limit
    _close_open_jobs(engine, person)
    limited = client.post(f"/users/{person}/reprocess", headers=me)
    assert limited.status_code == 429 and limited.json["error"]["code"] == "reprocess_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert limited.json["error"]["details"]["limit_per_hour"] == limit

    # only an administrator may force a new request, past the limit and while one is open
    assert client.post(f"/users/{person}/reprocess?force=true", headers=me).status_code == 403
    admin = auth.headers("root", role="admin")
    forced = client.post(f"/users/{person}/reprocess?force=true", headers=admin)
    assert forced.status_code == 202 and forced.json["job_id"] not in ids
    forced_again = client.post(f"/users/{person}/reprocess?force=true", headers=admin)
    assert forced_again.status_code == 202 and forced_again.json["job_id"] != forced.json["job_id"]
    open_one = client.post(f"/users/{person}/reprocess", headers=admin)
    assert open_one.status_code == 200 and open_one.json["job_id"] == forced_again.json["job_id"]


def test_a_rejected_person_without_documents_can_ask_for_reprocessing(
    client: FlaskClient, auth: Auth, engine: Engine
) -> None:
    person = _rejected(engine)
    r = client.post(f"/users/{person}/reprocess", headers=auth.headers(person))
    assert r.status_code == 202 and r.json["status"] == "requested"
    admin = auth.headers("root", role="admin")
    nobody = client.post("/users/nobody-known-at-all/reprocess", headers=admin)
    assert nobody.status_code == 404 and nobody.json["error"]["code"] == "user_not_found"


def _status(client: FlaskClient, auth: Auth, person: str) -> dict:  # type: ignore[type-arg]
    r = client.get(f"/users/{person}/status", headers=auth.headers(person))
    assert r.status_code == 200, r.text
    assert r.json["user_id"] == person
    return r.json  # type: ignore[no-any-return]


def test_status_says_where_a_person_stands_in_their_words(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    ready = _status(client, auth, _fresh(engine, settings, "ready"))
    assert (ready["state"], ready["has_results"], ready["reason"]) == ("ready", True, "Your results are ready.")

    partial = _status(client, auth, _fresh(engine, settings, "partial", gaps=GAPS))
    assert partial["state"] == "partial" and partial["missing"] == list(GAPS)

    waiting = f"waiting-{uuid.uuid4().hex[:8]}"
    job, _ = etl_jobs.create_job(engine, waiting, "webhook", session_id=f"sess-{waiting}")
    processing = _status(client, auth, waiting)
    assert processing["state"] == "processing" and processing["job"]["id"] == job.id
    assert processing["has_results"] is False and "few minutes" in processing["advice"]

    rejected = _status(client, auth, _rejected(engine))
    assert rejected["state"] == "rejected"
    assert "many answers were missing" in rejected["reason"] and "retake" in rejected["advice"]
    assert "unanswered items" not in rejected["reason"] + rejected["advice"]  # not the recorded reason

    broken = f"broken-{uuid.uuid4().hex[:8]}"
    job, _ = etl_jobs.create_job(engine, broken, "reprocess")
    etl_jobs.mark_queued(engine, [job.id], f"job:{job.id}")
    etl_jobs.mark_run(engine, f"job:{job.id}", "run-broken", "failed", "database_unreachable", SECRET_TRACE)
    failed = client.get(f"/users/{broken}/status", headers=auth.headers(broken))
    assert failed.json["state"] == "failed" and "on our side" in failed.json["reason"]
    assert "OperationalError" not in failed.text and "db-7" not in failed.text and "run-broken" not in failed.text

    unknown = _status(client, auth, f"unknown-{uuid.uuid4().hex[:8]}")
    assert unknown["state"] == "unknown" and unknown["job"] is None and unknown["reason"]

    # a person reaches only their own state; an admin everyone's
    assert client.get(f"/users/{broken}/status", headers=auth.headers(BOB)).status_code == 403
    assert client.get(f"/users/{broken}/status", headers=auth.headers("root", role="admin")).status_code == 200


def test_a_retried_job_shows_its_attempts_to_admins_only_and_no_error_text_to_the_person(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    person = _fresh(engine, settings, "retried")
    job, _ = etl_jobs.create_job(engine, person, "reprocess")
    run_key = f"job:{job.id}"
    etl_jobs.mark_queued(engine, [job.id], run_key)
    first_at = datetime.now(UTC) - timedelta(minutes=5)
    etl_jobs.mark_run(engine, run_key, "run-a", "running", run_created_at=first_at, root_run_id="run-a")
    etl_jobs.mark_run(
        engine,
        run_key,
        "run-a",
        "failed",
        "run_interrupted",
        SECRET_TRACE,
        run_created_at=first_at,
        root_run_id="run-a",
    )
    me, admin = auth.headers(person), auth.headers("root", role="admin")
    seen = client.get(f"/jobs/{job.id}", headers=me).json
    assert seen["status"] == "failed" and seen["error_class"] == "run_interrupted"
    assert seen["error_message"] is None and seen["attempts"] is None and seen["dagster_run_id"] is None
    profile = client.get(f"/users/{person}/profile", headers=me)
    assert profile.json["processing"]["error_message"] is None and "OperationalError" not in profile.text
    assert profile.json["state"]["state"] == "failed"
    assert client.get(f"/jobs/{job.id}", headers=admin).json["error_message"] == SECRET_TRACE

    # Dagster's automatic retry: same run key and root run, created later; it succeeds
    retry_at = first_at + timedelta(minutes=1)
    etl_jobs.mark_run(engine, run_key, "run-b", "running", run_created_at=retry_at, root_run_id="run-a")
    etl_jobs.record_user_outcome(
        engine, person, "run-b", run_key, "succeeded", {}, run_created_at=retry_at, root_run_id="run-a"
    )
    etl_jobs.mark_run(engine, run_key, "run-b", "succeeded", run_created_at=retry_at, root_run_id="run-a")
    # the first run's failure reported once more, late (a sensor catching up): the retry still decides
    etl_jobs.mark_run(
        engine,
        run_key,
        "run-a",
        "failed",
        "run_interrupted",
        SECRET_TRACE,
        run_created_at=first_at,
        root_run_id="run-a",
    )
    full = client.get(f"/jobs/{job.id}", headers=admin).json
    assert full["status"] == "succeeded" and full["error_message"] is None and full["dagster_run_id"] == "run-b"
    assert {a["run_id"] for a in full["attempts"]} == {"run-a", "run-b"}
    assert {(a["run_id"], a["outcome"]) for a in full["attempts"] if a["scope"] == "run"} >= {
        ("run-a", "failed"),
        ("run-b", "succeeded"),
    }
    mine = client.get(f"/jobs/{job.id}", headers=me).json
    assert mine["status"] == "succeeded" and mine["attempts"] is None
    assert _status(client, auth, person)["state"] == "ready"


def test_the_chat_tells_a_person_without_documents_where_they_stand(
    client: FlaskClient, auth: Auth, engine: Engine
) -> None:
    person = _rejected(engine, "chat-rejected")
    r = client.post("/chat/question", json={"question": "What fits me?"}, headers=auth.headers(person))
    assert r.status_code == 404 and r.json["error"]["code"] == "user_not_found"
    error = r.json["error"]
    assert error["details"]["state"] == "rejected"
    assert "many answers were missing" in error["message"] and "retake" in error["message"]
    assert "unanswered items" not in r.text
