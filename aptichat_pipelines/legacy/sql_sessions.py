"""Session, test-taker and catalog SQL of the legacy contract."""

from __future__ import annotations

_SESSION_COLUMNS = """s.id AS session_id, s.taker_id AS user_id, s.instrument_set,
       ARRAY(SELECT DISTINCT ins.domain FROM instruments ins WHERE ins.id = ANY(s.instrument_set)
             ORDER BY ins.domain) AS domains,
       s.started_at, s.completed_at, s.status"""

SESSION = f"SELECT {_SESSION_COLUMNS} FROM test_sessions s WHERE s.id = :session_id"

# The sensor walks completed sessions in (completed_at, id) order. The row comparison is strict
# and includes the id, so sessions sharing a timestamp with the cursor are neither skipped nor
# repeated; ix_test_sessions_completed serves it as a range scan.
COMPLETED_AFTER = f"""
SELECT {_SESSION_COLUMNS} FROM test_sessions s
WHERE s.status = 'completed' AND (s.completed_at, s.id) > (CAST(:after_ts AS timestamptz), CAST(:after_id AS text))
ORDER BY s.completed_at, s.id
LIMIT :limit
"""

COMPLETED_FROM_START = f"""
SELECT {_SESSION_COLUMNS} FROM test_sessions s
WHERE s.status = 'completed'
ORDER BY s.completed_at, s.id
LIMIT :limit
"""

LATEST_COMPLETED_SESSION = f"""
SELECT {_SESSION_COLUMNS} FROM test_sessions s
WHERE s.taker_id = :user_id AND s.status = 'completed'
ORDER BY s.completed_at DESC, s.id DESC
LIMIT 1
"""

USER_SESSIONS = f"""
SELECT {_SESSION_COLUMNS} FROM test_sessions s
WHERE s.taker_id = :user_id
ORDER BY s.started_at, s.id
"""

TAKER = "SELECT id AS user_id, created_at, background FROM test_takers WHERE id = :user_id"

_PROFILE = (
    "jsonb_build_object('R', riasec_r, 'I', riasec_i, 'A', riasec_a, 'S', riasec_s, 'E', riasec_e, 'C', riasec_c)"
)

CATALOG_JOBS = f"""
SELECT code, title, description, {_PROFILE} AS riasec, skills, onet_soc_code, job_zone, source
FROM jobs ORDER BY code
"""

CATALOG_MAJORS = f"""
SELECT code, title, description, {_PROFILE} AS riasec, skills, cip_code, source
FROM majors ORDER BY code
"""
