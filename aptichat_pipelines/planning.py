"""Turning newly completed tests (or API requests) into as few Dagster runs as make sense.

Pure functions, so the batching rules are tested without a Dagster instance:
- a user new to the partition set joins a batch with other new users; a batch is a contiguous range of
  partitions added in this tick, so it runs as ONE run over a partition range (BackfillPolicy.single_run);
- a user whose partition already exists (a re-take, a reprocess) gets a run of its own, because its
  key is not contiguous with this tick's new keys;
- every run key is derived from the sessions/jobs it covers, so a repeated tick launches nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkItem:
    """One unit of requested work: a completed session (sensor) or an ETL job (API)."""

    key: str  # session id, or "job:<id>"
    user_id: str


@dataclass(frozen=True)
class PlannedRun:
    run_key: str
    partition_keys: tuple[str, ...]
    items: tuple[WorkItem, ...]

    @property
    def is_range(self) -> bool:
        return len(self.partition_keys) > 1


@dataclass
class Plan:
    new_partitions: list[str] = field(default_factory=list)
    runs: list[PlannedRun] = field(default_factory=list)


def batch_run_key(items: Sequence[WorkItem]) -> str:
    """A run key naming exactly the work it covers (readable ends + a digest of all of it)."""
    digest = hashlib.sha256("\n".join(sorted(i.key for i in items)).encode()).hexdigest()[:16]
    return f"batch:{items[0].key}..{items[-1].key}:{len(items)}:{digest}"


def plan_runs(items: Sequence[WorkItem], existing_partitions: set[str], batch_size: int) -> Plan:
    """Group work into runs. Items are in arrival order; a user appearing twice in one tick is run
    once (the run reads their latest valid session), keeping all their items on that run."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    by_user: dict[str, list[WorkItem]] = {}
    for item in items:
        by_user.setdefault(item.user_id, []).append(item)

    plan = Plan()
    new_users = [u for u in by_user if u not in existing_partitions]
    old_users = [u for u in by_user if u in existing_partitions]
    plan.new_partitions = new_users

    for user in old_users:
        user_items = by_user[user]
        key = user_items[-1].key if len(user_items) == 1 else batch_run_key(user_items)
        plan.runs.append(PlannedRun(run_key=key, partition_keys=(user,), items=tuple(user_items)))

    for start in range(0, len(new_users), batch_size):
        chunk = new_users[start : start + batch_size]
        chunk_items = [i for u in chunk for i in by_user[u]]
        key = chunk_items[0].key if len(chunk_items) == 1 else batch_run_key(chunk_items)
        plan.runs.append(PlannedRun(run_key=key, partition_keys=tuple(chunk), items=tuple(chunk_items)))
    return plan
