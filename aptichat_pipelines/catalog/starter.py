"""Our starter catalog (starter_jobs.json, starter_majors.json): loaded when the tables are empty."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import Engine

from aptichat_pipelines.catalog.store import CatalogEntry, count, upsert


def _read(name: str) -> list[dict[str, Any]]:
    data = json.loads(resources.files(__package__).joinpath(f"starter_{name}.json").read_text(encoding="utf-8"))
    return list(data[name])


def starter_jobs() -> list[CatalogEntry]:
    return [CatalogEntry(**row, source="starter") for row in _read("jobs")]


def starter_majors() -> list[CatalogEntry]:
    return [CatalogEntry(**row, source="starter") for row in _read("majors")]


def load_starter_catalog(engine: Engine, *, force: bool = False) -> dict[str, object]:
    """Load each starter table only when it is empty (or with force), so real imports are kept."""
    report: dict[str, object] = {}
    with engine.begin() as conn:
        for table, entries in (("jobs", starter_jobs), ("majors", starter_majors)):
            if force or count(conn, table) == 0:
                report[table] = upsert(conn, table, entries())
            else:
                report[table] = "kept (not empty)"
    return report
