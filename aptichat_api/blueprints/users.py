"""A person's data: profile summary, current documents, reprocessing, erasure.

Each route checks ownership before existence, so a user probing other ids learns nothing
(403 either way); admins reach everyone and get 404 `user_not_found` for unknown ids."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from aptichat.db.models import ChatUser
from aptichat_api import audit, database, store, streams
from aptichat_api.auth import authorize_user, current_principal
from aptichat_api.chat_service import chat_service
from aptichat_api.errors import ApiError
from aptichat_api.profile import build_profile, status_body
from aptichat_api.routing import api_route, to_response
from aptichat_api.schemas import (
    DocumentOut,
    DocumentsHistoryResponse,
    DocumentsQuery,
    DocumentsResponse,
    ErasedResponse,
    JobAccepted,
    PersonStatus,
    ProfileResponse,
    ReprocessQuery,
    UserSettings,
    UserSettingsUpdate,
)

bp = Blueprint("users", __name__, url_prefix="/users")
ERRORS = (401, 403, 404, 422, 429)
REPROCESS_ERRORS = (*ERRORS, 410)


@api_route(
    bp, "/<user_id>/profile", "GET", summary="Profile summary", response=ProfileResponse, auth="person", errors=ERRORS
)
def profile(user_id: str) -> dict[str, Any]:
    """Holland code, strongest tendencies, thinking skills, documents with their versions, the
    latest processing request and the documents that could not be built (gaps)."""
    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        body = build_profile(session, user_id, staff=principal.is_admin)  # counsellors: the person's words
        audit.record(session, principal, "profile.read", user_id)  # staff reading someone else's
        return body


@api_route(
    bp,
    "/<user_id>/documents",
    "GET",
    summary="Current documents",
    query=DocumentsQuery,
    response=DocumentsResponse,
    auth="person",
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
    bp,
    "/<user_id>/status",
    "GET",
    summary="Where the person's results stand",
    response=PersonStatus,
    auth="person",
    errors=ERRORS,
)
def status(user_id: str) -> dict[str, Any]:
    """processing, ready, partial, rejected, failed or unknown, with the reason and what the person can
    do, in their words; always an answer, also for a person whose test was rejected or is still being
    processed (they have no documents yet). Never exception or log text."""
    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        body = status_body(session, user_id)
        if principal.is_counsellor:
            audit.record(session, principal, "status.read", user_id)
        return body


@api_route(
    bp,
    "/<user_id>/documents/history",
    "GET",
    summary="Document versions and what changed since the last test",
    response=DocumentsHistoryResponse,
    auth="person",
    errors=ERRORS,
)
def documents_history(user_id: str) -> dict[str, Any]:
    """Every stored version of each document, newest first, each with a summary (Holland code, scores
    as percentiles, top recommendations) and what changed against the version before it;
    `since_last_test` holds, per document type, the changes of the current version."""
    from aptichat_api.document_history import documents_history as build

    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        store.get_user(session, user_id)
        audit.record(session, principal, "documents.read", user_id)
        return build(session, user_id)


@api_route(bp, "/<user_id>/settings", "GET", summary="Your settings", response=UserSettings, errors=ERRORS)
def get_settings(user_id: str) -> dict[str, Any]:
    """`share_conversations`: whether your counsellor may read your conversations (off by default)."""
    authorize_user(current_principal(), user_id)
    with database.session() as session:
        return {"share_conversations": bool(store.get_user(session, user_id).share_conversations)}


@api_route(
    bp,
    "/<user_id>/settings",
    "PUT",
    summary="Change your settings",
    body=UserSettingsUpdate,
    response=UserSettings,
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def put_settings(user_id: str, body: UserSettingsUpdate) -> dict[str, Any]:
    """Turn sharing your conversations with your counsellor on or off (it takes effect at once)."""
    authorize_user(current_principal(), user_id)
    with database.session() as session:
        user = store.get_user(session, user_id)
        user.share_conversations = body.share_conversations
        session.flush()
        return {"share_conversations": bool(user.share_conversations)}


@api_route(
    bp,
    "/<user_id>/reprocess",
    "POST",
    summary="Request reprocessing",
    query=ReprocessQuery,
    response=JobAccepted,
    status=202,
    errors=REPROCESS_ERRORS,
    extra_responses={200: "A request for this person is open already: that request (`duplicate: true`)"},
)
def reprocess(user_id: str, query: ReprocessQuery) -> Response:
    """Queue a re-run of the person's ETL (a chat_etl_jobs row the pipeline's sensor picks up): 202
    with the new request, or 200 with the open one when the person has a request in progress. A
    person may ask APTICHAT_REPROCESS_LIMIT_PER_HOUR times an hour (then 429 `reprocess_limited` with
    Retry-After); an administrator can force a new request with `?force=true`. Works for people
    without documents (a rejected test). Poll GET /jobs/{job_id} for progress. An erased person is
    refused with 410 `user_erased`."""
    from aptichat.db import erasure
    from aptichat.db.reprocess import ReprocessLimitExceeded, request_reprocess

    principal = current_principal()
    authorize_user(principal, user_id)
    if query.force and not principal.is_admin:
        raise ApiError(403, "forbidden", "Only an administrator can force a new processing request.")
    gone = ApiError(410, "user_erased", "This person was erased; there is nothing to reprocess.")
    limit = current_app.config["SETTINGS"].reprocess_limit_per_hour
    with database.session() as session:
        if erasure.refuses_reprocess(session, user_id):
            raise gone
        if session.get(ChatUser, user_id) is None and store.latest_job(session, user_id) is None:
            store.get_user(session, user_id)  # nobody we know of: 404 user_not_found
        try:
            job, created = request_reprocess(session, user_id, principal.actor, force=query.force, limit_per_hour=limit)
        except erasure.PersonErased as exc:  # erased between the check and the insert
            raise gone from exc
        except ReprocessLimitExceeded as exc:
            raise ApiError(
                429,
                exc.code,
                f"Results can be prepared again at most {exc.limit_per_hour} times an hour; "
                f"try again in {exc.retry_after_s} seconds.",
                {"limit_per_hour": exc.limit_per_hour, "retry_after_s": exc.retry_after_s},
                headers={"Retry-After": str(exc.retry_after_s)},
            ) from exc
        audit.record(session, principal, "user.reprocess", user_id)  # staff asking, even for the open job
    body = {"job_id": job.id, "status": job.status, "duplicate": not created}
    return to_response(JobAccepted, body, 202 if created else 200)


@api_route(bp, "/<user_id>", "DELETE", summary="Erase a person", response=ErasedResponse, errors=ERRORS)
def erase(user_id: str) -> dict[str, Any]:
    """Erase the person (docs/privacy.md): their documents, chunks, conversations, messages, feedback
    and safety flags are deleted, their processing-job records anonymised, the erasure recorded in
    the ledger every writer checks, and what the chat engine caches about them dropped."""
    from aptichat.db import erasure

    principal = current_principal()
    authorize_user(principal, user_id)
    with database.session() as session:
        store.get_user(session, user_id)
        counts = store.erase_user(session, user_id)
        audit.record(session, principal, "user.erase", user_id)  # in the erasure's transaction
        erased_at = erasure.latest_erasure(session, user_id)
    assert erased_at is not None
    erasure.append_to_file(current_app.config["SETTINGS"].home, erasure.Entry(erasure.person_hash(user_id), erased_at))
    chat_service.forget_user(user_id)
    streams.close_user(user_id)  # their open WebSocket and SSE streams end now
    return {"user_id": user_id, "erased": counts}
