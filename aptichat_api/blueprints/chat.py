"""Chat over HTTP: ask a question (JSON or an SSE stream), read history. The views parse, call
`chat_service` (which owns the engine) and render; the WebSocket lives in chat_ws."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, stream_with_context

from aptichat_api import database, streams
from aptichat_api.auth import Principal, current_principal
from aptichat_api.chat_service import chat_service, engine_error
from aptichat_api.errors import ApiError, error_body
from aptichat_api.rag import ConversationNotFound, ConversationStore
from aptichat_api.routing import api_route
from aptichat_api.schemas import ChatAnswer, HistoryQuery, HistoryResponse, QuestionRequest

bp = Blueprint("chat", __name__, url_prefix="/chat")


def _asker(principal: Principal) -> str:
    """Chat always speaks for the token's own person, admins included. Whether the person exists is
    the engine's check (one load per question: unknown people are 404 user_not_found)."""
    if principal.user_id is None:  # an admin's staff account (a browser session) is nobody's person
        raise ApiError(403, "forbidden", "A staff account has no results to chat about.")
    return principal.user_id


@api_route(
    bp,
    "/question",
    "POST",
    summary="Ask the advisor a question",
    body=QuestionRequest,
    response=ChatAnswer,
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def question(body: QuestionRequest) -> ChatAnswer:
    """Answer from the caller's own documents and the catalog, with numbered citations. Starts a
    conversation unless `conversation_id` continues one of the caller's."""
    return chat_service.answer(_asker(current_principal()), body)


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
    asker = _asker(current_principal())
    events = chat_service.stream(asker, body)
    erased = threading.Event()  # set by an erasure of the asker (aptichat_api.streams)

    def generate() -> Iterator[str]:
        with streams.registered(asker, erased.set):
            for event, data in events:
                if erased.is_set():
                    gone = error_body("user_erased", "This person was erased; the answer has ended.")
                    yield f"event: error\ndata: {json.dumps({**gone, 'status': 410})}\n\n"
                    return
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
    auth="person",
    errors=(401, 403, 404, 422, 429),
)
def history(query: HistoryQuery) -> dict[str, Any]:
    """With `conversation_id`: up to `limit` messages, oldest first (newest last), and `next_before`
    to page further back. Without it: the caller's conversations, most recent first. Staff pass
    `user_id` to read a person's (an admin anyone's; a counsellor an assigned student's who shares
    their conversations, else 403 `not_shared`), audited as `history.read`."""
    from aptichat_api.blueprints.conversations import reader_target

    principal = current_principal()
    with database.session() as session:
        user_id = reader_target(session, principal, query.user_id)  # 404 user_not_found for an unknown person
        memory = ConversationStore(session)
        if query.conversation_id is None:
            conversations = memory.list_conversations(user_id)
            return {"conversations": [{"conversation_id": c.id, **c.model_dump(exclude={"id"})} for c in conversations]}
        try:
            page = memory.history(user_id, query.conversation_id, limit=query.limit, before=query.before)
        except ConversationNotFound as exc:
            raise engine_error(exc) from exc  # type: ignore[misc]  # always an ApiError for it
        messages = [{"message_id": m.id, **m.model_dump(exclude={"id"})} for m in page.messages]
        return {"conversation_id": page.conversation_id, "messages": messages, "next_before": page.next_before}
