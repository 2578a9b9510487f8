"""The erasure ledger: who was erased (a keyed hash, never the id) and when, checked by every writer.

`DELETE /users/{id}` records an entry in chat_erasures inside the erasure's transaction and appends
it to APTICHAT_HOME/erasures.ledger. Every path that could write a person back checks the ledger
inside its own write transaction, under the person's advisory lock (writers take it shared, the
erasure exclusive, so an erasure and a write of the same person never interleave):

- a session (sensor or webhook) completed at or before the person's latest erasure is skipped; a
  test completed after it starts fresh;
- the document store refuses a write for a person erased after the run began;
- a reprocess of an erased person (no user row since) is refused (`PersonErased`).

`aptichat backup restore` re-applies the entries the backup does not hold (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, exists, func, insert, select, text
from sqlalchemy.orm import Session

from aptichat.db.models import ChatErasure, ChatUser

LEDGER_FILE = "erasures.ledger"


class PersonErased(Exception):
    """A write for a person the ledger says was erased (after the work it belongs to began)."""

    code = "user_erased"


@dataclass(frozen=True, order=True)
class Entry:
    """One erasure: the person's keyed hash and when (no personal data)."""

    person_hash: str
    erased_at: datetime

    def to_line(self) -> str:
        return json.dumps({"person_hash": self.person_hash, "erased_at": self.erased_at.isoformat()})

    @classmethod
    def from_line(cls, line: str) -> Entry:
        data = json.loads(line)
        return cls(str(data["person_hash"]), datetime.fromisoformat(data["erased_at"]))


def person_hash(user_id: str, salt: str | None = None) -> str:
    """HMAC-SHA256 of the user id keyed with the install's salt (APTICHAT_LOG_USER_SALT), in hex:
    equal for the same person, not reversible or testable against candidate ids without the salt."""
    if salt is None:
        salt = _process_salt()
    return hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def _process_salt() -> str:
    """The salt this process hashes users with (create_app sets it from its Settings, as for logs)."""
    from aptichat import logs
    from aptichat.secrets import user_salt
    from aptichat.settings import get_settings

    return logs._salt or user_salt(get_settings())


def lock_person(conn: Connection | Session, user_id: str, *, exclusive: bool = False) -> None:
    """The person's transaction-level advisory lock: shared for writers, exclusive for the erasure."""
    fn = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    conn.execute(select(fn(func.hashtextextended(f"aptichat:person:{user_id}", 0))))


def lock_people(conn: Connection | Session, user_ids: Iterable[str]) -> None:
    """Each person's shared lock (as lock_person), in user id order, in one statement: a batch's writer."""
    ordered = sorted(set(user_ids))
    if ordered:
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock_shared(hashtextextended(k, 0))"
                " FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS t(k, n) ORDER BY n"
            ),
            {"keys": [f"aptichat:person:{u}" for u in ordered]},
        )


def latest_erasures(conn: Connection | Session, user_ids: Iterable[str]) -> dict[str, datetime]:
    """When each of these people was last erased (those never erased are absent), in one query."""
    by_hash = {person_hash(u): u for u in set(user_ids)}
    if not by_hash:
        return {}
    rows = conn.execute(
        select(ChatErasure.person_hash, func.max(ChatErasure.erased_at))
        .where(ChatErasure.person_hash.in_(list(by_hash)))
        .group_by(ChatErasure.person_hash)
    ).all()
    return {by_hash[h]: at for h, at in rows}


def latest_erasure(conn: Connection | Session, user_id: str, salt: str | None = None) -> datetime | None:
    """When the person was last erased, or None."""
    return conn.execute(
        select(func.max(ChatErasure.erased_at)).where(ChatErasure.person_hash == person_hash(user_id, salt))
    ).scalar()


def erased_after(conn: Connection | Session, user_id: str, moment: datetime) -> bool:
    """Was the person erased at or after `moment` (a session's completion, a run's start)? Work that
    began before an erasure must not write the person back; work that began after it is a fresh start."""
    erased = latest_erasure(conn, user_id)
    return erased is not None and erased >= moment


def refuses_reprocess(conn: Connection | Session, user_id: str) -> bool:
    """An erased person who has not come back (no user row since): nothing to reprocess."""
    if latest_erasure(conn, user_id) is None:
        return False
    return not conn.execute(select(exists().where(ChatUser.user_id == user_id))).scalar()


def record(
    conn: Connection | Session, user_id: str, erased_at: datetime | None = None, salt: str | None = None
) -> Entry:
    """Add the ledger entry (in the caller's transaction); `erased_at` defaults to the transaction's time."""
    values: dict[str, Any] = {"person_hash": person_hash(user_id, salt)}
    if erased_at is not None:
        values["erased_at"] = erased_at
    row = conn.execute(
        insert(ChatErasure).values(**values).returning(ChatErasure.person_hash, ChatErasure.erased_at)
    ).one()
    return Entry(row.person_hash, row.erased_at)


def entries(conn: Connection | Session) -> set[Entry]:
    return {Entry(h, at) for h, at in conn.execute(select(ChatErasure.person_hash, ChatErasure.erased_at)).all()}


def append_to_file(home: Path, entry: Entry) -> None:
    """Append the entry to APTICHAT_HOME/erasures.ledger (append-only, fsynced): the copy that survives
    a restore into an empty database."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LEDGER_FILE
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (entry.to_line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_file(home: Path) -> set[Entry]:
    """The entries of APTICHAT_HOME/erasures.ledger (or of a ledger file given by its own path)."""
    path = home if home.is_file() else home / LEDGER_FILE
    if not path.exists():
        return set()
    return {Entry.from_line(line) for line in path.read_text().splitlines() if line.strip()}


def hashes(entries_: Iterable[Entry]) -> set[str]:
    return {e.person_hash for e in entries_}
