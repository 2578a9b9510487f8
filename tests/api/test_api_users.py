"""People's data (in process): profile, documents, reprocess and jobs, the webhook, erasure."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from support.api import ALICE, BOB, CAROL, GAPS, Auth, seed_person

from aptichat.db.models import ChatEtlJob
from aptichat.settings import Settings


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


def test_reprocess_creates_a_requested_job_and_jobs_reports_it(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    r = client.post(f"/users/{ALICE}/reprocess", headers=auth.headers())
    assert r.status_code == 202 and r.json["status"] == "requested"
    job_id = r.json["job_id"]
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job_id)).one()
    assert (row.source, row.status, row.user_id) == ("reprocess", "requested", ALICE)
    job = client.get(f"/jobs/{job_id}", headers=auth.headers()).json
    assert job["job_id"] == job_id and job["status"] == "requested" and job["source"] == "reprocess"
    profile = client.get(f"/users/{ALICE}/profile", headers=auth.headers()).json
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
