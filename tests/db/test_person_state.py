"""person_state on the real embedded PostgreSQL: every state from chat_users, chat_documents and
chat_etl_jobs, in words without exception text; and every failure class and rejection reason the
pipeline records has wording."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from aptichat import person_state as ps
from aptichat.db.models import ChatDocument, ChatEtlJob, ChatUser
from aptichat.documents.enums import DocumentType

ROOT = Path(__file__).resolve().parents[2]
LEAK = "psycopg.OperationalError: connection to server at 10.1.2.3 refused; Traceback (most recent call last)"


def _user() -> str:
    return f"state-{uuid.uuid4().hex[:12]}"


def _person(session: Session, user: str, documents: list[str], gaps: dict[str, str] | None = None) -> None:
    session.execute(insert(ChatUser).values(user_id=user, document_gaps=gaps or {}))
    for doc_type in documents:
        session.execute(
            insert(ChatDocument).values(
                user_id=user,
                document_type=doc_type,
                version=1,
                status="current",
                title=doc_type,
                content={},
                rendered_text=doc_type,
                content_hash="0" * 64,
            )
        )


def _job(session: Session, user: str, status: str, minutes_ago: int = 0, **values: Any) -> None:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    session.execute(insert(ChatEtlJob).values(user_id=user, source="sensor", status=status, requested_at=at, **values))


def _says_nothing_internal(state: ps.PersonState) -> None:
    words = f"{state.reason} {state.advice}"
    for leak in ("psycopg", "Traceback", "10.1.2.3", "Error", "_"):
        assert leak not in words, (leak, words)


def test_nothing_known_is_unknown(db_session: Session) -> None:
    state = ps.person_state(db_session, _user())
    assert (state.state, state.job, state.has_results, state.updated_at) == ("unknown", None, False, None)
    assert state.reason and state.advice


def test_an_open_job_is_processing(db_session: Session) -> None:
    user = _user()
    _job(db_session, user, "queued")
    state = ps.person_state(db_session, user)
    assert state.state == "processing" and state.job is not None and state.job.status == "queued"
    assert not state.has_results and state.updated_at is not None


def test_a_person_with_every_document_is_ready_even_with_a_reprocess_done(db_session: Session) -> None:
    user = _user()
    _person(db_session, user, [t.value for t in DocumentType])
    _job(db_session, user, "succeeded", finished_at=datetime.now(UTC))
    state = ps.person_state(db_session, user)
    assert (state.state, state.has_results, state.missing) == ("ready", True, [])


def test_gaps_make_a_partial_state_that_names_the_missing_parts(db_session: Session) -> None:
    user = _user()
    gaps = {"thinking_skills": "your thinking skills were not measured in this test"}
    _person(db_session, user, ["personality_profile", "career_recommendations", "major_recommendations"], gaps)
    _job(db_session, user, "partial", missing=gaps)
    state = ps.person_state(db_session, user)
    assert state.state == "partial" and state.missing == ["thinking_skills"]
    assert "your thinking skills" in state.reason
    _says_nothing_internal(state)


def test_a_rejected_test_says_why_and_that_it_can_be_retaken(db_session: Session) -> None:
    user = _user()
    _job(
        db_session,
        user,
        "rejected",
        error_class="invalid_session",
        error_message="too many unanswered items (41 of 60); implausibly fast answers",
    )
    state = ps.person_state(db_session, user)
    assert state.state == "rejected"
    assert state.reason.startswith("Your test was marked invalid because many answers were missing.")
    assert "too quickly" in state.reason and "retake" in state.advice
    _says_nothing_internal(state)


def test_a_pipeline_verdict_of_no_valid_session_is_a_rejection(db_session: Session) -> None:
    user = _user()
    _job(
        db_session,
        user,
        "failed",
        error_class="invalid_session",
        missing={"all": "no valid test session: straight-lining: nearly every answer the same"},
    )
    state = ps.person_state(db_session, user)
    assert state.state == "rejected" and "nearly every answer was the same" in state.reason


def test_a_failure_on_our_side_never_shows_the_exception(db_session: Session) -> None:
    user = _user()
    _person(db_session, user, ["personality_profile"])
    _job(db_session, user, "failed", error_class="database_unreachable", error_message=LEAK, missing={"all": LEAK})
    state = ps.person_state(db_session, user)
    assert state.state == "failed" and state.reason.startswith("Something went wrong on our side")
    assert state.has_results and "earlier results are still available" in state.advice
    _says_nothing_internal(state)
    assert state.job is not None and "error_message" not in state.job.model_dump()


def test_an_unclassified_failure_is_still_worded(db_session: Session) -> None:
    user = _user()
    _job(db_session, user, "failed", error_class="something_new", error_message=LEAK)
    state = ps.person_state(db_session, user)
    assert state.state == "failed"
    _says_nothing_internal(state)


def test_the_latest_job_decides(db_session: Session) -> None:
    user = _user()
    _job(db_session, user, "rejected", minutes_ago=30, error_message="session not completed")
    _job(db_session, user, "running", minutes_ago=1)
    assert ps.person_state(db_session, user).state == "processing"


# --- every code the pipeline records has wording --------------------------------------------------


def _recorded_failure_classes() -> set[str]:
    from aptichat_pipelines.run_status import ERROR_CLASSES

    classes = {error_class for error_class, _ in ERROR_CLASSES.values()}
    sources = [*ROOT.glob("aptichat_pipelines/**/*.py"), *ROOT.glob("aptichat/db/*.py")]
    for path in sources:
        text = path.read_text()
        classes |= set(re.findall(r'error_class="([a-z_]+)"', text))
        classes |= set(re.findall(r'return "([a-z_]+)", f?"', text)) if path.name == "run_status.py" else set()
    return classes


def test_every_recorded_failure_class_has_wording() -> None:
    classes = _recorded_failure_classes()
    assert {"no_completed_session", "invalid_session", "unexpected_error", "run_interrupted"} <= classes
    assert classes <= set(ps.FAILURES), classes - set(ps.FAILURES)
    for state, wording in ps.FAILURES.values():
        assert state in (ps.State.failed, ps.State.rejected) and wording.reason and wording.advice


def test_every_rejection_reason_the_quality_checks_write_has_its_own_code() -> None:
    from aptichat_pipelines.legacy.sql_quality import QUALITY_CTES

    reasons = re.findall(r"THEN '([^']+)'", QUALITY_CTES)
    assert len(reasons) >= 5
    for reason in reasons:
        codes = ps.rejection_codes(reason)
        assert codes != ["invalid_session"], f"no rejection code for {reason!r}"
    for status in ("invalid", "in_progress", "abandoned"):
        assert ps.rejection_codes(f"session status is {status}") != ["invalid_session"]
    assert {code for _, code in ps.REJECTION_MARKERS} <= set(ps.REJECTIONS)
    assert all(w.reason and w.advice for w in ps.REJECTIONS.values())


@pytest.mark.parametrize("doc_type", [t.value for t in DocumentType])
def test_every_document_type_has_a_name(doc_type: str) -> None:
    assert ps.DOCUMENT_NAMES[doc_type].startswith("your ")
