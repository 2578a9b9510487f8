"""COPY helpers: the fast path for writing many rows (populations, imports)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Connection

NULL = "\\N"


def copy_text(value: object) -> str:
    """One value in COPY's text format (tabs, newlines and backslashes escaped)."""
    if value is None:
        return NULL
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "{" + ",".join('"' + str(v).replace('"', '\\"') + '"' for v in value) + "}"
    raw = json.dumps(value) if isinstance(value, dict) else str(value)
    return raw.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def lines(rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    for row in rows:
        yield "\t".join(copy_text(v) for v in row) + "\n"


def copy_in(conn: Connection, statement: str, chunks: Iterable[str]) -> None:
    """Stream text chunks into `COPY ... FROM STDIN`, about 1 MB per write."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
        buffer: list[str] = []
        size = 0
        for chunk in chunks:
            buffer.append(chunk)
            size += len(chunk)
            if size > 1 << 20:
                copy.write("".join(buffer))
                buffer, size = [], 0
        if buffer:
            copy.write("".join(buffer))


def copy_insert_new(conn: Connection, table: str, columns: list[str], chunks: Iterable[str]) -> int:
    """COPY into a temporary twin of `table`, then insert the rows whose key is not there yet.

    This keeps imports idempotent (a re-import inserts nothing) at COPY speed. Returns rows inserted.
    """
    tmp = f"_import_{table}"
    cols = ", ".join(columns)
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    conn.exec_driver_sql(f"TRUNCATE {tmp}")
    copy_in(conn, f"COPY {tmp} ({cols}) FROM STDIN", chunks)
    result = conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {tmp} ON CONFLICT DO NOTHING")
    return max(result.rowcount, 0)
