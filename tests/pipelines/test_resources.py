"""Resources: one legacy client (event loop + pool) per run or tick, closed when Dagster tears it down."""

from __future__ import annotations

from typing import Any

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context
from sqlalchemy import Engine

from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries
from aptichat_pipelines.resources import EtlBatching, LegacyDatabase
from aptichat_pipelines.sensors import catalog_change_sensor


@pytest.fixture()
def opened(monkeypatch: pytest.MonkeyPatch) -> list[SyncAptitudeTestQueries]:
    """Every legacy client the resource opens."""
    clients: list[SyncAptitudeTestQueries] = []
    original = LegacyDatabase._open

    def counting(self: LegacyDatabase) -> SyncAptitudeTestQueries:
        client = original(self)
        clients.append(client)
        return client

    monkeypatch.setattr(LegacyDatabase, "_open", counting)
    return clients


def test_a_tick_shares_one_client_and_closes_it(
    legacy_engine: Engine, dagster_instance: DagsterInstance, opened: list[Any]
) -> None:
    with build_sensor_context(instance=dagster_instance, resources={"legacy": LegacyDatabase()}) as context:
        result = catalog_change_sensor(context)  # reads the job and the major catalog: two queries
        assert isinstance(result, SensorResult)
        assert len(opened) == 1 and not opened[0]._loop.is_closed()
    assert len(opened) == 1 and opened[0]._loop.is_closed()


def test_outside_dagster_each_call_opens_and_closes_its_own(legacy_engine: Engine, opened: list[Any]) -> None:
    legacy = LegacyDatabase()
    assert legacy.catalog_jobs() and legacy.catalog_majors()
    assert len(opened) == 2 and all(client._loop.is_closed() for client in opened)


def test_batching_falls_back_to_the_settings_when_unset(settings: Any) -> None:
    assert EtlBatching().sessions_per_tick() == settings.sensor_max_per_tick
    assert EtlBatching().run_size() == settings.users_per_run
    assert EtlBatching(max_sessions_per_tick=3, users_per_run=2).sessions_per_tick() == 3
    assert EtlBatching(max_sessions_per_tick=3, users_per_run=2).run_size() == 2
