"""A message in distress always gets the safety reply, even from a person without documents (a test
still processing, rejected, or nobody we know yet): the chat cannot store a conversation for them,
but it must never answer a crisis with "no documents yet"."""

from __future__ import annotations

from flask.testing import FlaskClient
from support.api import Auth

from aptichat.safety import DISTRESS_REPLY

NOBODY = "person-without-any-documents-7f3a"


def test_distress_from_someone_without_documents_gets_the_safety_reply(client: FlaskClient, auth: Auth) -> None:
    r = client.post(
        "/chat/question",
        json={"question": "i dont want to be alive anymore, whats the point"},
        headers=auth.headers(NOBODY),
    )
    assert r.status_code == 404
    body = r.get_json()
    assert body["error"]["code"] == "user_not_found"
    assert body["error"]["details"]["safety"] == "distress"
    assert DISTRESS_REPLY.split(".")[0] in body["error"]["message"]


def test_an_ordinary_question_from_someone_without_documents_gets_their_state(client: FlaskClient, auth: Auth) -> None:
    r = client.post("/chat/question", json={"question": "which careers fit me?"}, headers=auth.headers(NOBODY))
    assert r.status_code == 404
    body = r.get_json()
    assert "safety" not in (body["error"].get("details") or {})
    assert DISTRESS_REPLY.split(".")[0] not in body["error"]["message"]
