"""Document version history and "what changed since your last test" (GET /users/{id}/documents/history).

Every version of a document stays in chat_documents (`current` or `superseded`), so each version is
summarised (Holland code, percentiles, top recommendations) and compared with the one before it. Only
numbers and titles the documents hold are compared; nothing is inferred."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aptichat.db.models import DOCUMENT_TYPES, ChatDocument
from aptichat.scales import BIG_FIVE, RIASEC, THINKING_SKILLS

TOP_ITEMS = 5
MIN_DELTA = 1.0  # percentile points: smaller moves are noise, not a change worth showing


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def summary(document_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """The comparable facts of one version: Holland code, scores (id -> percentile), top items."""
    scores: dict[str, float] = {}
    holland: str | None = None
    top: list[str] = []
    if document_type == "personality_profile":
        for t in content.get("tendencies") or []:
            if isinstance(t, dict) and t.get("scale") in BIG_FIVE and (p := _num(t.get("percentile"))) is not None:
                scores[t["scale"]] = p
        raw = content.get("interests")
        interests: dict[str, Any] = raw if isinstance(raw, dict) else {}
        for letter, value in (interests.get("scores") or {}).items():
            if letter in RIASEC and (p := _num(value)) is not None:
                scores[letter] = p
        code = interests.get("holland_code")
        holland = code if isinstance(code, str) and code else None
    elif document_type == "thinking_skills":
        for k in content.get("skills") or []:
            if (
                isinstance(k, dict)
                and k.get("skill") in THINKING_SKILLS
                and (p := _num(k.get("percentile"))) is not None
            ):
                scores[k["skill"]] = p
    else:
        items = [i for i in content.get("items") or [] if isinstance(i, dict) and isinstance(i.get("title"), str)]
        items.sort(key=lambda i: int(i["rank"]) if isinstance(i.get("rank"), int) else 10**6)
        top = [i["title"] for i in items[:TOP_ITEMS]]
    return {"holland_code": holland, "scores": scores, "top_items": top}


def _name(score_id: str) -> str:
    return BIG_FIVE.get(score_id) or RIASEC.get(score_id) or THINKING_SKILLS.get(score_id) or score_id


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What moved from `before` to `after` (two summaries)."""
    moved = []
    for score_id in [*after["scores"], *(k for k in before["scores"] if k not in after["scores"])]:
        old, new = before["scores"].get(score_id), after["scores"].get(score_id)
        delta = round(new - old, 1) if old is not None and new is not None else None
        if delta is None or abs(delta) >= MIN_DELTA:
            moved.append({"id": score_id, "name": _name(score_id), "before": old, "after": new, "delta": delta})
    code_changed = before["holland_code"] != after["holland_code"]
    return {
        "holland_code": [before["holland_code"], after["holland_code"]] if code_changed else None,
        "scores": moved,
        "added": [t for t in after["top_items"] if t not in before["top_items"]],
        "removed": [t for t in before["top_items"] if t not in after["top_items"]],
    }


def documents_history(session: Session, user_id: str) -> dict[str, Any]:
    rows = session.scalars(
        select(ChatDocument)
        .where(ChatDocument.user_id == user_id)
        .order_by(ChatDocument.document_type, ChatDocument.version)
    ).all()
    by_type: dict[str, list[ChatDocument]] = {}
    for row in rows:
        by_type.setdefault(row.document_type, []).append(row)
    documents = []
    since_last: dict[str, Any] = {}
    for doc_type in DOCUMENT_TYPES:
        versions = by_type.get(doc_type)
        if not versions:
            continue
        out = []
        previous: dict[str, Any] | None = None
        current_version: int | None = None
        for row in versions:  # oldest first, to compare each with the one before
            this = summary(doc_type, dict(row.content or {}))
            diff = changes(previous, this) if previous is not None else None
            if row.status == "current":
                current_version = row.version
                if diff is not None:
                    since_last[doc_type] = diff
            out.append(
                {
                    "version": row.version,
                    "status": row.status,
                    "title": row.title,
                    "created_at": row.created_at,
                    "source_session_id": row.source_session_id,
                    "summary": this,
                    "changes": diff,
                }
            )
            previous = this
        documents.append({"document_type": doc_type, "current_version": current_version, "versions": out[::-1]})
    return {"user_id": user_id, "documents": documents, "since_last_test": since_last}
