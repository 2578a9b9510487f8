"""The counsellor role (issue 17): which students an admin assigned to which counsellor, the student
list a counsellor sees and their cohort (Holland codes, most common top careers and majors, who needs
attention). Every read of a student's data by a counsellor is audited by the routes (aptichat_api.audit)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aptichat.db.models import (
    ChatCounsellorStudent,
    ChatDocument,
    ChatSafetyFlag,
    ChatStaff,
    ChatUser,
)
from aptichat.person_state import person_state
from aptichat_api.errors import ApiError

TOP_N = 3  # a recommendation counts for the cohort when it is in a student's top 3


def is_assigned(session: Session, staff_id: str, user_id: str) -> bool:
    return session.get(ChatCounsellorStudent, (staff_id, user_id)) is not None


def get_counsellor(session: Session, staff_id: str) -> ChatStaff:
    staff = session.get(ChatStaff, staff_id)
    if staff is None or staff.role != "counsellor":
        raise ApiError(404, "counsellor_not_found", f"No counsellor with id {staff_id!r}.")
    return staff


def students_of(session: Session, staff_id: str | None) -> list[str]:
    """The students of one counsellor, or (None) every assigned student, sorted."""
    stmt = select(ChatCounsellorStudent.user_id).distinct()
    if staff_id is not None:
        stmt = stmt.where(ChatCounsellorStudent.staff_id == staff_id)
    return sorted(session.scalars(stmt))


def counsellor_body(session: Session, staff: ChatStaff) -> dict[str, Any]:
    return {
        "staff_id": staff.staff_id,
        "display_name": staff.display_name,
        "students": students_of(session, staff.staff_id),
    }


def all_counsellors(session: Session) -> list[dict[str, Any]]:
    staff = session.scalars(select(ChatStaff).where(ChatStaff.role == "counsellor").order_by(ChatStaff.staff_id))
    return [counsellor_body(session, s) for s in staff]


def assign(session: Session, staff_id: str, user_ids: Iterable[str], assigned_by: str) -> None:
    """Replace the counsellor's students with `user_ids` (all must be known people: 422 otherwise)."""
    wanted = sorted(set(user_ids))
    known = set(session.scalars(select(ChatUser.user_id).where(ChatUser.user_id.in_(wanted)))) if wanted else set()
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise ApiError(422, "unknown_users", "Some of these people are not known here.", {"user_ids": unknown[:50]})
    current = set(students_of(session, staff_id))
    if current - set(wanted):
        session.execute(
            delete(ChatCounsellorStudent).where(
                ChatCounsellorStudent.staff_id == staff_id, ChatCounsellorStudent.user_id.in_(current - set(wanted))
            )
        )
    for user_id in wanted:
        if user_id not in current:
            session.add(ChatCounsellorStudent(staff_id=staff_id, user_id=user_id, assigned_by=assigned_by))
    session.flush()


def unassign(session: Session, staff_id: str, user_id: str) -> None:
    deleted = session.execute(
        delete(ChatCounsellorStudent).where(
            ChatCounsellorStudent.staff_id == staff_id, ChatCounsellorStudent.user_id == user_id
        )
    )
    if not getattr(deleted, "rowcount", 0):
        raise ApiError(404, "assignment_not_found", f"{user_id!r} is not a student of {staff_id!r}.")


# --- what a counsellor sees ----------------------------------------------------------------------------
def _current_contents(session: Session, user_ids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(ChatDocument.user_id, ChatDocument.document_type, ChatDocument.content).where(
            ChatDocument.user_id.in_(user_ids), ChatDocument.status == "current"
        )
    ).all()
    return {(u, t): dict(c or {}) for u, t, c in rows}


def _holland(content: dict[str, Any] | None) -> str | None:
    interests = (content or {}).get("interests")
    code = interests.get("holland_code") if isinstance(interests, dict) else None
    return code if isinstance(code, str) and code else None


def _top_titles(content: dict[str, Any] | None, n: int = TOP_N) -> list[str]:
    items = [i for i in (content or {}).get("items") or [] if isinstance(i, dict) and isinstance(i.get("title"), str)]
    items.sort(key=lambda i: int(i["rank"]) if isinstance(i.get("rank"), int) else 10**6)
    return [i["title"] for i in items[:n]]


def _unreviewed_flags(session: Session, user_ids: list[str]) -> dict[str, int]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(ChatSafetyFlag.user_id, func.count())
        .where(ChatSafetyFlag.user_id.in_(user_ids), ChatSafetyFlag.reviewed_at.is_(None))
        .group_by(ChatSafetyFlag.user_id)
    ).all()
    return {u: int(n) for u, n in rows}


def student_rows(session: Session, user_ids: list[str]) -> list[dict[str, Any]]:
    """One row per student (people erased since they were assigned are gone with their assignment)."""
    users = {u.user_id: u for u in session.scalars(select(ChatUser).where(ChatUser.user_id.in_(user_ids)))}
    contents = _current_contents(session, list(users))
    flags = _unreviewed_flags(session, list(users))
    rows = []
    for user_id in user_ids:
        user = users.get(user_id)
        if user is None:
            continue
        state = person_state(session, user_id)
        rows.append(
            {
                "user_id": user_id,
                "display_name": user.display_name,
                "state": state.state,
                "reason": state.reason,
                "holland_code": _holland(contents.get((user_id, "personality_profile"))),
                "safety_flags": flags.get(user_id, 0),
                "share_conversations": bool(user.share_conversations),
                "updated_at": state.updated_at,
                "top_careers": _top_titles(contents.get((user_id, "career_recommendations"))),
                "top_majors": _top_titles(contents.get((user_id, "major_recommendations"))),
            }
        )
    return rows


def _counts(values: Iterable[str], total: int, limit: int = 20) -> list[dict[str, Any]]:
    counter = Counter(values)
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"key": k, "count": n, "share": round(n / total, 4) if total else 0.0} for k, n in ordered]


def cohort(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = len(rows)
    codes = [r["holland_code"] for r in rows if r["holland_code"]]
    attention = []
    for r in rows:
        reasons = [s for s in ("rejected", "failed") if r["state"] == s]
        if r["safety_flags"]:
            reasons.append("safety_flag")
        if reasons:
            attention.append({"user_id": r["user_id"], "display_name": r["display_name"], "reasons": reasons})
    return {
        "students": total,
        "holland_codes": _counts(codes, total),
        "holland_letters": _counts((c[0] for c in codes), total),
        "top_careers": _counts((t for r in rows for t in r["top_careers"]), total),
        "top_majors": _counts((t for r in rows for t in r["top_majors"]), total),
        "states": dict(Counter(r["state"] for r in rows)),
        "needs_attention": attention,
    }


CSV_COLUMNS = (
    "user_id",
    "display_name",
    "state",
    "holland_code",
    "top_careers",
    "top_majors",
    "safety_flags",
    "share_conversations",
)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ lead: CWE-1236)."""
    text = "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def cohort_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(r[c]) for c in CSV_COLUMNS])
    return out.getvalue()
