"""Creating the legacy contract: tables (schema.sql), our instruments, their norms, the starter catalog.

Everything here is idempotent: `aptichat legacy init` may run at every platform start.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from aptichat.db.engine import get_legacy_engine
from aptichat.settings import Settings
from aptichat_pipelines.legacy_sim.instruments import (
    Instrument,
    NormRow,
    midrank_percentiles,
    own_instruments,
    upsert_instrument,
    upsert_norms,
)
from aptichat_pipelines.legacy_sim.synthetic import Population, sample_clean

log = logging.getLogger(__name__)
CALIBRATION_SIZE = 20_000
CALIBRATION_SEED = 0


def schema_sql() -> str:
    return resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")


def create_schema(conn: Connection) -> None:
    """Run schema.sql (CREATE ... IF NOT EXISTS throughout). A lock keeps concurrent inits apart."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('aptichat_legacy_schema'))"))
    conn.exec_driver_sql(schema_sql())


def init_legacy(
    engine: Engine | None = None, *, settings: Settings | None = None, load_catalog: bool = True
) -> dict[str, Any]:
    """Create the tables, write our instruments and (if absent) their norms and the starter catalog."""
    engine = engine or get_legacy_engine(settings)
    report: dict[str, Any] = {}
    with engine.begin() as conn:
        create_schema(conn)
        for instrument in own_instruments():
            upsert_instrument(conn, instrument)
        report["instruments"] = len(own_instruments())
        missing = conn.execute(
            text(
                "SELECT count(*) FROM instruments i WHERE i.id = ANY(:ids) "
                "AND NOT EXISTS (SELECT 1 FROM norms n WHERE n.instrument_id = i.id)"
            ),
            {"ids": [i.id for i in own_instruments()]},
        ).scalar_one()
        report["norms_written"] = upsert_norms(conn, reference_norms(), replace=False) if missing else 0
    if load_catalog:
        from aptichat_pipelines.catalog.starter import load_starter_catalog

        report["catalog"] = load_starter_catalog(engine)
    return report


def raw_scores(instrument: Instrument, values: np.ndarray) -> dict[str, np.ndarray]:
    """Per scale, the raw score of each row of answers (0 = missing), as the SQL computes it:
    mean keyed answer for Likert scales (NaN when nothing usable), number right for skills."""
    out: dict[str, np.ndarray] = {}
    for scale in instrument.scales:
        cols = [k for k, item in enumerate(instrument.items) if item.scale == scale]
        block = values[:, cols].astype(float)
        if instrument.domain == "skills":
            correct = np.asarray([instrument.items[k].correct_answer for k in cols])
            out[scale] = (block == correct).sum(axis=1).astype(float)
            continue
        lo, hi = instrument.response_min or 1, instrument.response_max or 5
        keying = np.asarray([instrument.items[k].keying for k in cols])
        keyed = np.where(keying == -1, lo + hi - block, block)
        usable = (block >= lo) & (block <= hi)
        with np.errstate(invalid="ignore"):
            out[scale] = np.where(usable, keyed, 0).sum(axis=1) / usable.sum(axis=1)
    return out


def norms_from_population(pop: Population, instruments: tuple[Instrument, ...], source: str) -> list[NormRow]:
    """Mean/sd per scale (plus a mid-rank percentile table for skills, whose scores are few integers)."""
    norms = []
    by_id = {i.id: i for i in instruments}
    for instrument_id, (_, values, _, _) in pop.responses.items():
        instrument = by_id[instrument_id]
        for scale, raw in raw_scores(instrument, values).items():
            raw = raw[~np.isnan(raw)]
            table = None
            if instrument.domain == "skills":
                total = sum(1 for item in instrument.items if item.scale == scale)
                table = midrank_percentiles(raw, 0, total)
            norms.append(
                NormRow(instrument_id, scale, float(raw.mean()), float(raw.std(ddof=1)), len(raw), source, table)
            )
    return norms


def reference_norms(n: int = CALIBRATION_SIZE, seed: int = CALIBRATION_SEED) -> list[NormRow]:
    """Norms of our instruments from a clean synthetic calibration sample (deterministic)."""
    return norms_from_population(sample_clean(n, seed), own_instruments(), "aptichat-synthetic-calibration")
