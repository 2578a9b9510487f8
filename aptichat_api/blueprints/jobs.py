"""Progress of a processing request (GET /jobs/{job_id})."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aptichat_api import database, store
from aptichat_api.auth import authorize_user, current_principal
from aptichat_api.profile import job_body
from aptichat_api.routing import api_route
from aptichat_api.schemas import JobOut

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@api_route(
    bp,
    "/<int:job_id>",
    "GET",
    summary="Processing job status",
    response=JobOut,
    auth="user_or_service",
    errors=(401, 403, 404, 429),
)
def job(job_id: int) -> dict[str, Any]:
    """Where a reprocess or webhook request stands: requested, queued, running, then succeeded,
    partial (some documents could not be built: see `missing`), failed or rejected. The status follows
    the runs that carried the job, retries included. The owner, an admin or the service key may read
    it; only an admin sees the error message, the run id and every run that carried it (`attempts`).
    The person's own words for a failure are at GET /users/{id}/status."""
    principal = current_principal()
    with database.session() as session:
        found = store.get_job(session, job_id)
        if principal.role != "service":
            authorize_user(principal, found.user_id)
        body = job_body(found, staff=principal.is_admin)
    assert body is not None
    return body
