"""Job and major matching SQL of the legacy contract.

similarity = W_INTEREST * interest_fit + (1 - W_INTEREST) * skill_fit, where
- interest_fit = (1 + r) / 2 with r the Pearson correlation between the person's six interest
  scores and the catalog entry's six RIASEC values. Correlation compares the *shape* of the two
  profiles (which types stand out), not their level: someone who rates everything low still has
  a favourite. A flat profile (r undefined) gets the neutral 0.5.
- skill_fit = the mean of the person's percentiles / 100 over the thinking skills the entry leans on.
When only one part can be computed (no skills measured, or the entry lists no skills) similarity
is that part alone; an entry with neither is not ranked. Ties rank by code. Top :top_n per session.

matched_letters: the person's Holland letters (ranks 1..3) for which the entry's profile is at
least MATCH_LETTER_MIN; matched_skills: the entry's skills where the person is at or above the
50th percentile.
"""

from __future__ import annotations

from aptichat_pipelines.legacy.sql_scoring import INTEREST_CTES, SCOPE_SESSIONS, SKILL_CTES

W_INTEREST = 0.7
MATCH_LETTER_MIN = 0.5

_PROFILE = (
    "jsonb_build_object('R', c.riasec_r, 'I', c.riasec_i, 'A', c.riasec_a,"
    " 'S', c.riasec_s, 'E', c.riasec_e, 'C', c.riasec_c)"
)


def _match_sql(table: str, extra_columns: str) -> str:
    return f"""
WITH {SCOPE_SESSIONS},
{INTEREST_CTES},
{SKILL_CTES},
interest_fit AS (
    SELECT ir.session_id, c.code,
           COALESCE((1.0 + corr(ir.score, p.v)) / 2.0, 0.5) AS fit
    FROM interest_ranked ir
    CROSS JOIN {table} c
    JOIN LATERAL (VALUES ('R', c.riasec_r), ('I', c.riasec_i), ('A', c.riasec_a),
                         ('S', c.riasec_s), ('E', c.riasec_e), ('C', c.riasec_c)) AS p(letter, v)
         ON p.letter = ir.letter
    GROUP BY ir.session_id, c.code
),
skill_fit AS (
    SELECT sk.session_id, c.code, avg(sk.percentile / 100.0) AS fit,
           array_agg(sk.skill ORDER BY sk.skill) FILTER (WHERE sk.percentile >= 50) AS matched_skills
    FROM skill sk
    JOIN {table} c ON sk.skill = ANY(c.skills)
    GROUP BY sk.session_id, c.code
),
combined AS (
    SELECT sc.session_id, c.code, i.fit AS interest_fit, s.fit AS skill_fit,
           CASE WHEN i.fit IS NOT NULL AND s.fit IS NOT NULL THEN :w_interest * i.fit + (1 - :w_interest) * s.fit
                ELSE COALESCE(i.fit, s.fit) END AS similarity,
           COALESCE(s.matched_skills, '{{}}') AS matched_skills
    FROM scope sc
    CROSS JOIN {table} c
    LEFT JOIN interest_fit i ON i.session_id = sc.session_id AND i.code = c.code
    LEFT JOIN skill_fit s ON s.session_id = sc.session_id AND s.code = c.code
),
ranked AS (
    SELECT combined.*, row_number() OVER (PARTITION BY session_id ORDER BY similarity DESC, code) AS rank
    FROM combined WHERE similarity IS NOT NULL
)
SELECT r.session_id, c.code, c.title, c.description,
       round(r.similarity::numeric, 4)::float8 AS similarity,
       round(r.interest_fit::numeric, 4)::float8 AS interest_fit,
       round(r.skill_fit::numeric, 4)::float8 AS skill_fit,
       r.rank, {_PROFILE} AS riasec, c.skills, r.matched_skills,
       ARRAY(SELECT ir.letter FROM interest_ranked ir
             WHERE ir.session_id = r.session_id AND ir.rank <= 3
               AND ({_PROFILE} ->> ir.letter)::float8 >= :match_letter_min
             ORDER BY ir.rank) AS matched_letters,
       {extra_columns}
FROM ranked r JOIN {table} c ON c.code = r.code
WHERE r.rank <= :top_n
ORDER BY r.session_id, r.rank
"""


JOB_MATCHES = _match_sql("jobs", "c.onet_soc_code, c.job_zone")
MAJOR_MATCHES = _match_sql("majors", "c.cip_code")

MATCH_PARAMS = {"w_interest": W_INTEREST, "match_letter_min": MATCH_LETTER_MIN}
