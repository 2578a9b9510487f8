"""A small code location for tests/deploy/test_code_location_reload.py: one job that sleeps (a run
in flight across the switch) and one job whose name carries LOCATION_VERSION (which server is loaded)."""

import os
import time

from dagster import Definitions, job, op

VERSION = os.environ.get("LOCATION_VERSION", "0")


@op
def take_a_while() -> None:
    time.sleep(float(os.environ.get("LOCATION_RUN_SECONDS", "6")))


@job
def in_flight() -> None:
    take_a_while()


@op
def noop() -> None:
    pass


@job(name=f"version_{VERSION}")
def version_marker() -> None:
    noop()


defs = Definitions(jobs=[in_flight, version_marker])
