"""Rate limits (429 JSON with Retry-After), oversized and malformed bodies, and proof that bad
requests neither reach the catch-all 500 handler nor change what is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import Engine, func, select
from support.api import ALICE, BOB, Api, app_config, serve

from aptichat.db.models import ChatEtlJob, ChatFeedback, ChatMessage
from aptichat.settings import Settings
from aptichat_api import metrics


@pytest.fixture(scope="module")
def strict_api(settings: Settings, people: dict[str, str]) -> Iterator[Api]:
    """A second app with small budgets: 5 requests per user and 8 per address, per minute."""
    from aptichat_api.app import create_app

    app = create_app(
        app_config(settings, RATE_LIMIT_USER="5/minute", RATE_LIMIT_IP="8/minute", MAX_CONTENT_LENGTH=2048)
    )
    with serve(app) as url:
        yield Api(url, settings)


def test_per_user_limit_gives_429_json_with_retry_after(strict_api: Api) -> None:
    url = f"{strict_api.url}/users/{ALICE}/profile"
    statuses = [requests.get(url, headers=strict_api.headers(), timeout=10).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    r = requests.get(url, headers=strict_api.headers(), timeout=10)
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # another person has their own budget (the address budget of 8 is not spent yet by bob)
    assert requests.get(f"{strict_api.url}/users/{BOB}/profile", headers=strict_api.headers(BOB), timeout=10).ok


def test_per_address_limit_covers_anonymous_callers_and_spares_probes(strict_api: Api) -> None:
    statuses = [requests.get(f"{strict_api.url}/chat/history", timeout=10).status_code for _ in range(10)]
    assert 429 in statuses and set(statuses) <= {401, 429}
    assert requests.get(f"{strict_api.url}/healthz", timeout=10).status_code == 200
    assert requests.get(f"{strict_api.url}/metrics", timeout=10).status_code == 200


@pytest.mark.parametrize("path", ["/chat/question", "/chat/stream", "/chat/feedback", "/events/test-completed"])
def test_oversized_body_is_413(api: Api, path: str) -> None:
    body = b'{"question": "' + b"x" * (65 * 1024) + b'"}'
    headers = {**api.headers(), **api.service} if path.startswith("/events") else api.headers()
    headers = {k: v for k, v in headers.items() if not (path.startswith("/events") and k == "Authorization")}
    r = requests.post(api.url + path, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


BAD_BODIES: list[tuple[str, bytes | str, str]] = [
    ("empty", b"", "malformed_json"),
    ("not json", b"{question: hi", "malformed_json"),
    ("array", b"[1, 2]", "invalid_request"),
    ("string", b'"hello"', "invalid_request"),
    ("null", b"null", "invalid_request"),
    ("missing question", b"{}", "invalid_request"),
    ("number question", b'{"question": 5}', "invalid_request"),
    ("unknown field", b'{"question": "hi", "admin": true}', "invalid_request"),
    ("nul in text", b'{"question": "hi\\u0000there"}', "invalid_request"),
    ("lone surrogate", b'{"question": "\\ud800"}', "malformed_json"),
    ("too long", ('{"question": "' + "a" * 2001 + '"}').encode(), "invalid_request"),
    ("bad utf-8", b'{"question": "\xff\xfe"}', "malformed_json"),
    ("deep nesting", b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}", "malformed_json"),
    ("conversation id type", b'{"question": "hi", "conversation_id": 7}', "invalid_request"),
]


@pytest.mark.parametrize(("raw", "code"), [(b, c) for _, b, c in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES])
@pytest.mark.parametrize("path", ["/chat/question", "/chat/stream", "/chat/feedback"])
def test_malformed_bodies_are_4xx_json(api: Api, path: str, raw: bytes, code: str) -> None:
    headers = {**api.headers(), "Content-Type": "application/json"}
    r = requests.post(api.url + path, data=raw, headers=headers, timeout=30)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    if path != "/chat/feedback" or code == "malformed_json":
        assert error["code"] == code, error
    assert "Traceback" not in r.text


def test_weird_paths_and_queries_are_4xx(api: Api) -> None:
    admin = api.headers("root", role="admin")
    cases = [
        ("GET", "/users/%00/profile"),
        ("GET", "/users/" + "x" * 5000 + "/profile"),
        ("GET", "/users/%F0%9F%98%80/documents?type=%00"),
        ("GET", "/chat/history?limit=-1"),
        ("GET", "/chat/history?limit=abc"),
        ("GET", f"/chat/history?before={2**80}"),
        ("GET", "/chat/history?conversation_id=%00"),
        ("GET", "/jobs/-1"),
        ("GET", "/admin/analytics/quality?days=1e9"),
        ("GET", "/admin/experiments/%00"),
    ]
    for method, path in cases:
        r = requests.request(method, api.url + path, headers=admin, timeout=10)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
        assert r.json()["error"]["code"]


def test_bad_requests_change_nothing_stored(api: Api, engine: Engine) -> None:
    def snapshot() -> tuple[int, int, int]:
        with engine.connect() as conn:
            return (
                conn.execute(select(func.count()).select_from(ChatMessage)).scalar_one(),
                conn.execute(select(func.count()).select_from(ChatFeedback)).scalar_one(),
                conn.execute(select(func.count()).select_from(ChatEtlJob)).scalar_one(),
            )

    before = snapshot()
    headers = {**api.headers(), "Content-Type": "application/json"}
    for path in ("/chat/question", "/chat/feedback", f"/users/{BOB}/reprocess"):
        for raw in (b"{", b'{"question": ""}', b'{"message_id": 1, "rating": 9}'):
            requests.post(api.url + path, data=raw, headers=headers, timeout=10)
    requests.delete(f"{api.url}/users/{BOB}", headers=headers, timeout=10)  # alice may not erase bob
    requests.post(f"{api.url}/events/test-completed", data=b'{"user_id": ""}', headers=api.service, timeout=10)
    assert snapshot() == before
    assert requests.get(f"{api.url}/users/{BOB}/profile", headers=api.headers(BOB), timeout=10).status_code == 200


def test_nothing_reached_the_catch_all_handler(api: Api) -> None:
    """Runs after the other API tests of this process (alphabetical module order puts the
    schemathesis run after it, and that test asserts the same on its own)."""
    assert metrics.counter_value(metrics.UNHANDLED_ERRORS) == 0
