"""Pydantic models of every request and response body; /openapi.json is generated from them.

Request models are strict (no coercion of `true` to 1, no unknown fields) so what the schema says
is exactly what is accepted. Text fields refuse NUL, which PostgreSQL cannot store.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from aptichat.db.models import AuditAction
from aptichat.documents.enums import DocumentType
from aptichat_api.rag.results import ChatResult, Citation

BIGINT_MAX = 2**63 - 1


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: 3 and 3.0 are integers; true, "3" and 3.5 are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be an integer")
        return int(value)
    return value


Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _iso_datetime(value: Any) -> Any:
    """A query's date-time is ISO 8601 text, as the schema says: pydantic would also read "2316958537" as
    seconds since 1970, which a caller who meant a date never intends."""
    if not isinstance(value, str | datetime) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
# Constraints before the validator, so the JSON schema says minimum/maximum.
RowId = Annotated[int, Field(ge=1, le=BIGINT_MAX), BeforeValidator(_json_integer)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    # Query strings are text: numbers arrive as "10", so these coerce. Unknown parameters are
    # refused like unknown body fields, so a typo (?limt=5) is an error rather than silently ignored.
    model_config = ConfigDict(extra="forbid")


class Body(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- errors ---------------------------------------------------------------------------------------
class ErrorDetail(Body):
    code: str = Field(description="Stable, machine-readable error code")
    message: str
    details: Any = None


class ErrorResponse(Body):
    error: ErrorDetail


# --- chat -----------------------------------------------------------------------------------------
# What the chat engine accepts: no control characters other than tab/newline/return, and at least
# one visible character (it strips the question).
_QUESTION_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
QUESTION_PATTERN = rf"^{_QUESTION_CHAR}*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{_QUESTION_CHAR}*$"


class QuestionRequest(Request):
    question: Annotated[str, Field(min_length=1, max_length=2000, pattern=QUESTION_PATTERN)]
    conversation_id: Annotated[Text, Field(min_length=1, max_length=36)] | None = None


# The engine's ChatResult as the API shows it; its citations are the engine's own Citation model.
# (No docstring: it would become the schema's description in /openapi.json.)
class ChatAnswer(Body):
    conversation_id: str
    message_id: int
    answer: str
    intent: str
    citations: list[Citation]
    provider: str
    degraded: bool
    degraded_cause: str | None = Field(
        default=None,
        description="Why `degraded`: vector_search_failed, keyword_search_failed, query_embedding_failed, "
        "retrieval_failed (the answer rests on the searches that worked) or provider_<error class> (the "
        "offline composer answered instead of the model)",
    )

    @classmethod
    def from_result(cls, result: ChatResult) -> ChatAnswer:
        """The answer's fields of `result`, without validating again what the engine validated."""
        return cls.model_construct(**{name: getattr(result, name) for name in cls.model_fields})


Cursor = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


class HistoryQuery(Query):
    conversation_id: Annotated[Text, Field(min_length=1, max_length=36)] | None = None
    user_id: UserId | None = Field(
        default=None,
        description="Staff only: whose conversations (a counsellor: an assigned student who shares them)",
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    before: Cursor | None = Field(default=None, description="message_id cursor: return messages older than it")


class HistoryMessage(Body):
    message_id: int
    role: Literal["user", "assistant"]
    text: str
    intent: str | None = None
    citations: list[dict[str, Any]] = []
    provider: str | None = None
    degraded: bool = False
    variant: str | None = None
    created_at: datetime


class ConversationHistory(Body):
    conversation_id: str
    messages: list[HistoryMessage] = Field(description="Oldest first, newest last")
    next_before: int | None = Field(description="Pass as ?before= for the previous page; null at the start")


class ConversationSummary(Body):
    conversation_id: str
    title: str | None = None
    message_count: int = 0
    created_at: datetime
    updated_at: datetime


class ConversationList(Body):
    conversations: list[ConversationSummary]


class HistoryResponse(RootModel[ConversationHistory | ConversationList]):
    pass


class FeedbackRequest(Request):
    message_id: RowId
    rating: Annotated[int, Field(ge=1, le=5), BeforeValidator(_json_integer)]
    comment: Annotated[Text, Field(max_length=2000)] | None = None


class FeedbackResponse(Body):
    feedback_id: int
    message_id: int
    rating: int
    comment: str | None


# --- users, documents, jobs -------------------------------------------------------------------------
class DocumentsQuery(Query):
    type: DocumentType | None = None


class DocumentOut(Body):
    document_type: str
    version: int
    title: str
    content: dict[str, Any]
    rendered_text: str
    source_session_id: str | None
    created_at: datetime


class DocumentsResponse(Body):
    documents: list[DocumentOut]


class ScoreOut(Body):
    id: str
    name: str
    percentile: float
    level: str | None = None


class DocumentVersions(Body):
    document_type: str
    current_version: int | None
    versions: list[int]


class AttemptOut(Body):
    run_id: str
    group: str = Field(description="The root run: a run and its retries and re-executions share it")
    at: datetime = Field(description="When the run was created (the newest run decides the status)")
    outcome: Literal["running", "succeeded", "partial", "failed"]
    scope: Literal["run", "user"] = Field(
        description="`run`: the run's own status; `user`: its verdict for this person"
    )
    error_class: str | None
    recorded_at: datetime | None = None


JobStatus = Literal["requested", "queued", "running", "succeeded", "partial", "failed", "rejected"]


class JobOut(Body):
    job_id: int
    user_id: str
    source: str
    status: JobStatus
    session_id: str | None
    dagster_run_id: str | None = Field(description="Administrators only (null for others)")
    error_class: str | None
    error_message: str | None = Field(description="Administrators only (null for others)")
    missing: dict[str, str] = Field(description="document type -> why it was not built")
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: list[AttemptOut] | None = Field(
        default=None, description="Administrators only: every run that carried the job, oldest first"
    )


class JobSummaryOut(Body):
    id: int
    status: JobStatus
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class PersonStatus(Body):
    user_id: str
    state: Literal["processing", "ready", "partial", "rejected", "failed", "unknown"]
    reason: str = Field(description="What happened, in words the person understands")
    advice: str = Field(description="What the person can do")
    updated_at: datetime | None
    job: JobSummaryOut | None = Field(description="The person's latest processing request")
    has_results: bool = Field(description="Current documents the chat can answer from (earlier results count)")
    missing: list[str] = Field(description="Document types not built (state `partial`)")


class ReprocessQuery(Query):
    force: bool = Field(default=False, description="Administrators only: a new request even when one is open")


class EtlJobsQuery(Query):
    status: JobStatus | None = None
    user: UserId | None = Field(default=None, description="Only this person's jobs")
    since: IsoDateTime | None = Field(
        default=None, description="Requested at or after (ISO 8601; without an offset UTC)"
    )
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before: Cursor | None = Field(default=None, description="job id cursor: return older jobs")


class EtlJobsPage(Body):
    jobs: list[JobOut] = Field(description="Newest first")
    next_before: int | None = Field(description="Pass as ?before= for the next page; null on the last one")


class ProfileResponse(Body):
    user_id: str
    display_name: str | None
    holland_code: str | None
    interests: list[ScoreOut] = Field(description="RIASEC letters with 0..100 scores, R I A S E C order")
    tendencies: list[ScoreOut]
    top_tendencies: list[ScoreOut]
    thinking_skills: list[ScoreOut]
    documents: list[DocumentVersions]
    processing: JobOut | None = Field(description="The most recent processing request for this person")
    state: PersonStatus = Field(description="Where the person's results stand (as GET /users/{id}/status)")
    gaps: dict[str, str] = Field(description="document type -> why it could not be built")


class JobAccepted(Body):
    job_id: int
    status: str
    duplicate: bool = False


class ErasedResponse(Body):
    user_id: str
    erased: dict[str, int]


class TestCompletedEvent(Request):
    user_id: UserId
    session_id: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]
    completed_at: datetime


# --- admin ------------------------------------------------------------------------------------------
class PeriodQuery(Query):
    days: Annotated[int, Field(ge=1, le=3650)] = 30


class AuditQuery(Query):
    action: AuditAction | None = None
    since: IsoDateTime | None = Field(default=None, description="ISO 8601; without an offset it is UTC")
    user_id: UserId | None = Field(default=None, description="Only actions on this person (matched by hash)")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before: Cursor | None = Field(default=None, description="entry id cursor: return older entries")


class AuditEntryOut(Body):
    id: int
    at: datetime
    actor: str = Field(description="The admin's or counsellor's id, or `service` for the test product's key")
    actor_role: Literal["admin", "counsellor", "service"]
    action: AuditAction
    target_user_hash: str = Field(description="The person acted on, as the logs' salted hash (never the id)")
    request_id: str | None = Field(description="The request's X-Request-Id, as in the access log")


class AuditLog(Body):
    entries: list[AuditEntryOut] = Field(description="Newest first")
    next_before: int | None = Field(description="Pass as ?before= for the next page; null on the last one")


class CountOut(Body):
    key: str
    count: int
    share: float


class QuestionAnalytics(Body):
    days: int
    total_questions: int
    intents: list[CountOut]
    patterns: list[CountOut]


class Percentiles(Body):
    p50: float | None
    p90: float | None
    p99: float | None


class VariantQuality(Body):
    variant: str
    users: int
    answers: int
    degraded_rate: float | None
    latency_ms: Percentiles
    feedback_count: int
    average_rating: float | None


class QualityAnalytics(Body):
    days: int
    answers: int
    degraded_rate: float | None
    latency_ms: Percentiles
    feedback_count: int
    average_rating: float | None
    rating_distribution: dict[str, int]
    per_variant: list[VariantQuality]


class ExperimentResults(Body):
    name: str
    variants: list[VariantQuality]
    declared_variants: list[str]


class SafetyFlagsQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=BIGINT_MAX)] = 0


class SafetyFlagOut(Body):
    id: int
    user_id: str
    conversation_id: str
    message_id: int = Field(description="The person's message the safety layer answered")
    category: Literal["distress", "abuse"]
    signals: list[str] = Field(description="Names of the rules that fired; never message text")
    created_at: datetime
    reviewed_at: datetime | None


class SafetyFlags(Body):
    flags: list[SafetyFlagOut] = Field(description="Unreviewed first, newest first within each group")
    total: int
    unreviewed: int
    next_offset: int | None = Field(description="Pass as ?offset= for the next page; null on the last one")


# --- health -----------------------------------------------------------------------------------------
class HealthResponse(Body):
    status: Literal["ok"]


class Check(Body):
    ok: bool
    detail: str


class ReadyResponse(Body):
    status: Literal["ready", "not_ready"]
    checks: dict[str, Check]


# --- sign-in and sessions (aptichat_api.sessions) ------------------------------------------------------
SessionRole = Literal["user", "counsellor", "admin"]


class ExchangeRequest(Request):
    code: Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class SessionOut(Body):
    role: SessionRole
    user_id: str | None = Field(description="The person (role user; an admin's bearer subject)")
    staff_id: str | None = Field(description="The counsellor's or admin's staff id")
    display_name: str | None
    expires_at: datetime | None = Field(description="When the session (or bearer token) ends; refresh before")
    csrf_token: str | None = Field(
        description="Send as X-CSRF-Token with every non-GET request of the session (null for bearer tokens)"
    )
    source: Literal["signin", "launch", "bearer"] = "bearer"


class SignedOut(Body):
    signed_out: bool


class LaunchQuery(Query):
    code: Annotated[str, Field(min_length=1, max_length=8192, pattern=r"^[A-Za-z0-9_.-]+$")]


# --- conversations ---------------------------------------------------------------------------------------
class ConversationsQuery(Query):
    user_id: UserId | None = Field(
        default=None, description="Staff only: whose conversations (a counsellor: a student who shares them)"
    )
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class RenameConversation(Request):
    title: Annotated[
        str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$")
    ]


class ConversationDeleted(Body):
    conversation_id: str
    deleted: bool


# --- settings ----------------------------------------------------------------------------------------------
class UserSettings(Body):
    share_conversations: bool = Field(description="Your counsellor may read your conversations")


class UserSettingsUpdate(Request):
    share_conversations: bool


# --- document history --------------------------------------------------------------------------------------
class ScoreChange(Body):
    id: str
    name: str
    before: float | None
    after: float | None
    delta: float | None


class VersionSummary(Body):
    holland_code: str | None = None
    scores: dict[str, float] = Field(description="scale, letter or skill -> percentile (0..100)")
    top_items: list[str] = Field(description="Recommendations: the top titles, best first")


class VersionChanges(Body):
    holland_code: list[str | None] | None = Field(description="[before, after] when the Holland code changed")
    scores: list[ScoreChange] = Field(description="Scores that moved by at least one point")
    added: list[str] = Field(description="Recommendations new in the top items")
    removed: list[str] = Field(description="Recommendations no longer in the top items")


class DocumentVersionOut(Body):
    version: int
    status: str
    title: str
    created_at: datetime
    source_session_id: str | None
    summary: VersionSummary
    changes: VersionChanges | None = Field(description="Against the previous version; null for the first")


class DocumentHistory(Body):
    document_type: str
    current_version: int | None
    versions: list[DocumentVersionOut] = Field(description="Newest first")


class DocumentsHistoryResponse(Body):
    user_id: str
    documents: list[DocumentHistory]
    since_last_test: dict[str, VersionChanges] = Field(
        description="document type -> what changed from the previous version to the current one"
    )


# --- counsellors -------------------------------------------------------------------------------------------
class CounsellorOut(Body):
    staff_id: str
    display_name: str | None
    students: list[str] = Field(description="Assigned students' user ids")


class CounsellorsResponse(Body):
    counsellors: list[CounsellorOut]


class AssignStudents(Request):
    user_ids: Annotated[list[UserId], Field(max_length=1000)]


class CohortQuery(Query):
    staff_id: UserId | None = Field(
        default=None, description="Admins: one counsellor's students (default: every assigned student)"
    )


class StudentOut(Body):
    user_id: str
    display_name: str | None
    state: Literal["processing", "ready", "partial", "rejected", "failed", "unknown"]
    reason: str
    holland_code: str | None
    safety_flags: int = Field(description="Conversations the safety layer flagged, not yet reviewed")
    share_conversations: bool
    updated_at: datetime | None


class StudentsResponse(Body):
    students: list[StudentOut]


class AttentionOut(Body):
    user_id: str
    display_name: str | None
    reasons: list[Literal["rejected", "failed", "safety_flag"]]


class CohortResponse(Body):
    students: int
    holland_codes: list[CountOut] = Field(description="Full Holland codes, most common first")
    holland_letters: list[CountOut] = Field(description="First letters of the codes (R I A S E C)")
    top_careers: list[CountOut] = Field(description="Careers in students' top 3, most common first")
    top_majors: list[CountOut] = Field(description="Majors in students' top 3, most common first")
    states: dict[str, int]
    needs_attention: list[AttentionOut]
