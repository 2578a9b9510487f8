"""Admin analytics and A/B experiments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from support.api import ALICE, BOB, Auth, seed_person

from aptichat.db import etl_jobs
from aptichat.db.models import ChatEtlJob
from aptichat.settings import Settings
from aptichat_api.analytics import question_pattern
from aptichat_api.experiments import assign


def _admin(auth: Auth) -> dict[str, str]:
    return auth.headers("root", role="admin")


def _ask(client: FlaskClient, auth: Auth, user: str, question: str) -> dict:
    r = client.post("/chat/question", json={"question": question}, headers=auth.headers(user))
    assert r.status_code == 200
    return r.json


def test_assignment_is_deterministic_and_spreads() -> None:
    assert assign("prompt", ["v1", "v2"], "someone") == assign("prompt", ["v1", "v2"], "someone")
    counts = {"v1": 0, "v2": 0}
    for i in range(1000):
        counts[assign("prompt", ["v1", "v2"], f"user-{i}")] += 1
    assert 400 < counts["v1"] < 600


def test_question_patterns_normalise() -> None:
    assert question_pattern("Why NURSING, though?!") == question_pattern("why nursing though")
    assert question_pattern("   ") == "(empty)"


def test_question_analytics(client: FlaskClient, auth: Auth) -> None:
    _ask(client, auth, ALICE, "Which careers fit me best?")
    _ask(client, auth, BOB, "which careers fit me best")
    r = client.get("/admin/analytics/questions", query_string={"days": 7}, headers=_admin(auth))
    assert r.status_code == 200
    body = r.json
    assert body["days"] == 7 and body["total_questions"] >= 2
    patterns = {p["key"]: p["count"] for p in body["patterns"]}
    assert patterns["which careers fit me"] >= 2
    assert body["intents"] and all(0 <= i["share"] <= 1 for i in body["intents"])
    bad = client.get("/admin/analytics/questions", query_string={"days": 0}, headers=_admin(auth))
    assert bad.status_code == 422


def test_quality_and_experiment_results_per_variant(client: FlaskClient, auth: Auth) -> None:
    answer = _ask(client, auth, ALICE, "What are my strengths?")
    client.post(
        "/chat/feedback",
        json={"message_id": answer["message_id"], "rating": 4},
        headers=auth.headers(),
    )
    quality = client.get("/admin/analytics/quality", headers=_admin(auth)).json
    assert quality["answers"] >= 1 and quality["latency_ms"]["p50"] is not None
    assert quality["feedback_count"] >= 1 and sum(quality["rating_distribution"].values()) >= 1
    alice_variant = assign("prompt", ["v1", "v2"], ALICE)
    per_variant = {v["variant"]: v for v in quality["per_variant"]}
    assert per_variant[alice_variant]["answers"] >= 1
    exp = client.get("/admin/experiments/prompt", headers=_admin(auth)).json
    assert exp["declared_variants"] == ["v1", "v2"]
    assert [v["variant"] for v in exp["variants"]][:2] == ["v1", "v2"]
    assert {v["variant"]: v for v in exp["variants"]}[alice_variant]["feedback_count"] >= 1
    missing = client.get("/admin/experiments/nope", headers=_admin(auth))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "experiment_not_found"


def test_etl_jobs_are_listed_for_admins_filtered_and_paged(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    person = f"etl-list-{uuid.uuid4().hex[:8]}"
    ids = [etl_jobs.create_job(engine, person, "manual")[0].id for _ in range(3)]
    etl_jobs.mark_queued(engine, [ids[0]], f"job:{ids[0]}")
    etl_jobs.mark_run(engine, f"job:{ids[0]}", "run-list", "failed", "unexpected_error", "KeyError: 'x'")

    first = client.get("/admin/etl/jobs", query_string={"user": person, "limit": 2}, headers=_admin(auth))
    assert first.status_code == 200, first.text
    assert [j["job_id"] for j in first.json["jobs"]] == [ids[2], ids[1]]
    nxt = first.json["next_before"]
    second = client.get(
        "/admin/etl/jobs", query_string={"user": person, "limit": 2, "before": nxt}, headers=_admin(auth)
    ).json
    assert [j["job_id"] for j in second["jobs"]] == [ids[0]] and second["next_before"] is None

    failed = client.get("/admin/etl/jobs", query_string={"user": person, "status": "failed"}, headers=_admin(auth))
    (job,) = failed.json["jobs"]
    assert job["job_id"] == ids[0] and job["error_message"] == "KeyError: 'x'"
    assert [(a["run_id"], a["outcome"]) for a in job["attempts"]] == [("run-list", "failed")]
    later = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert (
        client.get("/admin/etl/jobs", query_string={"user": person, "since": later}, headers=_admin(auth)).json["jobs"]
        == []
    )
    bad = client.get("/admin/etl/jobs", query_string={"status": "lost"}, headers=_admin(auth))
    assert bad.status_code == 422
    # A number is not a date, though pydantic alone would read it as seconds since 1970 (schemathesis found it).
    for path in ("/admin/etl/jobs", "/admin/audit"):
        for number in ("2316958537", "1.5e9", "-3"):
            refused = client.get(path, query_string={"since": number}, headers=_admin(auth))
            assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_request", refused.text
    assert client.get("/admin/audit", query_string={"since": later + "Z"}, headers=_admin(auth)).status_code == 200

    assert client.get("/admin/etl/jobs", headers=auth.headers(ALICE)).status_code == 403
    assert client.get("/admin/etl/jobs").status_code == 401


def test_retry_forces_a_new_job_for_admins_only(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    person = f"etl-retry-{uuid.uuid4().hex[:8]}"
    job, _ = etl_jobs.create_job(engine, person, "webhook", session_id=f"sess-{person}")
    r = client.post(f"/admin/etl/jobs/{job.id}/retry", headers=_admin(auth))
    assert r.status_code == 202 and r.json["status"] == "requested" and r.json["job_id"] != job.id
    again = client.post(f"/admin/etl/jobs/{job.id}/retry", headers=_admin(auth))
    assert again.status_code == 202 and again.json["job_id"] not in (job.id, r.json["job_id"])
    with engine.connect() as conn:
        rows = conn.execute(select(ChatEtlJob.source, ChatEtlJob.user_id).where(ChatEtlJob.user_id == person)).all()
    assert sorted(rows) == [("reprocess", person), ("reprocess", person), ("webhook", person)]

    assert client.post(f"/admin/etl/jobs/{job.id}/retry", headers=auth.headers(person)).status_code == 403
    assert client.post(f"/admin/etl/jobs/{job.id}/retry").status_code == 401
    missing = client.post("/admin/etl/jobs/999999999/retry", headers=_admin(auth))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "job_not_found"


def test_retry_of_an_erased_persons_job_is_refused(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    person = f"etl-erased-{uuid.uuid4().hex[:8]}"
    seed_person(engine, settings, person)
    job, _ = etl_jobs.create_job(engine, person, "reprocess")
    assert client.delete(f"/users/{person}", headers=_admin(auth)).status_code == 200
    r = client.post(f"/admin/etl/jobs/{job.id}/retry", headers=_admin(auth))
    assert r.status_code == 410 and r.json["error"]["code"] == "user_erased"
    with engine.connect() as conn:
        assert conn.execute(select(ChatEtlJob.id).where(ChatEtlJob.user_id == person)).all() == []
