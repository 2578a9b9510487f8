"""A person's conversations: list, rename, delete (issue 17). History itself is GET /chat/history.

Staff read another person's conversations with `?user_id=`: an admin anyone's, a counsellor only an
assigned student's and only while that student shares them (settings: `share_conversations`). Such a
read is audited (`history.read`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aptichat.db.models import ChatConversation, ChatMessage, ChatSafetyFlag
from aptichat_api import audit, counsellors, database, store
from aptichat_api.auth import Principal, current_principal
from aptichat_api.errors import ApiError
from aptichat_api.rag import ConversationStore
from aptichat_api.routing import api_route
from aptichat_api.schemas import (
    ConversationDeleted,
    ConversationList,
    ConversationsQuery,
    ConversationSummary,
    RenameConversation,
)

bp = Blueprint("conversations", __name__, url_prefix="/chat")
ERRORS = (401, 403, 404, 422, 429)


def reader_target(session: Session, principal: Principal, user_id: str | None) -> str:
    """Whose conversations the caller reads: their own, or (staff) `user_id`'s when allowed. Records
    the staff read in the audit trail."""
    if user_id is None or (principal.role == "user" and user_id == principal.user_id):
        if principal.role == "user" or (principal.is_admin and principal.user_id is not None):
            assert principal.user_id is not None
            store.get_user(session, principal.user_id)
            return principal.user_id
        raise ApiError(422, "user_id_required", "Staff name the person with ?user_id=.")
    if principal.is_counsellor:
        assert principal.staff_id is not None
        if not counsellors.is_assigned(session, principal.staff_id, user_id):
            raise ApiError(403, "forbidden", "This person is not one of your students.")
        user = store.get_user(session, user_id)
        if not user.share_conversations:
            raise ApiError(403, "not_shared", "This student has not chosen to share their conversations.")
    elif principal.is_admin:
        store.get_user(session, user_id)
    else:
        raise ApiError(403, "forbidden", "You can only access your own data.")
    audit.record(session, principal, "history.read", user_id)
    return user_id


def _summary(session: Session, conversation: ChatConversation) -> dict[str, Any]:
    count = session.scalar(
        select(func.count()).select_from(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
    )
    return {
        "conversation_id": conversation.id,
        "title": conversation.title,
        "message_count": int(count or 0),
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
    }


def _own(session: Session, principal: Principal, conversation_id: str) -> ChatConversation:
    """The caller's own conversation; anyone else's is 404 `conversation_not_found` (never 403)."""
    row = session.get(ChatConversation, conversation_id)
    if row is None or principal.user_id is None or row.user_id != principal.user_id:
        raise ApiError(404, "conversation_not_found", "No conversation of yours with this id.")
    return row


@api_route(
    bp,
    "/conversations",
    "GET",
    summary="Your conversations (or, for staff, a person's)",
    query=ConversationsQuery,
    response=ConversationList,
    auth="person",
    errors=ERRORS,
)
def conversations(query: ConversationsQuery) -> dict[str, Any]:
    """Most recently updated first: id, title, message count, created and updated times. Staff pass
    `?user_id=`: an admin reads anyone's list, a counsellor an assigned student's who shares their
    conversations (otherwise 403 `not_shared`); audited as `history.read`."""
    principal = current_principal()
    with database.session() as session:
        user_id = reader_target(session, principal, query.user_id)
        rows = ConversationStore(session).list_conversations(user_id, limit=query.limit)
        return {"conversations": [{"conversation_id": c.id, **c.model_dump(exclude={"id"})} for c in rows]}


@api_route(
    bp,
    "/conversations/<conversation_id>",
    "PATCH",
    summary="Rename a conversation",
    body=RenameConversation,
    response=ConversationSummary,
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def rename(conversation_id: str, body: RenameConversation) -> dict[str, Any]:
    """Give one of your conversations a title (1..200 characters, no control characters)."""
    principal = current_principal()
    with database.session() as session:
        row = _own(session, principal, conversation_id)
        row.title = body.title.strip()
        session.flush()
        session.refresh(row)
        return _summary(session, row)


@api_route(
    bp,
    "/conversations/<conversation_id>",
    "DELETE",
    summary="Delete a conversation",
    response=ConversationDeleted,
    errors=(401, 403, 404, 409, 429),
)
def delete_conversation(conversation_id: str) -> dict[str, Any]:
    """Delete one of your conversations with its messages and their ratings. A conversation the safety
    layer flagged is kept until staff have reviewed it: 409 `conversation_under_review`."""
    principal = current_principal()
    with database.session() as session:
        row = _own(session, principal, conversation_id)
        flagged = session.scalar(
            select(func.count())
            .select_from(ChatSafetyFlag)
            .where(ChatSafetyFlag.conversation_id == row.id, ChatSafetyFlag.reviewed_at.is_(None))
        )
        if flagged:
            raise ApiError(
                409,
                "conversation_under_review",
                "This conversation is waiting for a staff review and cannot be deleted yet.",
            )
        session.execute(delete(ChatSafetyFlag).where(ChatSafetyFlag.conversation_id == row.id))
        session.execute(delete(ChatMessage).where(ChatMessage.conversation_id == row.id))
        session.delete(row)
        session.flush()
    return {"conversation_id": conversation_id, "deleted": True}
