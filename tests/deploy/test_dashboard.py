"""The Grafana dashboard (provisioned by the compose `monitoring` profile) queries series the API really
exports: every metric each panel's PromQL names has samples on a real /metrics after traffic (or comes
from one of the profile's exporters); the metric table in docs/operations.md matches what /metrics
serves; and the ETL panels' SQL names real chat_etl_jobs columns."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import Engine

from aptichat.settings import Settings

from .conftest import REPO
from .live_metrics import EXPORTERS, Scrape, scrape_after_traffic, series_names

MONITORING = REPO / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "aptichat.json"
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def documented() -> dict[str, str]:
    """metric name -> status column (live / proposed) of the table in docs/operations.md."""
    rows = re.findall(r"^\| `(aptichat_[a-z_]+)` \|.*\| (\w+) \|$", (REPO / "docs" / "operations.md").read_text(), re.M)
    return dict(rows)


def family_of(series: str, scrape: Scrape) -> str:
    """The family a sample name belongs to (histogram suffixes dropped for histogram families)."""
    base = HISTOGRAM_SUFFIX.sub("", series)
    return base if scrape.families.get(base) == "histogram" else series


def panel_exprs() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", []) if t.get("expr")]


@pytest.fixture(scope="module")
def scrape(engine: Engine, settings: Settings) -> Scrape:
    return scrape_after_traffic(engine, settings)


def test_every_panel_queries_series_that_exist_after_traffic(scrape: Scrape) -> None:
    exprs = panel_exprs()
    assert len(exprs) >= 20, "the dashboard lost its Prometheus panels"
    for title, expr in exprs:
        names = series_names(expr)
        assert names, f"{title}: no metric in {expr!r}"
        for name in names:
            if name in EXPORTERS:
                continue
            assert name.startswith("aptichat_"), f"{title}: {name} is neither ours nor an exporter's"
            assert scrape.samples.get(name), f"{title}: {name} has no sample on /metrics after traffic"


def test_metric_table_in_the_docs_matches_metrics(scrape: Scrape) -> None:
    served = {name for name in scrape.families if name.startswith("aptichat_")}  # counters end in _total
    table = documented()
    used = {family_of(n, scrape) for _, e in panel_exprs() for n in series_names(e) if n.startswith("aptichat_")}
    assert used <= set(table), f"dashboard uses undocumented metrics {used - set(table)}"
    live = {name for name, status in table.items() if status == "live"}
    assert live <= served, f"documented as live but not served by /metrics: {live - served}"
    assert served <= set(table), f"/metrics serves metrics missing from docs/operations.md: {served - set(table)}"


def test_prometheus_datasource_and_provisioning_line_up() -> None:
    import yaml

    dashboard = json.loads(DASHBOARD.read_text())
    sources = yaml.safe_load((MONITORING / "grafana" / "provisioning" / "datasources" / "datasources.yml").read_text())
    types = {s["type"] for s in sources["datasources"]}
    variables = {v["name"]: v["query"] for v in dashboard["templating"]["list"] if v["type"] == "datasource"}
    assert set(variables.values()) <= types, f"the dashboard needs data sources {set(variables.values()) - types}"
    for panel in dashboard["panels"]:
        uid = (panel.get("datasource") or {}).get("uid")
        assert uid is None or uid.strip("${}") in variables, f"{panel['title']}: unknown data source {uid}"
    providers = yaml.safe_load((MONITORING / "grafana" / "provisioning" / "dashboards" / "dashboards.yml").read_text())
    (provider,) = providers["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_etl_panels_query_real_columns() -> None:
    from aptichat.db.models import ChatEtlJob

    columns = set(ChatEtlJob.__table__.columns.keys())
    dashboard = json.loads(DASHBOARD.read_text())
    sqls = [t["rawSql"] for p in dashboard["panels"] for t in p.get("targets", []) if "rawSql" in t]
    assert sqls
    for query in sqls:
        assert "chat_etl_jobs" in query
        for name in re.findall(r"\b(status|\w+_at)\b", query):
            assert name in columns, f"{name} is not a chat_etl_jobs column"
    assert all(p["gridPos"]["w"] <= 24 for p in dashboard["panels"])
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
