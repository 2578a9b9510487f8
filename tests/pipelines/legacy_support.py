"""Helpers for the legacy-contract tests: hand-built sessions and the percentiles they should get."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def add_session(
    engine: Engine,
    user_id: str,
    session_id: str,
    answers: dict[str, int | None],
    *,
    instruments: list[str],
    completed_at: datetime | None = None,
    status: str = "completed",
    response_ms: int | None = 3000,
    background: dict[str, Any] | None = None,
) -> None:
    """Write a taker (if new), a session and its answers: {item id: value or None for skipped}."""
    import json

    completed_at = completed_at or datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO test_takers (id, background) VALUES (:id, CAST(:bg AS jsonb)) ON CONFLICT DO NOTHING"),
            {"id": user_id, "bg": json.dumps(background or {})},
        )
        conn.execute(
            text(
                "INSERT INTO test_sessions (id, taker_id, instrument_set, started_at, completed_at, status) "
                "VALUES (:id, :taker, :set, :started, :completed, :status)"
            ),
            {
                "id": session_id,
                "taker": user_id,
                "set": instruments,
                "completed": completed_at,
                "started": completed_at - timedelta(minutes=10),
                "status": status,
            },
        )
        if answers:
            conn.execute(
                text("INSERT INTO responses (session_id, item_id, value, response_ms) VALUES (:s, :i, :v, :ms)"),
                [
                    {"s": session_id, "i": item, "v": value, "ms": response_ms if value is not None else None}
                    for item, value in answers.items()
                ],
            )


def norms(engine: Engine, instrument_id: str) -> dict[str, tuple[float, float, dict[str, float] | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT scale, mean, sd, percentiles FROM norms WHERE instrument_id = :i"), {"i": instrument_id}
        ).all()
    return {scale: (mean, sd, table) for scale, mean, sd, table in rows}


def expected_percentile(raw: float, norm: tuple[float, float, dict[str, float] | None]) -> float:
    """What the SQL should give: the table entry for an integer score, else the normal CDF."""
    mean, sd, table = norm
    if table is not None and raw == int(raw) and str(int(raw)) in table:
        return table[str(int(raw))]
    return round(100 * 0.5 * (1 + math.erf((raw - mean) / sd / math.sqrt(2))), 1)
