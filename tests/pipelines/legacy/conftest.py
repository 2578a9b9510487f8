"""Legacy-contract fixtures: blocking AptitudeTestQueries on the contract database (tests/pipelines/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from legacy_support import url_of
from sqlalchemy import Engine


@pytest.fixture()
def queries(contract_engine: Engine) -> Iterator[Any]:
    from aptichat_pipelines.legacy.queries import AptitudeTestQueries

    with AptitudeTestQueries(url_of(contract_engine), pool_size=2).sync() as q:
        yield q
