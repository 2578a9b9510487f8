"""The `aptichat legacy` and `aptichat catalog` command groups (loaded lazily by aptichat.cli).

Every command prints one JSON report, so scripts and the platform runner can read the counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


def _echo(report: object) -> None:
    click.echo(json.dumps(report, default=str))


@click.group()
def legacy() -> None:
    """The legacy aptitude-test database: init, seed, simulate, import."""


@legacy.command()
def init() -> None:
    """Create the legacy tables, our instruments and norms, and the starter catalog when empty."""
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    _echo(init_legacy())


@legacy.command()
@click.option("--users", "n_users", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", "seed_value", type=int, default=42, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has test takers.")
@click.option("--replace", is_flag=True, help="Delete this seed's people first, then write them again.")
def seed(n_users: int, seed_value: int, if_empty: bool, replace: bool) -> None:
    """Write a deterministic synthetic population (ids u<seed>-<n>)."""
    from aptichat_pipelines.legacy_sim.population import seed as run_seed

    _echo(run_seed(n_users, seed_value, if_empty=if_empty, replace=replace).as_dict())


@legacy.command()
@click.option("--rate", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Tests per second.")
@click.option("--duration", type=click.FloatRange(min=0), default=None, help="Seconds (default: until Ctrl-C).")
def simulate(rate: float, duration: float | None) -> None:
    """Keep completing new tests so a watching sensor sees the pipeline react."""
    from aptichat_pipelines.legacy_sim.population import simulate as run_simulate

    def show(user_id: str, session_id: str) -> None:
        click.echo(json.dumps({"completed": session_id, "user": user_id}))

    try:
        written = run_simulate(rate, duration, on_session=show)
    except KeyboardInterrupt:
        written = -1
    _echo({"tests_written": written} if written >= 0 else {"stopped": True})


@legacy.command()
def status() -> None:
    """Counts of the legacy tables."""
    from sqlalchemy import text

    from aptichat.db.engine import get_legacy_engine

    tables = ("test_takers", "test_sessions", "responses", "instruments", "items", "norms", "jobs", "majors")
    with get_legacy_engine().connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('test_takers') IS NOT NULL")).scalar_one()
        if not exists:
            raise click.ClickException("the legacy schema does not exist: run `aptichat legacy init`")
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
        counts["sessions_by_status"] = dict(
            conn.execute(text("SELECT status, count(*) FROM test_sessions GROUP BY status")).all()  # type: ignore[arg-type]
        )
    _echo(counts)


@legacy.group(name="import")
def import_() -> None:
    """Import real test data (Open Psychometrics formats)."""


@import_.command("openpsychometrics-riasec")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id-prefix", default="opsy-riasec", show_default=True)
def import_riasec(file: Path, id_prefix: str) -> None:
    """Import the RIASEC interest test format (e.g. holland_us_sample.tsv)."""
    from aptichat_pipelines.legacy_sim.importers import import_openpsychometrics_riasec

    _echo(import_openpsychometrics_riasec(file, id_prefix=id_prefix).as_dict())


@import_.command("openpsychometrics-big5")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id-prefix", default="opsy-big5", show_default=True)
def import_big5(file: Path, id_prefix: str) -> None:
    """Import the BIG5 (IPIP 50 items) format (data.csv, tab-separated)."""
    from aptichat_pipelines.legacy_sim.importers import import_openpsychometrics_big5

    _echo(import_openpsychometrics_big5(file, id_prefix=id_prefix).as_dict())


@click.group()
def catalog() -> None:
    """Import real job and major catalogs (O*NET, CIP) into the legacy database."""


def _engine():  # type: ignore[no-untyped-def]
    from aptichat.db.engine import get_legacy_engine
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    engine = get_legacy_engine()
    init_legacy(engine, load_catalog=False)
    return engine


@catalog.command("import-onet")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--keep-starter", is_flag=True, help="Keep the starter jobs beside the O*NET ones.")
def import_onet_cmd(directory: Path, keep_starter: bool) -> None:
    """Import O*NET occupations (Occupation Data, Interests, Job Zones, Task Statements, ...)."""
    from aptichat_pipelines.catalog.onet import import_onet

    _echo(import_onet(directory, _engine(), keep_starter=keep_starter))


@catalog.command("import-cip")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--keep-starter", is_flag=True, help="Keep the starter majors beside the CIP ones.")
def import_cip_cmd(directory: Path, keep_starter: bool) -> None:
    """Import CIP 2020 programs as majors (CIPCode2020.csv + CIP2020_SOC2018_Crosswalk.csv; O*NET first)."""
    from aptichat_pipelines.catalog.cip import CatalogOrderError, import_cip

    try:
        _echo(import_cip(directory, _engine(), keep_starter=keep_starter))
    except CatalogOrderError as error:
        raise click.ClickException(str(error)) from error


@catalog.command("load-starter")
@click.option("--force", is_flag=True, help="Write the starter rows even when the tables are not empty.")
def load_starter(force: bool) -> None:
    """Load our starter catalog (75 jobs, 38 majors) into empty job/major tables."""
    from aptichat_pipelines.catalog.starter import load_starter_catalog

    _echo(load_starter_catalog(_engine(), force=force))
