"""The Grafana dashboard and the metric table in docs/operations.md stay aligned with the metrics the
API really registers, and the ETL panels' SQL names real chat_etl_jobs columns."""

from __future__ import annotations

import json
import re

from .conftest import REPO

DASHBOARD = REPO / "deploy" / "grafana" / "aptichat-dashboard.json"


def documented() -> dict[str, str]:
    """metric name -> status column (live / proposed) of the table in docs/operations.md."""
    rows = re.findall(r"^\| `(aptichat_[a-z_]+)` \|.*\| (\w+) \|$", (REPO / "docs" / "operations.md").read_text(), re.M)
    return dict(rows)


def test_dashboard_metrics_are_documented_and_live_ones_exist() -> None:
    import aptichat_api.blueprints.health  # noqa: F401 - registers the cache gauge
    from aptichat_api import metrics

    registered = set(metrics.REGISTRY._metrics)
    table = documented()
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t.get("expr", "") for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {re.sub(r"_(bucket|sum|count)$", "", m) for e in exprs for m in re.findall(r"aptichat_[a-z_]+", e)}
    assert used, "no Prometheus queries in the dashboard"
    assert used <= set(table), f"dashboard uses undocumented metrics {used - set(table)}"
    live = {name for name, status in table.items() if status == "live"}
    assert live <= registered, f"documented as live but not registered by the API: {live - registered}"
    assert registered <= set(table), f"API metrics missing from docs/operations.md: {registered - set(table)}"


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
