"""Our three instruments (package data `instruments.json`) and writing instruments, items and norms.

Item ids: `<instrument>:<position>` (e.g. `interests-v1:9`), stable as long as items are only appended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, text

TENDENCIES_V1 = "tendencies-v1"
INTERESTS_V1 = "interests-v1"
SKILLS_V1 = "skills-v1"
OWN_INSTRUMENTS = (TENDENCIES_V1, INTERESTS_V1, SKILLS_V1)


@dataclass(frozen=True)
class Item:
    id: str
    instrument_id: str
    scale: str
    position: int
    wording: str
    keying: int = 1
    options: tuple[str, ...] | None = None
    correct_answer: int | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    domain: str
    name: str
    response_min: int | None
    response_max: int | None
    items: tuple[Item, ...]
    source: str = "aptichat"

    @property
    def scales(self) -> list[str]:
        return list(dict.fromkeys(item.scale for item in self.items))


def item_id(instrument_id: str, position: int) -> str:
    return f"{instrument_id}:{position}"


@lru_cache(maxsize=1)
def own_instruments() -> tuple[Instrument, ...]:
    """The instruments shipped in instruments.json, in presentation order."""
    raw = json.loads(resources.files(__package__).joinpath("instruments.json").read_text(encoding="utf-8"))
    out = []
    for spec in raw["instruments"]:
        items = []
        for position, entry in enumerate(spec["items"], start=1):
            if spec["domain"] == "skills":
                scale, wording, options, correct = entry
                items.append(
                    Item(
                        item_id(spec["id"], position),
                        spec["id"],
                        scale,
                        position,
                        wording,
                        options=tuple(options),
                        correct_answer=correct,
                    )
                )
            else:
                scale, keying, wording = entry
                items.append(Item(item_id(spec["id"], position), spec["id"], scale, position, wording, keying))
        out.append(
            Instrument(
                spec["id"], spec["domain"], spec["name"], spec["response_min"], spec["response_max"], tuple(items)
            )
        )
    return tuple(out)


def upsert_instrument(conn: Connection, instrument: Instrument) -> None:
    """Insert or update an instrument and its items (idempotent)."""
    conn.execute(
        text(
            "INSERT INTO instruments (id, domain, name, response_min, response_max, source) "
            "VALUES (:id, :domain, :name, :lo, :hi, :source) ON CONFLICT (id) DO UPDATE SET "
            "domain = EXCLUDED.domain, name = EXCLUDED.name, response_min = EXCLUDED.response_min, "
            "response_max = EXCLUDED.response_max, source = EXCLUDED.source"
        ),
        {
            "id": instrument.id,
            "domain": instrument.domain,
            "name": instrument.name,
            "lo": instrument.response_min,
            "hi": instrument.response_max,
            "source": instrument.source,
        },
    )
    conn.execute(
        text(
            "INSERT INTO items (id, instrument_id, scale, position, wording, keying, options, correct_answer) "
            "VALUES (:id, :instrument_id, :scale, :position, :wording, :keying, CAST(:options AS jsonb), :correct) "
            "ON CONFLICT (id) DO UPDATE SET scale = EXCLUDED.scale, position = EXCLUDED.position, "
            "wording = EXCLUDED.wording, keying = EXCLUDED.keying, options = EXCLUDED.options, "
            "correct_answer = EXCLUDED.correct_answer"
        ),
        [
            {
                "id": i.id,
                "instrument_id": i.instrument_id,
                "scale": i.scale,
                "position": i.position,
                "wording": i.wording,
                "keying": i.keying,
                "options": json.dumps(list(i.options)) if i.options is not None else None,
                "correct": i.correct_answer,
            }
            for i in instrument.items
        ],
    )


@dataclass(frozen=True)
class NormRow:
    instrument_id: str
    scale: str
    mean: float
    sd: float
    sample_size: int
    source: str
    percentiles: dict[str, float] | None = None


def upsert_norms(conn: Connection, norms: list[NormRow], *, replace: bool = True) -> int:
    """Write norms; with replace=False existing rows are kept. Returns rows written."""
    if not norms:
        return 0
    conflict = (
        "DO UPDATE SET mean = EXCLUDED.mean, sd = EXCLUDED.sd, percentiles = EXCLUDED.percentiles, "
        "sample_size = EXCLUDED.sample_size, source = EXCLUDED.source"
        if replace
        else "DO NOTHING"
    )
    result = conn.execute(
        text(
            "INSERT INTO norms (instrument_id, scale, mean, sd, percentiles, sample_size, source) "
            "VALUES (:instrument_id, :scale, :mean, :sd, CAST(:percentiles AS jsonb), :sample_size, :source) "
            f"ON CONFLICT (instrument_id, scale) {conflict}"
        ),
        [_norm_params(n) for n in norms],
    )
    return max(result.rowcount, 0)


def _norm_params(n: NormRow) -> dict[str, Any]:
    return {
        "instrument_id": n.instrument_id,
        "scale": n.scale,
        "mean": n.mean,
        "sd": n.sd,
        "percentiles": json.dumps(n.percentiles) if n.percentiles is not None else None,
        "sample_size": n.sample_size,
        "source": n.source,
    }


def midrank_percentiles(values: Any, lo: int | None = None, hi: int | None = None) -> dict[str, float]:
    """Percentile of each integer score lo..hi as (share below + half the share equal) * 100."""
    import numpy as np

    arr = np.asarray(values, dtype=int)
    n = len(arr)
    out = {}
    lo = int(arr.min()) if lo is None else lo
    hi = int(arr.max()) if hi is None else hi
    for score in range(lo, hi + 1):
        below = int((arr < score).sum())
        equal = int((arr == score).sum())
        out[str(score)] = round(100.0 * (below + 0.5 * equal) / n, 1)
    return out
