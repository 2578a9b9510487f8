"""ChatEngine: one question in, one grounded, cited answer out (whole or streamed).

Three phases, so no database connection is held while a model is thinking:
1. one transaction: validate, load the conversation and memory, store the person's message (it is
   never lost, even if a later step fails: retrieval failures are contained in savepoints and only
   degrade the answer), check safety (a flagged message gets the safety layer's fixed reply and
   goes no further: no intent, retrieval, cache or provider), resolve follow-ups, classify,
   retrieve, build the prompt;
2. no transaction: generate (or reuse a cached answer), streaming pieces as they are cleaned;
3. one transaction: store the assistant's message with citations, provider, latency, variant and
   the follow-up context, and the conversation summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatUser
from aptichat.intents import Intent
from aptichat.llm.types import AnswerGenerator, AnswerRequest, ContextSection, GeneratedAnswer, Turn
from aptichat.neutral import neutral_query
from aptichat.safety import SafetyAssessment, SafetyCategory, assess, safe_reply
from aptichat.settings import Settings
from aptichat_api import metrics
from aptichat_api.rag.cache import AnswerCache, CachedAnswer, ChunkCache, UserChunks
from aptichat_api.rag.context import BuiltPrompt, build_prompt, first_sentences, token_counter
from aptichat_api.rag.followups import ResolvedQuestion, answer_context, resolve_follow_up
from aptichat_api.rag.generation import AnswerPipeline
from aptichat_api.rag.memory import SAFETY_PROVIDER, ConversationStore, StoredMessage
from aptichat_api.rag.question import IntentClassifier, injection_markers, normalise_question, validate_question
from aptichat_api.rag.results import ChatResult, Citation, UserNotFound
from aptichat_api.rag.retrieval import RetrievedSection, Retriever
from aptichat_api.rag.understanding import QuestionUnderstanding, Understanding

log = logging.getLogger(__name__)

HISTORY_WINDOW = 6  # turns kept verbatim in the prompt; older ones live in the summary
NO_RETRIEVAL = (Intent.SMALLTALK, Intent.OUT_OF_SCOPE)
# Distress is often spread over messages ("i failed again" ... "whats the point of trying"): the
# safety check also reads the person's last turns joined with this one.
SAFETY_TURNS = 3


@dataclass
class _Prepared:
    """Everything phase 1 hands to phases 2 and 3."""

    conversation_id: str
    question: str
    intent: Intent
    resolved: ResolvedQuestion
    flags: list[str]
    marker: Hashable
    chunks: UserChunks
    request: AnswerRequest
    built: BuiltPrompt | None
    summary_upto: int | None
    cache_key: tuple[str, str, Hashable, str] | None
    cached: CachedAnswer | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    degraded_cause: str | None = None  # a retrieval path failed: the answer rests on what remained
    user_message_id: int | None = None
    safety: SafetyAssessment | None = None  # set when the safety layer answers instead of a provider


class ChatEngine:
    """The RAG engine the Flask API calls. Thread-safe; create one per process."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        embedder: Any | None = None,
        generator: AnswerGenerator | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self._embedder = embedder
        if generator is None:
            from aptichat.llm import get_answer_generator

            generator = get_answer_generator(settings)
        self.pipeline = AnswerPipeline(generator)
        self.retriever = Retriever()
        self.understanding = QuestionUnderstanding()
        self.chunk_cache = ChunkCache()
        self.answer_cache = AnswerCache(settings.query_cache_size)
        self.counter = token_counter(settings)
        self.max_question_chars = settings.max_question_chars
        self.max_answer_chars = settings.max_answer_chars

    # -- public API -----------------------------------------------------------------------------

    @property
    def embedder(self) -> Any | None:
        """The query embedder, loaded on first use; None when it cannot load (keyword-only)."""
        if self._embedder is None:
            try:
                from aptichat.embeddings import get_embedder

                self._embedder = get_embedder(self.settings, engine=self.engine)
            except Exception as exc:
                log.warning("embedder unavailable, keyword-only retrieval: %s", exc)
        return self._embedder

    def cache_stats(self) -> dict[str, dict[str, int]]:
        return {"chunks": self.chunk_cache.stats.as_dict(), "answers": self.answer_cache.stats.as_dict()}

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Drop everything cached about the person (their chunks and answers), e.g. after erasure:
        an erased person's answers must not be served again, even to a re-created account with the
        same id before any new document version lands. Returns how many entries went per cache."""
        return {"chunks": self.chunk_cache.forget(user_id), "answers": self.answer_cache.forget(user_id)}

    def answer(
        self, user_id: str, question: object, conversation_id: str | None = None, variant: str | None = None
    ) -> ChatResult:
        """The whole answer. Raises QuestionRejected, UserNotFound or ConversationNotFound."""
        result: ChatResult | None = None
        for item in self.stream(user_id, question, conversation_id, variant):
            if isinstance(item, ChatResult):
                result = item
        assert result is not None  # stream always ends with a ChatResult
        return result

    def stream(
        self, user_id: str, question: object, conversation_id: str | None = None, variant: str | None = None
    ) -> Iterator[str | ChatResult]:
        """Cleaned text pieces, then the ChatResult (whose answer is the pieces joined).

        Validation and ownership errors raise on the first next(), before any text is produced.
        """
        started = time.perf_counter()
        text = validate_question(question, self.max_question_chars)
        with session_scope(self.engine) as session:
            prep = self._prepare(session, user_id, text, conversation_id, variant)
        answer: GeneratedAnswer | None = None
        if prep.safety is not None:
            answer = GeneratedAnswer(
                text=safe_reply(prep.safety, helpline=self.settings.safety_helpline), provider=SAFETY_PROVIDER
            )
            yield answer.text
        elif prep.cached is not None:
            answer = GeneratedAnswer(text=prep.cached.answer, provider=prep.cached.provider)
            yield answer.text
        else:
            generating = time.perf_counter()
            for piece in self.pipeline.stream(prep.request):
                if isinstance(piece, GeneratedAnswer):
                    answer = piece
                else:
                    yield piece
            if answer is not None:
                seconds = time.perf_counter() - generating
                metrics.GENERATION_SECONDS.labels(prep.intent.value, answer.provider).observe(seconds)
            if answer is not None and (checked := answer.faithfulness) is not None:
                metrics.count_faithfulness(checked.provider, checked.outcome, checked.problems)
        assert answer is not None
        latency = round((time.perf_counter() - started) * 1000, 1)
        with session_scope(self.engine) as session:
            result = self._persist(session, user_id, prep, answer, latency, variant)
        yield result

    # -- phase 1 --------------------------------------------------------------------------------

    def _prepare(
        self, session: Session, user_id: str, question: str, conversation_id: str | None, variant: str | None
    ) -> _Prepared:
        user = session.get(ChatUser, user_id)
        if user is None:
            raise UserNotFound(user_id)
        store = ConversationStore(session)
        conversation = store.get_or_create(user_id, conversation_id, question)
        previous = store.last_assistant_context(user_id, conversation.id) if conversation_id else None
        summary_upto = (previous or {}).get("summary_upto")
        earlier = store.recent_user_texts(user_id, conversation.id, SAFETY_TURNS - 1) if conversation_id else []
        messages = store.history(user_id, conversation.id, limit=HISTORY_WINDOW + 2).messages if conversation_id else []
        messages = [m for m in without_safety_turns(messages) if summary_upto is None or m.id > summary_upto]
        asked = store.add_message(conversation, "user", question)

        # Safety first: a flagged message reaches no classifier, retrieval, cache or provider.
        safety = self.assess_safety(question, earlier)
        if safety is not None:
            empty = UserChunks(marker=None)
            return _Prepared(
                conversation.id, question, Intent.SAFETY, resolve_follow_up(question, None), [], None, empty,
                AnswerRequest(question=question, intent=Intent.SAFETY), None, None, None,
                user_message_id=asked.id, safety=safety,
            )  # fmt: skip
        if (previous or {}).get("intent") == Intent.SAFETY.value:
            previous = None  # "why?" after a safety reply refers to nothing we can retrieve

        flags = injection_markers(question)
        resolved = resolve_follow_up(question, previous)
        marker = self.chunk_cache.marker(session, user_id)
        chunks = self.chunk_cache.get(session, user_id, marker)
        gaps = dict(user.document_gaps or {})

        cache_key = None
        if not resolved.is_follow_up and not flags:
            # Gaps can change without a new document version; they shape the answer, so key on them too.
            version = (marker, tuple(sorted(gaps.items())))
            cache_key = AnswerCache.key(user_id, normalise_question(question), version, variant)
            cached = self.answer_cache.get(cache_key)
            if cached is not None:
                request = AnswerRequest(question=question, intent=Intent(cached.intent))
                return _Prepared(
                    conversation.id, question, Intent(cached.intent), resolved, flags, marker, chunks,
                    request, None, None, cache_key, cached,
                )  # fmt: skip

        intent, sections, cause, retrieval_error, understood = self._understand(
            session, user_id, question, resolved, chunks
        )
        context_sections = [
            ContextSection(n=i, document_type=s.document_type, section_id=s.section_id, title=s.title, text=s.text)
            for i, s in enumerate(sections, start=1)
        ]
        turns = [Turn(role=m.role, text=m.text) for m in messages]  # type: ignore[arg-type]
        built = build_prompt(
            resolved.text if resolved.is_follow_up else question,
            intent,
            context_sections,
            turns,
            conversation.summary,
            gaps,
            self.counter,
            variant=variant,
            keep_turns=HISTORY_WINDOW,
        )
        if built.folded_turns:
            store.set_summary(conversation, built.summary)
            summary_upto = messages[len(built.folded_turns) - 1].id
        request = AnswerRequest(
            question=resolved.text if resolved.is_follow_up else question,
            intent=intent,
            sections=built.sections,
            history=built.history,
            system_instruction=built.system_instruction,
            prompt=built.prompt,
            gaps=gaps,
            max_chars=self.max_answer_chars,
            **self.understanding.request_fields(understood, built.sections),
        )
        return _Prepared(
            conversation.id, question, intent, resolved, flags, marker, chunks, request, built,
            summary_upto, cache_key,
            extra={"template": built.template.name, "retrieval_error": retrieval_error, "degraded_cause": cause},
            degraded_cause=cause, user_message_id=asked.id,
        )  # fmt: skip

    def assess_safety(self, question: str, earlier: list[str]) -> SafetyAssessment | None:
        """The safety layer's verdict when the message needs its fixed reply, else None.

        The message alone is judged by the rules and, with the local model, the semantic layer; the
        last turns joined with it by the rules, for distress only. The bare provider embeds (never
        the caching wrapper), so no vector of a person's message is stored in chat_embedding_cache.
        """
        embedder = self.embedder
        provider = getattr(embedder, "inner", embedder)
        try:
            found = assess(question, embedder=provider if getattr(provider, "model", None) else None)
        except Exception as exc:  # the semantic layer is an extra; the rules always run
            log.warning("semantic safety check failed, rules only: %s", exc)
            found = assess(question)
        if not found.needs_safe_reply and earlier:
            joined = assess("\n".join([*earlier, question]))
            if joined.category is SafetyCategory.DISTRESS:
                found = joined.model_copy(update={"signals": (*joined.signals, "across_turns")})
        return found if found.needs_safe_reply else None

    def _understand(
        self, session: Session, user_id: str, question: str, resolved: ResolvedQuestion, chunks: UserChunks
    ) -> tuple[Intent, list[RetrievedSection], str | None, str | None, Understanding]:
        """Intent, ranked sections, (when a retrieval path failed) the degraded cause and error, and
        what the question asks (understanding.py: its type, the items and scales it names)."""
        # who is asking must not change what is found (neutral.py): classify and retrieve without it
        query = neutral_query(resolved.text)
        vector, vector_error = self._embed(query)
        if resolved.is_follow_up and resolved.intent is not None:
            intent = resolved.intent
        else:
            classifier = IntentClassifier(self.embedder if vector is not None else None)
            intent = classifier.classify(neutral_query(question), vector).intent
        understood = self.understanding.understand(
            session, resolved.text, chunks.chunks, lambda part: IntentClassifier().classify(part).intent
        )
        if not (resolved.is_follow_up and resolved.intent is not None):
            intent = understood.intent_for(intent)
        if intent in NO_RETRIEVAL:
            return intent, [], None, None, understood
        pinned = [
            RetrievedSection("own", c.document_type, c.section_id, c.title, c.text)
            for sid in resolved.pinned_section_ids
            if (c := chunks.by_section(sid)) is not None
        ]
        retrieving = time.perf_counter()
        result = self.retriever.retrieve(
            session, user_id, query, intent, vector, pinned=pinned, vector_error=vector_error
        )
        metrics.RETRIEVAL_SECONDS.labels(intent.value).observe(time.perf_counter() - retrieving)
        if result.degraded_cause is not None:
            metrics.RETRIEVAL_DEGRADED.labels(result.degraded_cause).inc()
        sections = self.understanding.sections(session, user_id, understood, intent, result.sections, chunks.chunks)
        return intent, sections, result.degraded_cause, result.error, understood

    def explain(
        self, user_id: str, question: object, conversation_id: str | None = None
    ) -> tuple[Intent, ResolvedQuestion, list[RetrievedSection]]:
        """What the engine would retrieve for the question, without generating or storing anything
        (for evaluation and admin debugging). Ownership rules apply as in `answer`."""
        text = validate_question(question, self.max_question_chars)
        with session_scope(self.engine) as session:
            previous = None
            if conversation_id is not None:
                store = ConversationStore(session)
                store.get(user_id, conversation_id)
                previous = store.last_assistant_context(user_id, conversation_id)
            resolved = resolve_follow_up(text, previous)
            chunks = self.chunk_cache.get(session, user_id)
            intent, sections, _, _, _ = self._understand(session, user_id, text, resolved, chunks)
        return intent, resolved, sections

    def _embed(self, text: str) -> tuple[np.ndarray | None, str | None]:
        embedder = self.embedder
        if embedder is None:
            return None, "embedder unavailable"
        try:
            return np.asarray(embedder.embed_query(text), dtype=np.float32), None
        except Exception as exc:  # keyword-only retrieval beats no answer
            log.warning("query embedding failed, keyword-only: %s", exc)
            return None, f"{type(exc).__name__}: {exc}"

    # -- phase 3 --------------------------------------------------------------------------------

    def _persist(
        self,
        session: Session,
        user_id: str,
        prep: _Prepared,
        answer: GeneratedAnswer,
        latency_ms: float,
        variant: str | None,
    ) -> ChatResult:
        store = ConversationStore(session)
        conversation = store.get(user_id, prep.conversation_id)
        if prep.safety is not None:
            return self._persist_safety(store, conversation, prep, answer, latency_ms, variant)
        degraded = answer.degraded or prep.degraded_cause is not None
        cause = prep.degraded_cause or (f"provider_{answer.error or 'failed'}" if answer.degraded else None)
        if prep.cached is not None:
            citations = [Citation.model_validate(c) for c in prep.cached.citations]
            context = dict(prep.cached.context)
        else:
            by_n = {s.n: s for s in prep.request.sections}
            citations = [
                Citation(
                    n=n,
                    document_type=by_n[n].document_type,
                    section_id=by_n[n].section_id,
                    title=by_n[n].title,
                    snippet=_snippet(by_n[n].section_id, by_n[n].text),
                )
                for n in answer.citations
                if n in by_n
            ]
            context = answer_context(
                prep.intent,
                prep.resolved.text,
                answer.text,
                [(c.section_id, c.title) for c in prep.chunks.chunks]
                + [(s.section_id, s.title) for s in prep.request.sections],
                [(c.section_id, c.title) for c in citations],
            )
            context.update({k: v for k, v in prep.extra.items() if v is not None})
        if prep.summary_upto is not None:
            context["summary_upto"] = prep.summary_upto
        if prep.flags:
            context["flags"] = prep.flags
        message = store.add_message(
            conversation,
            "assistant",
            answer.text,
            intent=prep.intent.value,
            citations=[c.model_dump() for c in citations],
            provider=answer.provider,
            degraded=degraded,
            latency_ms=latency_ms,
            variant=variant,
            context=context,
        )
        # Only clean, non-degraded answers are reused: a fallback should not outlive the outage.
        if prep.cache_key is not None and prep.cached is None and not degraded:
            self.answer_cache.put(
                prep.cache_key,
                CachedAnswer(
                    answer.text,
                    prep.intent.value,
                    tuple(c.model_dump() for c in citations),
                    answer.provider,
                    {k: v for k, v in context.items() if k != "summary_upto"},
                ),
            )
        return ChatResult(
            conversation_id=conversation.id,
            message_id=message.id,
            answer=answer.text,
            intent=prep.intent.value,
            citations=citations,
            provider=answer.provider,
            degraded=degraded,
            degraded_cause=cause,
            latency_ms=latency_ms,
            variant=variant,
            flags=prep.flags,
            cached=prep.cached is not None,
        )

    @staticmethod
    def _persist_safety(
        store: ConversationStore,
        conversation: Any,
        prep: _Prepared,
        answer: GeneratedAnswer,
        latency_ms: float,
        variant: str | None,
    ) -> ChatResult:
        """The fixed reply, stored without citations and never cached, and the staff-review flag
        (category and rule names; the text stays in the conversation only)."""
        assert prep.safety is not None and prep.user_message_id is not None
        category = prep.safety.category.value
        context = {
            "intent": Intent.SAFETY.value,
            "safety": {"category": category, "signals": list(prep.safety.signals)},
        }
        message = store.add_message(
            conversation,
            "assistant",
            answer.text,
            intent=Intent.SAFETY.value,
            provider=SAFETY_PROVIDER,
            latency_ms=latency_ms,
            variant=variant,
            context=context,
        )
        store.flag_for_review(conversation, prep.user_message_id, category, prep.safety.signals)
        metrics.SAFETY_FLAGS.labels(category).inc()
        return ChatResult(
            conversation_id=conversation.id,
            message_id=message.id,
            answer=answer.text,
            intent=Intent.SAFETY.value,
            provider=SAFETY_PROVIDER,
            latency_ms=latency_ms,
            variant=variant,
        )


def without_safety_turns(messages: list[StoredMessage]) -> list[StoredMessage]:
    """History without the messages the safety layer answered and its replies: what a person said
    in distress is never sent to a provider, not even later as conversation history."""
    kept: list[StoredMessage] = []
    for message in messages:
        if message.role == "assistant" and message.provider == SAFETY_PROVIDER:
            if kept and kept[-1].role == "user":
                kept.pop()
            continue
        kept.append(message)
    return kept


def _snippet(section_id: str, text: str) -> str:
    """What a citation shows. A fit computed for a "why not X?" question (`<area>:fit:<code>`) is
    stored nowhere, so the person can check its figures only here: all of it (a few sentences);
    a stored section's first sentences."""
    return text if ":fit:" in section_id else first_sentences(text, 200)
