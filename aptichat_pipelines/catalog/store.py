"""Writing catalog rows into the legacy `jobs` and `majors` tables (upserts, so imports are idempotent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from aptichat.scales import RIASEC_LETTERS, THINKING_SKILLS


@dataclass
class CatalogEntry:
    """One job or major. `riasec` holds six values 0..1 keyed by letter."""

    code: str
    title: str
    description: str
    riasec: dict[str, float]
    skills: list[str] = field(default_factory=list)
    source: str = "starter"
    onet_soc_code: str | None = None  # jobs
    job_zone: int | None = None  # jobs
    related_codes: list[str] = field(default_factory=list)  # jobs
    cip_code: str | None = None  # majors
    soc_codes: list[str] = field(default_factory=list)  # majors
    profile_basis: str = "authored"  # majors

    def __post_init__(self) -> None:
        if set(self.riasec) != set(RIASEC_LETTERS) or not all(0 <= v <= 1 for v in self.riasec.values()):
            raise ValueError(f"{self.code}: RIASEC profile must have R..C within 0..1, got {self.riasec}")
        unknown = [s for s in self.skills if s not in THINKING_SKILLS]
        if unknown:
            raise ValueError(f"{self.code}: unknown thinking skills {unknown}")

    def params(self) -> dict[str, object]:
        values = {f"riasec_{k.lower()}": round(float(v), 4) for k, v in self.riasec.items()}
        return {**self.__dict__, **values}


_COMMON = "code, title, description, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c, skills, source"
_VALUES = (
    ":code, :title, :description, :riasec_r, :riasec_i, :riasec_a, :riasec_s, :riasec_e, :riasec_c, :skills, :source"
)
_EXTRA = {
    "jobs": ("onet_soc_code, job_zone, related_codes", ":onet_soc_code, :job_zone, :related_codes"),
    "majors": ("cip_code, soc_codes, profile_basis", ":cip_code, :soc_codes, :profile_basis"),
}


def upsert(conn: Connection, table: str, entries: Sequence[CatalogEntry]) -> dict[str, int]:
    """Insert or update by code. Returns {"inserted": n, "updated": m, "unchanged": k}."""
    if table not in _EXTRA:
        raise ValueError(f"unknown catalog table {table}")
    if not entries:
        return {"inserted": 0, "updated": 0, "unchanged": 0}
    extra_cols, extra_vals = _EXTRA[table]
    columns = [c.strip() for c in f"{_COMMON}, {extra_cols}".split(",")]
    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in columns if c != "code")
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "code")
    # xmax = 0 marks a freshly inserted row; the WHERE skips rows whose content did not change.
    sql = text(
        f"INSERT INTO {table} ({_COMMON}, {extra_cols}) VALUES ({_VALUES}, {extra_vals}) "
        f"ON CONFLICT (code) DO UPDATE SET {updates}, updated_at = now() WHERE {changed} "
        "RETURNING (xmax = 0) AS inserted"
    )
    inserted = updated = 0
    for entry in entries:
        row = conn.execute(sql, entry.params()).first()
        if row is None:
            continue
        if row.inserted:
            inserted += 1
        else:
            updated += 1
    return {"inserted": inserted, "updated": updated, "unchanged": len(entries) - inserted - updated}


def count(conn: Connection, table: str, source: str | None = None) -> int:
    where = " WHERE source = :source" if source else ""
    return int(conn.execute(text(f"SELECT count(*) FROM {table}{where}"), {"source": source}).scalar_one())
