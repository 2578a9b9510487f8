"""The chat path keeps every question (issue 15): a failing vector or keyword search is contained in
a savepoint, the answer degrades (marked, with a cause) and the question and answer are stored once.

The failures are real database errors on the real database: an embedder whose vectors have another
dimension than the stored ones (pgvector refuses `<=>` between 768-d and 384-d), and a keyword
statement that fails inside PostgreSQL. Either aborts the transaction; only a savepoint keeps the
conversation and the person's message the engine flushed before retrieval.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from support.api import ALICE, Auth, HashEmbedder, app_config

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatConversation, ChatMessage
from aptichat.llm.offline import OfflineComposer
from aptichat.settings import Settings
from aptichat_api.rag import ChatEngine, ChatResult
from aptichat_api.rag import retrieval as retrieval_module

PADDED_DIM = 768


class Padded:
    """Another embedding model in effect: the inner vectors zero-padded to 768 dimensions."""

    def __init__(self, inner: Any, model: str = "padded-768") -> None:
        self.inner, self.model, self.dim = inner, model, PADDED_DIM

    def _pad(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        pad = [(0, 0)] * (vectors.ndim - 1) + [(0, PADDED_DIM - vectors.shape[-1])]
        return np.pad(vectors, pad)

    def embed_query(self, text: str) -> np.ndarray:
        return self._pad(self.inner.embed_query(text))

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return self._pad(self.inner.embed_documents(texts, titles))


def stored_messages(engine: Engine, user_id: str, question: str) -> tuple[list[ChatMessage], list[ChatMessage]]:
    """The person's messages with this exact question text, and every message of their conversations."""
    with session_scope(engine) as session:
        asked = list(
            session.scalars(select(ChatMessage).where(ChatMessage.user_id == user_id, ChatMessage.text == question))
        )
        conversations = {m.conversation_id for m in asked}
        thread = list(
            session.scalars(
                select(ChatMessage).where(ChatMessage.conversation_id.in_(conversations)).order_by(ChatMessage.id)
            )
        )
        session.expunge_all()
    return asked, thread


def assert_stored_once(engine: Engine, user_id: str, question: str, result_id: int) -> ChatMessage:
    asked, thread = stored_messages(engine, user_id, question)
    assert len(asked) == 1, "the question is stored exactly once"
    assert [m.role for m in thread] == ["user", "assistant"], "one question, one answer"
    assert thread[1].id == result_id
    return thread[1]


def test_mismatched_embedder_degrades_to_keywords_and_keeps_the_question(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str]
) -> None:
    chat = ChatEngine(settings, engine, embedder=Padded(rag_embedder), generator=OfflineComposer())
    question = f"Which careers suit me? ({uuid.uuid4().hex[:8]})"
    result = chat.answer(rag_world["nurse"], question)
    assert result.degraded and result.degraded_cause == "vector_search_failed"
    assert result.citations, "keyword retrieval still finds the person's own sections"
    assert "careers:29-1141.00" in {c.section_id for c in result.citations}
    answer = assert_stored_once(engine, rag_world["nurse"], question, result.message_id)
    assert answer.degraded and answer.context["degraded_cause"] == "vector_search_failed"
    assert "different vector dimensions" in answer.context["retrieval_error"]  # for staff, never in the body

    # A degraded answer is not cached: the same question is retrieved (and degrades) again.
    again = chat.answer(rag_world["nurse"], question)
    assert not again.cached and again.degraded


def test_mismatched_embedder_stream_keeps_the_question(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str]
) -> None:
    chat = ChatEngine(settings, engine, embedder=Padded(rag_embedder), generator=OfflineComposer())
    question = f"Which majors should I study? ({uuid.uuid4().hex[:8]})"
    items = list(chat.stream(rag_world["engineer"], question))
    final = items[-1]
    assert isinstance(final, ChatResult) and final.degraded
    assert "".join(p for p in items[:-1] if isinstance(p, str)).strip() == final.answer
    assert_stored_once(engine, rag_world["engineer"], question, final.message_id)


def test_follow_up_in_an_existing_conversation_survives_a_vector_failure(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str]
) -> None:
    healthy = ChatEngine(settings, engine, embedder=rag_embedder, generator=OfflineComposer())
    first = healthy.answer(rag_world["artist"], "Which careers suit me?")
    broken = ChatEngine(settings, engine, embedder=Padded(rag_embedder), generator=OfflineComposer())
    second = broken.answer(rag_world["artist"], "What about majors?", conversation_id=first.conversation_id)
    assert second.conversation_id == first.conversation_id and second.degraded
    with session_scope(engine) as session:
        roles = session.scalars(
            select(ChatMessage.role)
            .where(ChatMessage.conversation_id == first.conversation_id)
            .order_by(ChatMessage.id)
        ).all()
        assert session.get(ChatConversation, first.conversation_id) is not None
    assert roles == ["user", "assistant", "user", "assistant"]


def test_keyword_failure_is_contained_too(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A statement PostgreSQL itself rejects at run time (division by zero): the transaction is
    # aborted, exactly as a real keyword-path failure would leave it.
    columns = "'x' AS document_type, 'x' AS section_id, 'x' AS title, 'x' AS text"
    failing = f"SELECT {columns}, 1 / (length(:terms) - length(:terms)) AS rank WHERE :user_id = :user_id AND :k > 0"
    monkeypatch.setattr(retrieval_module, "_OWN_KEYWORD_SQL", text(failing))
    chat = ChatEngine(settings, engine, embedder=rag_embedder, generator=OfflineComposer())
    question = f"How good am I at maths? ({uuid.uuid4().hex[:8]})"
    result = chat.answer(rag_world["engineer"], question)
    assert result.degraded and result.degraded_cause == "keyword_search_failed"
    assert result.citations, "vector retrieval still answers"
    answer = assert_stored_once(engine, rag_world["engineer"], question, result.message_id)
    assert "division by zero" in answer.context["retrieval_error"]


def test_both_searches_failing_still_answers_and_stores(
    settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval_module, "_OWN_KEYWORD_SQL", text("SELECT 1 / 0 WHERE :terms = :user_id OR :k > 0"))
    chat = ChatEngine(settings, engine, embedder=Padded(rag_embedder), generator=OfflineComposer())
    question = f"What are my strengths? ({uuid.uuid4().hex[:8]})"
    result = chat.answer(rag_world["nurse"], question)
    assert result.degraded and result.degraded_cause == "retrieval_failed"
    assert_stored_once(engine, rag_world["nurse"], question, result.message_id)


# --- through the API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mismatched_client(engine: Engine, settings: Settings, people: dict[str, str]) -> FlaskClient:
    """The app with an embedder making 768-d vectors over the 384-d stored ones."""
    from aptichat_api import database
    from aptichat_api.app import create_app

    def factory(app: Any) -> ChatEngine:
        with app.app_context():
            return ChatEngine(settings, database.engine(), embedder=Padded(HashEmbedder(settings.embedding_dim)))

    return create_app(app_config(settings, CHAT_ENGINE_FACTORY=factory)).test_client()


def test_api_mismatched_embedder_answers_200_degraded_and_stores_once(
    mismatched_client: FlaskClient, auth: Auth, engine: Engine
) -> None:
    question = f"What are my strengths in thinking skills? ({uuid.uuid4().hex[:8]})"
    r = mismatched_client.post("/chat/question", json={"question": question}, headers=auth.headers(ALICE))
    assert r.status_code == 200, r.text
    body = r.json
    assert body["degraded"] is True and body["degraded_cause"] == "vector_search_failed"
    assert body["citations"], "the keyword path still grounds the answer"
    assert "dimension" not in r.text, "no exception text reaches the person"
    assert_stored_once(engine, ALICE, question, body["message_id"])

    follow = mismatched_client.post(
        "/chat/question",
        json={"question": "and my personality?", "conversation_id": body["conversation_id"]},
        headers=auth.headers(ALICE),
    )
    assert follow.status_code == 200, follow.text
    assert follow.json["conversation_id"] == body["conversation_id"]


def test_readyz_and_start_up_report_an_embedder_that_does_not_match_the_stored_vectors(
    settings: Settings, engine: Engine, people: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    from aptichat_api.app import create_app
    from aptichat_api.chat_service import chat_service

    other = settings.model_copy(update={"embeddings": "gemini", "gemini_api_key": "k", "gemini_embedding_dim": 768})
    with caplog.at_level("ERROR", logger="aptichat_api.blueprints.health"):
        app = create_app(app_config(other))
    started = [r.getMessage() for r in caplog.records if "stored vectors" in r.getMessage()]
    assert started and "re-embed" in started[0] and "backfill of user_document_embeddings" in started[0]

    r = app.test_client().get("/readyz")
    assert r.status_code == 503, r.text
    check = r.json["checks"]["embedder"]
    assert not check["ok"] and "768-d" in check["detail"] and "384-d" in check["detail"]
    assert "re-embed: run a backfill of user_document_embeddings" in check["detail"]

    # The engine's own embedder decides once it is loaded: the padded one is reported the same way.
    def factory(app: Any) -> ChatEngine:
        from aptichat_api import database

        with app.app_context():
            return ChatEngine(settings, database.engine(), embedder=Padded(HashEmbedder(settings.embedding_dim)))

    padded = create_app(app_config(settings, CHAT_ENGINE_FACTORY=factory))
    assert padded.test_client().get("/readyz").status_code == 200  # configured model matches; engine not built
    chat_service.engine(padded)
    r = padded.test_client().get("/readyz")
    assert r.status_code == 503 and "padded-768 (768-d)" in r.json["checks"]["embedder"]["detail"]

    healthy = create_app(app_config(settings)).test_client().get("/readyz")
    assert healthy.status_code == 200 and healthy.json["checks"]["embedder"]["ok"], healthy.text
