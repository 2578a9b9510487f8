"""Safety before any provider (issue 16): a distress or abusive message gets the safety layer's fixed
reply (no citations, provider "safety", intent "safety", never cached), reaches no classifier,
retrieval or model (a Gemini test server sees no request, not even later as history), and the
conversation is flagged for staff review: GET /admin/safety/flags, counted in /metrics, erased with
the person."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from support.api import ADMIN, ALICE, BOB, Auth
from support.fake_gemini import FakeGemini, gemini_settings

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatMessage, ChatSafetyFlag
from aptichat.llm import get_answer_generator
from aptichat.llm.offline import OfflineComposer
from aptichat.safety import DEFAULT_HELPLINE, assess, safe_reply
from aptichat.settings import Settings
from aptichat_api.rag import ChatEngine, ChatResult

DISTRESS = "I feel hopeless and like there is no point in anything anymore."
HELPLINE = "In Testland you can call the Test Helpline free on 0800 000 000, day or night."


def flags_of(engine: Engine, conversation_id: str) -> list[ChatSafetyFlag]:
    with session_scope(engine) as session:
        rows = list(session.scalars(select(ChatSafetyFlag).where(ChatSafetyFlag.conversation_id == conversation_id)))
        session.expunge_all()
    return rows


@pytest.fixture()
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        fake.answer_text = "Your top career match is Registered Nurse [1]."
        yield fake


def test_distress_gets_the_fixed_reply_a_flag_and_no_cache(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str]
) -> None:
    chat = ChatEngine(
        settings.model_copy(update={"safety_helpline": HELPLINE}), engine, embedder=rag_embedder,
        generator=OfflineComposer(),
    )  # fmt: skip
    result = chat.answer(rag_world["nurse"], DISTRESS)
    assert result.answer == safe_reply(assess(DISTRESS), helpline=HELPLINE)
    assert HELPLINE in result.answer and DEFAULT_HELPLINE not in result.answer
    assert (result.provider, result.intent, result.citations, result.degraded) == ("safety", "safety", [], False)
    assert "career" not in result.answer.lower() and "percentile" not in result.answer.lower()

    with session_scope(engine) as session:
        thread = session.scalars(
            select(ChatMessage).where(ChatMessage.conversation_id == result.conversation_id).order_by(ChatMessage.id)
        ).all()
        assert [(m.role, m.provider, m.intent) for m in thread] == [
            ("user", None, None),
            ("assistant", "safety", "safety"),
        ]
        asked_id = thread[0].id
    [flag] = flags_of(engine, result.conversation_id)
    assert (flag.user_id, flag.message_id, flag.category) == (rag_world["nurse"], asked_id, "distress")
    assert flag.signals and flag.reviewed_at is None
    assert DISTRESS.lower() not in json.dumps(flag.signals).lower(), "rule names only, no message text"

    answers = chat.cache_stats()["answers"]
    again = chat.answer(rag_world["nurse"], DISTRESS)
    assert not again.cached and again.provider == "safety"
    assert chat.cache_stats()["answers"] == answers, "the safety path never touches the answer cache"
    assert len(flags_of(engine, again.conversation_id)) == 1


def test_abuse_gets_a_boundary_and_is_flagged(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["engineer"], "you are a stupid useless bot")
    assert result.provider == "safety" and result.citations == []
    assert result.answer == safe_reply(assess("you are a stupid useless bot"))
    assert [f.category for f in flags_of(chat_engine.engine, result.conversation_id)] == ["abuse"]


def test_stream_path_is_guarded_too(chat_engine: Any, rag_world: dict[str, str]) -> None:
    items = list(chat_engine.stream(rag_world["artist"], "i want to disappear"))
    final = items[-1]
    assert isinstance(final, ChatResult) and final.provider == "safety"
    assert "".join(p for p in items[:-1] if isinstance(p, str)) == final.answer
    assert len(flags_of(chat_engine.engine, final.conversation_id)) == 1


def test_gemini_never_sees_a_distress_message(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str], fake_gemini: FakeGemini
) -> None:
    gemini = gemini_settings(settings, fake_gemini)
    chat = ChatEngine(gemini, engine, embedder=rag_embedder, generator=get_answer_generator(gemini))
    user = rag_world["nurse"]
    first = chat.answer(user, DISTRESS)
    streamed = list(chat.stream(user, "I just want it all to stop", conversation_id=first.conversation_id))
    assert first.provider == "safety" and isinstance(streamed[-1], ChatResult) and streamed[-1].provider == "safety"
    assert fake_gemini.requests == [], "no request of any kind reached the model for a distress message"

    # An ordinary question afterwards goes to the model, without the distress turns in its history.
    ordinary = chat.answer(user, "Which careers suit me?", conversation_id=first.conversation_id)
    assert ordinary.provider.startswith("gemini") and ordinary.intent == "careers"
    sent = json.dumps([r.body for r in fake_gemini.requests])
    assert fake_gemini.requests and "hopeless" not in sent and "want it all to stop" not in sent
    assert "safety" not in {ordinary.intent}
    assert len(flags_of(engine, first.conversation_id)) == 2


def test_distress_spread_over_turns_is_caught(client: FlaskClient, auth: Auth, engine: Engine) -> None:
    """Each message alone passes the rules (the app's test embedder has no semantic layer); joined
    with the turns before, they do not."""
    parts = ["nobody would even notice", "if i was gone tomorrow"]
    assert not any(assess(p).needs_safe_reply for p in parts)
    headers = auth.headers(BOB)
    first = client.post("/chat/question", json={"question": parts[0]}, headers=headers)
    assert first.status_code == 200 and first.json["provider"] != "safety"
    conversation = first.json["conversation_id"]
    second = client.post(
        "/chat/question", json={"question": parts[1], "conversation_id": conversation}, headers=headers
    )
    assert second.status_code == 200 and second.json["provider"] == "safety", second.text
    [flag] = flags_of(engine, conversation)
    assert flag.category == "distress" and "across_turns" in flag.signals

    # Once answered by the safety layer, those turns are not judged again: an ordinary question
    # after them gets an ordinary answer.
    third = client.post(
        "/chat/question", json={"question": "What are my strengths?", "conversation_id": conversation}, headers=headers
    )
    assert third.status_code == 200 and third.json["provider"] != "safety" and third.json["citations"]


def test_admin_lists_flags_unreviewed_first_and_metrics_count_them(
    client: FlaskClient, auth: Auth, engine: Engine
) -> None:
    before = client.get("/metrics").get_data(as_text=True)
    r = client.post(
        "/chat/question", json={"question": f"{DISTRESS} ({uuid.uuid4().hex[:6]})"}, headers=auth.headers(ALICE)
    )
    assert r.status_code == 200 and r.json["provider"] == "safety" and r.json["intent"] == "safety"
    assert r.json["citations"] == [] and r.json["degraded"] is False
    with engine.begin() as conn:  # an older flag, already reviewed by staff
        conn.execute(
            text("UPDATE chat_safety_flags SET reviewed_at = now() WHERE id = (SELECT min(id) FROM chat_safety_flags)")
        )

    assert client.get("/admin/safety/flags", headers=auth.headers(ALICE)).status_code == 403
    assert client.get("/admin/safety/flags").status_code == 401
    page = client.get("/admin/safety/flags?limit=1", headers=auth.headers(ADMIN, role="admin"))
    assert page.status_code == 200, page.text
    body = page.json
    assert body["total"] >= 2 and body["unreviewed"] >= 1 and body["next_offset"] == 1
    [newest] = body["flags"]
    assert newest["conversation_id"] == r.json["conversation_id"] and newest["reviewed_at"] is None
    assert set(newest) == {
        "id", "user_id", "conversation_id", "message_id", "category", "signals", "created_at", "reviewed_at",
    }  # fmt: skip
    everything = client.get(f"/admin/safety/flags?limit={body['total']}", headers=auth.headers(ADMIN, role="admin"))
    reviewed = [f["reviewed_at"] is not None for f in everything.json["flags"]]
    assert reviewed == sorted(reviewed), "unreviewed flags come first"
    assert everything.json["next_offset"] is None
    assert client.get("/admin/safety/flags?limit=0", headers=auth.headers(ADMIN, role="admin")).status_code == 422

    after = client.get("/metrics").get_data(as_text=True)

    def distress_count(scrape: str) -> float:
        line = next(
            (x for x in scrape.splitlines() if x.startswith('aptichat_chat_safety_flags_total{category="distress"}')),
            None,
        )
        return float(line.split()[-1]) if line else 0.0

    assert distress_count(after) >= distress_count(before) + 1
