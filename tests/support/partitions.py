"""Dagster partitions of people as the pipeline names them: a pseudonymous key per person
(aptichat.db.person_keys), never the user id."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import DagsterInstance
from sqlalchemy import Engine

from aptichat.db import person_keys


def person_partitions(engine: Engine, instance: DagsterInstance | None, users: Sequence[str]) -> dict[str, str]:
    """Each person's partition key (user id -> key), created when missing, and their partitions added
    to `instance` in the order of `users` (so a range over them is contiguous)."""
    keys = person_keys.ensure_keys(engine, users)
    if instance is not None:
        instance.add_dynamic_partitions("users", [keys[u] for u in users])
    return keys


def person_key(engine: Engine, instance: DagsterInstance | None, user: str) -> str:
    """One person's partition key (see person_partitions)."""
    return person_partitions(engine, instance, [user])[user]
