"""Every endpoint x every kind of caller: anonymous, the person, another person, an admin, the
service key, an expired token and a tampered token."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
from support.api import ADMIN, ALICE, BOB, Api, token

from aptichat.secrets import secret_value

# (method, path, json body, who may call it: a set of caller kinds that get a 2xx)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/chat/question", {"question": "What are my strengths?"}, {"self", "other", "admin"}),
    ("POST", "/chat/stream", {"question": "What are my strengths?"}, {"self", "other", "admin"}),
    ("GET", "/chat/history", None, {"self", "other", "admin"}),
    ("GET", f"/users/{ALICE}/profile", None, {"self", "admin"}),
    ("GET", f"/users/{ALICE}/documents", None, {"self", "admin"}),
    ("POST", f"/users/{ALICE}/reprocess", None, {"self", "admin"}),
    ("GET", f"/users/{ALICE}/status", None, {"self", "admin"}),
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
    ("GET", "/healthz", None, {"anonymous", "self", "other", "admin", "service", "expired", "tampered"}),
]
CALLERS = ["anonymous", "self", "other", "admin", "service", "expired", "tampered"]


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
    user = {"self": ALICE, "other": BOB, "admin": ADMIN}[caller]
    return api.headers(user, role="admin" if caller == "admin" else "user")


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
    assert r.status_code in _expected(caller, allowed), (r.status_code, r.text[:300])
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
