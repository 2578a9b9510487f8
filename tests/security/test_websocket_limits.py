"""Limits of the live chat streams, on a real loopback server with the `websockets` client: the
WebSocket's idle timeout, token expiry on an open socket (timer and next frame), the largest message
(ours with an error frame, and the transport's cap), one per-user budget shared with HTTP, and an
SSE stream refusing an expired token."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import websockets
from sqlalchemy import Engine, func, select, update
from support.api import Api, app_config, bearer, serve, token
from support.security import ALICE

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatSession
from aptichat.settings import Settings
from aptichat_api import streams

QUESTION = {"question": "What are my strongest skills?"}


@contextmanager
def served(settings: Settings, **overrides: Any) -> Iterator[Api]:
    """A fresh app (its own rate-limit namespace) with `overrides` applied to its Settings."""
    from aptichat_api.app import create_app

    custom = settings.model_copy(update=overrides)
    with serve(create_app(app_config(custom))) as url:
        yield Api(url, custom)


def ws_url(api: Api) -> str:
    return api.url.replace("http://", "ws://") + "/chat/ws"


async def until_closed(ws: Any, timeout_s: float) -> tuple[list[dict[str, Any]], int | None, str | None]:
    """Every frame the server sends until it closes the socket, and the close code and reason."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout_s)))
    except websockets.exceptions.ConnectionClosed as closed:
        received = closed.rcvd
        return frames, (received.code if received else None), (received.reason if received else None)


async def ask(ws: Any, question: dict[str, Any]) -> dict[str, Any]:
    """Send a question; the answer or error frame that ends it."""
    await ws.send(json.dumps(question))
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if frame["type"] in ("answer", "error"):
            return frame


def connect(api: Api, headers: dict[str, str] | None = None) -> Any:
    return websockets.connect(ws_url(api), additional_headers=headers or {}, open_timeout=20, close_timeout=2)


@pytest.mark.usefixtures("security_people")
def test_idle_socket_is_closed_with_idle_timeout(settings: Settings) -> None:
    async def scenario(api: Api) -> tuple[float, list[dict[str, Any]], int | None, str | None, list[str]]:
        async with connect(api, api.headers(ALICE)) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            # activity keeps it open: a frame every 0.6 s for 3 s, past the 1.5 s idle timeout
            kept = []
            for _ in range(5):
                await asyncio.sleep(0.6)
                await ws.send("{}")
                kept.append((await ask_reply(ws))["error"]["code"])
            started = time.monotonic()
            frames, code, reason = await until_closed(ws, 30)
            return time.monotonic() - started, frames, code, reason, kept

    with served(settings, ws_idle_timeout_s=1.5) as api:
        waited, frames, code, reason, kept = asyncio.run(scenario(api))
    assert kept == ["invalid_request"] * 5  # answered, not closed: each frame counts as activity
    assert frames == [
        {
            "type": "error",
            "error": {"code": "idle_timeout", "message": frames[0]["error"]["message"], "details": None},
            "status": 408,
        }
    ]
    assert (code, reason) == (4408, "idle_timeout")
    assert 1.0 < waited < 15


async def ask_reply(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 30))  # type: ignore[no-any-return]


@pytest.mark.usefixtures("security_people")
def test_socket_waiting_for_its_token_frame_times_out(settings: Settings) -> None:
    async def scenario(api: Api) -> tuple[list[dict[str, Any]], int | None, str | None]:
        async with connect(api) as ws:  # no Authorization header and no token frame
            return await until_closed(ws, 30)

    with served(settings, ws_idle_timeout_s=1.0) as api:
        frames, code, reason = asyncio.run(scenario(api))
    assert [f["error"]["code"] for f in frames] == ["idle_timeout"]
    assert (code, reason) == (4408, "idle_timeout")


@pytest.mark.usefixtures("security_people")
def test_silent_socket_closes_when_its_token_expires(settings: Settings) -> None:
    async def scenario(api: Api, jwt: str) -> tuple[float, list[dict[str, Any]], int | None, str | None]:
        async with connect(api) as ws:
            await ws.send(json.dumps({"token": jwt}))  # the first-frame path carries the expiry too
            assert json.loads(await ws.recv())["type"] == "ready"
            started = time.monotonic()
            frames, code, reason = await until_closed(ws, 30)
            return time.monotonic() - started, frames, code, reason

    with served(settings, ws_idle_timeout_s=300) as api:
        # exp 3 s ago: still inside the 5 s leeway, so the socket opens and must close ~2 s later
        waited, frames, code, reason = asyncio.run(scenario(api, token(settings, ALICE, ttl_s=-3)))
    assert [(f["type"], f["error"]["code"], f["status"]) for f in frames] == [("error", "token_expired", 401)]
    assert (code, reason) == (4401, "token_expired")
    assert waited < 20  # the timer closed it, long before the 300 s idle timeout


@pytest.mark.usefixtures("security_people")
def test_question_after_expiry_gets_token_expired_not_an_answer(settings: Settings) -> None:
    async def scenario(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]], int | None, str | None]:
        opened = time.monotonic()
        # exp now: valid for the 5 s leeway
        async with connect(api, bearer(settings, ALICE, ttl_s=0)) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            first = await ask(ws, QUESTION)
            await asyncio.sleep(max(0.0, 6.5 - (time.monotonic() - opened)))
            # the timer may already have closed it: the frames below say so
            with contextlib.suppress(websockets.exceptions.ConnectionClosed):
                await ws.send(json.dumps(QUESTION))
            frames, code, reason = await until_closed(ws, 30)
            return first, frames, code, reason

    with served(settings, ws_idle_timeout_s=300) as api:
        first, frames, code, reason = asyncio.run(scenario(api))
    assert first["type"] == "answer"
    assert [f["type"] for f in frames] == ["error"] and frames[0]["error"]["code"] == "token_expired"
    assert (code, reason) == (4401, "token_expired")


@pytest.mark.usefixtures("security_people")
def test_message_over_the_limit_is_refused_and_closes_1009(settings: Settings) -> None:
    limit = 2048

    async def one(api: Api, frame: str) -> tuple[list[dict[str, Any]], int | None, str | None]:
        async with connect(api, api.headers(ALICE)) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            await ws.send(frame)
            return await until_closed(ws, 30)

    async def at_limit(api: Api) -> dict[str, Any]:
        async with connect(api, api.headers(ALICE)) as ws:
            await ws.recv()
            padding = " " * (limit - len(json.dumps(QUESTION)))
            frame = json.dumps(QUESTION)[:-1] + padding + "}"
            assert len(frame.encode()) == limit
            await ws.send(frame)
            while True:
                reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if reply["type"] in ("answer", "error"):
                    return reply  # type: ignore[no-any-return]

    with served(settings, api_max_body=limit) as api:
        # one byte over: our error frame, then 1009
        over = json.dumps({"question": "x" * (limit - 15)})
        assert len(over.encode()) == limit + 1
        frames, code, reason = asyncio.run(one(api, over))
        assert [(f["error"]["code"], f["status"]) for f in frames] == [("message_too_large", 413)]
        assert (code, reason) == (1009, "message_too_large")
        # the limit counts UTF-8 bytes, not characters: 1100 "é" are 2200 bytes
        frames, code, _ = asyncio.run(one(api, json.dumps({"question": "é" * 1100}, ensure_ascii=False)))
        assert [f["error"]["code"] for f in frames] == ["message_too_large"] and code == 1009
        # far over: the transport itself closes 1009 before buffering it whole (no error frame)
        frames, code, _ = asyncio.run(one(api, json.dumps({"question": "x" * (limit * 4)})))
        assert frames == [] and code == 1009
        # exactly the limit is answered
        assert asyncio.run(at_limit(api))["type"] == "answer"


@pytest.mark.usefixtures("security_people")
def test_http_and_socket_questions_spend_one_budget(settings: Settings) -> None:
    async def socket_questions(api: Api) -> list[dict[str, Any]]:
        async with connect(api, api.headers(ALICE)) as ws:
            await ws.recv()
            return [await ask(ws, QUESTION) for _ in range(2)]

    from aptichat_api.app import create_app

    config = app_config(settings, RATE_LIMIT_USER="5/minute")
    with serve(create_app(config)) as url:
        api = Api(url, settings)
        statuses = [
            requests.post(f"{url}/chat/question", json=QUESTION, headers=api.headers(ALICE), timeout=60).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        replies = asyncio.run(socket_questions(api))
        # the handshake is a request of the API (the fourth hit), the first socket question the fifth;
        # the second is refused, and so is HTTP after it
        assert replies[0]["type"] == "answer"
        assert replies[1]["type"] == "error" and replies[1]["error"]["code"] == "rate_limited"
        assert replies[1]["status"] == 429
        r = requests.post(f"{url}/chat/question", json=QUESTION, headers=api.headers(ALICE), timeout=60)
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"


@pytest.mark.usefixtures("security_people")
def test_sse_stream_refuses_an_expired_token(security_api: Api, settings: Settings) -> None:
    expired = bearer(settings, ALICE, ttl_s=-60)
    r = requests.post(f"{security_api.url}/chat/stream", json=QUESTION, headers=expired, stream=True, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    assert not r.headers["Content-Type"].startswith("text/event-stream")
    # and the socket refuses it at the handshake
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        asyncio.run(connect(security_api, expired).__aenter__())
    assert info.value.response.status_code == 401


def _cookie_session(api: Api, settings: Settings, engine: Engine) -> tuple[dict[str, str], str, int]:
    """Sign ALICE in as the browser does (a one-time code exchanged for the session cookie): the
    Cookie header, the CSRF token and the session's id."""
    from aptichat_api.cli import signin_link
    from aptichat_api.sessions import SESSION_COOKIE, digest

    code = signin_link(settings, user_id=ALICE).partition("#signin=")[2]
    r = requests.post(f"{api.url}/auth/exchange", json={"code": code}, timeout=30)
    assert r.status_code == 200, r.text
    cookie = r.cookies[SESSION_COOKIE]
    with session_scope(engine) as s:
        session_id = s.scalar(select(ChatSession.id).where(ChatSession.token_hash == digest(cookie)))
    assert session_id is not None
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}, r.json()["csrf_token"], session_id


@pytest.mark.usefixtures("security_people")
def test_signing_out_ends_the_sessions_open_websocket(settings: Settings, engine: Engine) -> None:
    """A socket opened with the session cookie ends when that session is signed out, at once (not at
    the idle timeout or the session's end, up to 30 minutes later), and says why."""
    from aptichat_api.sessions import CSRF_HEADER

    async def scenario(api: Api) -> tuple[dict[str, Any], float, list[dict[str, Any]], int | None, str | None]:
        cookie, csrf, _ = _cookie_session(api, settings, engine)
        async with connect(api, cookie) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            answered = await ask(ws, QUESTION)
            started = time.monotonic()
            out = await asyncio.to_thread(
                requests.post, f"{api.url}/auth/signout", headers={**cookie, CSRF_HEADER: csrf}, timeout=30
            )
            assert out.status_code == 200, out.text
            frames, code, reason = await until_closed(ws, 30)
            return answered, time.monotonic() - started, frames, code, reason

    with served(settings, ws_idle_timeout_s=300) as api:
        answered, waited, frames, code, reason = asyncio.run(scenario(api))
    assert answered["type"] == "answer"
    assert [(f["type"], f["error"]["code"], f["status"]) for f in frames] == [("error", "session_expired", 401)]
    assert (code, reason) == (4401, "session_expired")
    assert waited < 5  # the sign-out closed it (the periodic check is 10 s away)


@pytest.mark.usefixtures("security_people")
def test_session_ended_elsewhere_is_found_before_the_next_answer(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker revoked the session (no closer runs in this process): the next question gets the
    session_expired close, never an answer, and a silent socket finds it at the periodic check."""

    async def scenario(api: Api, silent: bool) -> tuple[list[dict[str, Any]], int | None, str | None]:
        cookie, _, session_id = _cookie_session(api, settings, engine)
        async with connect(api, cookie) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            with session_scope(engine) as s:
                s.execute(update(ChatSession).where(ChatSession.id == session_id).values(revoked_at=func.now()))
            if not silent:
                await ws.send(json.dumps(QUESTION))
            return await until_closed(ws, 30)

    monkeypatch.setattr(streams, "ERASURE_CHECK_S", 1.0)  # the periodic check, sooner than 10 s
    with served(settings, ws_idle_timeout_s=300) as api:
        for silent in (False, True):
            frames, code, reason = asyncio.run(scenario(api, silent))
            assert [f["error"]["code"] for f in frames] == ["session_expired"], (silent, frames)
            assert (code, reason) == (4401, "session_expired")
