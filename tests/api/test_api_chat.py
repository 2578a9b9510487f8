"""Chat: JSON answers with citations, history paging and feedback (in process); SSE and WebSocket
over real HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import requests
import websockets
from flask.testing import FlaskClient
from support.api import ALICE, BOB, CAROL, Api, Auth, sse_events
from werkzeug.test import TestResponse

ANSWER_KEYS = {
    "conversation_id", "message_id", "answer", "intent", "citations", "provider", "degraded", "degraded_cause",
}  # fmt: skip


def ask(
    client: FlaskClient, auth: Auth, question: str, user: str = ALICE, conversation_id: str | None = None
) -> TestResponse:
    body: dict[str, Any] = {"question": question}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return client.post("/chat/question", json=body, headers=auth.headers(user))


def check_answer(body: dict[str, Any]) -> None:
    assert set(body) == ANSWER_KEYS
    assert body["answer"] and isinstance(body["message_id"], int)
    for c in body["citations"]:
        assert set(c) == {"n", "document_type", "section_id", "title", "snippet"}


def test_question_answers_from_own_documents_with_citations(client: FlaskClient, auth: Auth) -> None:
    r = ask(client, auth, "What are my strengths in thinking skills?")
    assert r.status_code == 200, r.text
    body = r.json
    check_answer(body)
    assert body["citations"], "an answer about the person's skills cites their documents"
    assert {c["document_type"] for c in body["citations"]} & {"thinking_skills", "personality_profile"}
    assert body["provider"]


def test_follow_up_and_history_paging(client: FlaskClient, auth: Auth) -> None:
    first = ask(client, auth, "Which careers fit me?").json
    cid = first["conversation_id"]
    second = ask(client, auth, "Why the first one?", conversation_id=cid)
    assert second.status_code == 200 and second.json["conversation_id"] == cid
    page = client.get("/chat/history", query_string={"conversation_id": cid, "limit": 3}, headers=auth.headers()).json
    assert [m["role"] for m in page["messages"]] == ["assistant", "user", "assistant"]  # newest last
    assert page["messages"][-1]["message_id"] == second.json["message_id"]
    assert page["messages"][-1]["variant"] in ("v1", "v2")
    older = client.get(
        "/chat/history",
        query_string={"conversation_id": cid, "limit": 3, "before": page["next_before"]},
        headers=auth.headers(),
    ).json
    assert [m["role"] for m in older["messages"]] == ["user"] and older["next_before"] is None
    listing = client.get("/chat/history", headers=auth.headers()).json
    assert cid in {c["conversation_id"] for c in listing["conversations"]}


def test_someone_elses_conversation_is_not_found(client: FlaskClient, auth: Auth) -> None:
    cid = ask(client, auth, "What is my Holland code?").json["conversation_id"]
    r = ask(client, auth, "And mine?", user=BOB, conversation_id=cid)
    assert r.status_code == 404 and r.json["error"]["code"] == "conversation_not_found"
    r = client.get("/chat/history", query_string={"conversation_id": cid}, headers=auth.headers(BOB))
    assert r.status_code == 404 and r.json["error"]["code"] == "conversation_not_found"


def test_rejected_question_has_stable_code(client: FlaskClient, auth: Auth) -> None:
    r = ask(client, auth, "why\x07 this?")  # refused by the schema, before the engine
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request"
    # 1001 characters that NFC-normalise to 2002: the engine's own check, with its own code
    r = ask(client, auth, "\u0958" * 1001)
    assert r.status_code == 422 and r.json["error"]["code"] == "question_too_long"


def test_person_without_documents_still_gets_an_answer(client: FlaskClient, auth: Auth) -> None:
    r = ask(client, auth, "What are my strengths?", user=CAROL)
    assert r.status_code == 200
    check_answer(r.json)


def test_feedback_on_own_answer_only(client: FlaskClient, auth: Auth) -> None:
    answer = ask(client, auth, "Which majors fit me?").json
    url = "/chat/feedback"
    r = client.post(url, json={"message_id": answer["message_id"], "rating": 5}, headers=auth.headers())
    assert r.status_code == 200 and r.json["rating"] == 5
    again = {"message_id": answer["message_id"], "rating": 2, "comment": "too vague"}
    r = client.post(url, json=again, headers=auth.headers())
    assert r.json["rating"] == 2 and r.json["comment"] == "too vague"
    r = client.post(url, json={"message_id": answer["message_id"], "rating": 4}, headers=auth.headers(BOB))
    assert r.status_code == 404 and r.json["error"]["code"] == "message_not_found"
    user_message = answer["message_id"] - 1  # the question stored just before the answer
    r = client.post(url, json={"message_id": user_message, "rating": 4}, headers=auth.headers())
    assert r.status_code == 404
    for rating in (0, 6, "5", True, 4.5, None):
        r = client.post(url, json={"message_id": answer["message_id"], "rating": rating}, headers=auth.headers())
        assert r.status_code == 422, rating


def test_sse_stream_sends_tokens_then_the_answer(api: Api) -> None:
    r = requests.post(
        f"{api.url}/chat/stream",
        json={"question": "What does my personality profile say?"},
        headers=api.headers(),
        stream=True,
        timeout=60,
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    events = sse_events(r)
    kinds = [e for e, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and "token" in kinds
    final = events[-1][1]
    check_answer(final)
    assert "".join(d["text"] for e, d in events if e == "token") == final["answer"]


def test_sse_stream_refuses_bad_input_before_streaming(api: Api) -> None:
    r = requests.post(f"{api.url}/chat/stream", json={"question": ""}, headers=api.headers(), timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = requests.post(f"{api.url}/chat/stream", json={"question": "hi"}, timeout=10)
    assert r.status_code == 401


def _ws_url(api: Api) -> str:
    return api.url.replace("http://", "ws://") + "/chat/ws"


async def _ws_conversation(api: Api, auth_header: bool) -> list[dict[str, Any]]:
    headers = api.headers() if auth_header else {}
    frames: list[dict[str, Any]] = []
    async with websockets.connect(_ws_url(api), additional_headers=headers, open_timeout=20, close_timeout=1) as ws:
        if not auth_header:
            await ws.send(json.dumps({"token": api.headers()["Authorization"].split()[1]}))
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), 20)))
        for question in ({"question": "What are my strongest skills?"}, {"question": ""}):
            await ws.send(json.dumps(question))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                frames.append(frame)
                if frame["type"] in ("answer", "error"):
                    break
    return frames


@pytest.mark.parametrize("auth_header", [True, False], ids=["header", "first-frame"])
def test_websocket_streams_tokens_then_answer(api: Api, auth_header: bool) -> None:
    frames = asyncio.run(_ws_conversation(api, auth_header))
    assert frames[0] == {"type": "ready", "user_id": ALICE}
    answer_at = next(i for i, f in enumerate(frames) if f["type"] == "answer")
    tokens = [f["text"] for f in frames[1:answer_at] if f["type"] == "token"]
    assert tokens and "".join(tokens) == frames[answer_at]["answer"]
    check_answer({k: v for k, v in frames[answer_at].items() if k != "type"})
    # an invalid question is an error frame; the socket stays usable
    assert frames[-1]["type"] == "error" and frames[-1]["error"]["code"] == "invalid_request"


async def _ws_first_frame(api: Api, headers: dict[str, str], send: str | None) -> dict[str, Any]:
    async with websockets.connect(_ws_url(api), additional_headers=headers, open_timeout=20, close_timeout=1) as ws:
        if send is not None:
            await ws.send(send)
        return json.loads(await asyncio.wait_for(ws.recv(), 20))  # type: ignore[no-any-return]


def test_websocket_refuses_bad_credentials(api: Api) -> None:
    frame = asyncio.run(_ws_first_frame(api, {}, json.dumps({"token": "nope"})))
    assert frame["type"] == "error" and frame["error"]["code"] == "invalid_token"
    frame = asyncio.run(_ws_first_frame(api, {}, "not json"))
    assert frame["type"] == "error" and frame["error"]["code"] == "malformed_json"
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        asyncio.run(_ws_first_frame(api, {"Authorization": "Bearer nope"}, None))
    assert info.value.response.status_code == 401
    r = requests.get(f"{api.url}/chat/ws", timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == "websocket_required"
