"""Import the O*NET database (tab-separated text release files) into the legacy `jobs` table.

Read: Occupation Data (title, description), Interests (scale OI, 1..7, rescaled to 0..1 as
(v - 1) / 6), Job Zones, Task Statements (up to three core tasks appended to the description),
and when present Related Occupations (up to ten, by O*NET's index) and Skills (importance scale
IM) for the thinking skills a job leans on: verbal = Reading Comprehension + Writing, numerical =
Mathematics, logical = Critical Thinking + Complex Problem Solving, each "key" at a mean importance
of KEY_SKILL_IMPORTANCE or more. O*NET's skills file has no spatial or memory element (those are
abilities, a file not in our copy), so imported jobs never list those two.
Only occupations with interest ratings are imported: a job without a profile cannot be matched.
O*NET content is CC BY 4.0 (USDOL/ETA); rows keep source 'onet' for attribution.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from aptichat_pipelines.catalog.store import CatalogEntry, count, upsert

SOURCE = "onet"
KEY_SKILL_IMPORTANCE = 3.5
_LETTERS = {
    "Realistic": "R",
    "Investigative": "I",
    "Artistic": "A",
    "Social": "S",
    "Enterprising": "E",
    "Conventional": "C",
}
_SKILL_ELEMENTS = {
    "Reading Comprehension": "verbal",
    "Writing": "verbal",
    "Mathematics": "numerical",
    "Critical Thinking": "logical",
    "Complex Problem Solving": "logical",
}
TASKS_IN_DESCRIPTION = 3
RELATED_KEPT = 10


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


def read_onet(directory: Path) -> tuple[list[CatalogEntry], dict[str, int]]:
    """Parse the release files into catalog entries, plus counts of what was read and skipped."""
    occupations = {r["O*NET-SOC Code"]: r for r in _rows(directory / "Occupation Data.txt")}
    profiles: dict[str, dict[str, float]] = defaultdict(dict)
    for r in _rows(directory / "Interests.txt"):
        if r["Scale ID"] == "OI" and r["Element Name"] in _LETTERS:
            value = (float(r["Data Value"]) - 1.0) / 6.0
            profiles[r["O*NET-SOC Code"]][_LETTERS[r["Element Name"]]] = round(min(1.0, max(0.0, value)), 4)
    zones = {r["O*NET-SOC Code"]: int(float(r["Job Zone"])) for r in _rows(directory / "Job Zones.txt")}
    tasks: dict[str, list[str]] = defaultdict(list)
    # Core tasks first; some occupations only have untyped tasks, which still describe the work.
    task_rows = [r for r in _rows(directory / "Task Statements.txt") if r["Task Type"] in ("Core", "")]
    for r in sorted(task_rows, key=lambda r: r["Task Type"] != "Core"):
        if len(tasks[r["O*NET-SOC Code"]]) < TASKS_IN_DESCRIPTION:
            tasks[r["O*NET-SOC Code"]].append(r["Task"].strip().rstrip("."))
    related: dict[str, list[str]] = defaultdict(list)
    if (directory / "Related Occupations.txt").exists():
        ordered = sorted(_rows(directory / "Related Occupations.txt"), key=lambda r: int(r["Index"]))
        for r in ordered:
            if len(related[r["O*NET-SOC Code"]]) < RELATED_KEPT:
                related[r["O*NET-SOC Code"]].append(r["Related O*NET-SOC Code"])
    importance: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    if (directory / "Skills.txt").exists():
        for r in _rows(directory / "Skills.txt"):
            if r["Scale ID"] == "IM" and r["Element Name"] in _SKILL_ELEMENTS:
                importance[r["O*NET-SOC Code"]][_SKILL_ELEMENTS[r["Element Name"]]].append(float(r["Data Value"]))

    entries = []
    for code, occ in occupations.items():
        profile = profiles.get(code)
        if not profile or len(profile) != 6:
            continue
        description = occ["Description"].strip()
        if tasks.get(code):
            description += " Typical tasks: " + "; ".join(tasks[code]) + "."
        skills = [s for s, values in importance[code].items() if sum(values) / len(values) >= KEY_SKILL_IMPORTANCE]
        entries.append(
            CatalogEntry(
                code=code,
                title=occ["Title"].strip(),
                description=description,
                riasec=profile,
                skills=sorted(skills),
                source=SOURCE,
                onet_soc_code=code,
                job_zone=zones.get(code),
                related_codes=related.get(code, []),
            )
        )
    read = {
        "occupations_read": len(occupations),
        "with_interest_profile": len(entries),
        "skipped_without_profile": len(occupations) - len(entries),
    }
    return entries, read


def import_onet(directory: Path, engine: Engine, *, keep_starter: bool = False) -> dict[str, object]:
    """Upsert O*NET occupations as jobs (code = O*NET-SOC code). Unless keep_starter, the starter
    jobs are removed: the real catalog supersedes them and mixing both would show near-duplicates."""
    entries, report = read_onet(directory)
    with engine.begin() as conn:
        report.update(upsert(conn, "jobs", entries))
        removed = 0
        if not keep_starter and entries:
            removed = conn.execute(text("DELETE FROM jobs WHERE source = 'starter'")).rowcount
        report["starter_removed"] = removed
        report["jobs_total"] = count(conn, "jobs")
    return dict(report)
