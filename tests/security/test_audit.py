"""The audit trail of admin actions: staff reading another person's profile or documents, erasing or
reprocessing them, each leave one row (who, what, the person's salted hash, the request id) in the
same transaction; a person's own reads leave none; rows hold no content; only admins read the trail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from support.api import Auth, app_config
from support.security import ADMIN, ALICE, BOB, CANARY

from aptichat import logs
from aptichat.settings import Settings


@pytest.fixture(scope="module")
def client(settings: Settings, security_people: dict[str, str]) -> FlaskClient:
    from aptichat_api.app import create_app

    return create_app(app_config(settings)).test_client()


@pytest.fixture(scope="module")
def auth(settings: Settings) -> Auth:
    return Auth(settings)


def request_id() -> str:
    return f"audit-test-{uuid.uuid4().hex}"


def rows_of(engine: Engine, rid: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM chat_audit_log WHERE request_id = :rid ORDER BY id"), {"rid": rid})
        return [dict(row._mapping) for row in result]


def call(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    rid = request_id()
    r = client.open(path, method=method, headers={**headers, "X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid
    return r.status_code, rid


def test_admin_reading_someone_elses_documents_leaves_one_row(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    status, rid = call(client, "GET", f"/users/{BOB}/documents", auth.headers(ADMIN, "admin"))
    assert status == 200
    (row,) = rows_of(engine, rid)
    assert (row["actor"], row["actor_role"], row["action"]) == (ADMIN, "admin", "documents.read")
    assert row["target_user_hash"] == logs.hash_user(BOB)
    status, rid = call(client, "GET", f"/users/{BOB}/profile", auth.headers(ADMIN, "admin"))
    assert status == 200 and [r["action"] for r in rows_of(engine, rid)] == ["profile.read"]


def test_rows_hold_no_content_and_no_person_id(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    status, rid = call(client, "GET", f"/users/{BOB}/documents", auth.headers(ADMIN, "admin"))
    assert status == 200
    with engine.connect() as conn:
        dumped = conn.execute(
            text("SELECT row_to_json(a)::text FROM chat_audit_log a WHERE request_id = :rid"), {"rid": rid}
        ).scalar_one()
        columns = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'chat_audit_log'")
        ).scalars()
        assert set(columns) == {"id", "at", "actor", "actor_role", "action", "target_user_hash", "request_id"}
    assert CANARY not in dumped and "ZEBRA" not in dumped  # bob's chunks carry the canary
    assert BOB not in dumped


def test_own_reads_and_refused_reads_leave_no_row(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    for path in (f"/users/{ALICE}/documents", f"/users/{ALICE}/profile"):
        status, rid = call(client, "GET", path, auth.headers(ALICE))
        assert status == 200 and rows_of(engine, rid) == []
    status, rid = call(client, "GET", f"/users/{BOB}/documents", auth.headers(ALICE))  # not hers: 403
    assert status == 403 and rows_of(engine, rid) == []
    status, rid = call(client, "GET", "/users/nobody-at-all/documents", auth.headers(ADMIN, "admin"))  # 404
    assert status == 404 and rows_of(engine, rid) == []


def test_reprocess_and_erasure_by_an_admin_are_recorded(
    client: FlaskClient, auth: Auth, engine: Engine, settings: Settings
) -> None:
    from support.api import seed_person

    status, rid = call(client, "POST", f"/users/{ALICE}/reprocess", auth.headers(ADMIN, "admin"))
    assert status == 202
    assert [(r["action"], r["actor"]) for r in rows_of(engine, rid)] == [("user.reprocess", ADMIN)]
    status, rid = call(client, "POST", f"/users/{ALICE}/reprocess", auth.headers(ALICE))  # her own: not audited
    assert status == 200 and rows_of(engine, rid) == []  # 200: the admin's request is still open (issue 15)

    doomed = f"sec-audit-{uuid.uuid4().hex[:8]}"
    seed_person(engine, settings, doomed)
    status, rid = call(client, "DELETE", f"/users/{doomed}", auth.headers(ADMIN, "admin"))
    assert status == 200
    (row,) = rows_of(engine, rid)
    assert row["action"] == "user.erase" and row["target_user_hash"] == logs.hash_user(doomed)
    with engine.connect() as conn:  # the row outlives the person and does not name them
        dumped = conn.execute(text("SELECT row_to_json(a)::text FROM chat_audit_log a WHERE id = :id"), row)
        assert doomed not in dumped.scalar_one()


def test_the_trail_is_for_admins_only(client: FlaskClient, auth: Auth) -> None:
    assert client.get("/admin/audit").status_code == 401
    assert client.get("/admin/audit", headers=auth.headers(ALICE)).status_code == 403
    assert client.get("/admin/audit", headers=auth.service).status_code == 403
    assert client.get("/admin/audit", headers=auth.headers(ADMIN, "admin")).status_code == 200


def test_admins_filter_and_page_the_trail(client: FlaskClient, auth: Auth) -> None:
    admin = auth.headers(ADMIN, "admin")
    started = datetime.now(UTC) - timedelta(seconds=1)
    for path in (f"/users/{BOB}/documents", f"/users/{BOB}/profile", f"/users/{BOB}/documents"):
        assert client.get(path, headers=admin).status_code == 200
    r = client.get(
        "/admin/audit", query_string={"action": "documents.read", "since": started.isoformat()}, headers=admin
    )
    assert r.status_code == 200
    body = r.get_json()
    assert len(body["entries"]) >= 2 and {e["action"] for e in body["entries"]} == {"documents.read"}
    assert all(datetime.fromisoformat(e["at"]) >= started for e in body["entries"])
    assert [e["id"] for e in body["entries"]] == sorted((e["id"] for e in body["entries"]), reverse=True)
    # by person: the server hashes the id it is given
    r = client.get("/admin/audit", query_string={"user_id": BOB, "limit": 1}, headers=admin)
    first = r.get_json()
    assert [e["target_user_hash"] for e in first["entries"]] == [logs.hash_user(BOB)]
    assert first["next_before"] == first["entries"][0]["id"]
    r = client.get(
        "/admin/audit", query_string={"user_id": BOB, "limit": 1, "before": first["next_before"]}, headers=admin
    )
    assert r.get_json()["entries"][0]["id"] < first["entries"][0]["id"]
    # a person nobody acted on has an empty trail; unknown actions are refused
    r = client.get("/admin/audit", query_string={"user_id": "never-touched"}, headers=admin)
    assert r.get_json() == {"entries": [], "next_before": None}
    assert client.get("/admin/audit?action=documents.write", headers=admin).status_code == 422
