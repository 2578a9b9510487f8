"""The counsellor role (issue 17): an admin assigns students; a counsellor reads only theirs (state,
documents, and conversations only when the student shares them); the cohort view and its CSV; every
counsellor read in the audit trail."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from support.api import ADMIN, BOB, Auth, seed_person

from aptichat import logs
from aptichat.db import etl_jobs
from aptichat.db.engine import session_scope
from aptichat.db.repository import repository_scope
from aptichat.settings import Settings
from aptichat_api.sessions import ensure_staff


def _staff(engine: Engine, role: str = "counsellor", name: str | None = None) -> str:
    staff_id = f"{role[:4]}-{uuid.uuid4().hex[:8]}"
    with session_scope(engine) as s:
        ensure_staff(s, staff_id, role, name)
    return staff_id


def _person(engine: Engine, settings: Settings, prefix: str) -> str:
    person = f"{prefix}-{uuid.uuid4().hex[:8]}"
    seed_person(engine, settings, person)
    return person


@pytest.fixture
def cohort(client: FlaskClient, auth: Auth, engine: Engine, settings: Settings) -> dict[str, str]:
    """A counsellor with two students who have results, one whose test was rejected, and another
    counsellor with none."""
    ready, other = _person(engine, settings, "stu"), _person(engine, settings, "stu")
    rejected = f"rej-{uuid.uuid4().hex[:8]}"
    etl_jobs.record_rejected(engine, f"sess-{rejected}", rejected, "too many unanswered items")
    with repository_scope(engine) as repo:
        repo.ensure_user(rejected, display_name='=HYPERLINK("http://x")')  # a hostile name for the CSV
    mine, theirs = _staff(engine, name="Ms Lee"), _staff(engine)
    admin = auth.headers(ADMIN, "admin")
    r = client.put(f"/admin/counsellors/{mine}/students", json={"user_ids": [ready, other, rejected]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json == {"staff_id": mine, "display_name": "Ms Lee", "students": sorted([ready, other, rejected])}
    return {"mine": mine, "theirs": theirs, "ready": ready, "other": other, "rejected": rejected}


def test_admin_assigns_and_removes(client: FlaskClient, auth: Auth, cohort: dict[str, str]) -> None:
    admin = auth.headers(ADMIN, "admin")
    listed = {c["staff_id"]: c for c in client.get("/admin/counsellors", headers=admin).json["counsellors"]}
    assert listed[cohort["mine"]]["students"] == sorted([cohort["ready"], cohort["other"], cohort["rejected"]])
    assert listed[cohort["theirs"]]["students"] == []
    bad = client.put(f"/admin/counsellors/{cohort['mine']}/students", json={"user_ids": ["ghost-1"]}, headers=admin)
    assert bad.status_code == 422 and bad.json["error"]["details"] == {"user_ids": ["ghost-1"]}
    none = client.put("/admin/counsellors/nobody/students", json={"user_ids": []}, headers=admin)
    assert none.status_code == 404 and none.json["error"]["code"] == "counsellor_not_found"
    r = client.delete(f"/admin/counsellors/{cohort['mine']}/students/{cohort['other']}", headers=admin)
    assert r.status_code == 200 and cohort["other"] not in r.json["students"]
    again = client.delete(f"/admin/counsellors/{cohort['mine']}/students/{cohort['other']}", headers=admin)
    assert again.status_code == 404 and again.json["error"]["code"] == "assignment_not_found"
    # only admins assign
    couns = auth.headers(cohort["mine"], "counsellor")
    assert (
        client.put(f"/admin/counsellors/{cohort['mine']}/students", json={"user_ids": []}, headers=couns).status_code
        == 403
    )
    assert client.get("/admin/counsellors", headers=auth.headers(cohort["ready"])).status_code == 403


def test_counsellor_reads_only_their_students(client: FlaskClient, auth: Auth, cohort: dict[str, str]) -> None:
    mine, theirs = auth.headers(cohort["mine"], "counsellor"), auth.headers(cohort["theirs"], "counsellor")
    student = cohort["ready"]
    for path in ("profile", "documents", "status", "documents/history"):
        assert client.get(f"/users/{student}/{path}", headers=mine).status_code == 200, path
        denied = client.get(f"/users/{student}/{path}", headers=theirs)
        assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
        assert client.get(f"/users/{BOB}/{path}", headers=mine).status_code == 403
    # reading is all: no reprocessing, erasing, settings or chatting for them
    assert client.post(f"/users/{student}/reprocess", headers=mine).status_code == 403
    assert client.delete(f"/users/{student}", headers=mine).status_code == 403
    assert client.get(f"/users/{student}/settings", headers=mine).status_code == 403
    assert client.post("/chat/question", json={"question": "hi"}, headers=mine).status_code == 403
    students = client.get("/counsellor/students", headers=mine).json["students"]
    by_id = {s["user_id"]: s for s in students}
    assert set(by_id) == {cohort["ready"], cohort["other"], cohort["rejected"]}
    assert by_id[student]["state"] == "ready" and by_id[student]["holland_code"] == "SIA"
    assert by_id[cohort["rejected"]]["state"] == "rejected" and by_id[cohort["rejected"]]["holland_code"] is None
    assert client.get("/counsellor/students", headers=theirs).json == {"students": []}
    other = client.get(f"/counsellor/students?staff_id={cohort['theirs']}", headers=mine)
    assert other.status_code == 403
    assert client.get("/counsellor/students", headers=auth.headers(student)).status_code == 403


def test_conversations_only_when_shared(
    client: FlaskClient, auth: Auth, engine: Engine, cohort: dict[str, str]
) -> None:
    student, mine = cohort["ready"], auth.headers(cohort["mine"], "counsellor")
    answer = client.post("/chat/question", json={"question": "What fits me?"}, headers=auth.headers(student)).json
    cid = answer["conversation_id"]
    for path in (f"/chat/conversations?user_id={student}", f"/chat/history?user_id={student}&conversation_id={cid}"):
        r = client.get(path, headers=mine)
        assert r.status_code == 403 and r.json["error"]["code"] == "not_shared", path
    shared = client.put(f"/users/{student}/settings", json={"share_conversations": True}, headers=auth.headers(student))
    assert shared.status_code == 200
    listed = client.get(f"/chat/conversations?user_id={student}", headers=mine)
    assert listed.status_code == 200 and [c["conversation_id"] for c in listed.json["conversations"]] == [cid]
    history = client.get(f"/chat/history?user_id={student}&conversation_id={cid}", headers=mine)
    assert history.status_code == 200 and [m["role"] for m in history.json["messages"]] == ["user", "assistant"]
    theirs = auth.headers(cohort["theirs"], "counsellor")
    assert client.get(f"/chat/conversations?user_id={student}", headers=theirs).status_code == 403
    # a counsellor cannot rename or delete, and has no conversations of their own
    assert client.delete(f"/chat/conversations/{cid}", headers=mine).status_code == 403
    assert client.get("/chat/conversations", headers=mine).status_code == 422
    # another student cannot read it either
    assert (
        client.get(f"/chat/conversations?user_id={student}", headers=auth.headers(cohort["other"])).status_code == 403
    )
    # the student turns sharing off: at once
    client.put(f"/users/{student}/settings", json={"share_conversations": False}, headers=auth.headers(student))
    assert client.get(f"/chat/conversations?user_id={student}", headers=mine).status_code == 403
    # the two shared reads are in the audit trail; the refused ones are not
    with engine.connect() as conn:
        reads = conn.execute(
            text(
                "SELECT count(*) FROM chat_audit_log "
                "WHERE actor = :a AND action = 'history.read' AND target_user_hash = :h"
            ),
            {"a": cohort["mine"], "h": logs.hash_user(student)},
        ).scalar_one()
    assert reads == 2


def test_cohort_and_csv(client: FlaskClient, auth: Auth, engine: Engine, cohort: dict[str, str]) -> None:
    mine = auth.headers(cohort["mine"], "counsellor")
    flagged = cohort["other"]
    answer = client.post("/chat/question", json={"question": "hi"}, headers=auth.headers(flagged)).json
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chat_safety_flags (user_id, conversation_id, message_id, category) "
                "SELECT user_id, conversation_id, id, 'distress' FROM chat_messages "
                "WHERE conversation_id = :c AND role = 'user'"
            ),
            {"c": answer["conversation_id"]},
        )
    r = client.get("/counsellor/cohort", headers=mine)
    assert r.status_code == 200, r.text
    body = r.json
    assert body["students"] == 3
    assert body["holland_codes"] == [{"key": "SIA", "count": 2, "share": round(2 / 3, 4)}]
    assert body["holland_letters"] == [{"key": "S", "count": 2, "share": round(2 / 3, 4)}]
    assert body["top_careers"][0] == {"key": "Educational and Career Counselor", "count": 2, "share": round(2 / 3, 4)}
    assert {m["key"] for m in body["top_majors"]} == {"Nursing", "Psychology"}
    assert body["states"] == {"ready": 2, "rejected": 1}
    attention = {a["user_id"]: a["reasons"] for a in body["needs_attention"]}
    assert attention == {cohort["rejected"]: ["rejected"], flagged: ["safety_flag"]}
    students = {s["user_id"]: s for s in client.get("/counsellor/students", headers=mine).json["students"]}
    assert students[flagged]["safety_flags"] == 1

    exported = client.get("/counsellor/cohort.csv", headers=mine)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    by_id = {row["user_id"]: row for row in rows}
    assert set(by_id) == {cohort["ready"], cohort["other"], cohort["rejected"]}
    assert (
        by_id[cohort["ready"]]["holland_code"] == "SIA" and "Registered Nurse" in by_id[cohort["ready"]]["top_careers"]
    )
    assert by_id[cohort["rejected"]]["display_name"].startswith("'=")  # not a formula in a spreadsheet
    # admins see every assigned student, or one counsellor's
    admin = auth.headers(ADMIN, "admin")
    one = client.get(f"/counsellor/cohort?staff_id={cohort['mine']}", headers=admin)
    assert one.status_code == 200 and one.json["students"] == 3
    assert client.get("/counsellor/cohort?staff_id=nobody", headers=admin).status_code == 404


def test_every_counsellor_read_is_audited(
    client: FlaskClient, auth: Auth, engine: Engine, cohort: dict[str, str]
) -> None:
    mine = auth.headers(cohort["mine"], "counsellor")
    student = cohort["ready"]
    for path in (f"/users/{student}/profile", f"/users/{student}/documents", f"/users/{student}/status"):
        assert client.get(path, headers=mine).status_code == 200
    assert client.get("/counsellor/students", headers=mine).status_code == 200
    assert client.get("/counsellor/cohort", headers=mine).status_code == 200
    assert client.get("/counsellor/cohort.csv", headers=mine).status_code == 200
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, actor_role, target_user_hash FROM chat_audit_log WHERE actor = :a"),
            {"a": cohort["mine"]},
        ).all()
    student_hash = logs.hash_user(student)
    mine_actions = sorted(a for a, role, h in rows if h == student_hash and role == "counsellor")
    assert mine_actions == sorted(
        ["profile.read", "documents.read", "status.read", "students.read", "cohort.read", "cohort.read"]
    )
    # each student of the cohort is a row of its read, never their id in clear
    assert {h for _a, _r, h in rows} == {
        logs.hash_user(u) for u in (cohort["ready"], cohort["other"], cohort["rejected"])
    }
    audit = client.get(f"/admin/audit?user_id={student}&action=status.read", headers=auth.headers(ADMIN, "admin"))
    assert audit.status_code == 200
    assert any(e["actor"] == cohort["mine"] and e["actor_role"] == "counsellor" for e in audit.json["entries"])
