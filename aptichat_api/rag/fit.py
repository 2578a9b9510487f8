"""How well a catalog career or major fits a person, for "why wasn't lawyer recommended?".

The rule the recommendations are ranked by (aptichat_pipelines/legacy/sql_matching.py, decision 0006;
the API may not import the pipelines, so the rule is repeated here and a test holds the two together):
interest fit = (1 + r * d) / 2 with r the Pearson correlation between the person's six interest scores
*standardised against the instrument's norms* (z, stored with the interests in the personality
profile) and the entry's RIASEC profile, and d = (1 - w) + w * (how differentiated the entry's profile
is: its spread around its own mean over its length; w 0.75 majors, 0.5 careers, decision 0010); majors'
profiles are standardised per letter over the whole majors table first, careers keep O*NET's ratings.
Skill fit = the mean percentile over the thinking skills the entry leans on, or the person's mean
percentile over all their skills when none of the entry's was measured (it lists none), so a missing
skill list neither helps nor hurts; combined 0.7 / 0.3 (the interest fit alone when the person has
no skills measured).
Documents built before the z-scores were stored fall back to the raw scores: the figure is then an
estimate, and the fit section says so. The result is written as a section built only from stored
numbers and this arithmetic, so every figure an answer quotes from it can be cited.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from aptichat.scales import RIASEC, RIASEC_LETTERS, THINKING_SKILLS
from aptichat_api.rag.items import CatalogEntry

W_INTEREST = 0.7  # as sql_matching.W_INTEREST
W_DIFFERENTIATION = {"major": 0.75, "career": 0.5}  # as sql_matching.W_DIFFERENTIATION_MAJORS / _JOBS
MATCH_LETTER_MIN = 0.5  # as sql_matching.MATCH_LETTER_MIN: a letter the entry leans on


@dataclass
class PersonScores:
    """The person's stored scores: interests (0-100 per RIASEC letter) and skill percentiles."""

    interests: dict[str, float] = field(default_factory=dict)
    skills: dict[str, float] = field(default_factory=dict)
    standardised: dict[str, float] = field(default_factory=dict)  # z per letter; empty in older documents

    def holland_code(self) -> str:
        ranked = sorted(RIASEC_LETTERS, key=lambda x: (-self.interests[x], RIASEC_LETTERS.index(x)))
        return "".join(ranked[:3])


_SCORES_SQL = text(
    "SELECT document_type, content FROM chat_documents WHERE user_id = :user_id AND status = 'current'"
    " AND document_type IN ('personality_profile', 'thinking_skills')"
)


def person_scores(session: Session, user_id: str) -> PersonScores:
    """The person's interest scores and skill percentiles from their current documents."""
    scores = PersonScores()
    for kind, content in session.execute(_SCORES_SQL, {"user_id": user_id}):
        content = content or {}
        if kind == "personality_profile":
            profile = content.get("interests") or {}
            interests = profile.get("scores") or {}
            if all(letter in interests for letter in RIASEC_LETTERS):
                scores.interests = {letter: float(interests[letter]) for letter in RIASEC_LETTERS}
            z = profile.get("standardised") or {}
            if all(z.get(letter) is not None for letter in RIASEC_LETTERS):
                scores.standardised = {letter: float(z[letter]) for letter in RIASEC_LETTERS}
        else:
            scores.skills = {s["skill"]: float(s["percentile"]) for s in content.get("skills") or []}
    return scores


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


ProfileStats = dict[str, tuple[float, float]]  # letter -> (mean, population sd) over a catalog table


def profile_stats(entries: Iterable[CatalogEntry]) -> ProfileStats:
    """Per-letter mean and population standard deviation of the entries' RIASEC profiles (as the
    ranking's `stats` CTE computes them over the majors table)."""
    columns: dict[str, list[float]] = {x: [] for x in RIASEC_LETTERS}
    for entry in entries:
        for x in RIASEC_LETTERS:
            if entry.riasec.get(x) is not None:
                columns[x].append(float(entry.riasec[x]))
    stats: ProfileStats = {}
    for x, values in columns.items():
        if values:
            mean = sum(values) / len(values)
            stats[x] = (mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)))
    return stats


def _entry_profile(entry: CatalogEntry, stats: ProfileStats | None) -> list[float]:
    """The entry's six values as the ranking correlates them: majors standardised over their table."""
    if entry.kind != "major" or not stats:
        return [float(entry.riasec[x]) for x in RIASEC_LETTERS]
    out = []
    for x in RIASEC_LETTERS:
        mean, sd = stats.get(x, (0.0, 0.0))
        out.append((float(entry.riasec[x]) - mean) / sd if sd else 0.0)
    return out


def _differentiation(kind: str, profile: Sequence[float]) -> float:
    """(1 - w) + w * (the profile's spread around its own mean / its length): r counts fully for an entry
    whose profile is all shape, less for one that sits above or below the others on every letter
    (decision 0010)."""
    w = W_DIFFERENTIATION.get(kind, W_DIFFERENTIATION["career"])
    mean = sum(profile) / len(profile)
    spread = math.sqrt(sum((v - mean) ** 2 for v in profile))
    length = math.sqrt(sum(v * v for v in profile))
    return (1 - w) + w * spread / length if length else 1 - w


@dataclass
class Fit:
    """A person's fit on one catalog entry, in whole percent, with what matches and what does not."""

    interest: int | None
    skill: int | None
    overall: int | None
    leans_on: list[str]  # RIASEC letters the entry leans on, strongest first
    matching: list[str]  # of those, the person's Holland letters
    not_matching: list[str]  # of those, letters outside the person's Holland code
    skills: dict[str, float]  # the entry's skills the person was measured on -> percentile
    exact: bool = True  # computed on the ranking's own inputs (False: raw scores, an estimate)


def fit_for(entry: CatalogEntry, scores: PersonScores, majors: ProfileStats | None = None) -> Fit:
    """The fit the recommendation ranking gives `entry` for this person (`majors`: profile_stats of the
    majors table, needed for a major); an estimate for documents without the z-scores (module doc)."""
    interest: float | None = None
    leans = sorted(
        (x for x in RIASEC_LETTERS if float(entry.riasec.get(x, 0.0)) >= MATCH_LETTER_MIN),
        key=lambda x: (-float(entry.riasec.get(x, 0.0)), RIASEC_LETTERS.index(x)),
    )[:3]
    code = scores.holland_code() if scores.interests else ""
    exact = bool(scores.standardised) and (entry.kind != "major" or bool(majors))
    person = scores.standardised or scores.interests
    if person and all(x in entry.riasec for x in RIASEC_LETTERS):
        profile = _entry_profile(entry, majors)
        r = _pearson([person[x] for x in RIASEC_LETTERS], profile)
        interest = 0.5 if r is None else (1 + r * _differentiation(entry.kind, profile)) / 2
    skills = {s: scores.skills[s] for s in entry.skills if s in scores.skills}
    skill = sum(skills.values()) / len(skills) / 100 if skills else None
    if skill is None and interest is not None and scores.skills:
        # none of the entry's skills measured: the person's own average, neutral (as the SQL's person_skill)
        skill = sum(scores.skills.values()) / len(scores.skills) / 100
    if interest is not None and skill is not None:
        overall: float | None = W_INTEREST * interest + (1 - W_INTEREST) * skill
    else:
        overall = interest if interest is not None else skill

    def pct(value: float | None) -> int | None:
        return None if value is None else round(value * 100)

    return Fit(
        pct(interest),
        pct(skill),
        pct(overall),
        leans,
        [x for x in leans if x in code],
        [x for x in leans if code and x not in code],
        skills,
        exact or interest is None,
    )


def fit_text(entry: CatalogEntry, fit: Fit, scores: PersonScores, listed_fits: Mapping[str, Any] | None = None) -> str:
    """The fit section's text: only stored numbers and the figures computed from them."""
    parts: list[str] = []
    if fit.overall is not None:
        detail = []
        if fit.interest is not None:
            detail.append(f"interest fit {fit.interest}%")
        if fit.skill is not None:
            detail.append(f"thinking-skills fit {fit.skill}%")
        both = f" ({', '.join(detail)})" if len(detail) == 2 else ""
        parts.append(f"{entry.title} would have a fit of {fit.overall}% for you{both}.")
    if fit.leans_on:
        names = [RIASEC[x] for x in fit.leans_on]
        parts.append(f"{entry.title} leans on {_join(names)} interests.")
        if scores.interests:
            yours = [f"{RIASEC[x]} {scores.interests[x]:g}" for x in fit.leans_on]
            parts.append(f"Your interest scores there, out of 100: {_join(yours)}.")
        if fit.not_matching:
            parts.append(
                f"{_join([RIASEC[x] for x in fit.not_matching])} "
                f"{'is' if len(fit.not_matching) == 1 else 'are'} not among your three strongest interests"
                f" (your Holland code is {scores.holland_code()})."
            )
    if fit.skills:
        listed = [f"{THINKING_SKILLS.get(s, s)} {shown_percentile(p)}" for s, p in fit.skills.items()]
        parts.append(f"Thinking skills it draws on, your percentiles: {_join(listed)}.")
    elif fit.skill is not None:
        parts.append(
            f"It lists none of the thinking skills you were measured on, so its thinking-skills fit is your"
            f" average percentile ({fit.skill}%)."
        )
    if listed_fits:
        low, high = min(listed_fits.values()), max(listed_fits.values())
        parts.append(f"The {entry.kind}s on your list have fits from {low}% to {high}%.")
    if fit.overall is not None:
        # last, so the citation's snippet (its first sentences) keeps the figures
        parts.append(
            "This fit is worked out on the same rule your list was ranked by."
            if fit.exact
            else "This fit is an estimate from your scores, close to how your list was ranked."
        )
    return " ".join(parts)


def shown_percentile(percentile: float) -> int:
    """A percentile as the thinking-skills document states it to the person (whole, 1 to 99: "around
    the 67th percentile" for 66.6), so a figure the person sees never differs from their report's."""
    return min(99, max(1, round(percentile)))


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
