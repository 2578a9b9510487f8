"""People's data over real HTTP: profile, documents, reprocess and jobs, the webhook, erasure."""

from __future__ import annotations

import requests
from sqlalchemy import Engine, func, select
from support.api import ALICE, BOB, CAROL, GAPS, Api, seed_person

from aptichat.db.models import ChatEtlJob


def test_profile_summarises_documents_and_gaps(api: Api) -> None:
    r = requests.get(f"{api.url}/users/{BOB}/profile", headers=api.headers(BOB), timeout=10)
    assert r.status_code == 200, r.text
    p = r.json()
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


def test_profile_of_person_without_documents(api: Api) -> None:
    p = requests.get(f"{api.url}/users/{CAROL}/profile", headers=api.headers(CAROL), timeout=10).json()
    assert p["display_name"] == "Carol" and p["holland_code"] is None and p["documents"] == []


def test_documents_with_full_content_and_type_filter(api: Api) -> None:
    docs = requests.get(f"{api.url}/users/{ALICE}/documents", headers=api.headers(), timeout=10).json()["documents"]
    assert [d["document_type"] for d in docs] == [
        "personality_profile",
        "thinking_skills",
        "career_recommendations",
        "major_recommendations",
    ]
    assert all(d["version"] == 1 and d["content"] and d["rendered_text"] for d in docs)
    only = requests.get(
        f"{api.url}/users/{ALICE}/documents", params={"type": "thinking_skills"}, headers=api.headers(), timeout=10
    ).json()["documents"]
    assert [d["document_type"] for d in only] == ["thinking_skills"]
    assert only[0]["content"]["skills"][0]["skill"] == "verbal"
    bad = requests.get(
        f"{api.url}/users/{ALICE}/documents", params={"type": "diary"}, headers=api.headers(), timeout=10
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_reprocess_creates_a_requested_job_and_jobs_reports_it(api: Api, engine: Engine) -> None:
    r = requests.post(f"{api.url}/users/{ALICE}/reprocess", headers=api.headers(), timeout=10)
    assert r.status_code == 202 and r.json()["status"] == "requested"
    job_id = r.json()["job_id"]
    with engine.connect() as conn:
        row = conn.execute(select(ChatEtlJob).where(ChatEtlJob.id == job_id)).one()
    assert (row.source, row.status, row.user_id) == ("reprocess", "requested", ALICE)
    job = requests.get(f"{api.url}/jobs/{job_id}", headers=api.headers(), timeout=10).json()
    assert job["job_id"] == job_id and job["status"] == "requested" and job["source"] == "reprocess"
    profile = requests.get(f"{api.url}/users/{ALICE}/profile", headers=api.headers(), timeout=10).json()
    assert profile["processing"]["job_id"] == job_id
    assert requests.get(f"{api.url}/jobs/{job_id}", headers=api.headers(BOB), timeout=10).status_code == 403
    assert requests.get(f"{api.url}/jobs/{job_id}", headers=api.service, timeout=10).status_code == 200
    missing = requests.get(f"{api.url}/jobs/999999999", headers=api.headers(), timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"
    huge = requests.get(f"{api.url}/jobs/{2**70}", headers=api.headers(), timeout=10)
    assert huge.status_code == 404


def test_webhook_is_idempotent_per_session(api: Api, engine: Engine) -> None:
    event = {"user_id": "dora-0004", "session_id": "sess-dora-1", "completed_at": "2026-11-26T10:00:00Z"}
    first = requests.post(f"{api.url}/events/test-completed", json=event, headers=api.service, timeout=10)
    assert first.status_code == 202 and first.json()["duplicate"] is False
    again = requests.post(f"{api.url}/events/test-completed", json=event, headers=api.service, timeout=10)
    assert again.status_code == 202 and again.json()["job_id"] == first.json()["job_id"] and again.json()["duplicate"]
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(ChatEtlJob).where(ChatEtlJob.session_id == "sess-dora-1")
        ).scalar_one()
    assert count == 1
    stolen = {**event, "user_id": "eve-0005"}
    conflict = requests.post(f"{api.url}/events/test-completed", json=stolen, headers=api.service, timeout=10)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "session_conflict"
    bad_date = {**event, "completed_at": "yesterday"}
    r = requests.post(f"{api.url}/events/test-completed", json=bad_date, headers=api.service, timeout=10)
    assert r.status_code == 422


def test_unknown_person_is_404_for_admin_and_403_for_others(api: Api) -> None:
    admin = api.headers("root", role="admin")
    r = requests.get(f"{api.url}/users/nobody-here/profile", headers=admin, timeout=10)
    assert r.status_code == 404 and r.json()["error"]["code"] == "user_not_found"
    r = requests.get(f"{api.url}/users/nobody-here/profile", headers=api.headers(), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_erase_then_read(api: Api, engine: Engine) -> None:
    victim = "erin-0006"
    seed_person(engine, api.settings, victim)
    headers = api.headers(victim)
    answer = requests.post(f"{api.url}/chat/question", json={"question": "What fits me?"}, headers=headers, timeout=60)
    assert answer.status_code == 200
    mid = answer.json()["message_id"]
    fb = requests.post(f"{api.url}/chat/feedback", json={"message_id": mid, "rating": 4}, headers=headers, timeout=10)
    assert fb.status_code == 200
    r = requests.delete(f"{api.url}/users/{victim}", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    erased = r.json()["erased"]
    assert erased["chat_documents"] == 4 and erased["chat_messages"] == 2 and erased["chat_feedback"] == 1
    for path in (f"/users/{victim}/profile", f"/users/{victim}/documents"):
        gone = requests.get(f"{api.url}{path}", headers=headers, timeout=10)
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "user_not_found"
    again = requests.post(f"{api.url}/chat/question", json={"question": "What fits me?"}, headers=headers, timeout=60)
    assert again.status_code == 404
    assert requests.get(f"{api.url}/chat/history", headers=headers, timeout=10).status_code == 404
    # the others are untouched
    assert requests.get(f"{api.url}/users/{ALICE}/profile", headers=api.headers(), timeout=10).status_code == 200
