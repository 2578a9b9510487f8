"""Analytics for counsellors and operators (admin tokens only)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Blueprint, current_app

from aptichat_api import analytics, audit, database, store
from aptichat_api.auth import current_principal
from aptichat_api.errors import ApiError
from aptichat_api.rag.memory import safety_flags as flag_page
from aptichat_api.routing import api_route
from aptichat_api.schemas import (
    AssignStudents,
    AuditLog,
    AuditQuery,
    CounsellorOut,
    CounsellorsResponse,
    EtlJobsPage,
    EtlJobsQuery,
    ExperimentResults,
    JobAccepted,
    PeriodQuery,
    QualityAnalytics,
    QuestionAnalytics,
    SafetyFlags,
    SafetyFlagsQuery,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
ERRORS = (401, 403, 422, 429)


@api_route(
    bp,
    "/analytics/questions",
    "GET",
    summary="Common intents and question patterns",
    query=PeriodQuery,
    response=QuestionAnalytics,
    auth="admin",
    errors=ERRORS,
)
def questions(query: PeriodQuery) -> dict[str, Any]:
    """The most common intents and question patterns (first words, normalised) over `days`."""
    with database.session() as session:
        return analytics.question_analytics(session, query.days)


@api_route(
    bp,
    "/analytics/quality",
    "GET",
    summary="Answer quality",
    query=PeriodQuery,
    response=QualityAnalytics,
    auth="admin",
    errors=ERRORS,
)
def quality(query: PeriodQuery) -> dict[str, Any]:
    """Feedback, degraded-answer rate and latency percentiles over `days`, overall and per variant."""
    with database.session() as session:
        return analytics.quality_analytics(session, query.days)


@api_route(
    bp,
    "/experiments/<name>",
    "GET",
    summary="A/B experiment results",
    query=PeriodQuery,
    response=ExperimentResults,
    auth="admin",
    errors=(*ERRORS, 404),
)
def experiment(name: str, query: PeriodQuery) -> dict[str, Any]:
    """Per variant: people, answers, ratings, degraded rate and latency over `days`."""
    variants = current_app.config["SETTINGS"].experiments.get(name)
    if not variants:
        raise ApiError(404, "experiment_not_found", f"No experiment named {name!r} is declared.")
    with database.session() as session:
        results = analytics.experiment_quality(session, query.days, name, list(variants))
    return {"name": name, "declared_variants": list(variants), "variants": results}


@api_route(
    bp,
    "/audit",
    "GET",
    summary="Audit trail of admin actions",
    query=AuditQuery,
    response=AuditLog,
    auth="admin",
    errors=ERRORS,
)
def audit_log(query: AuditQuery) -> dict[str, Any]:
    """Who read another person's profile, documents or history, who erased or reprocessed whom:
    newest first, filtered by `action`, `since` and `user_id` (matched by its hash), paged by
    `before`. People appear only as the logs' salted hash; no content is ever recorded."""
    since = query.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with database.session() as session:
        page = audit.entries(
            session,
            action=query.action,
            since=since,
            target_user_id=query.user_id,
            before=query.before,
            limit=query.limit,
        )
        return AuditLog.model_validate(page).model_dump(mode="json")


@api_route(
    bp,
    "/safety/flags",
    "GET",
    summary="Conversations flagged by the safety layer",
    query=SafetyFlagsQuery,
    response=SafetyFlags,
    auth="admin",
    errors=ERRORS,
)
def safety_flags(query: SafetyFlagsQuery) -> dict[str, Any]:
    """The staff review queue: messages answered with the safety layer's fixed reply (distress or
    abuse), unreviewed first, newest first, paged by `limit` and `offset`. Rule names only, no text."""
    with database.session() as session:
        return flag_page(session, query.limit, query.offset).model_dump()


@api_route(
    bp,
    "/etl/jobs",
    "GET",
    summary="ETL jobs for operators",
    query=EtlJobsQuery,
    response=EtlJobsPage,
    auth="admin",
    errors=ERRORS,
)
def etl_jobs(query: EtlJobsQuery) -> dict[str, Any]:
    """Processing jobs newest first, filtered by `status`, person (`user`) and request time (`since`),
    paged by `before`; each with its error message and every run that carried it (`attempts`)."""
    from aptichat.db.etl_admin import list_jobs
    from aptichat_api.profile import job_body

    since = query.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with database.session() as session:
        rows = list_jobs(
            session,
            status=query.status,
            user_id=query.user,
            since=since,
            before_id=query.before,
            limit=query.limit + 1,
        )
        page = rows[: query.limit]
        return {
            "jobs": [job_body(j, staff=True) for j in page],
            "next_before": page[-1].id if len(rows) > query.limit else None,
        }


@api_route(
    bp,
    "/etl/jobs/<int:job_id>/retry",
    "POST",
    summary="Retry a person's processing",
    response=JobAccepted,
    status=202,
    auth="admin",
    errors=(*ERRORS, 404, 410),
)
def retry_etl_job(job_id: int) -> dict[str, Any]:
    """A new processing request for the job's person, even when one is open or the person's own
    limit is reached (the request sensor runs it). Poll GET /jobs/{job_id} for progress. A job of an
    erased person is refused with 410 `user_erased`."""
    from aptichat.db.erasure import PersonErased
    from aptichat.db.repository import ERASED_USER
    from aptichat.db.reprocess import request_reprocess

    principal = current_principal()
    with database.session() as session:
        person = store.get_job(session, job_id).user_id
        try:
            if person == ERASED_USER:
                raise PersonErased("the job's person was erased")
            job, _created = request_reprocess(session, person, principal.actor, force=True)
        except PersonErased as exc:
            raise ApiError(410, "user_erased", "This job's person was erased; there is nothing to retry.") from exc
        audit.record(session, principal, "user.reprocess", person)
    return {"job_id": job.id, "status": job.status, "duplicate": False}


@api_route(
    bp,
    "/counsellors",
    "GET",
    summary="Counsellors and their students",
    response=CounsellorsResponse,
    auth="admin",
    errors=ERRORS,
)
def counsellors_list() -> dict[str, Any]:
    """Every counsellor (staff accounts with role counsellor: `aptichat signin link --staff ID --role
    counsellor` creates one) with the user ids of the students assigned to them."""
    from aptichat_api import counsellors

    with database.session() as session:
        return {"counsellors": counsellors.all_counsellors(session)}


@api_route(
    bp,
    "/counsellors/<staff_id>/students",
    "PUT",
    summary="Assign students to a counsellor",
    body=AssignStudents,
    response=CounsellorOut,
    auth="admin",
    errors=(*ERRORS, 400, 404, 413),
)
def assign_students(staff_id: str, body: AssignStudents) -> dict[str, Any]:
    """Replace the counsellor's students with `user_ids` (an empty list removes them all). Unknown
    people: 422 `unknown_users` with their ids in `details`; an unknown counsellor: 404
    `counsellor_not_found`."""
    from aptichat_api import counsellors

    principal = current_principal()
    with database.session() as session:
        staff = counsellors.get_counsellor(session, staff_id)
        counsellors.assign(session, staff_id, body.user_ids, principal.actor)
        return counsellors.counsellor_body(session, staff)


@api_route(
    bp,
    "/counsellors/<staff_id>/students/<user_id>",
    "DELETE",
    summary="Remove a student from a counsellor",
    response=CounsellorOut,
    auth="admin",
    errors=(*ERRORS, 404),
)
def unassign_student(staff_id: str, user_id: str) -> dict[str, Any]:
    """The counsellor no longer sees this student (404 `assignment_not_found` when they did not)."""
    from aptichat_api import counsellors

    with database.session() as session:
        staff = counsellors.get_counsellor(session, staff_id)
        counsellors.unassign(session, staff_id, user_id)
        return counsellors.counsellor_body(session, staff)
