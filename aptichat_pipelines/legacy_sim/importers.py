"""Import real Open Psychometrics data into the legacy contract, one test taker per row.

- RIASEC (the 48-item interest test; tab-separated, columns R1..C8, 1..5) -> instrument
  `opsy-riasec48` (domain interests). Demographics, TIPI answers and the self-reported `major`
  are kept as background (TIPI is kept raw, not scored).
- Big Five (IPIP 50-item markers; tab-separated, E1..O10, 1..5) -> instrument `ipip-big5-50`
  (domain tendencies) with the standard IPIP key (reverse items listed below).

0 means unanswered and is stored as a NULL answer (shown but missing). Taker ids are
`<prefix>-<row id>` with the `qacr_rowname` column where present, else the 1-based row number; the
default prefixes differ per data set (`opsy-riasec`, `opsy-big5`) because row numbers of different
files would otherwise collide into one "person". Re-importing inserts nothing new. The data has no
timestamps, so a session is stamped with the time of its first import. Norms for an imported
instrument are derived from the imported sample when it has none yet (reported).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, text

from aptichat.db.engine import get_legacy_engine
from aptichat.scales import RIASEC_LETTERS
from aptichat_pipelines.legacy_sim.copyio import NULL, copy_insert_new, lines
from aptichat_pipelines.legacy_sim.instruments import Instrument, Item, item_id, upsert_instrument, upsert_norms
from aptichat_pipelines.legacy_sim.schema import create_schema, norms_from_population
from aptichat_pipelines.legacy_sim.synthetic import Population

_BIG5_SCALES = {
    "E": "extraversion",
    "N": "neuroticism",
    "A": "agreeableness",
    "C": "conscientiousness",
    "O": "openness",
}
# Standard IPIP 50-item key (see ../shared/data/big5-openpsychometrics/SOURCE.md).
BIG5_REVERSED = frozenset(
    {"E2", "E4", "E6", "E8", "E10", "N2", "N4", "A1", "A3", "A5", "A7", "C2", "C4", "C6", "C8", "O2", "O4", "O6"}
)
_BIG5_CODES = {
    "gender": {1: "male", 2: "female", 3: "other"},
    "engnat": {1: "yes", 2: "no"},
    "hand": {1: "right", 2: "left", 3: "both"},
    "source": {1: "test website", 2: "google", 3: "facebook", 4: ".edu site", 6: "other"},
}


def _likert(instrument_id: str, domain: str, name: str, columns: list[str], scale_of, reversed_=frozenset()):  # type: ignore[no-untyped-def]
    items = tuple(
        Item(
            item_id(instrument_id, p),
            instrument_id,
            scale_of(col),
            p,
            f"Open Psychometrics item {col} (wording in the publisher's codebook)",
            -1 if col in reversed_ else 1,
        )
        for p, col in enumerate(columns, start=1)
    )
    return Instrument(instrument_id, domain, name, 1, 5, items, source="openpsychometrics")


RIASEC_COLUMNS = [f"{letter}{n}" for letter in RIASEC_LETTERS for n in range(1, 9)]
BIG5_COLUMNS = [f"{d}{n}" for d in "ENACO" for n in range(1, 11)]
RIASEC_INSTRUMENT = _likert(
    "opsy-riasec48", "interests", "Open Psychometrics RIASEC (48 items)", RIASEC_COLUMNS, lambda c: c[0]
)
BIG5_INSTRUMENT = _likert(
    "ipip-big5-50",
    "tendencies",
    "IPIP Big-Five factor markers (50 items)",
    BIG5_COLUMNS,
    lambda c: _BIG5_SCALES[c[0]],
    BIG5_REVERSED,
)


@dataclass(frozen=True)
class ImportReport:
    dataset: str
    rows: int
    takers_inserted: int
    sessions_inserted: int
    responses_inserted: int
    missing_answers: int
    norms_written: int

    @property
    def already_present(self) -> int:
        return self.rows - self.sessions_inserted

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "already_present": self.already_present}


def _int(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames or []), list(reader)


def _riasec_background(row: dict[str, str], fields: list[str]) -> dict[str, object]:
    background: dict[str, object] = {"source": "openpsychometrics-riasec"}
    for name in fields:
        if name in RIASEC_COLUMNS or name == "qacr_rowname" or name.startswith("TIPI"):
            continue
        value = row[name].strip()
        if value and value.upper() != "NA":
            background[name] = _int(value) if name in ("age", "familysize") else value
    tipi = {c: _int(row[c]) for c in fields if c.startswith("TIPI")}
    if tipi:
        background["tipi"] = {k: (v if v else None) for k, v in tipi.items()}
    return background


def _big5_background(row: dict[str, str], fields: list[str]) -> dict[str, object]:
    background: dict[str, object] = {"source": "openpsychometrics-big5"}
    for name, codes in _BIG5_CODES.items():
        code = _int(row.get(name, ""))
        if code:
            background[name] = codes.get(code, f"code {code}")
    age = _int(row.get("age", ""))
    if age is not None and 13 <= age <= 100:  # the raw column has typing errors up to 999,999,999
        background["age"] = age
    country = row.get("country", "").strip()
    if country and not country.startswith("("):  # "(nu" is a truncated "(null)"
        background["country"] = country
    race = _int(row.get("race", ""))
    if race:
        background["race_code"] = race
    return background


def import_rows(
    engine: Engine,
    instrument: Instrument,
    columns: list[str],
    people: list[tuple[str, dict[str, object], list[int]]],
    dataset: str,
) -> ImportReport:
    """Write (taker id, background, answers) rows as completed sessions of `instrument`."""
    stamp = datetime.now(UTC)
    values = np.asarray([answers for _, _, answers in people], dtype=np.int16).reshape(len(people), len(columns))
    sessions = [(f"{tid}-{instrument.id}", tid, [instrument.id], stamp, stamp, "completed") for tid, _, _ in people]

    def response_lines() -> Iterator[str]:
        for (sid, *_), row in zip(sessions, values.tolist(), strict=True):
            yield "".join(
                f"{sid}\t{item.id}\t{v if 1 <= v <= 5 else NULL}\t{NULL}\n"
                for item, v in zip(instrument.items, row, strict=True)
            )

    with engine.begin() as conn:
        create_schema(conn)
        upsert_instrument(conn, instrument)
        takers = copy_insert_new(
            conn, "test_takers", ["id", "created_at", "background"], lines((tid, stamp, bg) for tid, bg, _ in people)
        )
        new_sessions = copy_insert_new(
            conn,
            "test_sessions",
            ["id", "taker_id", "instrument_set", "started_at", "completed_at", "status"],
            lines(sessions),
        )
        responses = copy_insert_new(
            conn, "responses", ["session_id", "item_id", "value", "response_ms"], response_lines()
        )
        has_norms = conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM norms WHERE instrument_id = :i)"), {"i": instrument.id}
        ).scalar_one()
        norms = 0
        if not has_norms and people:
            sample = Population(responses={instrument.id: ([], values, values, np.zeros(0))})
            norms = upsert_norms(conn, norms_from_population(sample, (instrument,), f"{dataset} sample"))
    return ImportReport(
        dataset, len(people), takers, new_sessions, responses, int(((values < 1) | (values > 5)).sum()), norms
    )


def _import_file(
    path: Path,
    engine: Engine | None,
    instrument: Instrument,
    columns: list[str],
    background: Callable[[dict[str, str], list[str]], dict[str, object]],
    id_prefix: str,
    dataset: str,
) -> ImportReport:
    fields, rows = _read(path)
    missing = [c for c in columns if c not in fields]
    if missing:
        raise ValueError(f"{path} is not the {dataset} format: no columns {missing[:5]}")
    people = [
        (f"{id_prefix}-{row.get('qacr_rowname') or n}", background(row, fields), [_int(row[c]) or 0 for c in columns])
        for n, row in enumerate(rows, start=1)
    ]
    return import_rows(engine or get_legacy_engine(), instrument, columns, people, dataset)


def import_openpsychometrics_riasec(
    path: Path, engine: Engine | None = None, *, id_prefix: str = "opsy-riasec"
) -> ImportReport:
    """Import the RIASEC format (e.g. holland_us_sample.tsv)."""
    return _import_file(
        path, engine, RIASEC_INSTRUMENT, RIASEC_COLUMNS, _riasec_background, id_prefix, "openpsychometrics-riasec"
    )


def import_openpsychometrics_big5(
    path: Path, engine: Engine | None = None, *, id_prefix: str = "opsy-big5"
) -> ImportReport:
    """Import the BIG5 format (data.csv, tab-separated despite its name)."""
    return _import_file(
        path, engine, BIG5_INSTRUMENT, BIG5_COLUMNS, _big5_background, id_prefix, "openpsychometrics-big5"
    )
