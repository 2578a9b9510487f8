"""Events from the aptitude-test product, authenticated with the service key (X-API-Key)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aptichat_api import database
from aptichat_api.errors import ApiError
from aptichat_api.routing import api_route
from aptichat_api.schemas import JobAccepted, TestCompletedEvent

bp = Blueprint("events", __name__, url_prefix="/events")


@api_route(
    bp,
    "/test-completed",
    "POST",
    summary="A test was completed (webhook)",
    body=TestCompletedEvent,
    response=JobAccepted,
    status=202,
    auth="service",
    errors=(400, 401, 403, 409, 410, 413, 422, 429),
)
def test_completed(body: TestCompletedEvent) -> dict[str, Any]:
    """Queue processing of the completed session. Idempotent per session: a repeated delivery (or a
    session the polling sensor already found) returns the same job with `duplicate: true`. A session
    completed before the person's erasure (a re-sent delivery) is refused with 410 `user_erased`."""
    from aptichat.db.erasure import PersonErased
    from aptichat.db.etl_jobs import create_job

    try:
        job, created = create_job(
            database.engine(), body.user_id, "webhook", session_id=body.session_id, completed_at=body.completed_at
        )
    except PersonErased as exc:
        raise ApiError(
            410, "user_erased", "This session was completed before the person was erased; it is not processed."
        ) from exc
    if job.user_id != body.user_id:
        raise ApiError(409, "session_conflict", "This session was already reported for another person.")
    return {"job_id": job.id, "status": job.status, "duplicate": not created}
