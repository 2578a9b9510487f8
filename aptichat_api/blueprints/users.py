"""A person's data: profile summary, current documents, reprocessing, erasure.

Each route checks ownership before existence, so a user probing other ids learns nothing
(403 either way); admins reach everyone and get 404 `user_not_found` for unknown ids."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aptichat_api import audit, database, store
from aptichat_api.auth import authorize_user, current_principal
from aptichat_api.chat_service import chat_service
from aptichat_api.profile import build_profile
from aptichat_api.routing import api_route
from aptichat_api.schemas import (
    DocumentOut,
    DocumentsQuery,
    DocumentsResponse,
    ErasedResponse,
    JobAccepted,
    ProfileResponse,
)

bp = Blueprint("users", __name__, url_prefix="/users")
ERRORS = (401, 403, 404, 422, 429)


@api_route(bp, "/<user_id>/profile", "GET", summary="Profile summary", response=ProfileResponse, errors=ERRORS)
def profile(user_id: str) -> dict[str, Any]:
    """Holland code, strongest tendencies, thinking skills, documents with their versions, the
    latest processing request and the documents that could not be built (gaps)."""
    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        body = build_profile(session, user_id)
        audit.record(session, principal, "profile.read", user_id)  # staff reading someone else's
        return body


@api_route(
    bp,
    "/<user_id>/documents",
    "GET",
    summary="Current documents",
    query=DocumentsQuery,
    response=DocumentsResponse,
    errors=ERRORS,
)
def documents(user_id: str, query: DocumentsQuery) -> dict[str, Any]:
    """The current version of each document (or only `type`), with its full content."""
    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        store.get_user(session, user_id)
        audit.record(session, principal, "documents.read", user_id)
        doc_type = query.type.value if query.type is not None else None
        docs = store.current_documents(session, user_id, doc_type)
        return {"documents": [DocumentOut.model_validate(d) for d in docs]}


@api_route(
    bp, "/<user_id>/reprocess", "POST", summary="Request reprocessing", response=JobAccepted, status=202, errors=ERRORS
)
def reprocess(user_id: str) -> dict[str, Any]:
    """Queue a re-run of the person's ETL (a chat_etl_jobs row the pipeline's sensor picks up).
    Poll GET /jobs/{job_id} for progress."""
    from aptichat.db.etl_jobs import create_job

    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        store.get_user(session, user_id)
        audit.record(session, principal, "user.reprocess", user_id)
    job, _created = create_job(database.engine(), user_id, "reprocess")
    return {"job_id": job.id, "status": job.status}


@api_route(bp, "/<user_id>", "DELETE", summary="Erase a person", response=ErasedResponse, errors=ERRORS)
def erase(user_id: str) -> dict[str, Any]:
    """Delete the person's documents, chunks, conversations, messages and feedback, and drop what
    the chat engine caches about them. Processing-job records are kept (they hold no answers)."""
    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        store.get_user(session, user_id)
        counts = store.erase_user(session, user_id)
        audit.record(session, principal, "user.erase", user_id)  # in the erasure's transaction
    chat_service.forget_user(user_id)
    return {"user_id": user_id, "erased": counts}
