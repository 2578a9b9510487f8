"""Import NCES CIP 2020 programs (majors) and the CIP-SOC crosswalk into the legacy `majors` table.

A major's RIASEC profile is the mean profile of the O*NET occupations the crosswalk links it to
(SOC 2018 code = the first 7 characters of an O*NET-SOC code), so import O*NET first. A program
with no linked, profiled occupation takes the mean of the profiled programs in its 4-digit series,
else its 2-digit family (`profile_basis` says which). Skills: those listed by at least half of the
linked occupations. Only live six-digit codes are imported (Action not Deleted / Moved to).
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
_SIX_DIGIT = re.compile(r"^\d\d\.\d{4}$")
_NO_MATCH = {"99-9999", "99.9999"}


def _clean(code: str) -> str:
    # CIPCode2020.csv stores codes Excel-style: ="01.0000"
    return code.strip().lstrip("=").strip('"')


def _mean(profiles: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(sum(p[k] for p in profiles) / len(profiles), 4) for k in RIASEC_LETTERS}


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

    entries: dict[str, CatalogEntry] = {}
    unresolved: list[tuple[str, str, str, list[str]]] = []
    for p in programs:
        code = _clean(p["CIPCode"])
        program = (
            code,
            p["CIPTitle"].strip().rstrip("."),
            p["CIPDefinition"].strip(),
            sorted(s for s in links.get(code, ()) if s in by_soc),
        )
        linked = [occ for soc in sorted(links.get(code, ())) for occ in by_soc.get(soc, [])]
        if linked:
            # a skill counts when at least half of the linked occupations lean on it
            skills = sorted(
                {s for _, sk in linked for s in sk if 2 * sum(s in other for _, other in linked) >= len(linked)}
            )
            entries[code] = _entry(program, _mean([pr for pr, _ in linked]), skills, "occupations")
        else:
            unresolved.append(program)
    # Fallbacks use only occupation-based profiles, so the result does not depend on file order.
    direct = list(entries.values())
    basis_counts = {"occupations": len(direct), "series": 0, "family": 0}
    skipped = 0
    for program in unresolved:
        code = program[0]
        for basis, prefix in (("series", code[:5]), ("family", code[:2])):
            peers = [e for e in direct if str(e.cip_code).startswith(prefix)]
            if peers:
                entries[code] = _entry(program, _mean([e.riasec for e in peers]), [], basis)
                basis_counts[basis] += 1
                break
        else:
            skipped += 1
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
