"""Response-quality SQL of the legacy contract: missing answers, straight-lining, speeding.

A session is valid when none of these hold (each adds a reason in plain words):
- more than MAX_MISSING_SHARE of the presented items unanswered;
- straight-lining: in some Likert instrument with at least MIN_ANSWERS_FOR_PATTERN answers, one
  answer value makes up STRAIGHT_LINE_SHARE or more of them (reverse-keyed items make honest
  answers vary, so a near-constant column is a sign of not reading);
- implausibly fast: of at least MIN_ANSWERS_FOR_PATTERN timed answers, FAST_SHARE or more took
  less than FAST_RESPONSE_MS (nobody reads a statement and decides in under a second);
- the product itself marked the session invalid, or it was never completed.
Untimed answers (imported data) never count as fast.
"""

from __future__ import annotations

from aptichat_pipelines.legacy.sql_scoring import SCOPE_SESSIONS

MAX_MISSING_SHARE = 0.10
STRAIGHT_LINE_SHARE = 0.90
MIN_ANSWERS_FOR_PATTERN = 10
FAST_RESPONSE_MS = 1000
FAST_SHARE = 0.50

THRESHOLDS = {
    "max_missing_share": MAX_MISSING_SHARE,
    "straight_line_share": STRAIGHT_LINE_SHARE,
    "min_answers": MIN_ANSWERS_FOR_PATTERN,
    "fast_ms": FAST_RESPONSE_MS,
    "fast_share": FAST_SHARE,
}

QUALITY_CTES = """presented AS (
    SELECT sc.session_id, ins.id AS instrument_id, ins.domain, ins.response_min, ins.response_max, i.id AS item_id
    FROM scope sc
    JOIN test_sessions s ON s.id = sc.session_id
    JOIN instruments ins ON ins.id = ANY(s.instrument_set)
    JOIN items i ON i.instrument_id = ins.id
),
answers AS (
    SELECT p.session_id, p.instrument_id, p.domain, r.value, r.response_ms,
           (r.value IS NOT NULL AND (p.response_min IS NULL OR r.value BETWEEN p.response_min AND p.response_max))
               AS answered
    FROM presented p
    LEFT JOIN responses r ON r.session_id = p.session_id AND r.item_id = p.item_id
),
counts AS (
    SELECT session_id,
           count(*) AS items_presented,
           count(*) FILTER (WHERE NOT answered) AS missing_answers,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY response_ms) FILTER (WHERE answered) AS median_response_ms,
           count(response_ms) FILTER (WHERE answered) AS timed,
           count(*) FILTER (WHERE answered AND response_ms < :fast_ms) AS fast
    FROM answers GROUP BY session_id
),
value_shares AS (
    SELECT session_id, instrument_id, count(*)::float8 / sum(count(*)) OVER (PARTITION BY session_id, instrument_id)
               AS share,
           sum(count(*)) OVER (PARTITION BY session_id, instrument_id) AS answered_in_instrument
    FROM answers WHERE answered AND domain <> 'skills'
    GROUP BY session_id, instrument_id, value
),
straight AS (
    SELECT session_id, max(share) AS max_identical_share,
           bool_or(share >= :straight_line_share AND answered_in_instrument >= :min_answers) AS straight_lining
    FROM value_shares GROUP BY session_id
),
flags AS (
    SELECT sc.session_id, s.status,
           COALESCE(c.items_presented, 0) AS items_presented,
           COALESCE(c.missing_answers, 0) AS missing_answers,
           COALESCE(c.missing_answers::float8 / NULLIF(c.items_presented, 0), 1.0) AS missing_share,
           st.max_identical_share,
           COALESCE(st.straight_lining, false) AS straight_lining,
           c.median_response_ms,
           c.fast::float8 / NULLIF(c.timed, 0) AS fast_share,
           COALESCE(c.timed >= :min_answers AND c.fast::float8 / c.timed >= :fast_share, false) AS implausibly_fast
    FROM scope sc
    JOIN test_sessions s ON s.id = sc.session_id
    LEFT JOIN counts c ON c.session_id = sc.session_id
    LEFT JOIN straight st ON st.session_id = sc.session_id
),
quality AS (
    SELECT flags.*,
           array_remove(ARRAY[
               CASE WHEN status = 'invalid' THEN 'marked invalid by the test product' END,
               CASE WHEN status IN ('in_progress', 'abandoned') THEN 'session not completed' END,
               CASE WHEN missing_share > :max_missing_share
                    THEN 'too many unanswered items (' || missing_answers || ' of ' || items_presented || ')' END,
               CASE WHEN straight_lining THEN 'straight-lining: nearly every answer the same' END,
               CASE WHEN implausibly_fast THEN 'implausibly fast answers' END
           ], NULL) AS reasons
    FROM flags
)"""

QUALITY = f"""
WITH {SCOPE_SESSIONS},
{QUALITY_CTES}
SELECT *, cardinality(reasons) = 0 AS is_valid FROM quality ORDER BY session_id
"""

# The newest completed session of a user whose answers pass every quality check; ties on
# completed_at resolve by the larger session id, like the sensor cursor.
LATEST_VALID_SESSION = f"""
WITH scope AS (SELECT id AS session_id FROM test_sessions WHERE taker_id = :user_id AND status = 'completed'),
{QUALITY_CTES}
SELECT q.session_id FROM quality q JOIN test_sessions s ON s.id = q.session_id
WHERE cardinality(q.reasons) = 0
ORDER BY s.completed_at DESC, s.id DESC
LIMIT 1
"""
