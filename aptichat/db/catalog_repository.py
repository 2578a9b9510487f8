"""chat_jobs, chat_majors and chat_scale_guides: upserts that re-embed only what changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert

from aptichat.db.models import ChatJob, ChatMajor, ChatScaleGuide

CatalogTable = type[ChatJob] | type[ChatMajor] | type[ChatScaleGuide]


@dataclass
class SyncReport:
    total: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    changed_keys: list[str] = field(default_factory=list)


def _key_column(table: CatalogTable) -> Any:
    return table.guide_id if table is ChatScaleGuide else table.code  # type: ignore[union-attr]


def sync_catalog(
    engine: Engine,
    table: CatalogTable,
    rows: Sequence[dict[str, Any]],
    embed: Callable[[list[str], list[str]], np.ndarray],
    model: str,
    text_of: Callable[[dict[str, Any]], tuple[str, str]],
) -> SyncReport:
    """Make `table` equal `rows`: insert or update changed rows (same content hash and model: left
    alone), embed only those, delete rows that left the source. One transaction."""
    key_name = "guide_id" if table is ChatScaleGuide else "code"
    key_col = _key_column(table)
    report = SyncReport(total=len(rows))
    with engine.begin() as conn:
        current = {
            k: (h, m) for k, h, m in conn.execute(select(key_col, table.content_hash, table.embedding_model)).all()
        }
        changed = [r for r in rows if current.get(r[key_name]) != (r["content_hash"], model)]
        report.unchanged = len(rows) - len(changed)
        if changed:
            titles, texts = zip(*(text_of(r) for r in changed), strict=True)
            vectors = embed(list(texts), list(titles))
            payload = [{**r, "embedding": v, "embedding_model": model} for r, v in zip(changed, vectors, strict=True)]
            for start in range(0, len(payload), 500):
                stmt = insert(table).values(payload[start : start + 500])
                update_cols = {c: stmt.excluded[c] for c in payload[0] if c != key_name}
                conn.execute(stmt.on_conflict_do_update(index_elements=[key_name], set_=update_cols))
            report.embedded = len(changed)
            report.changed_keys = [r[key_name] for r in changed]
        gone = set(current) - {r[key_name] for r in rows}
        if gone:
            conn.execute(delete(table).where(key_col.in_(sorted(gone))))
        report.removed = len(gone)
    return report
