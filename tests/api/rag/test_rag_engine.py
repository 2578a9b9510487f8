"""ChatEngine end to end on the real database: memory, follow-ups, caches, gaps, streaming."""

from __future__ import annotations

from typing import Any

import pytest

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatConversation, ChatMessage
from aptichat.db.repository import ChunkInput, DocumentRepository
from aptichat.documents import ChatDocument, DocumentType, example_content
from aptichat.llm.offline import OfflineComposer
from aptichat_api.rag import ChatEngine, ChatResult, QuestionRejected, UserNotFound
from aptichat_api.rag.memory import ConversationNotFound, ConversationStore


def test_answer_is_cited_and_stored(chat_engine: Any, rag_world: dict[str, str]) -> None:
    user = rag_world["engineer"]
    result = chat_engine.answer(user, "Which careers suit me?", variant="v2")
    assert result.intent == "careers" and result.citations and result.provider == "offline"
    assert all(f"[{c.n}]" in result.answer for c in result.citations)
    with session_scope(chat_engine.engine) as session:
        rows = session.query(ChatMessage).filter_by(conversation_id=result.conversation_id).order_by(ChatMessage.id)
        user_msg, bot_msg = list(rows)
        assert (user_msg.role, bot_msg.role) == ("user", "assistant")
        assert bot_msg.variant == "v2" and bot_msg.context["template"] == "careers.v2"
        assert bot_msg.citations and bot_msg.latency_ms is not None and bot_msg.intent == "careers"
        assert bot_msg.context["items"], "follow-up items are stored"


def test_follow_up_second_item(chat_engine: Any, rag_world: dict[str, str]) -> None:
    user = rag_world["nurse"]
    first = chat_engine.answer(user, "Which majors should I study?")
    with session_scope(chat_engine.engine) as session:
        items = ConversationStore(session).last_assistant_context(user, first.conversation_id)["items"]  # type: ignore[index]
    second = chat_engine.answer(user, "and the second one?", conversation_id=first.conversation_id)
    assert second.intent == "majors"
    assert second.citations and items[1]["section_id"] in {c.section_id for c in second.citations}


def test_history_cursor_and_listing(chat_engine: Any, rag_world: dict[str, str]) -> None:
    user = rag_world["artist"]
    conv = None
    for question in ["Hello!", "Which careers suit me?", "why?", "Thanks"]:
        conv = chat_engine.answer(user, question, conversation_id=conv).conversation_id
    with session_scope(chat_engine.engine) as session:
        store = ConversationStore(session)
        page = store.history(user, conv, limit=3)
        assert [m.role for m in page.messages] == ["assistant", "user", "assistant"]
        assert page.messages[-1].text and page.next_before is not None
        older = store.history(user, conv, limit=10, before=page.next_before)
        assert len(older.messages) == 5 and older.next_before is None
        assert older.messages[0].text == "Hello!"
        assert conv in [c.id for c in store.list_conversations(user)]
        assert conv not in [c.id for c in store.list_conversations(rag_world["nurse"])]
        with pytest.raises(ConversationNotFound):
            store.history(rag_world["nurse"], conv)


def test_long_conversation_is_summarised(chat_engine: Any, rag_world: dict[str, str]) -> None:
    user = rag_world["noskills"]
    conv = None
    questions = ["Which careers suit me?", "Am I enterprising?", "Would I be a good accountant?", "why?",
                 "Should I study business administration?", "tell me more", "How organised am I?"]  # fmt: skip
    for question in questions:
        conv = chat_engine.answer(user, question, conversation_id=conv).conversation_id
    with session_scope(chat_engine.engine) as session:
        summary = session.get(ChatConversation, conv).summary  # type: ignore[union-attr]
    assert summary and "Which careers suit me?" in summary


def test_gap_is_stated(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["noskills"], "How strong is my numerical reasoning?")
    assert result.intent == "thinking_skills"
    assert "not measured in this test" in result.answer


def test_stream_matches_final(chat_engine: Any, rag_world: dict[str, str]) -> None:
    items = list(chat_engine.stream(rag_world["engineer"], "How good am I at maths?"))
    final = items[-1]
    assert isinstance(final, ChatResult)
    assert "".join(p for p in items[:-1] if isinstance(p, str)).strip() == final.answer


def test_errors(chat_engine: Any, rag_world: dict[str, str]) -> None:
    with pytest.raises(QuestionRejected):
        chat_engine.answer(rag_world["nurse"], "")
    with pytest.raises(UserNotFound):
        chat_engine.answer("nobody-here", "Which careers suit me?")
    with pytest.raises(ConversationNotFound):
        chat_engine.answer(rag_world["nurse"], "why?", conversation_id="00000000-0000-0000-0000-000000000000")


def _write_majors(engine: Any, embedder: Any, user: str, reason: str) -> None:
    content = example_content(DocumentType.major_recommendations)
    content["items"][0]["reasons"] = [reason]
    doc = ChatDocument.model_validate({"user_id": user, "document_type": "major_recommendations", "content": content})
    sections = doc.content.sections()
    vectors = embedder.embed_documents([s.text for s in sections])
    chunks = [ChunkInput(i, s.section_id, s.title, s.text, vectors[i], embedder.model) for i, s in enumerate(sections)]
    with session_scope(engine) as session:
        DocumentRepository(session).write_version(user, [(doc, chunks)])


def test_answer_cache_and_chunk_invalidation(settings: Any, engine: Any, rag_embedder: Any, rag_world: Any) -> None:
    chat = ChatEngine(settings, engine, embedder=rag_embedder, generator=OfflineComposer())
    user = "rag-cache-owner"  # its own person: the shared world stays as the golden set expects
    _write_majors(engine, rag_embedder, user, "It combines your Social and Investigative interests")
    first = chat.answer(user, "Which majors should I study?")
    again = chat.answer(user, "which majors should I study")
    assert not first.cached and again.cached and again.answer == first.answer
    assert chat.cache_stats()["answers"]["hits"] == 1
    chunk_misses = chat.cache_stats()["chunks"]["misses"]
    # A new version lands: both caches must notice through the version marker, without any timer.
    _write_majors(engine, rag_embedder, user, "A brand new reason about your strong creativity")
    fresh = chat.answer(user, "Which majors should I study?")
    assert not fresh.cached
    assert chat.cache_stats()["chunks"]["invalidations"] >= 1
    assert chat.cache_stats()["chunks"]["misses"] > chunk_misses


def test_forget_user_drops_only_that_persons_cached_chunks_and_answers(
    settings: Any, engine: Any, rag_embedder: Any, rag_world: Any
) -> None:
    chat = ChatEngine(settings, engine, embedder=rag_embedder, generator=OfflineComposer())
    erased, other = "rag-forget-owner", rag_world["nurse"]
    _write_majors(engine, rag_embedder, erased, "It combines your Social and Investigative interests")
    for user in (erased, erased, other):
        chat.answer(user, "Which majors should I study?")
    chat.answer(erased, "Which careers suit me?")

    assert chat.forget_user(erased) == {"chunks": 1, "answers": 2}
    assert chat.forget_user(erased) == {"chunks": 0, "answers": 0}  # idempotent
    assert not chat.answer(erased, "Which majors should I study?").cached  # recomputed, not served from cache
    assert chat.answer(other, "Which majors should I study?").cached  # everybody else keeps theirs
    misses = chat.cache_stats()["chunks"]["misses"]
    chat.forget_user(erased)
    chat.answer(erased, "How organised am I?")
    assert chat.cache_stats()["chunks"]["misses"] == misses + 1  # chunks reloaded from the database


def test_question_and_answer_limits_come_from_settings(
    settings: Any, engine: Any, rag_embedder: Any, rag_world: Any
) -> None:
    tight = settings.model_copy(update={"max_question_chars": 40, "max_answer_chars": 300})
    chat = ChatEngine(tight, engine, embedder=rag_embedder, generator=OfflineComposer())
    with pytest.raises(QuestionRejected) as rejected:
        chat.answer(rag_world["nurse"], "Which careers suit me, and what would a typical day look like?")
    assert rejected.value.code == "question_too_long" and "limit is 40" in rejected.value.message
    result = chat.answer(rag_world["nurse"], "Which careers suit me?")
    assert len(result.answer) <= 300 and result.citations
    assert result.answer.rstrip()[-1] in ".!?]"  # ends on a whole sentence, not mid-word


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from aptichat.settings import Settings

    assert (Settings().max_question_chars, Settings().max_answer_chars) == (2000, 1800)
    monkeypatch.setenv("APTICHAT_MAX_QUESTION_CHARS", "500")
    monkeypatch.setenv("APTICHAT_MAX_ANSWER_CHARS", "900")
    assert (Settings.from_env().max_question_chars, Settings.from_env().max_answer_chars) == (500, 900)
    assert Settings().jwt_secret is None  # no secret in the code: generated per install (aptichat/secrets.py)


def test_broken_embedder_falls_back_to_keywords(settings: Any, engine: Any, rag_world: Any) -> None:
    class Broken:
        model, dim = "broken", 384

        def embed_query(self, text: str) -> Any:
            raise RuntimeError("embedding service down")

        def embed_documents(self, texts: Any, titles: Any = None) -> Any:
            raise RuntimeError("embedding service down")

    chat = ChatEngine(settings, engine, embedder=Broken(), generator=OfflineComposer())
    intent, _, sections = chat.explain(rag_world["nurse"], "Why was nursing recommended for me?")
    assert intent.value == "careers"
    assert "careers:29-1141.00" in [s.section_id for s in sections[:5]]
    assert all(s.similarity is None for s in sections)
