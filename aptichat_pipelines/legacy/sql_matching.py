"""Job and major matching SQL of the legacy contract.

similarity = W_INTEREST * interest_fit + (1 - W_INTEREST) * skill_fit, where
- interest_fit = (1 + r * d) / 2 with r the Pearson correlation between the person's six *standardised*
  interest scores, z = (raw mean - norm mean) / norm sd from the instrument's norms, and the entry's
  six RIASEC values, and d = (1 - w) + w * norm / length how *differentiated* the entry's profile is
  (norm: the length of its deviations from its own six-letter mean; length: of the six values), so an
  entry that sits above or below the others on every letter counts a little less (r * d is the blend
  (1 - w) * r + w * cos(person's deviations, entry's values); w = W_DIFFERENTIATION_*, decision 0010).
  Standardising takes out what nearly everyone shares (most people rate Investigative and Artistic
  activities above Conventional ones), which otherwise gives everyone the same list. Correlation
  compares the *shape* of the profiles (which types stand out), not their level.
  A flat profile (r undefined) gets the neutral 0.5.
  Majors' profiles are standardised too, per letter over the whole majors table: a program's
  profile is an average of occupations (aptichat_pipelines/catalog/cip.py), and averages crowd
  towards the middle, so what sets a program apart is its distance from the average program.
  Jobs keep O*NET's own ratings.
- skill_fit = the mean of the person's percentiles / 100 over the thinking skills the entry leans on;
  for an entry none of whose skills was measured (it lists none: a quarter of the majors, half of
  the careers) the person's mean percentile over all their skills, so that a missing skill list
  neither helps nor hurts an entry (with the interest fit alone there, a person with low skills
  would see entries without skills pushed up, one with high skills pushed down: noise).
When the person has no skills measured, similarity is the interest fit alone (no skill term at all);
an entry with no RIASEC profile is ranked on its skill fit alone, one with neither is not ranked.
Ties rank by code. Top :top_n per session.
docs/decisions/0006-recommendation-ranking.md says how this was chosen (benchmarks/validity.py), 0008
what was compared after it and the missing-skills rule, 0009 the congruence indices, 0010 the
differentiation weight.

Majors are diversified: at most MAJORS_PER_SERIES programs of one CIP 4-digit series (e.g. 14.08,
civil engineering) in the list; the next best programs of a listed series are attached to it as
`related` (titles, best first, at most RELATED_KEPT), so a student sees ten different directions.

matched_letters: the letters that make the entry fit, from the numbers r is computed on: both the
person's standardised score and the entry's value are above their own six-letter average, and the
person is above the norm's mean (z > 0: a reason never praises a below-average interest); ordered
by their share of r (the product of the two deviations), at most three. matched_skills: the
entry's skills where the person is at or above the 50th percentile.
"""

from __future__ import annotations

from aptichat_pipelines.legacy.sql_scoring import INTEREST_CTES, SCOPE_SESSIONS, SKILL_CTES

# Part of catalog_rerank_sensor's hash: change it with the rule, and everyone's lists are rebuilt once.
RANKING_VERSION = "0010"
W_INTEREST = 0.7
W_DIFFERENTIATION_MAJORS = 0.75
W_DIFFERENTIATION_JOBS = 0.5
MAJORS_PER_SERIES = 2
RELATED_KEPT = 3

_LETTERS = "RIASEC"
_PROFILE = (
    "jsonb_build_object('R', c.riasec_r, 'I', c.riasec_i, 'A', c.riasec_a,"
    " 'S', c.riasec_s, 'E', c.riasec_e, 'C', c.riasec_c)"
)


def _entry_values(standardise: bool) -> str:
    """Columns v_r..v_c of catalog row `c`: raw, or standardised with the table's `st` row (a letter
    on which every entry has the same value carries no information: 0)."""
    cols = []
    for x in _LETTERS:
        col = f"c.riasec_{x.lower()}"
        v = f"COALESCE(({col} - st.m_{x}) / NULLIF(st.s_{x}, 0), 0)" if standardise else f"{col}::float8"
        cols.append(f"{v} AS v_{x}")
    return ", ".join(cols)


def _stats(table: str) -> str:
    cols = ", ".join(
        f"avg(riasec_{x.lower()})::float8 AS m_{x}, stddev_pop(riasec_{x.lower()})::float8 AS s_{x}" for x in _LETTERS
    )
    return f"stats AS (SELECT {cols} FROM {table})"


def _deviations(source: str, prefix: str) -> str:
    """d_r..d_c = each value minus the six-value mean, norm = the length of that vector and length =
    the length of the six values themselves (norm / length: how differentiated the profile is)."""
    mean = "(" + " + ".join(f"{prefix}{x}" for x in _LETTERS) + ") / 6.0"
    devs = ", ".join(f"{prefix}{x} - m6 AS d_{x}" for x in _LETTERS)
    norm = "sqrt(" + " + ".join(f"({prefix}{x} - m6) ^ 2" for x in _LETTERS) + ")"
    length = "sqrt(" + " + ".join(f"{prefix}{x} ^ 2" for x in _LETTERS) + ")"
    return (
        f"SELECT s.*, {devs}, {norm} AS norm, {length} AS length"
        f" FROM (SELECT src.*, {mean} AS m6 FROM {source} AS src) s"
    )


_PIVOT = ", ".join(f"max(z) FILTER (WHERE letter = '{x}') AS z_{x}" for x in _LETTERS)
_PERSON_Z = ", ".join(f"COALESCE(pz.z_{x}, pz.zm) AS z_{x}" for x in _LETTERS)
_DOT = " + ".join(f"p.d_{x} * e.d_{x}" for x in _LETTERS)
_MATCHED = (
    "ARRAY(SELECT t.letter FROM (VALUES "
    + ", ".join(f"('{x}', {i}, p.d_{x}, e.d_{x}, p.z_{x})" for i, x in enumerate(_LETTERS))
    + ") AS t(letter, pos, a, b, z) WHERE t.a > 0 AND t.b > 0 AND t.z > 0 ORDER BY t.a * t.b DESC, t.pos LIMIT 3)"
)


def _match_sql(table: str, extra_columns: str, *, standardise: bool, series: str | None, differentiation: float) -> str:
    if series is None:
        capped, related_cte, related_join, related = "SELECT * FROM ranked", "", "", "ARRAY[]::text[]"
    else:
        # the best :per_series of a series are listed; the next :related_kept become the first one's relatives
        capped = "SELECT * FROM ranked WHERE in_series <= :per_series"
        related_cte = f""",
spill AS (
    SELECT r2.session_id, r2.series, array_agg(c2.title ORDER BY r2.in_series) AS titles
    FROM ranked r2 JOIN {table} c2 ON c2.code = r2.code
    WHERE r2.in_series > :per_series AND r2.in_series <= :per_series + :related_kept
    GROUP BY r2.session_id, r2.series
)"""
        related_join = "LEFT JOIN spill sp ON sp.session_id = r.session_id AND sp.series = r.series AND r.in_series = 1"
        related = "COALESCE(sp.titles, ARRAY[]::text[])"
    return f"""
WITH {SCOPE_SESSIONS},
{INTEREST_CTES},
{SKILL_CTES},
{_stats(table)},
person AS (
    SELECT ip.session_id, ip.scale AS letter, (ip.raw_mean - n.mean) / NULLIF(n.sd, 0) AS z
    FROM interest_pct ip
    LEFT JOIN norms n ON n.instrument_id = ip.instrument_id AND n.scale = ip.scale
),
person_z AS (
    -- a letter without a score sits at the person's mean: it adds nothing to the correlation
    SELECT pz.session_id, {_PERSON_Z}
    FROM (SELECT session_id, avg(z) AS zm, {_PIVOT} FROM person GROUP BY session_id) pz
),
person_vec AS ({_deviations("person_z", "z_")}),
entry_vec AS ({_deviations(f"(SELECT c.code, {_entry_values(standardise)} FROM {table} c CROSS JOIN stats st)", "v_")}),
interest_fit AS (
    -- r = Pearson r of the two six-value profiles = the cosine of their deviations from their means,
    -- weighed by how differentiated the entry is: r * ((1 - w) + w * norm / length) (decision 0010)
    SELECT p.session_id, e.code,
           COALESCE((1.0 + ({_DOT}) / NULLIF(p.norm * e.norm, 0)
                     * ((1.0 - {differentiation!r}) + {differentiation!r} * e.norm / NULLIF(e.length, 0))) / 2.0,
                    0.5) AS fit
    FROM person_vec p CROSS JOIN entry_vec e
),
skill_fit AS (
    SELECT sk.session_id, c.code, avg(sk.percentile / 100.0) AS fit,
           array_agg(sk.skill ORDER BY sk.skill) FILTER (WHERE sk.percentile >= 50) AS matched_skills
    FROM skill sk
    JOIN {table} c ON sk.skill = ANY(c.skills)
    GROUP BY sk.session_id, c.code
),
person_skill AS (
    -- what an entry gets when none of its skills was measured: the person's own average, neutral
    SELECT session_id, avg(percentile / 100.0) AS fit FROM skill GROUP BY session_id
),
blended AS (
    SELECT sc.session_id, c.code, i.fit AS interest_fit,
           CASE WHEN s.fit IS NULL AND i.fit IS NOT NULL THEN ps.fit ELSE s.fit END AS skill_fit,
           COALESCE(s.matched_skills, '{{}}') AS matched_skills,
           {series or "NULL::text"} AS series
    FROM scope sc
    CROSS JOIN {table} c
    LEFT JOIN interest_fit i ON i.session_id = sc.session_id AND i.code = c.code
    LEFT JOIN skill_fit s ON s.session_id = sc.session_id AND s.code = c.code
    LEFT JOIN person_skill ps ON ps.session_id = sc.session_id
),
combined AS (
    SELECT b.*,
           CASE WHEN b.interest_fit IS NOT NULL AND b.skill_fit IS NOT NULL
                THEN :w_interest * b.interest_fit + (1 - :w_interest) * b.skill_fit
                ELSE COALESCE(b.interest_fit, b.skill_fit) END AS similarity
    FROM blended b
),
ranked AS (
    SELECT combined.*,
           row_number() OVER (PARTITION BY session_id, series ORDER BY similarity DESC, code) AS in_series
    FROM combined WHERE similarity IS NOT NULL
),
listed AS (
    SELECT capped.*, row_number() OVER (PARTITION BY session_id ORDER BY similarity DESC, code) AS rank
    FROM ({capped}) AS capped
){related_cte}
SELECT r.session_id, c.code, c.title, c.description,
       round(r.similarity::numeric, 4)::float8 AS similarity,
       round(r.interest_fit::numeric, 4)::float8 AS interest_fit,
       round(r.skill_fit::numeric, 4)::float8 AS skill_fit,
       r.rank, {_PROFILE} AS riasec, c.skills, r.matched_skills, {related} AS related,
       {_MATCHED} AS matched_letters,
       {extra_columns}
FROM listed r JOIN {table} c ON c.code = r.code
LEFT JOIN person_vec p ON p.session_id = r.session_id
LEFT JOIN entry_vec e ON e.code = r.code
{related_join}
WHERE r.rank <= :top_n
ORDER BY r.session_id, r.rank
"""


JOB_MATCHES = _match_sql(
    "jobs", "c.onet_soc_code, c.job_zone", standardise=False, series=None, differentiation=W_DIFFERENTIATION_JOBS
)
# CIP codes are 'dd.dddd'; the series is 'dd.dd'. An entry without a CIP code is a series of its own.
MAJOR_MATCHES = _match_sql(
    "majors",
    "c.cip_code",
    standardise=True,
    series="COALESCE(left(c.cip_code, 5), c.code)",
    differentiation=W_DIFFERENTIATION_MAJORS,
)

MATCH_PARAMS = {"w_interest": W_INTEREST, "per_series": MAJORS_PER_SERIES, "related_kept": RELATED_KEPT}
