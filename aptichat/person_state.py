"""Where a person's results stand, in words a student understands: processing, ready, partial,
rejected, failed or unknown, with a reason and what they can do.

Derived from the person's latest processing job (chat_etl_jobs: its status, failure class or rejection
reasons) and their current documents and gaps (chat_users, chat_documents). Every failure class and
rejection reason the pipeline records has wording below (tests/db/test_person_state.py checks the
pipeline's sources against these tables), and nothing a person reads is taken from an exception or
a log: error messages stay in the administrators' view of the job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from aptichat.db.models import ChatDocument, ChatEtlJob, ChatUser
from aptichat.documents.enums import DocumentStatus, DocumentType


class State(StrEnum):
    processing = "processing"
    ready = "ready"
    partial = "partial"
    rejected = "rejected"
    failed = "failed"
    unknown = "unknown"


class Wording(NamedTuple):
    reason: str
    advice: str


class JobSummary(BaseModel):
    """The latest job as a person may see it: no error text, no run ids."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    requested_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class PersonState(BaseModel):
    state: State
    reason: str
    advice: str
    updated_at: datetime | None = None
    job: JobSummary | None = None
    # whether the person has current documents the chat can answer from (earlier results count)
    has_results: bool = False
    # document types not built for the person (partial), in display order
    missing: list[str] = []


_RETAKE = "You can retake the test; your results will be prepared as soon as you finish it."

# rejection code -> what happened to the test, and what to do. The codes are found in the recorded
# reasons (aptichat_pipelines/legacy/sql_quality.py and the completion sensor) by REJECTION_MARKERS.
REJECTIONS: dict[str, Wording] = {
    "too_many_unanswered": Wording(
        "Your test was marked invalid because many answers were missing.",
        f"{_RETAKE} Try to answer every question.",
    ),
    "straight_lining": Wording(
        "Your test was marked invalid because nearly every answer was the same.",
        f"{_RETAKE} Answer each question by how well it describes you.",
    ),
    "implausibly_fast": Wording(
        "Your test was marked invalid because the answers were given too quickly to have been read.",
        f"{_RETAKE} Take your time with each question.",
    ),
    "marked_invalid": Wording("Your test was marked invalid by the testing service.", _RETAKE),
    "not_completed": Wording(
        "Your test was not finished, so it could not be scored.",
        "Finish the test (or take it again); your results will be prepared as soon as you finish it.",
    ),
    "invalid_session": Wording("Your test could not be used because its answers did not pass our checks.", _RETAKE),
}

# a phrase of a recorded rejection reason -> its code (the first match in this order wins)
REJECTION_MARKERS: tuple[tuple[str, str], ...] = (
    ("too many unanswered items", "too_many_unanswered"),
    ("straight-lining", "straight_lining"),
    ("implausibly fast", "implausibly_fast"),
    ("marked invalid by the test product", "marked_invalid"),
    ("session status is invalid", "marked_invalid"),
    ("session not completed", "not_completed"),
    ("session status is in_progress", "not_completed"),
    ("session status is abandoned", "not_completed"),
)

_OUR_SIDE = Wording(
    "Something went wrong on our side while preparing your results; we have been notified and will retry.",
    "You do not need to do anything. Check back later.",
)

# failure class (chat_etl_jobs.error_class) -> the state it puts the person in, and the words
FAILURES: dict[str, tuple[State, Wording]] = {
    "no_completed_session": (
        State.failed,
        Wording(
            "We could not find a finished test for you.",
            "If you have not finished your test yet, finish it; your results will be prepared a few "
            "minutes later. If you have, we have been notified and will look into it.",
        ),
    ),
    # the pipeline found no session that passes the quality checks: a rejection in the person's terms
    "invalid_session": (State.rejected, REJECTIONS["invalid_session"]),
    "legacy_query_failed": (State.failed, _OUR_SIDE),
    "database_unreachable": (State.failed, _OUR_SIDE),
    "integrity_check_failed": (State.failed, _OUR_SIDE),
    "embedding_provider_failed": (State.failed, _OUR_SIDE),
    "embedding_quota_exceeded": (State.failed, _OUR_SIDE),
    "run_interrupted": (State.failed, _OUR_SIDE),
    "unexpected_error": (State.failed, _OUR_SIDE),
}

# document type -> how a student calls it
DOCUMENT_NAMES: dict[str, str] = {
    DocumentType.personality_profile.value: "your personality profile",
    DocumentType.thinking_skills.value: "your thinking skills",
    DocumentType.career_recommendations.value: "your career suggestions",
    DocumentType.major_recommendations.value: "your suggested majors",
}

_KEEP_EARLIER = " Your earlier results are still available in the meantime."
_OPEN = ("requested", "queued", "running")


def rejection_codes(recorded_reason: str | None) -> list[str]:
    """The rejection codes found in a recorded reason (several checks can fail at once), in the order
    of REJECTION_MARKERS; ["invalid_session"] when none is recognised."""
    text = (recorded_reason or "").lower()
    codes: list[str] = []
    for marker, code in REJECTION_MARKERS:
        if marker in text and code not in codes:
            codes.append(code)
    return codes or ["invalid_session"]


def _recorded_reason(job: ChatEtlJob) -> str:
    """The recorded reason of a rejection or per-user failure: the sensor's rejection message, or the
    pipeline's reason for the whole person (missing["all"]). Matched against markers, never shown."""
    return job.error_message or (job.missing or {}).get("all") or ""


def _failure_class(job: ChatEtlJob) -> str:
    """The job's failure class; for verdicts recorded before classes were (the reason's wording)."""
    if job.error_class:
        return job.error_class
    reason = _recorded_reason(job).lower()
    if reason.startswith("no valid test session"):
        return "invalid_session"
    if reason.startswith("no completed test session"):
        return "no_completed_session"
    return "unexpected_error"


def _rejected(job: ChatEtlJob) -> Wording:
    codes = rejection_codes(_recorded_reason(job))
    first = REJECTIONS[codes[0]]
    if len(codes) == 1:
        return first
    also = " ".join(REJECTIONS[c].reason.replace("Your test was marked invalid because", "Also,") for c in codes[1:])
    return Wording(f"{first.reason} {also}", first.advice)


def _names(types: list[str]) -> str:
    names = [DOCUMENT_NAMES.get(t, t.replace("_", " ")) for t in types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _latest_job(session: Session, user_id: str) -> ChatEtlJob | None:
    return session.scalars(
        select(ChatEtlJob)
        .where(ChatEtlJob.user_id == user_id)
        .order_by(ChatEtlJob.requested_at.desc(), ChatEtlJob.id.desc())
        .limit(1)
    ).first()


def _when(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def person_state(session: Session, user_id: str) -> PersonState:
    """The person's state: always an answer, `unknown` when nothing is known about them."""
    user = session.get(ChatUser, user_id)
    job = _latest_job(session, user_id)
    current = set(
        session.scalars(
            select(ChatDocument.document_type).where(
                ChatDocument.user_id == user_id, ChatDocument.status == DocumentStatus.current.value
            )
        )
    )
    has_results = bool(current)
    summary = JobSummary.model_validate(job) if job is not None else None
    job_time = _when(job.requested_at, job.started_at, job.finished_at) if job is not None else None
    earlier = _KEEP_EARLIER if has_results else ""

    def answer(
        state: State, wording: Wording, updated_at: datetime | None, missing: list[str] | None = None
    ) -> PersonState:
        return PersonState(
            state=state,
            reason=wording.reason,
            advice=wording.advice,
            updated_at=updated_at,
            job=summary,
            has_results=has_results,
            missing=missing or [],
        )

    if job is not None and job.status in _OPEN:
        wording = (
            Wording(
                "We are updating your results with your latest test.",
                "Your current results stay available until the update is ready; this usually takes a few minutes.",
            )
            if has_results
            else Wording("We are preparing your results.", "This usually takes a few minutes. Check back shortly.")
        )
        return answer(State.processing, wording, job_time)
    if job is not None and job.status == "rejected":
        wording = _rejected(job)
        return answer(State.rejected, Wording(wording.reason, wording.advice + earlier), job_time)
    if job is not None and job.status == "failed":
        state, wording = FAILURES.get(_failure_class(job), (State.failed, _OUR_SIDE))
        if state is State.rejected:
            wording = _rejected(job)
        return answer(state, Wording(wording.reason, wording.advice + earlier), job_time)
    if user is None or not has_results:
        return answer(
            State.unknown,
            Wording(
                "We have no results for you yet.",
                "Take the test; your results will be prepared a few minutes after you finish it.",
            ),
            job_time,
        )
    updated = _when(user.updated_at, job_time)
    order = [t.value for t in DocumentType]
    missing = [t for t in order if t in (user.document_gaps or {}) and t not in current]
    if missing:
        return answer(
            State.partial,
            Wording(
                f"Your results are ready, except {_names(missing)}: the test you took did not measure "
                "enough to prepare them.",
                "You can ask about everything else now. Taking the full test would add the missing parts.",
            ),
            updated,
            missing,
        )
    return answer(
        State.ready,
        Wording("Your results are ready.", "Ask the chat anything about your results."),
        updated,
    )


__all__ = [
    "DOCUMENT_NAMES",
    "FAILURES",
    "REJECTIONS",
    "REJECTION_MARKERS",
    "JobSummary",
    "PersonState",
    "State",
    "Wording",
    "person_state",
    "rejection_codes",
]
