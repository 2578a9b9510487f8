"""Dagster's QueuedRunCoordinator plus the one daemon timing Dagster 1.13 has no setting for: how often
the backfill daemon looks at backfills (dagster_home/dagster.yaml, docs/pipeline.md).

Dagster's backfill daemon sleeps a hard-coded 30 s (`dagster._daemon.controller.DEFAULT_DAEMON_INTERVAL_SECONDS`)
between iterations. A launched backfill waits for the next iteration to create its runs, and a finished
one for the next to be marked completed: 0-30 s each, measured 13 s of pick-up on a 40-person backfill
whose two runs took 97 s (benchmarks/etl.py, backfill mode). The daemon process builds the instance, and
so this coordinator, before its daemon threads start; `backfill_daemon_interval_seconds` sets the
constant there, which the backfill loop reads when it starts. An iteration that takes longer than the
interval is followed by the next at once, as with Dagster's own 30 s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

from dagster import Field, IntSource
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._serdes import ConfigurableClassData

logger = logging.getLogger(__name__)

INTERVAL_KEY = "backfill_daemon_interval_seconds"


def set_backfill_daemon_interval(seconds: int) -> bool:
    """Make the backfill daemon's loop sleep `seconds` between iterations; False (logged) when this
    Dagster has no such constant any more, which leaves Dagster's own interval."""
    from dagster._daemon import controller

    if not isinstance(getattr(controller, "DEFAULT_DAEMON_INTERVAL_SECONDS", None), int):
        logger.warning("this Dagster has no DEFAULT_DAEMON_INTERVAL_SECONDS: the backfill daemon keeps its interval")
        return False
    controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds  # type: ignore[misc]
    return True


class AptiChatRunCoordinator(QueuedRunCoordinator):
    """The queued run coordinator, configured as Dagster's, plus `backfill_daemon_interval_seconds`."""

    def __init__(self, backfill_daemon_interval_seconds: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backfill_daemon_interval_seconds = backfill_daemon_interval_seconds
        if backfill_daemon_interval_seconds:
            set_backfill_daemon_interval(backfill_daemon_interval_seconds)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            **QueuedRunCoordinator.config_type(),  # type: ignore[dict-item]
            INTERVAL_KEY: Field(
                IntSource,
                is_required=False,
                description="Seconds between the backfill daemon's iterations (Dagster's: 30).",
            ),
        }

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]) -> Self:
        queue = {key: value for key, value in config_value.items() if key != INTERVAL_KEY}
        return cls(inst_data=inst_data, backfill_daemon_interval_seconds=config_value.get(INTERVAL_KEY), **queue)
