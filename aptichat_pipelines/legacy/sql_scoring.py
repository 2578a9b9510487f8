"""Scoring SQL of the legacy contract: tendencies, interests and thinking skills.

The legacy product scores in the database, so we do too: these statements are the contract, and
docs/legacy-contract.md explains them. Every statement starts from a `scope(session_id)` CTE so
the same scoring runs for one session, for all of a user's sessions, or in bulk.

Conventions (all documented in docs/legacy-contract.md):
- Likert answers outside the instrument's answer range count as missing (the product used 0 for
  "skipped" in places); reverse-keyed items are flipped as `min + max - value`.
- Tendency raw score = mean keyed answer; interest score = mean answer rescaled to 0..100.
- Skill raw score = number of items right out of the items the instrument presented.
- Percentile = the norms table's `percentiles` entry for an integer raw score when it has one, else
  100 * Phi((raw - mean) / sd). Phi is written out (Abramowitz & Stegun 7.1.26, error < 1.5e-7)
  instead of `erf()` so the contract runs on PostgreSQL before 16 too. Rounded to one decimal.
- Level: low below the 30th percentile, high from the 70th (aptichat.scales.level_for_percentile).
"""

from __future__ import annotations

from aptichat.scales import BIG_FIVE, RIASEC_LETTERS, THINKING_SKILLS


def _array(values: object) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"  # type: ignore[attr-defined]


BIG_FIVE_ORDER = _array(BIG_FIVE)
RIASEC_ORDER = _array(RIASEC_LETTERS)
SKILL_ORDER = _array(THINKING_SKILLS)

SCOPE_SESSIONS = "scope AS (SELECT id AS session_id FROM test_sessions WHERE id = ANY(:session_ids))"


def percentile_sql(raw: str, norms: str = "n") -> tuple[str, str]:
    """(lateral joins, expression) giving the percentile 0..100 of `raw` against a norms row.

    x is clamped to +-6 standard deviations because PostgreSQL's exp() raises on underflow.
    """
    lateral = (
        f"CROSS JOIN LATERAL (SELECT least(greatest(({raw} - {norms}.mean) / NULLIF({norms}.sd, 0) / sqrt(2.0),"
        " -6.0), 6.0) AS x) AS z "
        "CROSS JOIN LATERAL (SELECT 1.0 / (1.0 + 0.3275911 * abs(z.x)) AS t) AS zt"
    )
    phi = (
        "50.0 * (1.0 + sign(z.x) * (1.0 - (((((1.061405429 * zt.t - 1.453152027) * zt.t + 1.421413741) * zt.t"
        " - 0.284496736) * zt.t + 0.254829592) * zt.t * exp(-z.x * z.x))))"
    )
    table = f"(CASE WHEN {raw} = round({raw}) THEN ({norms}.percentiles ->> (round({raw})::int)::text)::float8 END)"
    return lateral, f"round(least(100.0, greatest(0.0, COALESCE({table}, {phi})))::numeric, 1)::float8"


LEVEL = "CASE WHEN {p} < 30 THEN 'low' WHEN {p} >= 70 THEN 'high' ELSE 'average' END"


def likert_raw_cte(domain: str, name: str) -> str:
    """CTE `name`(session_id, instrument_id, scale, raw_mean, answered, response_min, response_max)."""
    return f"""{name} AS (
    SELECT sc.session_id, ins.id AS instrument_id, i.scale,
           avg(CASE WHEN i.keying = -1 THEN ins.response_min + ins.response_max - r.value
                    ELSE r.value END)::float8 AS raw_mean,
           count(*) AS answered, ins.response_min, ins.response_max
    FROM scope sc
    JOIN test_sessions s ON s.id = sc.session_id
    JOIN instruments ins ON ins.id = ANY(s.instrument_set) AND ins.domain = '{domain}'
    JOIN items i ON i.instrument_id = ins.id
    JOIN responses r ON r.session_id = s.id AND r.item_id = i.id
    WHERE r.value BETWEEN ins.response_min AND ins.response_max
    GROUP BY sc.session_id, ins.id, i.scale, ins.response_min, ins.response_max
)"""


def _normed_cte(source: str, raw: str, name: str) -> str:
    lateral, expr = percentile_sql(f"{source}.{raw}")
    return f"""{name} AS (
    SELECT {source}.*, {expr} AS percentile
    FROM {source}
    LEFT JOIN norms n ON n.instrument_id = {source}.instrument_id AND n.scale = {source}.scale
    {lateral}
)"""


# Tendencies. rank_high/rank_low order by percentile, then raw mean, then the BIG_FIVE order, so
# ties resolve the same way every time. A LEFT JOIN to norms leaves percentile NULL when the norms
# are missing, which fails validation loudly instead of dropping the scale.
TENDENCIES = f"""
WITH {SCOPE_SESSIONS},
{likert_raw_cte("tendencies", "raw")},
{_normed_cte("raw", "raw_mean", "pct")}
SELECT session_id, scale, raw_mean, answered, percentile,
       {LEVEL.format(p="percentile")} AS level,
       row_number() OVER (PARTITION BY session_id
           ORDER BY percentile DESC, raw_mean DESC, array_position({BIG_FIVE_ORDER}, scale)) AS rank_high,
       row_number() OVER (PARTITION BY session_id
           ORDER BY percentile ASC, raw_mean ASC, array_position({BIG_FIVE_ORDER}, scale)) AS rank_low
FROM pct
ORDER BY session_id, array_position({BIG_FIVE_ORDER}, scale)
"""

# Interests as a reusable CTE chain ending in `interest`(session_id, letter, raw_mean, score,
# percentile, z, rank). Rank: score descending, ties broken by the fixed order R, I, A, S, E, C (the
# Holland hexagon order); the Holland code is the letters ranked 1..3.
INTEREST_CTES = f"""{likert_raw_cte("interests", "interest_raw")},
{_normed_cte("interest_raw", "raw_mean", "interest_pct")},
interest AS (
    -- z: the raw mean standardised against the instrument's norms, what the ranking correlates (sql_matching)
    SELECT ip.session_id, ip.scale AS letter, ip.raw_mean,
           round((100.0 * (ip.raw_mean - ip.response_min) / (ip.response_max - ip.response_min))::numeric, 1)::float8
               AS score,
           ip.percentile, (ip.raw_mean - nz.mean) / NULLIF(nz.sd, 0) AS z
    FROM interest_pct ip
    LEFT JOIN norms nz ON nz.instrument_id = ip.instrument_id AND nz.scale = ip.scale
),
interest_ranked AS (
    SELECT interest.*,
           row_number() OVER (PARTITION BY session_id
                              ORDER BY score DESC, array_position({RIASEC_ORDER}, letter)) AS rank
    FROM interest
)"""

INTERESTS = f"""
WITH {SCOPE_SESSIONS},
{INTEREST_CTES}
SELECT ir.session_id, ir.letter, ir.raw_mean, ir.score, ir.percentile, ir.z, ir.rank, h.holland_code
FROM interest_ranked ir
JOIN (SELECT session_id, string_agg(letter, '' ORDER BY rank) AS holland_code
      FROM interest_ranked WHERE rank <= 3 GROUP BY session_id) h ON h.session_id = ir.session_id
ORDER BY ir.session_id, ir.rank
"""

# Thinking skills as a reusable CTE chain ending in `skill`(session_id, skill, correct, total,
# percentile). Every item of the instrument counts in `total`; unanswered items are not right.
SKILL_CTES = (
    """skill_items AS (
    SELECT sc.session_id, ins.id AS instrument_id, i.scale, i.id AS item_id, i.correct_answer
    FROM scope sc
    JOIN test_sessions s ON s.id = sc.session_id
    JOIN instruments ins ON ins.id = ANY(s.instrument_set) AND ins.domain = 'skills'
    JOIN items i ON i.instrument_id = ins.id
),
skill_raw AS (
    SELECT si.session_id, si.instrument_id, si.scale,
           (count(*) FILTER (WHERE r.value = si.correct_answer))::float8 AS correct,
           count(*) AS total
    FROM skill_items si
    LEFT JOIN responses r ON r.session_id = si.session_id AND r.item_id = si.item_id
    GROUP BY si.session_id, si.instrument_id, si.scale
),
"""
    + _normed_cte("skill_raw", "correct", "skill_pct")
    + """,
skill AS (SELECT session_id, scale AS skill, correct::int AS correct, total, percentile FROM skill_pct)"""
)

SKILLS = f"""
WITH {SCOPE_SESSIONS},
{SKILL_CTES}
SELECT session_id, skill, correct, total, percentile, {LEVEL.format(p="percentile")} AS level
FROM skill
ORDER BY session_id, array_position({SKILL_ORDER}, skill)
"""
