"""Do the recommendations hold up on real people? `.venv/bin/python benchmarks/validity.py`.

Imports the 500-row Open Psychometrics RIASEC sample (../shared/data/riasec-openpsychometrics-sample,
people with the major they study or studied) with the repo's own importer into a legacy database on a
scratch APTICHAT_HOME, imports the full O*NET and CIP catalogs with the catalog importers, and runs
everyone through the ranking the pipeline uses: the `MAJOR_MATCHES` / `JOB_MATCHES` statements of
`aptichat_pipelines.legacy.sql_matching`, run by `AptitudeTestQueries.fetch_models` and validated into
the same `MajorMatch` / `JobMatch` models that `AptitudeTestQueries.job_matches` / `major_matches`
return to the `legacy_test_results` asset (here for many sessions in one statement; the statement is
written for a set of sessions, the asset passes one). It does not go through Dagster runs.

Reported: hit@1/@5/@10 = how often the person's own field is among their top k recommended majors
(careers), against the shuffled baseline = how often it is when the same lists are judged against a
random *other* person's field (the exact average over all pairings, the limit of averaging over
permutations), the lift (ratio), a bootstrap 95% interval of the lift, and the figures per field.
A major's field is its CIP family (FIELDS below, longest prefix wins); an occupation belongs to a
field when the CIP-SOC crosswalk links its SOC code to a program of that field.

The 500 rows are split by a fixed hash of their row id into a tuning half and a held-out half
(`split_of`), decided before any figure was looked at: methods are chosen on the tuning half
(`--compare`), the held-out half is only measured. The Big Five sample has no field (no major or
education column), so it cannot be scored here; the script says so.

`--compare` also scores candidate rankings (congruence measures, profile smoothing, diversity) in
numpy on the tuning half, from the same imported interests and catalog, to choose among them; the
"Decision 0008" blocks choose any weight by 5-fold cross-validation inside the tuning half and print,
beside each lift, the hit rate and how much of the lists comes from small programs, series/family
fallback profiles and the 13 labelled fields (a prior can raise the lift by listing a few families),
then the effect of missing skill lists under simulated skills (docs/decisions/0008). The "Decision
0009" blocks do the same for the congruence indices of the literature (benchmarks/congruence.py) and
add a paired bootstrap of each candidate's difference from 0006's r: a candidate beats r beyond the
noise only when that interval is above zero.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE = "riasec-openpsychometrics-sample/holland_us_sample.tsv"
KS = (1, 5, 10)
PERMUTATIONS = 200  # the printed cross-check of the exact shuffled baseline
TOP_N = 10

# The sample's 13 majors as CIP 2020 families (2-digit) or series (4-digit); longest prefix wins, so
# accounting (52.03) is not business and civil engineering (14.08) is not engineering.
FIELDS: dict[str, tuple[str, ...]] = {
    "psychology": ("42",),
    "business": ("52",),
    "accounting": ("52.03",),
    "nursing": ("51.38",),
    "biology": ("26",),
    "english": ("23",),
    "education": ("13",),
    "computer science": ("11",),
    "history": ("54",),
    "engineering": ("14",),
    "civil engineering": ("14.08",),
    "economics": ("45.06",),
    "law": ("22",),
}
_PREFIXES = sorted(((p, f) for f, ps in FIELDS.items() for p in ps), key=lambda pf: -len(pf[0]))


def field_of_cip(cip: str | None) -> str | None:
    """The sample field a CIP code belongs to (longest matching prefix), else None."""
    if not cip:
        return None
    return next((f for p, f in _PREFIXES if cip.startswith(p)), None)


def split_of(row_id: str) -> str:
    """'tuning' or 'heldout', fixed by a hash of the row id (decided before any figure was seen)."""
    digest = hashlib.sha256(f"aptichat-validity-split:{row_id}".encode()).digest()
    return "tuning" if digest[0] % 2 == 0 else "heldout"


def guard_rows(rows: Sequence[dict[str, str]], n: int = 200) -> list[dict[str, str]]:
    """The regression guard's fixed subset: n held-out rows, by hash order."""
    held = [r for r in rows if split_of(r["qacr_rowname"]) == "heldout"]
    return sorted(held, key=lambda r: hashlib.sha256(f"guard:{r['qacr_rowname']}".encode()).hexdigest())[:n]


def read_sample(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames or []), list(reader)


def write_sample(path: Path, fields: list[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class Person:
    row_id: str
    session_id: str
    field: str
    split: str
    education: str | None = None
    majors: list[str] = dataclass_field(default_factory=list)  # recommended CIP codes, best first
    careers: list[str] = dataclass_field(default_factory=list)  # recommended O*NET-SOC codes, best first
    related: int = 0  # "related" titles attached to the recommended majors
    skill_terms: int = 0  # listed entries whose similarity has a skill term (0 when no skills measured)


def people_of(rows: Sequence[dict[str, str]], id_prefix: str = "opsy-riasec") -> list[Person]:
    from aptichat_pipelines.legacy_sim.importers import RIASEC_INSTRUMENT

    return [
        Person(
            row_id=r["qacr_rowname"],
            session_id=f"{id_prefix}-{r['qacr_rowname']}-{RIASEC_INSTRUMENT.id}",
            field=r["major"].strip().lower(),
            split=split_of(r["qacr_rowname"]),
            education=(r.get("education") or "").strip() or None,
        )
        for r in rows
        if r.get("major", "").strip().lower() in FIELDS
    ]


# -- loading: the product's importers on a scratch legacy database -----------------------------------


def load(engine: Any, data_dir: Path, rows: Sequence[dict[str, str]], fields: list[str], log: Any = print) -> None:
    """Import the O*NET and CIP catalogs (unless present) and `rows` of the RIASEC sample."""
    from sqlalchemy import text

    from aptichat_pipelines.catalog.cip import import_cip
    from aptichat_pipelines.catalog.onet import import_onet
    from aptichat_pipelines.legacy_sim.importers import import_openpsychometrics_riasec
    from aptichat_pipelines.legacy_sim.schema import create_schema

    with engine.begin() as conn:
        create_schema(conn)
        have = conn.execute(text("SELECT count(*) FROM majors WHERE source = 'cip'")).scalar_one()
    if not have:
        started = time.perf_counter()
        onet = import_onet(data_dir / "onet", engine)
        cip = import_cip(data_dir / "cip-soc", engine)
        log(f"catalog: {onet['jobs_total']} jobs, {cip['majors_total']} majors in {time.perf_counter() - started:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "sample.tsv"
        write_sample(subset, fields, rows)
        report = import_openpsychometrics_riasec(subset, engine)
    log(f"sample: {report.rows} rows, {report.sessions_inserted} new sessions")
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def rank(url: str, people: Sequence[Person], batch: int = 50) -> None:
    """Fill every person's recommended majors and careers with the pipeline's matching statements."""
    import asyncio

    from aptichat_pipelines.legacy import sql_matching
    from aptichat_pipelines.legacy.models import JobMatch, MajorMatch
    from aptichat_pipelines.legacy.queries import TOP_MATCHES, AptitudeTestQueries

    async def run() -> None:
        queries = AptitudeTestQueries(url, statement_timeout_ms=600_000)
        by_session = {p.session_id: p for p in people}
        ids = list(by_session)
        params = {**sql_matching.MATCH_PARAMS, "top_n": TOP_MATCHES}
        try:
            for start in range(0, len(ids), batch):
                scope = {"session_ids": ids[start : start + batch], **params}
                # fetch + model_validate is fetch_models, keeping the session id the models drop
                majors = await queries.fetch("major_matches", sql_matching.MAJOR_MATCHES, scope)
                jobs = await queries.fetch("job_matches", sql_matching.JOB_MATCHES, scope)
                for row in sorted(majors, key=lambda r: r["rank"]):
                    m = MajorMatch.model_validate(row)
                    by_session[row["session_id"]].majors.append(m.cip_code or "")
                    by_session[row["session_id"]].related += len(m.related)
                    by_session[row["session_id"]].skill_terms += m.skill_fit is not None
                for row in sorted(jobs, key=lambda r: r["rank"]):
                    j = JobMatch.model_validate(row)
                    by_session[row["session_id"]].careers.append(j.onet_soc_code or "")
                    by_session[row["session_id"]].skill_terms += j.skill_fit is not None
        finally:
            await queries.dispose()

    asyncio.run(run())


def career_fields(data_dir: Path) -> dict[str, set[str]]:
    """SOC 2018 code (7 characters) -> the sample fields whose programs the crosswalk links it to."""
    out: dict[str, set[str]] = defaultdict(set)
    with (data_dir / "cip-soc" / "CIP2020_SOC2018_Crosswalk.csv").open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            f = field_of_cip(r["CIP2020Code"].strip())
            if f:
                out[r["SOC2018Code"].strip()].add(f)
    return out


# -- the figures ------------------------------------------------------------------------------------


@dataclass
class Figures:
    n: int
    hit: dict[int, float]
    baseline: dict[int, float]
    lift: dict[int, float]
    ci: dict[int, tuple[float, float]]
    per_field: dict[str, dict[str, float]]
    permuted: dict[int, float] = dataclass_field(default_factory=dict)  # the baseline by random permutations


def permuted_baseline(h: np.ndarray, own: np.ndarray, rounds: int, rng: np.random.Generator) -> float:
    """The shuffled baseline the long way: each round gives every list to another person (a random
    order, everyone paired with the one `shift` places on: nobody with themselves), averaged."""
    n, rates = len(own), []
    for _ in range(rounds):
        order = rng.permutation(n)
        partner = np.empty(n, dtype=int)
        partner[order] = order[(np.arange(n) + rng.integers(1, n)) % n]
        rates.append(float(h[np.arange(n), own[partner]].mean()))
    return float(np.mean(rates))


def hit_matrix(lists: Sequence[Sequence[str]], fields_of: Any, k: int) -> np.ndarray:
    """H[i, f] = 1 when one of person i's top k items belongs to field f (FIELDS order)."""
    names = list(FIELDS)
    out = np.zeros((len(lists), len(names)))
    for i, items in enumerate(lists):
        for item in items[:k]:
            for f in fields_of(item):
                out[i, names.index(f)] = 1.0
    return out


def _rates(h: np.ndarray, own: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """(hit rate, shuffled baseline) with person weights w (bootstrap counts)."""
    n = w.sum()
    own_hit = h[np.arange(len(own)), own]
    counts = np.bincount(own, weights=w, minlength=h.shape[1])
    hit = float((w * own_hit).sum() / n)
    # person i's list judged against every other person j (each weighted by w_j), i.e. every pairing
    others = (h @ counts) - own_hit
    base = float((w * others).sum() / (n * (n - 1)))
    return hit, base


def figures(
    lists: Sequence[Sequence[str]],
    own_fields: Sequence[str],
    fields_of: Any,
    *,
    boot: int = 2000,
    seed: int = 7,
    permutations: int = 0,
) -> Figures:
    names = list(FIELDS)
    own = np.array([names.index(f) for f in own_fields])
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(own), np.full(len(own), 1 / len(own)), size=boot).astype(float) if boot else None
    out = Figures(len(own), {}, {}, {}, {}, {})
    for k in KS:
        h = hit_matrix(lists, fields_of, k)
        hit, base = _rates(h, own, np.ones(len(own)))
        out.hit[k], out.baseline[k] = hit, base
        out.lift[k] = hit / base if base else float("nan")
        if permutations:
            out.permuted[k] = permuted_baseline(h, own, permutations, rng)
        if draws is not None:
            lifts = []
            for w in draws:
                bh, bb = _rates(h, own, w)
                lifts.append(bh / bb if bb else np.nan)
            lo, hi = np.nanpercentile(lifts, [2.5, 97.5])
            out.ci[k] = (float(lo), float(hi))
        if k == TOP_N:
            for j, name in enumerate(names):
                mine, theirs = own == j, own != j
                if mine.sum() == 0:
                    continue
                fh, fb = float(h[mine, j].mean()), float(h[theirs, j].mean())
                out.per_field[name] = {
                    "n": int(mine.sum()),
                    "hit": fh,
                    "baseline": fb,
                    "lift": fh / fb if fb else float("inf"),
                }
    return out


def show(title: str, f: Figures) -> None:
    print(f"\n{title} (n={f.n})")
    print("  k   hit     shuffled  lift   95% CI of lift")
    for k in KS:
        lo, hi = f.ci.get(k, (float("nan"), float("nan")))
        perm = f"  (by {PERMUTATIONS} permutations: {f.permuted[k]:.1%})" if k in f.permuted else ""
        print(f"  {k:<3} {f.hit[k]:6.1%}  {f.baseline[k]:7.1%}  {f.lift[k]:5.2f}  [{lo:.2f}, {hi:.2f}]{perm}")
    print(f"  per field at k={TOP_N}: field (n) hit / shuffled = lift")
    for name, v in sorted(f.per_field.items(), key=lambda kv: -kv[1]["n"]):
        print(f"    {name:<18} ({v['n']:>3}) {v['hit']:6.1%} / {v['baseline']:6.1%} = {v['lift']:.2f}")


def measure(
    people: Sequence[Person], soc_fields: dict[str, set[str]], *, boot: int = 2000, permutations: int = 0
) -> dict[str, Figures]:
    """Major and career figures of these people (their lists already ranked)."""

    def major_fields(cip: str) -> set[str]:
        f = field_of_cip(cip)
        return {f} if f else set()

    def career_fields_of(onet: str) -> set[str]:
        return soc_fields.get(onet[:7], set())

    own = [p.field for p in people]
    return {
        "majors": figures([p.majors for p in people], own, major_fields, boot=boot, permutations=permutations),
        "careers": figures([p.careers for p in people], own, career_fields_of, boot=boot, permutations=permutations),
    }


# -- command line -----------------------------------------------------------------------------------


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data directory")
    parser.add_argument("--home", type=Path, default=None, help="APTICHAT_HOME to use (default: a new scratch one)")
    parser.add_argument("--boot", type=int, default=2000, help="bootstrap resamples for the intervals")
    parser.add_argument("--rows", choices=("all", "guard"), default="all", help="all 500 rows, or the guard's 200")
    parser.add_argument("--reuse", action="store_true", help="keep the legacy database of an earlier run (--home)")
    parser.add_argument("--compare", action="store_true", help="also score candidate rankings on the tuning half")
    parser.add_argument("--save-lists", type=Path, default=None, help="write everyone's lists here (JSON)")
    parser.add_argument(
        "--paired-with",
        type=Path,
        default=None,
        help="lists saved by an earlier run (e.g. of the previous ranking): print the paired difference per split",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    sample = args.data / SAMPLE
    if not sample.exists():
        sys.exit(f"no sample at {sample}: this benchmark needs ../shared/data (it is not part of the product)")
    home = args.home or Path(tempfile.mkdtemp(prefix="aptichat-validity-"))
    # before anything reads settings: the scratch home, a legacy database of our own
    os.environ["APTICHAT_HOME"] = str(home)
    os.environ["APTICHAT_LEGACY_DB"] = "aptichat_validity_legacy"
    for var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL"):
        os.environ.pop(var, None)
    try:
        run(args, sample, home)
    finally:
        if args.home is None:  # our scratch home: stop its server (it outlives the process) and delete it
            from aptichat.db.server import stop_embedded
            from aptichat.settings import get_settings

            if get_settings().home.resolve() == home.resolve():
                stop_embedded(get_settings())
            shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, sample: Path, home: Path) -> None:
    sys.path[:0] = [str(REPO)]
    from aptichat.db.engine import get_legacy_engine
    from aptichat.db.server import legacy_url, start_embedded
    from aptichat.settings import get_settings

    settings = get_settings()
    server = start_embedded(settings)
    if not args.reuse:
        server.psql(f'DROP DATABASE IF EXISTS "{settings.legacy_db_name}" WITH (FORCE);')
        server.psql(f'CREATE DATABASE "{settings.legacy_db_name}";')
    engine = get_legacy_engine(settings)
    fields, rows = read_sample(sample)
    rows = guard_rows(rows) if args.rows == "guard" else rows
    print(f"scratch home {home}; {len(rows)} rows")
    load(engine, args.data, rows, fields)
    people = people_of(rows)
    started = time.perf_counter()
    rank(legacy_url(settings), people)
    print(f"ranked {len(people)} people in {time.perf_counter() - started:.1f}s (pipeline statements)")
    soc_fields = career_fields(args.data)
    for split in ("tuning", "heldout", "all"):
        chosen = [p for p in people if split in (p.split, "all")]
        if not chosen:
            continue
        for area, f in measure(chosen, soc_fields, boot=args.boot, permutations=PERMUTATIONS).items():
            show(f"{area}, {split} half" if split != "all" else f"{area}, all rows", f)
    print("\nBig Five sample: no field (no major or education column), so no hit rates; see its SOURCE.md.")
    if args.save_lists:
        saved = {p.row_id: {"majors": p.majors, "careers": p.careers} for p in people}
        args.save_lists.write_text(json.dumps(saved))
    if args.paired_with:
        show_paired(people, json.loads(args.paired_with.read_text()), soc_fields, boot=args.boot)
    if args.compare:
        compare(engine, args.data, [p for p in people if p.split == "tuning"], soc_fields, boot=args.boot)


def show_paired(
    people: Sequence[Person], reference: dict[str, dict[str, list[str]]], soc_fields: dict[str, set[str]], *, boot: int
) -> None:
    """This ranking's lists against `reference` (another run's, same people), paired, at k = 10."""
    paired = [p for p in people if p.row_id in reference]
    print(f"\npaired with the saved lists ({len(paired)} people): this ranking minus the saved one, k=10")
    fields_of = {
        "majors": lambda cip: {f} if (f := field_of_cip(cip)) else set(),
        "careers": lambda onet: soc_fields.get(onet[:7], set()),
    }
    for split in ("tuning", "heldout", "all"):
        chosen = [p for p in paired if split in (p.split, "all")]
        for area, of in fields_of.items():
            d = paired_difference(
                [getattr(p, area) for p in chosen],
                [reference[p.row_id][area] for p in chosen],
                [p.field for p in chosen],
                of,
                boot=boot,
            )
            print(
                f"  {area:8} {split:8} (n={len(chosen)}): lift difference 95% CI [{d['lo']:+.2f}, {d['hi']:+.2f}],"
                f" better in {d['better']:.0%}; hit rate [{d['hit_lo']:+.1%}, {d['hit_hi']:+.1%}];"
                f" people +{d['gained']:.0f} -{d['lost']:.0f}"
            )


# -- candidate rankings (numpy, tuning half only) -----------------------------------------------------

LETTERS = "RIASEC"


def _rowcorr(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pearson r of every row of x (people x 6) with every row of p (items x 6)."""
    xc = x - x.mean(1, keepdims=True)
    pc = p - p.mean(1, keepdims=True)
    xn = np.linalg.norm(xc, axis=1, keepdims=True)
    pn = np.linalg.norm(pc, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc / xn) @ (pc / pn).T
    return np.nan_to_num(r, nan=0.0)


def order(score: np.ndarray, groups: Sequence[str] | None = None, per_group: int = 2, k: int = TOP_N) -> np.ndarray:
    """Top-k item indices per person by score (ties by item order); with groups, at most
    per_group items of one group in the top k."""
    idx = np.argsort(-score, axis=1, kind="stable")
    if groups is None:
        return idx[:, :k]
    out = np.zeros((len(score), k), dtype=int)
    for i, row in enumerate(idx):
        seen: dict[str, int] = defaultdict(int)
        chosen = []
        for j in row:
            if seen[groups[j]] < per_group:
                seen[groups[j]] += 1
                chosen.append(j)
                if len(chosen) == k:
                    break
        out[i] = chosen
    return out


def compare(
    engine: Any, data_dir: Path, people: Sequence[Person], soc_fields: dict[str, set[str]], *, boot: int
) -> None:
    """Score candidate rankings on `people` (the tuning half) and print them side by side."""
    from sqlalchemy import text

    from aptichat_pipelines.legacy import sql_scoring
    from benchmarks.congruence import iachan

    ids = [p.session_id for p in people]
    with engine.connect() as conn:
        rows = conn.execute(text(sql_scoring.INTERESTS), {"session_ids": ids}).mappings().all()
        norms = {
            r.scale: (r.mean, r.sd)
            for r in conn.execute(text("SELECT scale, mean, sd FROM norms WHERE instrument_id = 'opsy-riasec48'"))
        }
        majors = conn.execute(
            text(
                "SELECT cip_code, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c, soc_codes, "
                "profile_basis, skills FROM majors WHERE source = 'cip' ORDER BY code"
            )
        ).all()
        jobs = conn.execute(
            text(
                "SELECT onet_soc_code, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c, job_zone, skills "
                "FROM jobs WHERE source = 'onet' ORDER BY code"
            )
        ).all()
    pos = {sid: i for i, sid in enumerate(ids)}
    score = np.zeros((len(ids), 6))
    z = np.zeros((len(ids), 6))
    for r in rows:
        j = LETTERS.index(r["letter"])
        score[pos[r["session_id"]], j] = r["score"]
        mean, sd = norms[r["letter"]]
        z[pos[r["session_id"]], j] = (r["raw_mean"] - mean) / sd
    cips = [m[0] for m in majors]
    series = [c[:5] for c in cips]
    stored = np.array([m[1:7] for m in majors], dtype=float)
    job_codes = [j[0] for j in jobs]
    job_prof = np.array([j[1:7] for j in jobs], dtype=float)
    zones = np.array([j[7] or 0 for j in jobs])

    # program profiles rebuilt from the crosswalk: plain mean (as imported), weighted by how specific
    # each occupation is (1 / programs linking to its SOC), and shrunk to the series mean
    by_soc: dict[str, list[int]] = defaultdict(list)
    for i, code in enumerate(job_codes):
        by_soc[code[:7]].append(i)
    links = [list(m[7]) for m in majors]
    programs_per_soc: dict[str, int] = defaultdict(int)
    for socs in links:
        for s in socs:
            programs_per_soc[s] += 1

    def rebuild(weighted: bool, shrink: float, drop_teachers: bool = False) -> np.ndarray:
        prof = stored.copy()
        direct = np.zeros(len(cips), dtype=bool)
        count = np.zeros(len(cips))
        for i, socs in enumerate(links):
            use = [s for s in socs if not (drop_teachers and s.startswith("25-1") and len(socs) > 1)]
            rows_, w = [], []
            for s in use:
                for j in by_soc.get(s, []):
                    rows_.append(job_prof[j])
                    w.append(1.0 / programs_per_soc[s] if weighted else 1.0)
            if rows_:
                prof[i] = np.average(np.array(rows_), axis=0, weights=np.array(w))
                direct[i] = True
                count[i] = len(use)
        series_mean = {}
        for s in set(series):
            members = [i for i in range(len(cips)) if series[i] == s and direct[i]]
            if members:
                series_mean[s] = prof[members].mean(0)
        out = prof.copy()
        for i in range(len(cips)):
            if not direct[i] and series[i] in series_mean:
                out[i] = series_mean[series[i]]
            elif direct[i] and shrink and series[i] in series_mean:
                out[i] = (count[i] * prof[i] + shrink * series_mean[series[i]]) / (count[i] + shrink)
        return out

    def std(p: np.ndarray) -> np.ndarray:
        return (p - p.mean(0)) / p.std(0)

    def major_fields(cip: str) -> set[str]:
        f = field_of_cip(cip)
        return {f} if f else set()

    own = [p.field for p in people]

    def report(name: str, lists_idx: np.ndarray, codes: Sequence[str], fields_of: Any) -> None:
        f = figures([[codes[j] for j in row] for row in lists_idx], own, fields_of, boot=boot)
        lo, hi = f.ci[TOP_N]
        print(
            f"  {name:<58} hit@10 {f.hit[10]:6.1%} / {f.baseline[10]:6.1%}  lift {f.lift[10]:5.2f} [{lo:.2f}, {hi:.2f}]"
            f"  @1 {f.lift[1]:5.2f} @5 {f.lift[5]:5.2f}"
        )

    profiles = {
        "as imported (cip.py)": stored,
        "plain mean (before 0006)": rebuild(False, 0.0),
        "weighted": rebuild(True, 0.0),
        "mean, shrunk to series (k=2)": rebuild(False, 2.0),
        "weighted, shrunk to series (k=1)": rebuild(True, 1.0),
        "weighted, shrunk to series (k=2)": rebuild(True, 2.0),
        "weighted, shrunk to series (k=4)": rebuild(True, 4.0),
        "mean, without postsecondary teachers": rebuild(False, 0.0, True),
        "weighted, without postsecondary teachers, shrunk (k=2)": rebuild(True, 2.0, True),
    }
    print(f"\nCandidate major rankings, tuning half (n={len(people)}), numpy")
    for pname, prof in profiles.items():
        zp = std(prof)
        measures = {
            "r(raw score, profile) [before 0006]": _rowcorr(score, prof),
            "r(z score, profile)": _rowcorr(z, prof),
            "r(z score, z profile)": _rowcorr(z, zp),
            "-euclid(z score, z profile)": -np.linalg.norm(z[:, None, :] - zp[None, :, :], axis=2),
            "high point agree + r(z,z)": (np.argmax(z, 1)[:, None] == np.argmax(zp, 1)[None, :])
            + 0.5 * _rowcorr(z, zp),
            "iachan M(z, z) + r(z,z)": iachan(z, zp) / 28 + 0.01 * _rowcorr(z, zp),
        }
        print(f" profiles: {pname}")
        for mname, s in measures.items():
            report(mname, order(s), cips, major_fields)
            if mname == "r(z score, z profile)":
                report(mname + " + diversity (2 per series)", order(s, series), cips, major_fields)

    def career_fields_of(onet: str) -> set[str]:
        return soc_fields.get(onet[:7], set())

    print(f"\nCandidate career rankings, tuning half (n={len(people)}), numpy")
    zj = std(job_prof)
    measures = {
        "r(raw score, profile) [before 0006]": _rowcorr(score, job_prof),
        "r(z score, profile)": _rowcorr(z, job_prof),
        "r(z score, z profile)": _rowcorr(z, zj),
        "-euclid(z score, z profile)": -np.linalg.norm(z[:, None, :] - zj[None, :, :], axis=2),
        "iachan M(z, z) + r(z,z)": iachan(z, zj) / 28 + 0.01 * _rowcorr(z, zj),
    }
    for mname, s in measures.items():
        report(mname, order(s), job_codes, career_fields_of)
    degree = np.array([p.education in ("University degree", "Graduate degree") for p in people])
    zone_fit = degree[:, None] & (zones[None, :] >= 4)
    s = _rowcorr(z, zj) + 0.1 * zone_fit
    report("r(z,z) + 0.1 for job zone >= 4 when the person has a degree", order(s), job_codes, career_fields_of)
    s = _rowcorr(z, job_prof) + 0.1 * zone_fit
    report("r(z,profile) + 0.1 for job zone >= 4 when a degree", order(s), job_codes, career_fields_of)

    # -- decision 0008: weights chosen by 5-fold cross-validation inside the tuning half ------------
    zp = std(stored)
    r = _rowcorr(z, zp)
    n_links = np.array([len(socs) for socs in links])
    fam_size = np.array([sum(c[:2] == x[:2] for c in cips) for x in cips])
    members: dict[str, list[int]] = defaultdict(list)
    for i, ser in enumerate(series):
        members[ser].append(i)
    series_z = np.array([zp[members[ser]].mean(0) for ser in series])
    high_point = (np.argmax(z, 1)[:, None] == np.argmax(zp, 1)[None, :]).astype(float)
    euclid = -np.linalg.norm(z[:, None, :] - zp[None, :, :], axis=2) / 3
    weights = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
    candidates = {
        "r(z, z profile) [0006]": (lambda w: r, (0.0,)),
        "r + w * high-point agreement": (lambda w: r + w * high_point, weights),
        "r + w * -Euclid(z, z profile) / 3": (lambda w: r + w * euclid, weights),
        "r(z, w * program + (1-w) * series profile)": (
            lambda w: _rowcorr(z, w * zp + (1 - w) * series_z),
            (0.0, 0.25, 0.5, 0.75, 1.0),
        ),
        "r + w * log(programs in CIP family) [size prior]": (lambda w: r + w * np.log(fam_size), weights),
        "r - w * log(1 + linked occupations) [breadth prior]": (lambda w: r - w * np.log1p(n_links), weights),
        "w * r + (1-w) * mean r over linked occupations": (
            lambda w: w * r + (1 - w) * _occupation_fit(_rowcorr(z, std(job_prof)), links, job_codes, r),
            (0.0, 0.5, 1.0),
        ),
    }
    fold = np.array([int(hashlib.sha256(f"cv:{p.row_id}".encode()).hexdigest(), 16) % 5 for p in people])
    print(f"\nDecision 0008: majors, 5-fold CV inside the tuning half (n={len(people)}), 2 per series")
    print("  (share of listed majors from programs with <= 2 linked occupations / with a series or family")
    catalog_fallback = np.mean([m[8] != "occupations" for m in majors])
    catalog_labelled = np.mean([bool(field_of_cip(c)) for c in cips])
    print(f"  profile / in the 13 fields; the catalog: {np.mean(n_links <= 2):.0%} / ", end="")
    print(f"{catalog_fallback:.0%} / {catalog_labelled:.0%})")
    for name, (family, grid) in candidates.items():
        lists, chosen = _cross_validated(family, grid, fold, own, cips, series, major_fields)
        f = figures([[cips[j] for j in row] for row in lists], own, major_fields, boot=boot)
        flat = lists.ravel()
        small = np.mean(n_links[flat] <= 2)
        fallback = np.mean([majors[j][8] != "occupations" for j in flat])
        labelled = np.mean([bool(field_of_cip(cips[j])) for j in flat])
        lo, hi = f.ci[TOP_N]
        print(
            f"  {name:<52} CV lift@10 {f.lift[10]:5.2f} [{lo:.2f}, {hi:.2f}] hit {f.hit[10]:5.1%}  w {chosen}"
            f"  small {small:.0%} fallback {fallback:.0%} 13 fields {labelled:.0%} distinct {len(set(flat))}"
        )
    rj = _rowcorr(z, job_prof)
    zone4 = (zones >= 4).astype(float)[None, :]
    career_candidates = {
        "r(z, profile) [0006]": (lambda w: rj, (0.0,)),
        "r + w * (job zone >= 4) when the person has a degree": (lambda w: rj + w * degree[:, None] * zone4, weights),
        "r + w * (job zone >= 4), everyone": (lambda w: rj + w * zone4, weights),
        "r + w * high-point agreement": (
            lambda w: rj + w * (np.argmax(z, 1)[:, None] == np.argmax(job_prof, 1)[None, :]),
            weights,
        ),
    }
    print(f"Decision 0008: careers, 5-fold CV inside the tuning half (n={len(people)})")
    for name, (family, grid) in career_candidates.items():
        lists, chosen = _cross_validated(family, grid, fold, own, job_codes, None, career_fields_of)
        f = figures([[job_codes[j] for j in row] for row in lists], own, career_fields_of, boot=boot)
        lo, hi = f.ci[TOP_N]
        print(f"  {name:<52} CV lift@10 {f.lift[10]:5.2f} [{lo:.2f}, {hi:.2f}] hit {f.hit[10]:5.1%}  w {chosen}")
    _missing_skills(z, [(job_prof, [list(j[8]) for j in jobs], None), (zp, [list(m[9]) for m in majors], series)])
    _decision_0009(
        z,
        score,
        own,
        fold,
        boot=boot,
        majors=(zp, stored, cips, series, major_fields, n_links, np.array([m[8] != "occupations" for m in majors])),
        careers=(job_prof, job_codes, career_fields_of),
    )


def paired_difference(
    lists: Sequence[Sequence[str]],
    reference: Sequence[Sequence[str]],
    own_fields: Sequence[str],
    fields_of: Any,
    *,
    boot: int = 2000,
    seed: int = 7,
) -> dict[str, float]:
    """Paired bootstrap of (lists - reference) at k = 10 on the same people: both judged on every
    resample (hit rate and shuffled baseline recomputed in it), so what the two share cancels out.
    Returns the 95% interval of the lift difference, the share of resamples where `lists` is better,
    the 95% interval of the hit-rate difference, and how many people only `lists` hits (gained) and
    only `reference` hits (lost): whether the two carry different information."""
    names = list(FIELDS)
    own = np.array([names.index(f) for f in own_fields])
    h, g = hit_matrix(lists, fields_of, TOP_N), hit_matrix(reference, fields_of, TOP_N)
    mine, theirs = h[np.arange(len(own)), own], g[np.arange(len(own)), own]
    rng = np.random.default_rng(seed)
    lift_diff, hit_diff = [], []
    for w in rng.multinomial(len(own), np.full(len(own), 1 / len(own)), size=max(boot, 1)).astype(float):
        (a, a0), (b, b0) = _rates(h, own, w), _rates(g, own, w)
        lift_diff.append(a / a0 - b / b0)
        hit_diff.append(a - b)
    lo, hi = np.percentile(lift_diff, [2.5, 97.5])
    hlo, hhi = np.percentile(hit_diff, [2.5, 97.5])
    return {
        "lo": lo,
        "hi": hi,
        "better": float(np.mean(np.array(lift_diff) > 0)),
        "hit_lo": hlo,
        "hit_hi": hhi,
        "gained": float((mine * (1 - theirs)).sum()),
        "lost": float((theirs * (1 - mine)).sum()),
    }


def _decision_0009(
    z: np.ndarray,
    score: np.ndarray,
    own: Sequence[str],
    fold: np.ndarray,
    *,
    boot: int,
    majors: tuple[Any, ...],
    careers: tuple[Any, ...],
) -> None:
    """Decision 0009: the congruence indices of the literature not compared before (Iachan M,
    Brown-Gore C, Zener-Schnuelle, Spearman, cosine of ipsatised scores, Tucker, Prediger's
    dimensions) and fusions with r, against 0006's r: weights by 5-fold CV inside the tuning half,
    and a paired bootstrap of each candidate's difference from r (the noise criterion)."""
    from benchmarks import congruence as cg

    zp, stored, cips, series, major_fields, n_links, fallback = majors
    job_prof, job_codes, career_fields_of = careers
    r, rj = cg.rowcorr(z, zp), cg.rowcorr(z, job_prof)
    additive = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
    blend = (0.0, 0.25, 0.5, 0.75, 1.0)

    def fused(*scores: np.ndarray) -> np.ndarray:
        """Reciprocal rank fusion (k = 60): no weight to choose; each measure's rank of the entry."""
        out = np.zeros_like(scores[0])
        for s in scores:
            ranked = np.argsort(np.argsort(-s, axis=1, kind="stable"), axis=1) + 1
            out += 1.0 / (60 + ranked)
        return out

    def table(
        title: str,
        candidates: dict[str, Any],
        codes: Sequence[str],
        groups: Any,
        fields_of: Any,
        extra: Any,
    ) -> None:
        print(title)
        reference = None
        for name, (family, grid) in candidates.items():
            lists, chosen = _cross_validated(family, grid, fold, own, codes, groups, fields_of)
            named = [[codes[j] for j in row] for row in lists]
            f = figures(named, own, fields_of, boot=boot)
            lo, hi = f.ci[TOP_N]
            line = (
                f"  {name:<44} CV lift@10 {f.lift[10]:5.2f} [{lo:.2f}, {hi:.2f}] hit {f.hit[10]:5.1%}"
                f" @1 {f.lift[1]:4.2f} @5 {f.lift[5]:4.2f} w {chosen}{extra(lists)}"
            )
            if reference is None:
                reference = named
            else:
                d = paired_difference(named, reference, own, fields_of, boot=boot)
                line += (
                    f"  vs r: {d['lo']:+.2f}..{d['hi']:+.2f} (better in {d['better']:.0%}),"
                    f" hit {d['hit_lo']:+.1%}..{d['hit_hi']:+.1%}, people +{d['gained']:.0f} -{d['lost']:.0f}"
                )
            print(line)

    def major_shares(lists: np.ndarray) -> str:
        flat = lists.ravel()
        labelled = np.mean([bool(field_of_cip(cips[j])) for j in flat])
        return (
            f"  small {np.mean(n_links[flat] <= 2):.0%} fallback {np.mean(fallback[flat]):.0%}"
            f" 13 fields {labelled:.0%} distinct {len(set(flat))}"
        )

    def measures(profile: np.ndarray, raw_profile: np.ndarray, rule: np.ndarray) -> dict[str, Any]:
        m = cg.iachan(z, profile) / 28
        c = cg.brown_gore(z, profile) / 18
        zs = cg.zener_schnuelle(z, profile) / 6
        rho = cg.spearman(z, profile) + 1e-6 * rule  # six ranks tie often: r breaks the ties
        ips = cg.cosine(cg.ipsatised(z), profile)
        return {
            "r [0006]": (lambda w: rule, (0.0,)),
            "Iachan M(z), r breaks ties": (lambda w: m + 1e-3 * rule, (0.0,)),
            "Iachan M(raw scores, raw profile), r breaks ties": (
                lambda w: cg.iachan(score, raw_profile) / 28 + 1e-3 * rule,
                (0.0,),
            ),
            "Brown-Gore C(z), r breaks ties": (lambda w: c + 1e-3 * rule, (0.0,)),
            "Zener-Schnuelle(z), r breaks ties": (lambda w: zs + 1e-3 * rule, (0.0,)),
            "r + w * Iachan M / 28": (lambda w: rule + w * m, additive),
            "r + w * Brown-Gore C / 18": (lambda w: rule + w * c, additive),
            "r + w * Zener-Schnuelle / 6": (lambda w: rule + w * zs, additive),
            "Spearman rho(z, profile)": (lambda w: rho, (0.0,)),
            "(1-w) * r + w * Spearman": (lambda w: (1 - w) * rule + w * rho, blend),
            "cos(ipsatised z, profile)": (lambda w: ips, (0.0,)),
            "(1-w) * r + w * cos(ipsatised z, profile)": (lambda w: (1 - w) * rule + w * ips, blend),
            "(1-w) * r + w * Tucker cos(z, profile)": (lambda w: (1 - w) * rule + w * cg.cosine(z, profile), blend),
            "r + w * Prediger cos(z, profile)": (lambda w: rule + w * cg.prediger_cosine(z, profile), additive),
            "rank fusion of r and Iachan M": (lambda w: fused(rule, m + 1e-6 * rule), (0.0,)),
            "rank fusion of r and Spearman": (lambda w: fused(rule, rho), (0.0,)),
        }

    table(
        f"\nDecision 0009: majors, congruence indices, 5-fold CV inside the tuning half (n={len(own)}), 2 per series",
        measures(zp, stored, r),
        cips,
        series,
        major_fields,
        major_shares,
    )
    table(
        f"Decision 0009: careers, congruence indices, 5-fold CV inside the tuning half (n={len(own)})",
        measures(job_prof, job_prof, rj),
        job_codes,
        None,
        career_fields_of,
        lambda lists: "",
    )


def _missing_skills(
    z: np.ndarray, catalogs: Sequence[tuple[np.ndarray, list[list[str]], Sequence[str] | None]]
) -> None:
    """The sample has no thinking skills, so simulate them (uniform percentiles, independent of
    interests; seed 1) and count how much of the top 10 lists no skills: under 0006 such an entry
    was ranked on its interest fit alone, under 0008 on the person's average skill percentile."""
    from aptichat.scales import THINKING_SKILLS

    rng = np.random.default_rng(1)
    names = list(THINKING_SKILLS)
    print("Decision 0008: missing skill lists, simulated skills; share of the top 10 that lists no skills")
    for kind, (profiles, skills, groups) in zip(("careers", "majors"), catalogs, strict=True):
        interest = (1 + _rowcorr(z, profiles)) / 2
        has = np.array([bool(s) for s in skills])
        uses = np.array([[name in s for s in skills] for name in names], dtype=float)  # skills x entries
        for label, lo, hi in (("low skills (5th-35th)", 5, 35), ("high skills (65th-95th)", 65, 95)):
            pct = rng.uniform(lo, hi, (len(z), len(names)))
            skill = (pct @ uses) / np.maximum(uses.sum(0), 1) / 100
            before = np.where(has, 0.7 * interest + 0.3 * skill, interest)
            after = 0.7 * interest + 0.3 * np.where(has, skill, pct.mean(1, keepdims=True) / 100)
            shares = [float(np.mean(~has[order(score, groups)])) for score in (before, after)]
            print(
                f"  {kind:<8} {label:<24} 0006 {shares[0]:4.0%}  0008 {shares[1]:4.0%}  (catalog {np.mean(~has):.0%})"
            )


def _occupation_fit(
    job_r: np.ndarray, links: Sequence[Sequence[str]], job_codes: Sequence[str], fallback: np.ndarray
) -> np.ndarray:
    """A program's fit as the mean fit of the occupations it links to (the program's own r without links)."""
    by_soc: dict[str, list[int]] = defaultdict(list)
    for j, code in enumerate(job_codes):
        by_soc[code[:7]].append(j)
    out = fallback.copy()
    for i, socs in enumerate(links):
        rows = [j for soc in socs for j in by_soc.get(soc, [])]
        if rows:
            out[:, i] = job_r[:, rows].mean(1)
    return out


def _cross_validated(
    family: Any,
    grid: Sequence[float],
    fold: np.ndarray,
    own: Sequence[str],
    codes: Sequence[str],
    groups: Sequence[str] | None,
    fields_of: Any,
) -> tuple[np.ndarray, list[float]]:
    """Each fold's lists ranked with the weight that gave the best lift@10 on the other four folds."""
    out = np.zeros((len(own), TOP_N), dtype=int)
    chosen = []
    for k in range(int(fold.max()) + 1):
        train, test = fold != k, fold == k
        train_own = [f for f, t in zip(own, train, strict=True) if t]

        def lift_on(w: float, rows: np.ndarray, rows_own: list[str]) -> float:
            lists = order(family(w)[rows], groups)
            return figures([[codes[j] for j in row] for row in lists], rows_own, fields_of, boot=0).lift[TOP_N]

        best = max(grid, key=lambda w: lift_on(w, train, train_own))
        chosen.append(best)
        out[test] = order(family(best)[test], groups)
    return out, chosen


if __name__ == "__main__":
    main()
