"""A synthetic population of test takers, drawn from latent traits with plausible correlations.

Pure numpy, no database (writing is in `population.py`). Deterministic: the same seed gives the
same people, sessions, answers and timestamps (anchored at ANCHOR, not at the clock).

Latent model: 12 standard-normal traits (Big Five, RIASEC, general ability g) from a multivariate
normal with the correlations below (openness with I/A, extraversion with S/E, conscientiousness
with C, agreeableness with S, the RIASEC hexagon: neighbours correlate more than opposites).
Each thinking skill = 0.75 g + 0.66 specific factor. Likert answers: a noisy keyed signal cut into
1..5; ability items: a 2PL-style chance of being right with 1-in-4 guessing.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from aptichat.scales import BIG_FIVE, RIASEC_LETTERS, THINKING_SKILLS
from aptichat_pipelines.legacy_sim.instruments import Instrument, own_instruments

ANCHOR = datetime(2025, 6, 30, tzinfo=UTC)
TRAITS = [*BIG_FIVE, *RIASEC_LETTERS, "g"]
_T = {name: i for i, name in enumerate(TRAITS)}

# Pairs with a non-zero latent correlation; everything else is 0.
_CORRELATIONS = {
    ("openness", "I"): 0.30,
    ("openness", "A"): 0.45,
    ("openness", "g"): 0.25,
    ("extraversion", "S"): 0.30,
    ("extraversion", "E"): 0.40,
    ("conscientiousness", "C"): 0.30,
    ("agreeableness", "S"): 0.30,
    ("conscientiousness", "neuroticism"): -0.30,
    ("extraversion", "neuroticism"): -0.20,
    ("agreeableness", "neuroticism"): -0.15,
    ("openness", "extraversion"): 0.20,
    ("I", "g"): 0.20,
    # RIASEC hexagon R-I-A-S-E-C: neighbours 0.35, one apart 0.15, opposite 0.
    ("R", "I"): 0.35,
    ("I", "A"): 0.35,
    ("A", "S"): 0.35,
    ("S", "E"): 0.35,
    ("E", "C"): 0.35,
    ("C", "R"): 0.35,
    ("R", "A"): 0.15,
    ("I", "S"): 0.15,
    ("A", "E"): 0.15,
    ("S", "C"): 0.15,
    ("E", "R"): 0.15,
    ("C", "I"): 0.15,
}

MAJORS_BY_LETTER = {
    "R": ["mechanical engineering", "agriculture", "construction management"],
    "I": ["biology", "computer science", "physics", "chemistry"],
    "A": ["graphic design", "music", "english literature", "architecture"],
    "S": ["nursing", "psychology", "education", "social work"],
    "E": ["business", "marketing", "law"],
    "C": ["accounting", "finance", "information systems"],
}


def latent_correlation() -> np.ndarray:
    corr = np.eye(len(TRAITS))
    for (a, b), r in _CORRELATIONS.items():
        corr[_T[a], _T[b]] = corr[_T[b], _T[a]] = r
    assert np.all(np.linalg.eigvalsh(corr) > 0), "latent correlation matrix must be positive definite"
    return corr


@dataclass(frozen=True)
class Mix:
    """Shares of users/sessions with each peculiarity; the rest are clean, complete sessions."""

    retake: float = 0.08  # users with a second completed session later
    abandoned_first: float = 0.04  # users who abandoned a session before completing one
    abandoned_only: float = 0.02  # users with nothing but an abandoned or in-progress session
    straight_lining: float = 0.03
    too_fast: float = 0.02
    few_missing: float = 0.04  # ~3% of items skipped: still valid
    many_missing: float = 0.02  # ~25% of items skipped: invalid
    marked_invalid: float = 0.01  # the product itself flagged the session
    partial_set: float = 0.15  # sessions without the thinking-skills part (a third of them: interests only)
    spread_days: float = 330.0  # first sessions spread over this many days before ANCHOR - 30 days


@dataclass
class Population:
    """Rows ready to write. Responses are per instrument: values 0 = shown but unanswered."""

    takers: list[tuple[str, datetime, dict[str, object]]] = field(default_factory=list)
    sessions: list[tuple[str, str, list[str], datetime, datetime | None, str]] = field(default_factory=list)
    # instrument id -> (session ids, values [n_sessions x n_items], ms, answered-prefix length per session)
    responses: dict[str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def response_count(self) -> int:
        return int(sum(int(shown.sum()) for _, _, _, shown in self.responses.values()))


def generate(
    n_users: int,
    seed: int,
    *,
    prefix: str | None = None,
    mix: Mix | None = None,
    anchor: datetime = ANCHOR,
    instruments: tuple[Instrument, ...] | None = None,
) -> Population:
    """`n_users` synthetic people and their sessions. Ids: `<prefix>-<n>` (default `u<seed>`)."""
    mix = mix or Mix()
    instruments = instruments or own_instruments()
    rng = np.random.default_rng(seed)
    prefix = prefix or f"u{seed}"
    z = rng.multivariate_normal(np.zeros(len(TRAITS)), latent_correlation(), size=n_users)
    specific = rng.standard_normal((n_users, len(THINKING_SKILLS)))
    abilities = 0.75 * z[:, [_T["g"]]] + np.sqrt(1 - 0.75**2) * specific

    pop = Population()
    users: list[int] = []
    kinds: list[str] = []
    sets: list[list[str]] = []
    starts: list[datetime] = []
    statuses: list[str] = []
    first = [anchor - timedelta(days=30 + mix.spread_days * float(f)) for f in rng.random(n_users)]
    kind_draw = rng.random(n_users)
    all_ids = [ins.id for ins in instruments]
    for u in range(n_users):
        user_id = f"{prefix}-{u:06d}"
        pop.takers.append((user_id, first[u].replace(microsecond=0), _background(rng, z[u])))
        plan: list[tuple[str, str]] = []  # (kind, status)
        if kind_draw[u] < mix.abandoned_only:
            plan.append(("abandoned", "abandoned" if rng.random() < 0.7 else "in_progress"))
        else:
            if rng.random() < mix.abandoned_first:
                plan.append(("abandoned", "abandoned"))
            plan.append(_completed_kind(rng, mix))
            if rng.random() < mix.retake:
                plan.append(_completed_kind(rng, mix))
        when = pop.takers[-1][1] + timedelta(minutes=float(rng.uniform(1, 60)))
        for ordinal, (kind, status) in enumerate(plan, start=1):
            pop.sessions.append((f"{user_id}-s{ordinal}", user_id, [], when, None, status))
            users.append(u)
            kinds.append(kind)
            r = rng.random()
            partial = all_ids[:2] if r < mix.partial_set * 2 / 3 else all_ids[1:2]
            sets.append(all_ids if r >= mix.partial_set else partial)
            starts.append(when)
            statuses.append(status)
            when += timedelta(days=float(rng.uniform(1, 25)))
    user_idx = np.asarray(users, dtype=int)
    kind_arr = np.asarray(kinds)
    total_ms = np.zeros(len(users))
    for ins in instruments:
        rows = np.asarray([k for k in range(len(users)) if ins.id in sets[k]], dtype=int)
        values, ms = answer(ins, z[user_idx[rows]], abilities[user_idx[rows]], kind_arr[rows], rng)
        shown = np.full(len(rows), len(ins.items))
        abandoned = kind_arr[rows] == "abandoned"
        shown[abandoned] = (rng.uniform(0.1, 0.9, abandoned.sum()) * len(ins.items)).astype(int)
        pop.responses[ins.id] = ([pop.sessions[k][0] for k in rows], values, ms, shown)
        total_ms[rows] += [ms[i, : shown[i]].sum() for i in range(len(rows))]
    for k, (sid, uid, _, started, _, status) in enumerate(pop.sessions):
        done = started + timedelta(milliseconds=float(total_ms[k]))
        finished = done if status in ("completed", "invalid") else None
        pop.sessions[k] = (sid, uid, sets[k], started, finished, status)
    return pop


def _completed_kind(rng: np.random.Generator, mix: Mix) -> tuple[str, str]:
    r = rng.random()
    for kind, share in (
        ("straight", mix.straight_lining),
        ("fast", mix.too_fast),
        ("few_missing", mix.few_missing),
        ("many_missing", mix.many_missing),
        ("marked_invalid", mix.marked_invalid),
    ):
        if r < share:
            return kind, "invalid" if kind == "marked_invalid" else "completed"
        r -= share
    return "clean", "completed"


def answer(
    ins: Instrument, z: np.ndarray, abilities: np.ndarray, kinds: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Answer values (0 = unanswered) and response times for sessions taking `ins`."""
    n, m = len(z), len(ins.items)
    # Item parameters depend on the instrument only, so every population shares them.
    item_rng = np.random.default_rng(zlib.crc32(ins.id.encode()))
    if ins.domain == "skills":
        skill_col = [list(THINKING_SKILLS).index(i.scale) for i in ins.items]
        difficulty = item_rng.uniform(-1.2, 1.2, m)
        p = 0.25 + 0.75 / (1 + np.exp(-1.7 * (abilities[:, skill_col] - difficulty)))
        right = rng.random((n, m)) < p
        correct = np.asarray([i.correct_answer for i in ins.items])
        wrong = (correct + rng.integers(1, 4, (n, m)) - 1) % 4 + 1  # any option but the right one
        values = np.where(right, correct, wrong)
        ms = rng.lognormal(np.log(14_000), 0.5, (n, m))
    else:
        cols = [_T[i.scale] for i in ins.items]
        keying = np.asarray([i.keying for i in ins.items])
        intercept = item_rng.normal(-0.25 if ins.domain == "interests" else 0.0, 0.3, m)
        signal = 0.9 * keying * z[:, cols] + rng.normal(0, 0.7, (n, m)) + intercept
        values = np.digitize(signal, [-1.3, -0.45, 0.45, 1.3]) + 1
        ms = rng.lognormal(np.log(3_300), 0.45, (n, m))
    top = 4 if ins.domain == "skills" else (ins.response_max or 5)
    straight = kinds == "straight"
    if ins.domain != "skills":
        values[straight] = rng.integers(1, top + 1, (int(straight.sum()), 1))
    fast = kinds == "fast"
    values[fast] = rng.integers(1, top + 1, (int(fast.sum()), m))
    ms[fast] = rng.lognormal(np.log(450), 0.3, (int(fast.sum()), m))
    for kind, share in (("few_missing", 0.03), ("many_missing", 0.25)):
        rows = kinds == kind
        values[rows] = np.where(rng.random((int(rows.sum()), m)) < share, 0, values[rows])
    return values.astype(np.int16), ms.round().astype(np.int32)


def _background(rng: np.random.Generator, z: np.ndarray) -> dict[str, object]:
    top_letter = RIASEC_LETTERS[int(np.argmax(z[_T["R"] : _T["C"] + 1]))]
    education = str(
        rng.choice(
            ["secondary school", "some university", "bachelor's degree", "master's degree"], p=[0.35, 0.3, 0.25, 0.1]
        )
    )
    background: dict[str, object] = {
        "age": int(np.clip(round(rng.normal(24, 7)), 15, 70)),
        "gender": str(rng.choice(["female", "male", "other"], p=[0.5, 0.47, 0.03])),
        "education": education,
        "country": str(rng.choice(["US", "GB", "CA", "AU", "IN", "DE", "NL"])),
        "source": "synthetic",
    }
    if education != "secondary school":
        options = (
            MAJORS_BY_LETTER[top_letter] if rng.random() < 0.6 else [m for ms in MAJORS_BY_LETTER.values() for m in ms]
        )
        background["major"] = str(rng.choice(options))
    return background


# Every session clean and complete, every instrument: no retakes, abandons or quality problems. For
# calibration samples (norms) and for benchmarks and tests that need every person processable.
CLEAN = replace(
    Mix(),
    retake=0,
    abandoned_first=0,
    abandoned_only=0,
    straight_lining=0,
    too_fast=0,
    few_missing=0,
    many_missing=0,
    marked_invalid=0,
    partial_set=0,
)


def sample_clean(n: int, seed: int) -> Population:
    """A calibration sample: clean, complete sessions only, every instrument (used for norms)."""
    return generate(n, seed, prefix="calibration", mix=CLEAN)
