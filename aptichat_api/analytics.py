"""Admin analytics over chat_messages and chat_feedback: common intents and question patterns,
answer quality (feedback, degraded rate, latency percentiles) overall and per A/B variant."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from aptichat.db.models import ChatFeedback, ChatMessage

PATTERN_WORDS = 4
TOP = 20


def _since(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def question_pattern(text: str) -> str:
    """The first few words of a question, lower-cased and without punctuation: 'Why nursing?' and
    'why NURSING' count as the same pattern."""
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.lower())
    return " ".join(words[:PATTERN_WORDS]) or "(empty)"


def _shares(counter: Counter[str], total: int) -> list[dict[str, Any]]:
    return [
        {"key": key, "count": count, "share": round(count / total, 4) if total else 0.0}
        for key, count in counter.most_common(TOP)
    ]


def question_analytics(session: Session, days: int) -> dict[str, Any]:
    since = _since(days)
    intents = Counter(
        {
            str(intent): int(count)
            for intent, count in session.execute(
                select(ChatMessage.intent, func.count())
                .where(ChatMessage.role == "assistant", ChatMessage.created_at >= since)
                .group_by(ChatMessage.intent)
            )
            if intent is not None
        }
    )
    questions = session.scalars(
        select(ChatMessage.text).where(ChatMessage.role == "user", ChatMessage.created_at >= since).limit(50_000)
    ).all()
    patterns = Counter(question_pattern(q) for q in questions)
    return {
        "days": days,
        "total_questions": len(questions),
        "intents": _shares(intents, sum(intents.values())),
        "patterns": _shares(patterns, len(questions)),
    }


def _quality(session: Session, since: datetime, variant_filter: Any = None) -> dict[str, Any]:
    where = [ChatMessage.role == "assistant", ChatMessage.created_at >= since]
    if variant_filter is not None:
        where.append(variant_filter)
    stmt: Select[Any] = select(
        func.count(),
        func.count(func.distinct(ChatMessage.user_id)),
        func.avg(case((ChatMessage.degraded, 1.0), else_=0.0)),
        func.percentile_cont(0.5).within_group(ChatMessage.latency_ms),
        func.percentile_cont(0.9).within_group(ChatMessage.latency_ms),
        func.percentile_cont(0.99).within_group(ChatMessage.latency_ms),
    ).where(*where)
    answers, users, degraded, p50, p90, p99 = session.execute(stmt).one()
    fb = session.execute(
        select(func.count(ChatFeedback.id), func.avg(ChatFeedback.rating))
        .join(ChatMessage, ChatMessage.id == ChatFeedback.message_id)
        .where(*where)
    ).one()
    return {
        "users": int(users),
        "answers": int(answers),
        "degraded_rate": round(float(degraded), 4) if degraded is not None else None,
        "latency_ms": {"p50": _f(p50), "p90": _f(p90), "p99": _f(p99)},
        "feedback_count": int(fb[0]),
        "average_rating": round(float(fb[1]), 3) if fb[1] is not None else None,
    }


def _f(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def variant_quality(session: Session, days: int, variants: list[str] | None = None) -> list[dict[str, Any]]:
    """Quality per variant: the declared ones (even when still empty) plus any seen in the data."""
    since = _since(days)
    seen = session.scalars(
        select(ChatMessage.variant)
        .where(ChatMessage.role == "assistant", ChatMessage.created_at >= since, ChatMessage.variant.is_not(None))
        .distinct()
    ).all()
    names = list(dict.fromkeys([*(variants or []), *sorted(v for v in seen if v is not None)]))
    return [{"variant": name, **_quality(session, since, ChatMessage.variant == name)} for name in names]


def experiment_quality(session: Session, days: int, experiment: str, variants: list[str]) -> list[dict[str, Any]]:
    """Per-variant results of any declared experiment. The chat experiment's variant is stored on
    each message; for others the deterministic assignment is recomputed per person."""
    from aptichat_api.experiments import CHAT_EXPERIMENT, assign

    if experiment == CHAT_EXPERIMENT:
        return variant_quality(session, days, variants)
    since = _since(days)
    users = session.scalars(
        select(ChatMessage.user_id).where(ChatMessage.role == "assistant", ChatMessage.created_at >= since).distinct()
    ).all()
    groups: dict[str, list[str]] = {v: [] for v in variants}
    for user_id in users:
        groups[assign(experiment, variants, user_id)].append(user_id)
    return [
        {"variant": v, **_quality(session, since, ChatMessage.user_id.in_(members))} for v, members in groups.items()
    ]


def quality_analytics(session: Session, days: int) -> dict[str, Any]:
    since = _since(days)
    overall = _quality(session, since)
    distribution = {str(r): 0 for r in range(1, 6)}
    for rating, count in session.execute(
        select(ChatFeedback.rating, func.count())
        .join(ChatMessage, and_(ChatMessage.id == ChatFeedback.message_id))
        .where(ChatMessage.created_at >= since)
        .group_by(ChatFeedback.rating)
    ):
        distribution[str(rating)] = int(count)
    overall.pop("users")
    return {"days": days, **overall, "rating_distribution": distribution, "per_variant": variant_quality(session, days)}
