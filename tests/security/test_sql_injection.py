"""SQL-injection strings in every path parameter, query parameter and body field of every operation the
OpenAPI document lists (and in a token's subject): each answer is a JSON 2xx/4xx, never a 5xx, and
afterwards every chat_ table and the seeded people's data are still there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import Engine, text
from support.api import Api, bearer
from support.security import ADMIN, ALICE, BOB

INJECTIONS = [
    "'; DROP TABLE chat_users; --",
    "' OR '1'='1",
    '" OR ""="',
    "1; DELETE FROM chat_documents WHERE true; --",
    "x' UNION SELECT user_id, text FROM chat_document_chunks --",
    "admin'--",
    "$$; TRUNCATE chat_messages CASCADE; $$",
    "1) OR pg_sleep(0) IS NULL --",
    "%' OR 1=1 --",
    "nul\x00byte",
    "\\'; DROP TABLE chat_feedback; --",
]

BASELINE: dict[str, Any] = {
    "question": "Which careers fit me?",
    "rating": 4,
    "comment": "useful",
    "user_id": ALICE,
    "session_id": "sec-session-1",
    "completed_at": datetime(2030, 1, 1, tzinfo=UTC).isoformat(),
}
PATH_BASELINE = {
    "user_id": ALICE,
    "job_id": "1",
    "name": "prompt",
    "staff_id": "sec-counsellor",
    "conversation_id": "00000000-0000-0000-0000-000000000000",
}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _cases(spec: dict[str, Any], message_id: int) -> Iterator[tuple[str, str, str, dict[str, Any] | None, str]]:
    """(method, path, query string, json body, what was injected) for every injectable place."""
    for template, operations in spec["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            path_names = [p["name"] for p in params if p["in"] == "path"]
            query_names = [p["name"] for p in params if p["in"] == "query"]
            body_schema = None
            if "requestBody" in op:
                body_schema = _resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
            body = None
            if body_schema is not None:
                values = {**BASELINE, "message_id": message_id}
                body = {k: v for k, v in values.items() if k in body_schema["properties"]}

            plain = _fill(template, path_names, {})
            for attack in INJECTIONS:
                for name in path_names:
                    yield method, _fill(template, path_names, {name: attack}), "", body, f"path {name}"
                for name in query_names:
                    yield method, plain, f"?{name}={quote(attack, safe='')}", body, f"query {name}"
                for name in (body_schema or {}).get("properties", {}):
                    yield method, plain, "", {**(body or {}), name: attack}, f"body {name}"


def _fill(template: str, names: list[str], override: dict[str, str]) -> str:
    path = template
    for name in names:
        path = path.replace(f"{{{name}}}", quote(override.get(name, PATH_BASELINE[name]), safe=""))
    return path


@pytest.fixture(scope="module")
def seeded_message(security_api: Api) -> int:
    r = requests.post(
        f"{security_api.url}/chat/question",
        json={"question": "What are my strengths?"},
        headers=security_api.headers(ALICE),
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["message_id"])


def _table_state(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'chat\\_%'")
        ).scalars()
        people = conn.execute(
            text("SELECT user_id, count(*) FROM chat_documents WHERE user_id IN (:a, :b) GROUP BY user_id"),
            {"a": ALICE, "b": BOB},
        ).all()
        messages = conn.execute(text("SELECT count(*) FROM chat_messages WHERE user_id = :a"), {"a": ALICE})
        return {"tables": sorted(tables), "documents": dict(people), "alice_messages": messages.scalar_one()}


def test_injection_everywhere_gives_4xx_or_2xx_and_leaves_tables_intact(
    security_api: Api, engine: Engine, seeded_message: int
) -> None:
    spec = requests.get(f"{security_api.url}/openapi.json", timeout=10).json()
    before = _table_state(engine)
    # each route as the caller it is meant for: the service key for events, the person for chat
    callers = {
        "events": security_api.service,
        "chat": security_api.headers(ALICE),
        "admin": security_api.headers(ADMIN, role="admin"),
        "users": security_api.headers(ADMIN, role="admin"),
        "jobs": security_api.headers(ADMIN, role="admin"),
        "counsellor": security_api.headers(ADMIN, role="admin"),
    }
    failures: list[str] = []
    sent = 0
    for method, path, query, body, where in _cases(spec, seeded_message):
        headers = callers.get(path.split("/")[1], {})
        r = requests.request(method, f"{security_api.url}{path}{query}", json=body, headers=headers, timeout=60)
        sent += 1
        # answers are JSON (or an SSE stream); the cohort's CSV export is CSV when it succeeds
        kinds = ("application/json", "text/event-stream") + (("text/csv",) if path.endswith(".csv") else ())
        is_json = r.headers.get("Content-Type", "").startswith(kinds)
        if r.status_code >= 500 or not is_json:
            failures.append(f"{method.upper()} {path}{query} [{where}] -> {r.status_code} {r.text[:200]}")
    assert sent > 100
    assert not failures, "\n".join(failures[:20])
    after = _table_state(engine)
    assert after["tables"] == before["tables"]
    assert after["documents"] == before["documents"] == {ALICE: 4, BOB: 4}
    assert after["alice_messages"] >= before["alice_messages"]
    with engine.connect() as conn:  # what was accepted is stored verbatim, as data
        comment = conn.execute(
            text("SELECT comment FROM chat_feedback WHERE message_id = :m"), {"m": seeded_message}
        ).scalar_one()
    assert comment in INJECTIONS
    metrics = requests.get(f"{security_api.url}/metrics", timeout=10).text
    assert "aptichat_unhandled_errors_total 0" in metrics


@pytest.mark.parametrize("subject", INJECTIONS[:5])
def test_injection_in_the_token_subject_is_just_an_unknown_person(
    security_api: Api, engine: Engine, subject: str
) -> None:
    before = _table_state(engine)
    headers = bearer(security_api.settings, subject)
    for method, path, body in [
        ("post", "/chat/question", {"question": "Which careers fit me?"}),
        ("get", "/chat/history", None),
        ("get", f"/users/{quote(subject, safe='')}/profile", None),
        ("delete", f"/users/{quote(subject, safe='')}", None),
    ]:
        r = requests.request(method, f"{security_api.url}{path}", json=body, headers=headers, timeout=60)
        assert r.status_code in (401, 403, 404, 422), (path, r.status_code, r.text)
    assert _table_state(engine) == before
