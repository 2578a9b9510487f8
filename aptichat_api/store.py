"""The API's own reads and writes of the chat_ tables (users, documents, feedback, erasure).
Processing requests go through aptichat.db.etl_jobs, which the pipeline's sensor shares."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from aptichat.db.models import ChatDocument, ChatEtlJob, ChatFeedback, ChatMessage, ChatUser
from aptichat_api.errors import ApiError


def get_user(session: Session, user_id: str) -> ChatUser:
    """The person, or 404 `user_not_found`."""
    user = session.get(ChatUser, user_id)
    if user is None:
        raise ApiError(404, "user_not_found", f"No person with id {user_id!r}.")
    return user


def current_documents(session: Session, user_id: str, document_type: str | None = None) -> list[ChatDocument]:
    """The current version of each of the person's documents, in the product's order."""
    stmt = select(ChatDocument).where(ChatDocument.user_id == user_id, ChatDocument.status == "current")
    if document_type is not None:
        stmt = stmt.where(ChatDocument.document_type == document_type)
    docs = list(session.scalars(stmt))
    from aptichat.db.models import DOCUMENT_TYPES

    return sorted(docs, key=lambda d: DOCUMENT_TYPES.index(d.document_type))


def document_versions(session: Session, user_id: str) -> dict[str, list[tuple[int, str]]]:
    """document type -> [(version, status)] oldest first."""
    rows = session.execute(
        select(ChatDocument.document_type, ChatDocument.version, ChatDocument.status)
        .where(ChatDocument.user_id == user_id)
        .order_by(ChatDocument.document_type, ChatDocument.version)
    ).all()
    out: dict[str, list[tuple[int, str]]] = {}
    for doc_type, version, status in rows:
        out.setdefault(doc_type, []).append((version, status))
    return out


def latest_job(session: Session, user_id: str) -> ChatEtlJob | None:
    return session.scalars(
        select(ChatEtlJob).where(ChatEtlJob.user_id == user_id).order_by(ChatEtlJob.id.desc()).limit(1)
    ).first()


def get_job(session: Session, job_id: int) -> ChatEtlJob:
    job = session.get(ChatEtlJob, job_id)
    if job is None:
        raise ApiError(404, "job_not_found", f"No job with id {job_id}.")
    return job


def own_assistant_message(session: Session, user_id: str, message_id: int) -> ChatMessage:
    """The caller's own assistant message; anyone else's is reported as missing, not forbidden,
    so message ids of other people cannot be probed."""
    message = session.get(ChatMessage, message_id)
    if message is None or message.user_id != user_id or message.role != "assistant":
        raise ApiError(404, "message_not_found", f"No answer of yours with id {message_id}.")
    return message


def upsert_feedback(session: Session, user_id: str, message_id: int, rating: int, comment: str | None) -> ChatFeedback:
    """One rating per person and answer; rating again replaces the earlier one."""
    insert_stmt = insert(ChatFeedback).values(user_id=user_id, message_id=message_id, rating=rating, comment=comment)
    stmt = insert_stmt.on_conflict_do_update(
        constraint="uq_chat_feedback_message_user",
        set_={"rating": insert_stmt.excluded.rating, "comment": insert_stmt.excluded.comment, "created_at": func.now()},
    ).returning(ChatFeedback.id)
    feedback_id = session.execute(stmt).scalar_one()
    session.flush()
    feedback = session.get(ChatFeedback, feedback_id, populate_existing=True)
    assert feedback is not None
    return feedback


def erase_user(session: Session, user_id: str) -> dict[str, int]:
    """Delete everything held about the person (the documents repository owns the order and the
    tables); returns rows removed per table."""
    from aptichat.db.repository import DocumentRepository

    return DocumentRepository(session).erase_user(user_id)
