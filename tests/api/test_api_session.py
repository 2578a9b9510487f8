"""Browser sign-in (issue 17): one-time sign-in codes exchanged for a session cookie, CSRF on the
cookie's state-changing requests, refresh, sign-out, and /launch with an RS256 code from the test
product (a key generated here)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from support.api import ALICE, BOB, Auth, app_config

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatSession, ChatSigninCode
from aptichat.settings import Settings
from aptichat_api.cli import signin_link
from aptichat_api.sessions import CSRF_COOKIE, SESSION_COOKIE, create_signin_code, digest


def _code(link: str) -> str:
    fragment = urlparse(link).fragment
    assert fragment.startswith("signin=")
    return fragment.removeprefix("signin=")


def _signed_in(client: FlaskClient, settings: Settings, **who: Any) -> dict[str, Any]:
    r = client.post("/auth/exchange", json={"code": _code(signin_link(settings, **who))})
    assert r.status_code == 200, r.text
    return r.json  # type: ignore[no-any-return]


def test_link_exchange_sets_an_httponly_strict_cookie_once(
    client: FlaskClient, settings: Settings, engine: Engine
) -> None:
    link = signin_link(settings, user_id=ALICE, url="http://example.test")
    assert link.startswith("http://example.test/#signin=")
    code = _code(link)
    with session_scope(engine) as s:  # only the hash is stored
        assert s.get(ChatSigninCode, digest(code)) is not None
        assert s.scalar(select(ChatSigninCode).where(ChatSigninCode.code_hash == code)) is None
    r = client.post("/auth/exchange", json={"code": code})
    assert r.status_code == 200, r.text
    body = r.json
    assert body["role"] == "user" and body["user_id"] == ALICE and body["staff_id"] is None
    assert body["source"] == "signin" and len(body["csrf_token"]) == 64
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=25) < expires - datetime.now(UTC) <= timedelta(minutes=31)
    cookies = r.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie and "Path=/" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" not in csrf_cookie and body["csrf_token"] in csrf_cookie
    assert r.headers["Cache-Control"] == "no-store"
    # single use: the second exchange fails, also from another browser
    again = client.application.test_client().post("/auth/exchange", json={"code": code})
    assert again.status_code == 401 and again.json["error"]["code"] == "invalid_signin_code"


def test_cookie_session_reaches_own_data_and_needs_csrf_to_change_things(
    client: FlaskClient, settings: Settings
) -> None:
    body = _signed_in(client, settings, user_id=ALICE)
    me = client.get("/auth/me")
    assert me.status_code == 200 and me.json["user_id"] == ALICE and me.json["csrf_token"] == body["csrf_token"]
    assert client.get(f"/users/{ALICE}/profile").status_code == 200
    assert client.get(f"/users/{BOB}/profile").status_code == 403
    # a state-changing request with the cookie alone (what a forged cross-site form would send) is refused
    no_csrf = client.post("/chat/question", json={"question": "What are my strengths?"})
    assert no_csrf.status_code == 403 and no_csrf.json["error"]["code"] == "csrf_failed"
    wrong = client.post("/chat/question", json={"question": "hi"}, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    ok = client.post(
        "/chat/question", json={"question": "What are my strengths?"}, headers={"X-CSRF-Token": body["csrf_token"]}
    )
    assert ok.status_code == 200, ok.text


def test_refresh_extends_and_signout_revokes(client: FlaskClient, settings: Settings, engine: Engine) -> None:
    body = _signed_in(client, settings, user_id=ALICE)
    token = client.get_cookie(SESSION_COOKIE)
    assert token is not None
    with session_scope(engine) as s:  # pretend the session is about to end
        s.execute(
            text("UPDATE chat_sessions SET expires_at = now() + interval '1 minute' WHERE token_hash = :h"),
            {"h": digest(token.value)},
        )
    assert client.post("/auth/refresh").status_code == 403  # CSRF needed here too
    r = client.post("/auth/refresh", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json["expires_at"]) - datetime.now(UTC) > timedelta(minutes=25)
    out = client.post("/auth/signout")
    assert out.status_code == 200 and out.json == {"signed_out": True}
    assert any(c.startswith(SESSION_COOKIE + "=;") for c in out.headers.getlist("Set-Cookie"))
    # the old cookie value no longer works anywhere: the session row is revoked
    stolen = client.application.test_client()
    stolen.set_cookie(SESSION_COOKIE, token.value)
    gone = stolen.get("/auth/me")
    assert gone.status_code == 401 and gone.json["error"]["code"] == "session_expired"
    with session_scope(engine) as s:
        row = s.scalar(select(ChatSession).where(ChatSession.token_hash == digest(token.value)))
        assert row is not None and row.revoked_at is not None


def test_expired_code_and_bearer_refresh(client: FlaskClient, engine: Engine, auth: Auth) -> None:
    with session_scope(engine) as s:
        code = create_signin_code(s, user_id=ALICE, ttl_s=-1)
    r = client.post("/auth/exchange", json={"code": code})
    assert r.status_code == 401 and r.json["error"]["code"] == "invalid_signin_code"
    assert client.post("/auth/exchange", json={"code": "short"}).status_code == 422
    # bearer clients are unchanged: no CSRF, and no session to refresh
    refresh = client.post("/auth/refresh", headers=auth.headers())
    assert refresh.status_code == 403 and refresh.json["error"]["code"] == "no_session"
    me = client.get("/auth/me", headers=auth.headers())
    assert me.status_code == 200 and me.json["source"] == "bearer" and me.json["csrf_token"] is None


def test_staff_links_sign_in_counsellors_and_admins(client: FlaskClient, settings: Settings) -> None:
    staff = f"couns-{uuid.uuid4().hex[:6]}"
    body = _signed_in(client, settings, staff_id=staff, role="counsellor", display_name="Ms Counsellor")
    assert body["role"] == "counsellor" and body["staff_id"] == staff and body["user_id"] is None
    assert body["display_name"] == "Ms Counsellor"
    assert client.get(f"/users/{ALICE}/profile").status_code == 403  # not one of theirs
    assert (
        client.post("/chat/question", json={"question": "hi"}, headers={"X-CSRF-Token": body["csrf_token"]}).status_code
        == 403
    )
    admin = client.application.test_client()
    r = admin.post("/auth/exchange", json={"code": _code(signin_link(settings, staff_id=f"adm-{staff}", role="admin"))})
    assert r.status_code == 200 and r.json["role"] == "admin"
    assert admin.get(f"/users/{ALICE}/profile").status_code == 200
    # a role changed since the sign-in ends the session: the counsellor made admin signs in again
    signin_link(settings, staff_id=staff, role="admin")
    ended = client.get("/auth/me")
    assert ended.status_code == 401 and ended.json["error"]["code"] == "session_expired"


def test_signin_link_command(settings: Settings) -> None:
    from aptichat.cli import main

    result = CliRunner().invoke(main, ["signin", "link", "--user", ALICE])
    assert result.exit_code == 0, result.output
    assert "/#signin=" in result.output.strip().splitlines()[-1]
    unknown = CliRunner().invoke(main, ["signin", "link", "--user", "nobody-here"])
    assert unknown.exit_code != 0 and "no person" in unknown.output
    both = CliRunner().invoke(main, ["signin", "link", "--user", ALICE, "--staff", "x"])
    assert both.exit_code != 0


# --- /launch ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def product_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def launch_app(settings: Settings, product_key: rsa.RSAPrivateKey) -> Flask:
    from aptichat_api.app import create_app

    pem = (
        product_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return create_app(app_config(settings.model_copy(update={"launch_public_key": pem})))


def _launch_code(key: Any, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"sub": ALICE, "aud": "aptichat-launch", "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256")


def test_launch_opens_a_session_once(launch_app: Flask, product_key: rsa.RSAPrivateKey) -> None:
    browser = launch_app.test_client()
    code = _launch_code(product_key)
    r = browser.get(f"/launch?code={code}")
    assert r.status_code == 302 and urlparse(r.headers["Location"]).path == "/"
    assert any("HttpOnly" in c for c in r.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    me = browser.get("/auth/me")
    assert me.status_code == 200 and me.json["user_id"] == ALICE and me.json["source"] == "launch"
    replay = launch_app.test_client().get(f"/launch?code={code}")
    assert replay.status_code == 401 and replay.json["error"]["code"] == "launch_code_used"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"exp": int(time.time()) + 3600}, "invalid_launch_code"),  # lives longer than 5 minutes
        ({"iat": int(time.time()) - 400, "exp": int(time.time()) - 100}, "launch_code_expired"),
        ({"aud": "someone-else"}, "invalid_launch_code"),
        ({"jti": None}, "invalid_launch_code"),
        ({"sub": "nobody-we-know"}, "unknown_person"),
    ],
)
def test_launch_refuses_bad_codes(
    launch_app: Flask, product_key: rsa.RSAPrivateKey, overrides: dict[str, Any], code: str
) -> None:
    r = launch_app.test_client().get(f"/launch?code={_launch_code(product_key, **overrides)}")
    assert r.status_code in (401, 403) and r.json["error"]["code"] == code, r.text


def test_launch_refuses_other_keys_and_hs256(launch_app: Flask, settings: Settings) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    r = launch_app.test_client().get(f"/launch?code={_launch_code(stranger)}")
    assert r.status_code == 401 and r.json["error"]["code"] == "invalid_launch_code"
    now = int(time.time())
    hs = jwt.encode(
        {"sub": ALICE, "aud": "aptichat-launch", "iat": now, "exp": now + 60, "jti": "x"}, "k" * 40, algorithm="HS256"
    )
    assert launch_app.test_client().get(f"/launch?code={hs}").status_code == 401


def test_launch_is_off_without_a_key(client: FlaskClient) -> None:
    r = client.get("/launch?code=abc.def.ghi")
    assert r.status_code == 404 and r.json["error"]["code"] == "launch_not_configured"


def test_demo_links_sign_in_students_their_counsellor_and_an_admin(client: FlaskClient, settings: Settings) -> None:
    """What `make run` prints (aptichat signin demo): three students, a counsellor who has them, an admin."""
    from aptichat.cli import main
    from aptichat_api.cli import demo_links

    links = demo_links(settings, 3, url="http://demo.test")
    assert [who for who, _, _ in links] == ["student"] * 3 + ["counsellor", "admin"]
    assert all(link.startswith("http://demo.test/#signin=") for _, _, link in links)
    students = {subject for who, subject, _ in links if who == "student"}
    counsellor = client.application.test_client()
    assert counsellor.post("/auth/exchange", json={"code": _code(links[3][2])}).json["role"] == "counsellor"
    listed = counsellor.get("/counsellor/students")
    assert listed.status_code == 200 and {s["user_id"] for s in listed.json["students"]} == students
    student = client.application.test_client()
    assert student.post("/auth/exchange", json={"code": _code(links[0][2])}).json["user_id"] == links[0][1]
    admin = client.application.test_client()
    assert admin.post("/auth/exchange", json={"code": _code(links[4][2])}).json["role"] == "admin"
    printed = CliRunner().invoke(main, ["signin", "demo", "--students", "1"])
    assert printed.exit_code == 0, printed.output
    assert sum("/#signin=" in line for line in printed.output.splitlines()) == 3


def test_erasure_ends_the_person_s_sessions(client: FlaskClient, settings: Settings, engine: Engine) -> None:
    from support.api import seed_person

    person = f"erase-session-{uuid.uuid4().hex[:6]}"
    seed_person(engine, settings, person)
    body = _signed_in(client, settings, user_id=person)
    erased = client.delete(f"/users/{person}", headers={"X-CSRF-Token": body["csrf_token"]})
    assert erased.status_code == 200, erased.text
    assert erased.json["erased"]["chat_sessions"] == 1
    gone = client.get("/auth/me")
    assert gone.status_code == 401 and gone.json["error"]["code"] == "session_expired"


def test_an_admin_staff_session_reads_but_does_not_chat(client: FlaskClient, settings: Settings) -> None:
    body = _signed_in(client, settings, staff_id=f"adm-chat-{uuid.uuid4().hex[:6]}", role="admin")
    csrf = {"X-CSRF-Token": body["csrf_token"]}
    assert client.get(f"/users/{ALICE}/status").status_code == 200
    for path, payload in (("/chat/question", {"question": "hi"}), ("/chat/feedback", {"message_id": 1, "rating": 3})):
        r = client.post(path, json=payload, headers=csrf)
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden", (path, r.text)
    assert client.get("/chat/history").status_code == 422  # staff name the person
