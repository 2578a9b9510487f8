"""Conversation memory: chat_conversations and chat_messages, always scoped by user.

Every read filters by the owner's user_id, so a conversation id of another person behaves exactly
like one that does not exist (ConversationNotFound): ids are not secrets and must not be probes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from aptichat.db.models import ChatConversation, ChatMessage, ChatSafetyFlag
from aptichat.llm.types import Turn

TITLE_MAX_CHARS = 80
SAFETY_PROVIDER = "safety"  # the provider recorded on the safety layer's fixed replies


_MESSAGES = cast(Table, ChatMessage.__table__)
_CONVERSATIONS = cast(Table, ChatConversation.__table__)
# A message and its conversation's activity time in ONE statement (list_conversations orders by the
# latter): a data-modifying CTE runs once with the INSERT, in the same snapshot. Built once, so a
# question does not pay for building and keying the statement, nor for the ORM's unit of work.
_MESSAGE_FIELDS = (
    "conversation_id", "user_id", "role", "text", "intent", "citations", "provider", "degraded", "latency_ms",
    "variant", "context",
)  # fmt: skip
_ADD_MESSAGE = (
    insert(_MESSAGES)
    # named binds (`m_*`), so the UPDATE in the CTE never takes a message field for one of its columns
    .values({name: bindparam(f"m_{name}", type_=_MESSAGES.c[name].type) for name in _MESSAGE_FIELDS})
    .add_cte(
        update(_CONVERSATIONS)
        .where(_CONVERSATIONS.c.id == bindparam("touched_id"))
        .values(updated_at=func.now())
        .cte("touched")
    )
    .returning(_MESSAGES.c.id, _MESSAGES.c.created_at)
)
_NEW_CONVERSATION = insert(_CONVERSATIONS).returning(_CONVERSATIONS.c.created_at, _CONVERSATIONS.c.updated_at)


class ConversationNotFound(LookupError):
    """No conversation with that id belongs to this user."""

    code = "conversation_not_found"


class StoredMessage(BaseModel):
    id: int
    conversation_id: str
    role: str
    text: str
    intent: str | None = None
    citations: list[dict[str, Any]] = Field(default_factory=list)
    provider: str | None = None
    degraded: bool = False
    latency_ms: float | None = None
    variant: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class HistoryPage(BaseModel):
    """Messages oldest first (newest last); `next_before` pages further back, None at the start."""

    conversation_id: str
    messages: list[StoredMessage]
    next_before: int | None = None


class ConversationInfo(BaseModel):
    id: str
    title: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int


def _stored(row: ChatMessage) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        role=row.role,
        text=row.text,
        intent=row.intent,
        citations=list(row.citations or []),
        provider=row.provider,
        degraded=bool(row.degraded),
        latency_ms=row.latency_ms,
        variant=row.variant,
        context=dict(row.context or {}),
        created_at=row.created_at,
    )


class ConversationStore:
    """Reads and writes one user's conversations through the given session (caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str, conversation_id: str) -> ChatConversation:
        # by primary key (the session's identity map first), then the owner: another person's
        # conversation is not found, exactly like a missing one
        row = self.session.get(ChatConversation, conversation_id)
        if row is None or row.user_id != user_id:
            raise ConversationNotFound(conversation_id)
        return row

    def get_or_create(self, user_id: str, conversation_id: str | None, first_question: str) -> ChatConversation:
        """The user's conversation, or a new one titled after the first question."""
        if conversation_id is not None:
            return self.get(user_id, conversation_id)
        title = first_question
        if len(title) > TITLE_MAX_CHARS:
            title = title[: TITLE_MAX_CHARS - 1] + "…"
        row = ChatConversation(id=str(uuid.uuid4()), user_id=user_id, title=title, summary=None)
        # one INSERT .. RETURNING, then the row joins the session as if loaded (later changes, such as
        # set_summary, are flushed as usual) without a unit-of-work flush for the insert itself
        row.created_at, row.updated_at = self.session.execute(
            _NEW_CONVERSATION, {"id": row.id, "user_id": user_id, "title": title, "summary": None}
        ).one()
        make_transient_to_detached(row)
        self.session.add(row)
        return row

    def add_message(
        self,
        conversation: ChatConversation,
        role: str,
        text: str,
        *,
        intent: str | None = None,
        citations: list[dict[str, Any]] | None = None,
        provider: str | None = None,
        degraded: bool = False,
        latency_ms: float | None = None,
        variant: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> ChatMessage:
        """Store a message and touch its conversation (one statement). The returned row carries the
        message's id and created_at; it is not attached to the session (nothing changes it later)."""
        values: dict[str, Any] = {
            "conversation_id": conversation.id,
            "user_id": conversation.user_id,
            "role": role,
            "text": text,
            "intent": intent,
            "citations": citations or [],
            "provider": provider,
            "degraded": degraded,
            "latency_ms": latency_ms,
            "variant": variant,
            "context": context or {},
        }
        params = {f"m_{name}": value for name, value in values.items()}
        message_id, created_at = self.session.execute(_ADD_MESSAGE, {**params, "touched_id": conversation.id}).one()
        if conversation in self.session:
            self.session.expire(conversation, ["updated_at"])  # the database's now(), read if asked
        return ChatMessage(id=message_id, created_at=created_at, **values)

    def set_summary(self, conversation: ChatConversation, summary: str | None) -> None:
        conversation.summary = summary
        self.session.flush()

    def history(self, user_id: str, conversation_id: str, limit: int = 20, before: int | None = None) -> HistoryPage:
        """Up to `limit` messages older than message id `before` (all if None), newest last."""
        self.get(user_id, conversation_id)
        limit = max(1, min(limit, 200))
        query = select(ChatMessage).where(
            ChatMessage.conversation_id == conversation_id, ChatMessage.user_id == user_id
        )
        if before is not None:
            query = query.where(ChatMessage.id < before)
        rows = list(self.session.scalars(query.order_by(ChatMessage.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        rows.reverse()
        return HistoryPage(
            conversation_id=conversation_id,
            messages=[_stored(r) for r in rows],
            next_before=rows[0].id if more and rows else None,
        )

    def recent_turns(self, user_id: str, conversation_id: str, limit: int = 12) -> list[Turn]:
        """The last turns as the generator wants them."""
        page = self.history(user_id, conversation_id, limit=limit)
        return [Turn(role=m.role, text=m.text) for m in page.messages if m.role in ("user", "assistant")]  # type: ignore[arg-type]

    def recent_user_texts(self, user_id: str, conversation_id: str, limit: int = 2) -> list[str]:
        """The person's last `limit` messages in the conversation, oldest first, that came after
        the last safety reply (a message already answered by the safety layer is not judged again,
        so an ordinary question after it gets an ordinary answer)."""
        rows = self.session.execute(
            select(ChatMessage.role, ChatMessage.text, ChatMessage.provider)
            .where(ChatMessage.conversation_id == conversation_id, ChatMessage.user_id == user_id)
            .order_by(ChatMessage.id.desc())
            .limit(2 * limit + 2)
        ).all()
        texts: list[str] = []
        for role, text, provider in rows:
            if role == "assistant" and provider == SAFETY_PROVIDER:
                break
            if role == "user":
                texts.append(text)
                if len(texts) == limit:
                    break
        return texts[::-1]

    def flag_for_review(
        self, conversation: ChatConversation, message_id: int, category: str, signals: Sequence[str]
    ) -> ChatSafetyFlag:
        """Queue the conversation for staff review: which message, the category and rule names only."""
        row = ChatSafetyFlag(
            user_id=conversation.user_id,
            conversation_id=conversation.id,
            message_id=message_id,
            category=category,
            signals=list(signals),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def last_assistant_context(self, user_id: str, conversation_id: str) -> dict[str, Any] | None:
        row = self.session.scalar(
            select(ChatMessage)
            .where(
                ChatMessage.conversation_id == conversation_id,
                ChatMessage.user_id == user_id,
                ChatMessage.role == "assistant",
            )
            .order_by(ChatMessage.id.desc())
            .limit(1)
        )
        return dict(row.context or {}) if row is not None else None

    def list_conversations(self, user_id: str, limit: int = 50) -> list[ConversationInfo]:
        counts = (
            select(ChatMessage.conversation_id, func.count().label("n"))
            .where(ChatMessage.user_id == user_id)
            .group_by(ChatMessage.conversation_id)
            .subquery()
        )
        rows = self.session.execute(
            select(ChatConversation, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.conversation_id == ChatConversation.id)
            .where(ChatConversation.user_id == user_id)
            .order_by(ChatConversation.updated_at.desc(), ChatConversation.id)
            .limit(max(1, min(limit, 500)))
        )
        return [
            ConversationInfo(
                id=c.id, title=c.title, created_at=c.created_at, updated_at=c.updated_at, message_count=int(n)
            )
            for c, n in rows
        ]


class SafetyFlagOut(BaseModel):
    id: int
    user_id: str
    conversation_id: str
    message_id: int
    category: str
    signals: list[str]
    created_at: datetime
    reviewed_at: datetime | None = None


class SafetyFlagPage(BaseModel):
    flags: list[SafetyFlagOut]
    total: int
    unreviewed: int
    next_offset: int | None = None


def safety_flags(session: Session, limit: int = 50, offset: int = 0) -> SafetyFlagPage:
    """The staff review queue: unreviewed flags first, newest first within each group."""
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    rows = list(
        session.scalars(
            select(ChatSafetyFlag)
            .order_by(
                ChatSafetyFlag.reviewed_at.is_not(None), ChatSafetyFlag.created_at.desc(), ChatSafetyFlag.id.desc()
            )
            .offset(offset)
            .limit(limit + 1)
        )
    )
    total, unreviewed = session.execute(
        select(func.count(), func.count().filter(ChatSafetyFlag.reviewed_at.is_(None))).select_from(ChatSafetyFlag)
    ).one()
    more = len(rows) > limit
    return SafetyFlagPage(
        flags=[
            SafetyFlagOut(
                id=r.id,
                user_id=r.user_id,
                conversation_id=r.conversation_id,
                message_id=r.message_id,
                category=r.category,
                signals=list(r.signals or []),
                created_at=r.created_at,
                reviewed_at=r.reviewed_at,
            )
            for r in rows[:limit]
        ],
        total=int(total),
        unreviewed=int(unreviewed),
        next_offset=offset + limit if more else None,
    )
