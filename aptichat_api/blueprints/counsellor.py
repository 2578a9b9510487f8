"""What a counsellor sees (issue 17): their students and their cohort, as JSON and CSV. Admins see
every assigned student, or one counsellor's with `?staff_id=`. Each student included in a read is a
row of the audit trail (`students.read`, `cohort.read`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from aptichat_api import audit, counsellors, database
from aptichat_api.auth import Principal, current_principal
from aptichat_api.errors import ApiError
from aptichat_api.routing import api_route
from aptichat_api.schemas import CohortQuery, CohortResponse, StudentsResponse

bp = Blueprint("counsellor", __name__, url_prefix="/counsellor")
ERRORS = (401, 403, 404, 422, 429)


def _students(session: Session, principal: Principal, staff_id: str | None) -> list[str]:
    if principal.is_counsellor:
        if staff_id is not None and staff_id != principal.staff_id:
            raise ApiError(403, "forbidden", "A counsellor sees only their own students.")
        assert principal.staff_id is not None
        return counsellors.students_of(session, principal.staff_id)
    if staff_id is not None:
        counsellors.get_counsellor(session, staff_id)  # 404 counsellor_not_found
    return counsellors.students_of(session, staff_id)


def _rows(query: CohortQuery, action: audit.Action) -> list[dict[str, Any]]:
    principal = current_principal()
    with database.session() as session:
        rows = counsellors.student_rows(session, _students(session, principal, query.staff_id))
        for row in rows:
            audit.record(session, principal, action, row["user_id"])
        return rows


@api_route(
    bp,
    "/students",
    "GET",
    summary="The counsellor's students",
    query=CohortQuery,
    response=StudentsResponse,
    auth="staff",
    errors=ERRORS,
)
def students(query: CohortQuery) -> dict[str, Any]:
    """Each assigned student: state (as GET /users/{id}/status) and its reason, Holland code, unreviewed
    safety flags, whether they share their conversations. Their profile, documents and status are at
    /users/{id}/..., their conversations (when shared) at GET /chat/conversations?user_id=."""
    return {"students": _rows(query, "students.read")}


@api_route(
    bp,
    "/cohort",
    "GET",
    summary="The counsellor's cohort",
    query=CohortQuery,
    response=CohortResponse,
    auth="staff",
    errors=ERRORS,
)
def cohort(query: CohortQuery) -> dict[str, Any]:
    """Holland code distribution (full codes and first letters), the most common careers and majors
    in students' top three, how many students are in each state, and who needs attention: a rejected
    or failed test, or a conversation flagged by the safety layer and not yet reviewed."""
    return counsellors.cohort(_rows(query, "cohort.read"))


@api_route(
    bp,
    "/cohort.csv",
    "GET",
    summary="The counsellor's cohort as CSV",
    query=CohortQuery,
    response=None,
    media_type="text/csv",
    auth="staff",
    errors=ERRORS,
)
def cohort_csv(query: CohortQuery) -> Response:
    """One line per student: user_id, display_name, state, holland_code, top_careers, top_majors
    (`; `-separated), safety_flags, share_conversations. Cells that a spreadsheet would run as a
    formula are prefixed with `'`."""
    body = counsellors.cohort_csv(_rows(query, "cohort.read"))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cohort.csv"', "Cache-Control": "no-store"},
    )
