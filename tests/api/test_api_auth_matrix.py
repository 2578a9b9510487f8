"""Every endpoint x every kind of caller: anonymous, the person, another person, an admin, the
service key, an expired token, a tampered token, the person's counsellor and a counsellor who is not
theirs. `test_every_route_is_in_the_matrix` fails when a view of the app's url_map is in no matrix."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
from flask import Flask
from sqlalchemy import Engine
from support.api import ADMIN, ALICE, BOB, Api, token

from aptichat.secrets import secret_value

# the staff of the matrix: COUNSELLOR_OF has alice among their students, COUNSELLOR_NOT_OF nobody
COUNSELLOR_OF, COUNSELLOR_NOT_OF, SPARE = "matrix-couns-of", "matrix-couns-not", "matrix-couns-spare"
STAFF = {"counsellor_of", "counsellor_not_of"}
NAME_A_PERSON = {"/chat/history"}
SIGNED_IN = {"self", "other", "admin", "counsellor_of", "counsellor_not_of"}

# (method, path, json body, who may call it: a set of caller kinds that get a 2xx)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/chat/question", {"question": "What are my strengths?"}, {"self", "other", "admin"}),
    ("POST", "/chat/stream", {"question": "What are my strengths?"}, {"self", "other", "admin"}),
    ("GET", "/chat/history", None, {"self", "other", "admin"}),
    # staff read a person's conversations; alice does not share hers, so not her counsellor either
    ("GET", f"/chat/history?user_id={ALICE}", None, {"self", "admin"}),
    ("GET", f"/chat/conversations?user_id={ALICE}", None, {"self", "admin"}),
    ("GET", f"/users/{ALICE}/profile", None, {"self", "admin", "counsellor_of"}),
    ("GET", f"/users/{ALICE}/documents", None, {"self", "admin", "counsellor_of"}),
    ("GET", f"/users/{ALICE}/documents/history", None, {"self", "admin", "counsellor_of"}),
    ("POST", f"/users/{ALICE}/reprocess", None, {"self", "admin"}),
    ("GET", f"/users/{ALICE}/status", None, {"self", "admin", "counsellor_of"}),
    ("GET", f"/users/{ALICE}/settings", None, {"self", "admin"}),
    ("PUT", f"/users/{ALICE}/settings", {"share_conversations": False}, {"self", "admin"}),
    ("GET", "/counsellor/students", None, {"admin", *STAFF}),
    ("GET", "/counsellor/cohort", None, {"admin", *STAFF}),
    ("GET", "/counsellor/cohort.csv", None, {"admin", *STAFF}),
    ("GET", "/admin/counsellors", None, {"admin"}),
    ("PUT", f"/admin/counsellors/{SPARE}/students", {"user_ids": []}, {"admin"}),
    ("GET", "/admin/safety/flags", None, {"admin"}),
    ("GET", "/auth/me", None, SIGNED_IN),
    ("POST", "/auth/signout", None, {"anonymous", "service", "expired", "tampered", *SIGNED_IN}),
    ("GET", "/admin/etl/jobs", None, {"admin"}),
    ("GET", "/admin/analytics/questions", None, {"admin"}),
    ("GET", "/admin/analytics/quality", None, {"admin"}),
    ("GET", "/admin/experiments/prompt", None, {"admin"}),
    ("GET", "/admin/audit", None, {"admin"}),
    (
        "POST",
        "/events/test-completed",
        {"user_id": ALICE, "session_id": "s-matrix", "completed_at": "2026-01-01T00:00:00Z"},
        {"service"},
    ),
    ("GET", "/healthz", None, {"anonymous", "self", "other", "admin", "service", "expired", "tampered", *STAFF}),
]
CALLERS = [
    "anonymous",
    "self",
    "other",
    "admin",
    "service",
    "expired",
    "tampered",
    "counsellor_of",
    "counsellor_not_of",
]

# Views whose authorization is proven by other tests (named here), since the matrix's generic call
# does not fit them: public pages and probes, a WebSocket, a one-time code's exchange, a launch code.
ELSEWHERE = {
    ("pages.chat_page", "GET"): "public page (test_public_pages_and_probes)",
    ("pages.docs_page", "GET"): "public page (test_public_pages_and_probes)",
    ("pages.openapi_json", "GET"): "public (test_public_pages_and_probes)",
    ("health.readyz", "GET"): "public probe (test_public_pages_and_probes)",
    ("health.prometheus", "GET"): "public scrape (test_public_pages_and_probes)",
    ("static", "GET"): "the pages' files (test_public_pages_and_probes)",
    ("chat_ws.websocket", "GET"): "tests/api/test_api_chat.py WebSocket tests: token frame or handshake header",
    ("session.exchange", "POST"): "public; tests/api/test_api_session.py: the code is the credential",
    ("session.refresh", "POST"): "test_refresh_needs_a_browser_session here; test_api_session.py with the cookie",
    ("session.launch", "GET"): "public; tests/api/test_api_session.py: the signed code is the credential",
}


def _headers(api: Api, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "service":
        return api.service
    if caller == "expired":
        claims = {"sub": ALICE, "role": "user", "exp": int(time.time()) - 3600}
        return {
            "Authorization": "Bearer " + jwt.encode(claims, secret_value(api.settings, "jwt_secret"), algorithm="HS256")
        }
    if caller == "tampered":
        head, _payload, sig = token(api.settings, ALICE).split(".")
        forged = jwt.encode({"sub": ALICE, "role": "admin", "exp": int(time.time()) + 60}, "wrong-key-" * 4)
        return {"Authorization": f"Bearer {head}.{forged.split('.')[1]}.{sig}"}
    if caller in STAFF:
        return api.headers(COUNSELLOR_OF if caller == "counsellor_of" else COUNSELLOR_NOT_OF, role="counsellor")
    user = {"self": ALICE, "other": BOB, "admin": ADMIN}[caller]
    return api.headers(user, role="admin" if caller == "admin" else "user")


@pytest.fixture(scope="module", autouse=True)
def matrix_staff(engine: Engine, people: dict[str, str]) -> None:
    """The matrix's counsellors (COUNSELLOR_OF has alice) and a spare one for the assignment route."""
    from aptichat.db.engine import session_scope
    from aptichat_api import counsellors
    from aptichat_api.sessions import ensure_staff

    with session_scope(engine) as session:
        for staff_id in (COUNSELLOR_OF, COUNSELLOR_NOT_OF, SPARE):
            ensure_staff(session, staff_id, "counsellor")
        counsellors.assign(session, COUNSELLOR_OF, [ALICE], "matrix")


def _expected(caller: str, allowed: set[str]) -> set[int]:
    if caller in allowed:
        return {200, 202}
    if caller in ("anonymous", "expired", "tampered"):
        return {401}
    return {403}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_authorization_matrix(
    api: Api, caller: str, method: str, path: str, body: dict[str, Any] | None, allowed: set[str]
) -> None:
    r = requests.request(method, api.url + path, json=body, headers=_headers(api, caller), timeout=60)
    # staff have no conversations of their own: they name the person (?user_id=), else 422 user_id_required
    expected = {422} if caller in STAFF and path in NAME_A_PERSON else _expected(caller, allowed)
    assert r.status_code in expected, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        error = r.json()["error"]
        assert set(error) == {"code", "message", "details"}
        if caller == "expired":
            assert error["code"] == "token_expired"
        elif caller == "tampered":
            assert error["code"] == "invalid_token"


@pytest.mark.parametrize("caller", CALLERS)
def test_matrix_for_jobs_feedback_and_erase(api: Api, caller: str) -> None:
    """Endpoints that need something to exist first: a job of alice, an answer of alice, a person."""
    job_id = requests.post(f"{api.url}/users/{ALICE}/reprocess", headers=api.headers(), timeout=10).json()["job_id"]
    r = requests.get(f"{api.url}/jobs/{job_id}", headers=_headers(api, caller), timeout=10)
    assert r.status_code in _expected(caller, {"self", "admin", "service"})

    answer = requests.post(f"{api.url}/chat/question", json={"question": "hi"}, headers=api.headers(), timeout=60)
    body = {"message_id": answer.json()["message_id"], "rating": 3}
    r = requests.post(f"{api.url}/chat/feedback", json=body, headers=_headers(api, caller), timeout=10)
    expected = _expected(caller, {"self"})
    if caller in ("other", "admin"):
        expected = {404}  # someone else's message is reported as missing
    assert r.status_code in expected

    # erasure of a person nobody has seeded: the owner and admins reach it (404), the rest do not
    r = requests.delete(f"{api.url}/users/ghost-{caller}", headers=_headers(api, caller), timeout=10)
    assert r.status_code in ({404} if caller == "admin" else _expected(caller, set()))

    # an admin retries a job; nobody else may
    r = requests.post(f"{api.url}/admin/etl/jobs/{job_id}/retry", headers=_headers(api, caller), timeout=10)
    assert r.status_code in _expected(caller, {"admin"})


@pytest.mark.parametrize("caller", CALLERS)
def test_matrix_for_conversations_and_assignments(api: Api, caller: str) -> None:
    """Routes on something of alice's: her conversation (rename, delete), her assignment to a counsellor."""
    answer = requests.post(f"{api.url}/chat/question", json={"question": "hi"}, headers=api.headers(), timeout=60)
    cid = answer.json()["conversation_id"]
    headers = _headers(api, caller)
    # chat speaks for the token's own person: anyone else's conversation is missing, not forbidden
    own_or_missing = {"self": {200}, "other": {404}, "admin": {404}}
    r = requests.patch(f"{api.url}/chat/conversations/{cid}", json={"title": "t"}, headers=headers, timeout=10)
    assert r.status_code in own_or_missing.get(caller, _expected(caller, set())), (r.status_code, r.text[:200])
    r = requests.delete(f"{api.url}/chat/conversations/{cid}", headers=headers, timeout=10)
    assert r.status_code in own_or_missing.get(caller, _expected(caller, set())), (r.status_code, r.text[:200])
    # one's own list: people and admins; staff must name a person (422 user_id_required)
    r = requests.get(f"{api.url}/chat/conversations", headers=headers, timeout=10)
    expected = {422} if caller in STAFF else _expected(caller, {"self", "other", "admin"})
    assert r.status_code in expected, (r.status_code, r.text[:200])

    admin = api.headers(ADMIN, role="admin")
    requests.put(f"{api.url}/admin/counsellors/{SPARE}/students", json={"user_ids": [BOB]}, headers=admin, timeout=10)
    r = requests.delete(f"{api.url}/admin/counsellors/{SPARE}/students/{BOB}", headers=headers, timeout=10)
    assert r.status_code in _expected(caller, {"admin"}), (r.status_code, r.text[:200])


@pytest.mark.parametrize("caller", CALLERS)
def test_refresh_needs_a_browser_session(api: Api, caller: str) -> None:
    """Bearer tokens have no session to refresh (403 no_session); the cookie's case: test_api_session.py."""
    r = requests.post(f"{api.url}/auth/refresh", headers=_headers(api, caller), timeout=10)
    assert r.status_code in _expected(caller, set()), (r.status_code, r.text[:200])
    if caller in SIGNED_IN:
        assert r.json()["error"]["code"] == "no_session"


@pytest.mark.parametrize("caller", ["anonymous", "self", "service", "tampered"])
def test_public_pages_and_probes(api: Api, caller: str) -> None:
    """The pages, the reference, the spec and the probes answer whoever asks (and never with data)."""
    for path in ("/", "/chat", "/counsellor", "/admin", "/documents", "/docs", "/openapi.json", "/readyz", "/metrics"):
        r = requests.get(api.url + path, headers=_headers(api, caller), timeout=30)
        assert r.status_code == 200, (path, r.status_code)


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    """Each view of the app (every rule's endpoint and method) is called by a matrix above, or named in
    ELSEWHERE with the test that proves its authorization. A new route fails here until it is added."""
    from urllib.parse import urlparse

    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(urlparse(path).path, method=method)[0], method) for method, path, _, _ in ENDPOINTS}
    covered |= {
        ("jobs.job", "GET"),
        ("feedback.feedback", "POST"),
        ("users.erase", "DELETE"),
        ("admin.retry_etl_job", "POST"),
        ("conversations.rename", "PATCH"),
        ("conversations.delete_conversation", "DELETE"),
        ("conversations.conversations", "GET"),
        ("admin.unassign_student", "DELETE"),
    }
    views = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    missing = sorted(views - covered - set(ELSEWHERE))
    assert not missing, f"routes in no authorization matrix: {missing}"
    assert not set(ELSEWHERE) - views, "ELSEWHERE names a view that no longer exists"
