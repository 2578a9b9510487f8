"""Import NCES CIP 2020 programs (majors) and the CIP-SOC crosswalk into the legacy `majors` table.

A major's RIASEC profile comes from the O*NET occupations the crosswalk links it to (SOC 2018 code =
the first 7 characters of an O*NET-SOC code), so import O*NET first:
- weighted mean: each linked occupation counts 1 / (number of programs linked to its SOC code), so
  an occupation that dozens of programs lead to (managers, postsecondary teachers) says less about
  a program than one only a few lead to;
- shrunk towards the series: a program linked to n SOC codes takes
  (n * own + SHRINK * series) / (n + SHRINK), the series profile being the mean of the weighted
  profiles of the directly profiled programs in its 4-digit series. One or two links are a noisy
  estimate; the series is the best guess of what is left out.
A program with no linked, profiled occupation takes the series profile, else its 2-digit family's
(`profile_basis` says which). docs/decisions/0006-recommendation-ranking.md has the figures behind
both choices. Skills: those listed by at least half of the linked occupations. Only live six-digit
codes are imported (Action not Deleted / Moved to).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Engine, text

from aptichat.scales import RIASEC_LETTERS
from aptichat_pipelines.catalog.store import CatalogEntry, count, upsert

SOURCE = "cip"
SHRINK = 2.0  # pseudo-links of the series profile added to every program's own links
_SIX_DIGIT = re.compile(r"^\d\d\.\d{4}$")
_NO_MATCH = {"99-9999", "99.9999"}


def _clean(code: str) -> str:
    # CIPCode2020.csv stores codes Excel-style: ="01.0000"
    return code.strip().lstrip("=").strip('"')


def _mean(profiles: list[dict[str, float]], weights: list[float] | None = None) -> dict[str, float]:
    weights = weights or [1.0] * len(profiles)
    total = sum(weights)
    return {k: round(sum(w * p[k] for p, w in zip(profiles, weights, strict=True)) / total, 4) for k in RIASEC_LETTERS}


def program_profiles(
    programs: dict[str, list[str]],
    by_soc: dict[str, list[dict[str, float]]],
    shrink: float = SHRINK,
) -> dict[str, tuple[dict[str, float], str]]:
    """CIP code -> (RIASEC profile, basis) from the SOC codes each program links to and the O*NET
    profiles of each SOC code (module docstring). Programs without any profile are left out."""
    linked = {code: [s for s in socs if by_soc.get(s)] for code, socs in programs.items()}
    per_soc: dict[str, int] = defaultdict(int)
    for socs in linked.values():
        for soc in socs:
            per_soc[soc] += 1
    own: dict[str, dict[str, float]] = {}
    for code, socs in linked.items():
        if socs:
            profiles = [p for soc in socs for p in by_soc[soc]]
            weights = [1.0 / per_soc[soc] for soc in socs for _ in by_soc[soc]]
            own[code] = _mean(profiles, weights)
    groups: dict[str, list[dict[str, float]]] = defaultdict(list)
    for code, profile in own.items():
        groups[code[:5]].append(profile)
        groups[code[:2]].append(profile)
    group_mean = {prefix: _mean(members) for prefix, members in groups.items()}
    out: dict[str, tuple[dict[str, float], str]] = {}
    for code, socs in linked.items():
        if code in own:
            n, series = float(len(socs)), group_mean[code[:5]]
            out[code] = (
                {k: round((n * own[code][k] + shrink * series[k]) / (n + shrink), 4) for k in RIASEC_LETTERS},
                "occupations",
            )
        elif code[:5] in group_mean:
            out[code] = (group_mean[code[:5]], "series")
        elif code[:2] in group_mean:
            out[code] = (group_mean[code[:2]], "family")
    return out


def _entry(
    program: tuple[str, str, str, list[str]], riasec: dict[str, float], skills: list[str], basis: str
) -> CatalogEntry:
    code, title, description, socs = program
    return CatalogEntry(
        code=f"cip-{code}",
        title=title,
        description=description,
        riasec=riasec,
        skills=skills,
        source=SOURCE,
        cip_code=code,
        soc_codes=socs,
        profile_basis=basis,
    )


class CatalogOrderError(RuntimeError):
    """CIP import needs the O*NET jobs (their profiles) in the database first."""


def import_cip(directory: Path, engine: Engine, *, keep_starter: bool = False) -> dict[str, object]:
    with (directory / "CIPCode2020.csv").open(encoding="utf-8-sig", newline="") as handle:
        programs = [
            r
            for r in csv.DictReader(handle)
            if _SIX_DIGIT.match(_clean(r["CIPCode"])) and r["Action"] not in ("Deleted", "Moved to")
        ]
    links: dict[str, set[str]] = defaultdict(set)
    with (directory / "CIP2020_SOC2018_Crosswalk.csv").open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            if r["CIP2020Code"] not in _NO_MATCH and r["SOC2018Code"] not in _NO_MATCH:
                links[r["CIP2020Code"].strip()].add(r["SOC2018Code"].strip())

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT onet_soc_code, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c, skills "
                "FROM jobs WHERE source = 'onet' AND onet_soc_code IS NOT NULL"
            )
        ).all()
    if not rows:
        raise CatalogOrderError("no O*NET jobs in the legacy database: run `aptichat catalog import-onet` first")
    by_soc: dict[str, list[tuple[dict[str, float], list[str]]]] = defaultdict(list)
    for row in rows:
        job = tuple(row)
        by_soc[job[0][:7]].append((dict(zip(RIASEC_LETTERS, map(float, job[1:7]), strict=True)), list(job[7])))

    described = {_clean(p["CIPCode"]): p for p in programs}
    socs_of = {code: sorted(s for s in links.get(code, ()) if s in by_soc) for code in described}
    profiles = program_profiles(socs_of, {soc: [p for p, _ in occ] for soc, occ in by_soc.items()})
    entries: dict[str, CatalogEntry] = {}
    basis_counts = {"occupations": 0, "series": 0, "family": 0}
    for code, p in described.items():
        if code not in profiles:
            continue
        linked = [occ for soc in socs_of[code] for occ in by_soc[soc]]
        # a skill counts when at least half of the linked occupations lean on it
        skills = sorted(
            {s for _, sk in linked for s in sk if 2 * sum(s in other for _, other in linked) >= len(linked)}
        )
        profile, basis = profiles[code]
        program = (code, p["CIPTitle"].strip().rstrip("."), p["CIPDefinition"].strip(), socs_of[code])
        entries[code] = _entry(program, profile, skills, basis)
        basis_counts[basis] += 1
    skipped = len(described) - len(entries)
    report: dict[str, object] = {
        "programs_read": len(programs),
        "profile_basis": basis_counts,
        "skipped_without_profile": skipped,
    }
    with engine.begin() as conn:
        report.update(upsert(conn, "majors", list(entries.values())))
        removed = 0
        if not keep_starter and entries:
            removed = conn.execute(text("DELETE FROM majors WHERE source = 'starter'")).rowcount
        report["starter_removed"] = removed
        report["majors_total"] = count(conn, "majors")
    return report
