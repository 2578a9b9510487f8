"""The profile summary of GET /users/{id}/profile, read from the person's current documents:
Holland code and interests, tendencies (and the strongest ones), thinking skills, document
versions, processing status (the person's state in their words; error text only for staff) and the
gaps the last run reported."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from aptichat.db.models import DOCUMENT_TYPES
from aptichat.person_state import person_state
from aptichat.scales import BIG_FIVE, RIASEC, THINKING_SKILLS
from aptichat_api import store

TOP_TENDENCIES = 3


def _score(id_: str, names: dict[str, str], percentile: Any, level: Any = None) -> dict[str, Any] | None:
    # Documents are validated when built; this stays defensive so one odd row cannot break the page.
    if id_ not in names or not isinstance(percentile, int | float):
        return None
    return {"id": id_, "name": names[id_], "percentile": float(percentile), "level": level}


def _personality(content: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], list[dict[str, Any]]]:
    tendencies = [
        s
        for t in content.get("tendencies") or []
        if isinstance(t, dict) and (s := _score(t.get("scale", ""), BIG_FIVE, t.get("percentile"), t.get("level")))
    ]
    interests_raw = content.get("interests") or {}
    scores = interests_raw.get("scores") or {} if isinstance(interests_raw, dict) else {}
    interests = [s for letter in RIASEC if (s := _score(letter, RIASEC, scores.get(letter)))]
    code = interests_raw.get("holland_code") if isinstance(interests_raw, dict) else None
    return (code if isinstance(code, str) else None), interests, tendencies


def _skills(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for k in content.get("skills") or []
        if isinstance(k, dict)
        and (s := _score(k.get("skill", ""), THINKING_SKILLS, k.get("percentile"), k.get("level")))
    ]


def job_body(job: Any, *, staff: bool = False) -> dict[str, Any] | None:
    """A processing job as the API shows it. `staff` (administrators, the service key) also see the
    error message, the run id and the runs that carried it; the person never sees exception or log
    text (their words are in aptichat.person_state), so the pipeline's own reason for a failure
    (`missing["all"]`) is left out for them too."""
    if job is None:
        return None
    missing = dict(job.missing or {})
    if not staff:
        missing.pop("all", None)
    return {
        "job_id": job.id,
        "user_id": job.user_id,
        "source": job.source,
        "status": job.status,
        "session_id": job.session_id,
        "dagster_run_id": job.dagster_run_id if staff else None,
        "error_class": job.error_class,
        "error_message": job.error_message if staff else None,
        "missing": missing,
        "requested_at": job.requested_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "attempts": list(job.attempts or []) if staff else None,
    }


def status_body(session: Session, user_id: str) -> dict[str, Any]:
    """GET /users/{id}/status: the person's state in their words (always an answer)."""
    return {"user_id": user_id, **person_state(session, user_id).model_dump()}


def build_profile(session: Session, user_id: str, *, staff: bool = False) -> dict[str, Any]:
    user = store.get_user(session, user_id)
    docs = {d.document_type: d for d in store.current_documents(session, user_id)}
    holland_code: str | None = None
    interests: list[dict[str, Any]] = []
    tendencies: list[dict[str, Any]] = []
    if (personality := docs.get("personality_profile")) is not None:
        holland_code, interests, tendencies = _personality(personality.content)
    skills = _skills(docs["thinking_skills"].content) if "thinking_skills" in docs else []
    versions = store.document_versions(session, user_id)
    documents = [
        {
            "document_type": doc_type,
            "current_version": docs[doc_type].version if doc_type in docs else None,
            "versions": [v for v, _ in versions[doc_type]],
        }
        for doc_type in DOCUMENT_TYPES
        if doc_type in versions
    ]
    return {
        "user_id": user.user_id,
        "display_name": user.display_name,
        "holland_code": holland_code,
        "interests": interests,
        "tendencies": tendencies,
        "top_tendencies": sorted(tendencies, key=lambda t: -t["percentile"])[:TOP_TENDENCIES],
        "thinking_skills": skills,
        "documents": documents,
        "processing": job_body(store.latest_job(session, user_id), staff=staff),
        "state": status_body(session, user_id),
        "gaps": dict(user.document_gaps or {}),
    }
