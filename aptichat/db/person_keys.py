"""Pseudonymous partition keys: the only name Dagster's storage ever holds for a person.

Dagster keeps runs, run tags, event logs and compute logs forever, and open-source Dagster cannot wipe
one partition's history. So the `users` dynamic partition of a person is keyed by a random, opaque
key (`p_` + 20 hex digits, not derived from the id) mapped to the user id in chat_person_keys. Every
path that plans a run gets or creates the key (`ensure`, inside the claiming transaction, under the
person's erasure lock); the assets map keys back (`users_of`, one query per run) and skip a key that
maps to nobody. Erasure deletes the row (`forget`), after which what Dagster keeps names nobody; the
code location's cleanup sensor then deletes the orphaned dynamic partition (`orphans`).
Run keys are opaque as well (`run_key_digest`): a keyed digest of the sessions or jobs they cover;
the completion sensor's cursor holds its session id sealed (`seal`/`unseal`: deterministic AES-SIV
with a key derived from the install's salt), since Dagster keeps every tick's cursor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from aptichat.db.models import ChatPersonKey

KEY_PATTERN = re.compile(r"^p_[0-9a-f]{20}$")


def new_key() -> str:
    return "p_" + secrets.token_hex(10)


def is_person_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def ensure(conn: Connection | Session, user_ids: Iterable[str]) -> dict[str, str]:
    """The partition key of each person (user id -> key), created for people who have none, in the
    caller's transaction (the caller holds each person's erasure lock, so an erasure that commits
    first was seen, and one that commits later deletes the row)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    conn.execute(
        insert(ChatPersonKey)
        .values([{"user_id": u, "partition_key": new_key()} for u in wanted])
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    rows = conn.execute(
        select(ChatPersonKey.user_id, ChatPersonKey.partition_key).where(ChatPersonKey.user_id.in_(wanted))
    ).all()
    return {u: k for u, k in rows}


def ensure_keys(engine: Engine, user_ids: Iterable[str]) -> dict[str, str]:
    """`ensure` in a transaction of its own (tests, benchmarks, tooling that plans runs by hand)."""
    with engine.begin() as conn:
        return ensure(conn, user_ids)


def keys_of(engine: Engine | Connection, user_ids: Iterable[str]) -> dict[str, str]:
    """The existing keys of these people (user id -> key); a person without one is absent."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    stmt = select(ChatPersonKey.user_id, ChatPersonKey.partition_key).where(ChatPersonKey.user_id.in_(wanted))
    if isinstance(engine, Connection):
        return {u: k for u, k in engine.execute(stmt).all()}
    with engine.connect() as conn:
        return {u: k for u, k in conn.execute(stmt).all()}


def users_of(engine: Engine, keys: Iterable[str]) -> dict[str, str]:
    """The person behind each partition key (key -> user id), in one query; a key of an erased person
    (no row) is absent."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(ChatPersonKey.partition_key, ChatPersonKey.user_id).where(ChatPersonKey.partition_key.in_(wanted))
        ).all()
    return {k: u for k, u in rows}


def forget(conn: Connection | Session, user_id: str) -> str | None:
    """Delete the person's key (erasure); returns the key that no longer names anyone."""
    return conn.execute(
        delete(ChatPersonKey).where(ChatPersonKey.user_id == user_id).returning(ChatPersonKey.partition_key)
    ).scalar_one_or_none()


def orphans(engine: Engine, keys: Iterable[str]) -> list[str]:
    """The partition keys among `keys` that map to nobody: an erased person's key, or a key from before
    pseudonyms (a user id) on an upgraded install."""
    keys = list(keys)
    mapped = users_of(engine, keys)
    return sorted(k for k in keys if k not in mapped)


def _salt(salt: str | None) -> str:
    if salt is None:
        from aptichat.db.erasure import _process_salt

        return _process_salt()
    return salt


def seal(text: str, salt: str | None = None) -> str:
    """`text` encrypted for Dagster's storage (deterministic: the same text seals the same way, so a
    repeated tick gives the same cursor), readable again only with the install's salt."""
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    key = hmac.new(_salt(salt).encode(), b"aptichat:seal", hashlib.sha512).digest()
    return "x_" + base64.urlsafe_b64encode(AESSIV(key).encrypt(text.encode(), None)).decode().rstrip("=")


def unseal(token: str, salt: str | None = None) -> str:
    """The text `seal` sealed (a value without the `x_` mark is returned as it is: an older cursor)."""
    if not token.startswith("x_"):
        return token
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    key = hmac.new(_salt(salt).encode(), b"aptichat:seal", hashlib.sha512).digest()
    raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4))
    return AESSIV(key).decrypt(raw, None).decode()


def run_key_digest(key: str, salt: str | None = None) -> str:
    """An opaque run key for the work `key` names (a session id, `job:<id>`, a batch): a keyed digest
    with the install's salt, stable across ticks, testable against a session id only with the salt."""
    return "r_" + hmac.new(_salt(salt).encode(), f"run:{key}".encode(), hashlib.sha256).hexdigest()[:24]
