"""Chat: ask a question (JSON, SSE stream or WebSocket), read history. Answers come from the rag
package's ChatEngine, imported lazily and built once per app on first use (it loads the embedder)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, stream_with_context

from aptichat_api import database, metrics, store
from aptichat_api.auth import Principal, current_principal
from aptichat_api.errors import DATABASE_UNAVAILABLE, ApiError, database_unavailable, error_body
from aptichat_api.experiments import chat_variant
from aptichat_api.routing import api_route
from aptichat_api.schemas import ChatAnswer, Citation, HistoryQuery, HistoryResponse, QuestionRequest

bp = Blueprint("chat", __name__, url_prefix="/chat")
_engine_lock = threading.Lock()
ENGINE_KEY = "aptichat_chat_engine"


def get_chat_engine(app: Flask | None = None) -> Any:
    """The app's ChatEngine, created on first use (double-checked so concurrent first questions
    build it once)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get(ENGINE_KEY)
    if engine is None:
        with _engine_lock:
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


def chat_engine_if_built(app: Flask) -> Any | None:
    return app.extensions.get(ENGINE_KEY)


def _asker(principal: Principal) -> str:
    """Chat always speaks for the token's own person, admins included; the person must exist."""
    assert principal.user_id is not None  # require("user") guarantees it
    with database.session() as session:
        store.get_user(session, principal.user_id)
    return principal.user_id


def answer_body(result: Any) -> dict[str, Any]:
    """ChatResult -> the POST /chat/question body (also the final event of both streams)."""
    body = ChatAnswer(
        conversation_id=result.conversation_id,
        message_id=result.message_id,
        answer=result.answer,
        intent=str(result.intent),
        citations=[
            Citation(
                n=c.n,
                document_type=str(c.document_type),
                section_id=c.section_id,
                title=c.title,
                snippet=c.snippet,
            )
            for c in result.citations
        ],
        provider=result.provider,
        degraded=result.degraded,
    )
    return body.model_dump(mode="json")


def _engine_errors(exc: Exception) -> ApiError | None:
    """The rag package's refusals as API errors (None for anything unexpected)."""
    from aptichat_api.rag import ConversationNotFound, QuestionRejected, UserNotFound

    if isinstance(exc, UserNotFound):
        return ApiError(404, "user_not_found", "No documents have been built for you yet.")
    if isinstance(exc, QuestionRejected):
        metrics.REJECTED_QUESTIONS.inc(exc.code)
        return ApiError(422, exc.code, exc.message)
    if isinstance(exc, ConversationNotFound):
        return ApiError(404, "conversation_not_found", "No conversation of yours with that id.")
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable()  # also the streams' error event, not an internal_error
    return None


def _record(result: Any, variant: str | None) -> None:
    metrics.ANSWERS.inc(str(result.provider), str(bool(result.degraded)).lower(), variant or "none")


def ask(user_id: str, question: QuestionRequest) -> dict[str, Any]:
    """Answer one question for `user_id` (shared by the JSON route and the WebSocket)."""
    variant = chat_variant(current_app.config["SETTINGS"], user_id)
    try:
        result = get_chat_engine().answer(user_id, question.question, question.conversation_id, variant=variant)
    except Exception as exc:
        mapped = _engine_errors(exc)
        if mapped is None:
            raise
        raise mapped from exc
    _record(result, variant)
    return answer_body(result)


def stream_events(user_id: str, question: QuestionRequest) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) pairs: `token` events, then one `answer` (or one `error`)."""
    variant = chat_variant(current_app.config["SETTINGS"], user_id)
    try:
        for item in get_chat_engine().stream(user_id, question.question, question.conversation_id, variant=variant):
            if isinstance(item, str):
                yield "token", {"text": item}
            else:
                _record(item, variant)
                yield "answer", answer_body(item)
    except Exception as exc:
        mapped = _engine_errors(exc)
        if mapped is None:
            # Headers are already sent, so the catch-all handler cannot answer: report it here.
            current_app.logger.exception("chat stream failed")
            metrics.UNHANDLED_ERRORS.inc()
            mapped = ApiError(500, "internal_error", "Something went wrong on our side.")
        yield "error", {**error_body(mapped.code, mapped.message, mapped.details), "status": mapped.status}


@api_route(
    bp,
    "/question",
    "POST",
    summary="Ask the advisor a question",
    body=QuestionRequest,
    response=ChatAnswer,
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def question(body: QuestionRequest) -> dict[str, Any]:
    """Answer from the caller's own documents and the catalog, with numbered citations. Starts a
    conversation unless `conversation_id` continues one of the caller's."""
    return ask(_asker(current_principal()), body)


@api_route(
    bp,
    "/stream",
    "POST",
    summary="Ask with a streamed answer (Server-Sent Events)",
    body=QuestionRequest,
    response=None,
    media_type="text/event-stream",
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def stream(body: QuestionRequest) -> Response:
    """`event: token` with `{"text"}` as the answer is produced, then one `event: answer` whose data is
    the POST /chat/question body, or one `event: error` with the error body (and its `status`)."""
    user_id = _asker(current_principal())

    def generate() -> Iterator[str]:
        for event, data in stream_events(user_id, body):
            yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return Response(
        stream_with_context(generate()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@api_route(
    bp,
    "/history",
    "GET",
    summary="Conversation history, or the caller's conversations",
    query=HistoryQuery,
    response=HistoryResponse,
    errors=(401, 403, 404, 422, 429),
)
def history(query: HistoryQuery) -> dict[str, Any]:
    """With `conversation_id`: up to `limit` messages, oldest first (newest last), and `next_before`
    to page further back. Without it: the caller's conversations, most recent first."""
    from aptichat_api.rag import ConversationNotFound, ConversationStore

    user_id = _asker(current_principal())
    with database.session() as session:
        memory = ConversationStore(session)
        if query.conversation_id is None:
            conversations = memory.list_conversations(user_id)
            return {"conversations": [{"conversation_id": c.id, **c.model_dump(exclude={"id"})} for c in conversations]}
        try:
            page = memory.history(user_id, query.conversation_id, limit=query.limit, before=query.before)
        except ConversationNotFound as exc:
            raise ApiError(404, "conversation_not_found", "No conversation of yours with that id.") from exc
        messages = [{"message_id": m.id, **m.model_dump(exclude={"id"})} for m in page.messages]
        return {"conversation_id": page.conversation_id, "messages": messages, "next_before": page.next_before}


# The WebSocket lives in its own module (chat_ws) and registers on this blueprint.
from aptichat_api.blueprints import chat_ws  # noqa: E402,F401
