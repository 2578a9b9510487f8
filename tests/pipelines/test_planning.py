"""Batching rules of the sensors, without a Dagster instance."""

from __future__ import annotations

import pytest

from aptichat_pipelines.planning import WorkItem, batch_run_key, plan_runs


def items(*pairs: tuple[str, str]) -> list[WorkItem]:
    return [WorkItem(key, user) for key, user in pairs]


def test_a_single_new_user_runs_alone_keyed_by_its_session() -> None:
    plan = plan_runs(items(("s1", "u1")), existing_partitions=set(), batch_size=50)
    assert plan.new_partitions == ["u1"]
    assert [(r.run_key, r.partition_keys) for r in plan.runs] == [("s1", ("u1",))]


def test_many_new_users_are_batched_in_contiguous_ranges_of_the_batch_size() -> None:
    work = items(*[(f"s{i:03d}", f"u{i:03d}") for i in range(120)])
    plan = plan_runs(work, existing_partitions=set(), batch_size=50)
    assert plan.new_partitions == [f"u{i:03d}" for i in range(120)]
    assert [len(r.partition_keys) for r in plan.runs] == [50, 50, 20]
    # the ranges tile the new partitions in order, so each is contiguous in the dynamic partition order
    assert [k for r in plan.runs for k in r.partition_keys] == plan.new_partitions
    assert len({r.run_key for r in plan.runs}) == 3


def test_a_retake_by_a_known_user_gets_its_own_run_and_adds_no_partition() -> None:
    plan = plan_runs(items(("s1", "u1"), ("s2", "new")), existing_partitions={"u1"}, batch_size=50)
    assert plan.new_partitions == ["new"]
    assert {r.partition_keys: r.run_key for r in plan.runs} == {("u1",): "s1", ("new",): "s2"}


def test_two_sessions_of_one_user_in_one_tick_make_one_run_covering_both() -> None:
    plan = plan_runs(items(("s1", "u1"), ("s2", "u1")), existing_partitions=set(), batch_size=50)
    assert len(plan.runs) == 1
    assert [i.key for i in plan.runs[0].items] == ["s1", "s2"]
    assert plan.runs[0].run_key == batch_run_key(plan.runs[0].items)


def test_run_keys_are_deterministic_so_a_repeated_tick_launches_nothing_new() -> None:
    work = items(*[(f"s{i}", f"u{i}") for i in range(7)])
    first = plan_runs(work, set(), 3)
    again = plan_runs(work, set(), 3)
    assert [r.run_key for r in first.runs] == [r.run_key for r in again.runs]
    other = plan_runs(items(*[(f"s{i}", f"u{i}") for i in range(1, 8)]), set(), 3)
    assert first.runs[0].run_key != other.runs[0].run_key


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        plan_runs(items(("s", "u")), set(), 0)
