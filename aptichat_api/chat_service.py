"""The chat service: the app's ChatEngine, built once per app on first use (it loads the embedder),
the engine's refusals as ApiErrors, and its results as ChatAnswer bodies.

An extension object bound with `init_app` (as microblog-api binds its extensions): the chat views,
the WebSocket, erasure and the probes reach the engine through `chat_service`, never through
another view module. Tests replace the engine with the `CHAT_ENGINE_FACTORY` config key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import chain
from typing import Any

from flask import Flask, current_app

from aptichat.person_state import person_state
from aptichat_api import database, metrics
from aptichat_api.errors import DATABASE_UNAVAILABLE, ApiError, database_unavailable, error_body
from aptichat_api.experiments import chat_variant
from aptichat_api.rag import ChatResult, ConversationNotFound, QuestionRejected, UserNotFound
from aptichat_api.schemas import ChatAnswer, QuestionRequest

ENGINE_KEY = "aptichat_chat_engine"
Event = tuple[str, dict[str, Any]]


def engine_error(exc: Exception, question: str | None = None, engine: Any = None) -> ApiError | None:
    """The rag package's refusals as API errors (None for anything unexpected)."""
    if isinstance(exc, UserNotFound):
        return safe_reply_without_documents(question, engine) or no_documents(exc)
    if isinstance(exc, QuestionRejected):
        metrics.REJECTED_QUESTIONS.labels(exc.code).inc()
        return ApiError(422, exc.code, exc.message)
    if isinstance(exc, ConversationNotFound):
        return ApiError(404, "conversation_not_found", "No conversation of yours with that id.")
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable()  # also the streams' error event, not an internal_error
    return None


def safe_reply_without_documents(question: str | None, engine: Any) -> ApiError | None:
    """A message in distress always gets the safety reply, even from someone with no documents yet
    (no chat_users row, so no conversation to store it in or flag): the 404's message is the fixed,
    reviewed reply and `details.safety` says so, so the chat page shows it instead of their state."""
    if not question:
        return None
    check = getattr(engine, "assess_safety", None)
    found = check(question, []) if callable(check) else None
    if found is None:
        return None
    from aptichat.safety import safe_reply

    settings = current_app.config["SETTINGS"]
    metrics.SAFETY_FLAGS.labels(str(found.category)).inc()
    reply = safe_reply(found, helpline=settings.safety_helpline)
    return ApiError(404, "user_not_found", reply, {"safety": str(found.category), "state": "unknown"})


def no_documents(exc: UserNotFound) -> ApiError:
    """A person the chat cannot answer from documents (none were built: a rejected test, one still
    being processed, or nobody we know): 404 `user_not_found` whose message is their state in their
    words (reason and advice, as GET /users/{id}/status), so the chat page shows why and what to do;
    `details` carries the state. We keep the 404 rather than a made-up answer: with no chat_users
    row there is no conversation to store a question in, and an erased person stays not found."""
    user_id = exc.args[0] if exc.args and isinstance(exc.args[0], str) else None
    if user_id is not None:
        try:
            with database.session() as session:
                state = person_state(session, user_id)
        except DATABASE_UNAVAILABLE:
            state = None
        if state is not None:
            details = state.model_dump(mode="json", include={"state", "reason", "advice", "updated_at"})
            return ApiError(404, "user_not_found", f"{state.reason} {state.advice}", details)
    return ApiError(404, "user_not_found", "No documents have been built for you yet.")


def _app(app: Flask | None) -> Flask:
    return app or current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


class ChatService:
    """Questions in, ChatAnswers (whole or as events) out, for the current app's engine."""

    def __init__(self, app: Flask | None = None) -> None:
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions["aptichat_chat"] = self
        app.extensions.setdefault(ENGINE_KEY, None)  # built on the first question, not with the app

    # -- the engine's lifecycle ---------------------------------------------------------------------

    def engine(self, app: Flask | None = None) -> Any:
        """The app's ChatEngine, created on first use (double-checked so concurrent first questions
        build it once)."""
        app = _app(app)
        engine = app.extensions.get(ENGINE_KEY)
        if engine is None:
            with self._lock:
                engine = app.extensions.get(ENGINE_KEY)
                if engine is None:
                    factory = app.config.get("CHAT_ENGINE_FACTORY")
                    if factory is not None:
                        engine = factory(app)
                    else:
                        from aptichat_api.rag import ChatEngine

                        with app.app_context():
                            engine = ChatEngine(app.config["SETTINGS"], database.engine())
                    app.extensions[ENGINE_KEY] = engine
        return engine

    def engine_if_built(self, app: Flask | None = None) -> Any | None:
        return _app(app).extensions.get(ENGINE_KEY)

    def forget_user(self, user_id: str) -> None:
        """Drop the person's cached chunks and answers. Without a per-user hook on the engine, the
        whole engine is discarded and rebuilt on the next question (the embedder is process-cached)."""
        app = _app(None)
        engine = self.engine_if_built(app)
        if engine is None:
            return
        forget = getattr(engine, "forget_user", None)
        if callable(forget):
            forget(user_id)
        else:
            app.extensions[ENGINE_KEY] = None

    def embedder_loaded(self) -> bool:
        engine = self.engine_if_built()
        return engine is not None and getattr(engine, "_embedder", None) is not None

    def cache_events(self) -> dict[tuple[str, ...], float]:
        """(cache, event) -> count for /metrics; empty until the engine is built."""
        engine = self.engine_if_built()
        if engine is None:
            return {}
        return {
            (cache, event): float(count)
            for cache, stats in engine.cache_stats().items()
            for event, count in stats.items()
        }

    # -- questions ----------------------------------------------------------------------------------

    def answer(self, user_id: str, question: QuestionRequest) -> ChatAnswer:
        """Answer one question for `user_id`: the POST /chat/question body."""
        variant = chat_variant(current_app.config["SETTINGS"], user_id)
        engine = self.engine()
        try:
            result = engine.answer(user_id, question.question, question.conversation_id, variant=variant)
        except Exception as exc:
            mapped = engine_error(exc, question.question, engine)
            if mapped is None:
                raise
            raise mapped from exc
        return self._answered(result, variant)

    def stream(self, user_id: str, question: QuestionRequest) -> Iterator[Event]:
        """(event, data) pairs: `token` events, then one `answer` (or one `error`).

        The engine starts here, before the caller sends anything: an unknown person (the engine loads
        the person, once per question) raises ApiError 404 while an HTTP status can still say so.
        Any later failure, and every other refusal, is the stream's `error` event.
        """
        variant = chat_variant(current_app.config["SETTINGS"], user_id)
        engine = self.engine()
        items = engine.stream(user_id, question.question, question.conversation_id, variant=variant)
        try:
            first = next(items)
        except UserNotFound as exc:
            mapped = engine_error(exc, question.question, engine)
            assert mapped is not None
            raise mapped from exc
        except Exception as exc:
            return self._failed(exc)
        return self._events(chain([first], items), variant)

    def _events(self, items: Iterator[str | ChatResult], variant: str | None) -> Iterator[Event]:
        try:
            for item in items:
                if isinstance(item, str):
                    yield "token", {"text": item}
                else:
                    yield "answer", self._answered(item, variant).model_dump(mode="json")
        except Exception as exc:
            yield from self._failed(exc)

    def _failed(self, exc: Exception) -> Iterator[Event]:
        mapped = engine_error(exc)
        if mapped is None:
            # Headers are already sent, so the catch-all handler cannot answer: report it here.
            current_app.logger.exception("chat stream failed", exc_info=exc)
            metrics.UNHANDLED_ERRORS.inc()
            mapped = ApiError(500, "internal_error", "Something went wrong on our side.")
        yield "error", {**error_body(mapped.code, mapped.message, mapped.details), "status": mapped.status}

    def _answered(self, result: ChatResult, variant: str | None) -> ChatAnswer:
        metrics.ANSWERS.labels(str(result.provider), str(bool(result.degraded)).lower(), variant or "none").inc()
        if result.degraded:
            metrics.DEGRADED_ANSWERS.labels(result.degraded_cause or "unknown").inc()
        metrics.publish_cache_events(self.cache_events())
        return ChatAnswer.from_result(result)


chat_service = ChatService()


def chat_engine_if_built(app: Flask) -> Any | None:
    """The app's engine if a question has built it (tests inspect its caches)."""
    return chat_service.engine_if_built(app)
