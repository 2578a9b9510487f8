"""Continuous delivery: the blue-green switch's --dry-run prints the real plan and changes nothing (local
and compose backends, through the CLI the CD workflow calls), and the workflow itself is wired as
docs/deployment.md says (tag trigger, image push, dry run before the switch, secrets from an
environment)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from aptichat.deploy.bluegreen import cli, render_upstream

from .conftest import REPO

CD = REPO / ".github" / "workflows" / "cd.yml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_local_dry_run_prints_the_plan_and_touches_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "active-upstream.conf").write_text(render_upstream("blue", "127.0.0.1:8001"))
    (state / "api-blue.pid").write_text(str(os.getpid()))  # a colour "running": must not be signalled
    before = snapshot(tmp_path)
    args = ["--state-dir", str(state), "--check-cmd", "nginx -t", "--reload-cmd", "nginx -s reload"]
    result = CliRunner().invoke(cli, [*args, "--dry-run", "deploy"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "active: blue; deploying to green" in out
    assert "would start green:" in out and "--port 8002" in out
    assert "would wait up to 180s for 200 from http://127.0.0.1:8002/readyz" in out
    assert "active=green" in out and "server 127.0.0.1:8002;" in out  # the include it would write
    assert "would run: nginx -t" in out and "would run: nginx -s reload" in out
    assert "would switch proxy: blue -> green" in out
    # In plan order: start, wait, write, check, reload.
    order = ["would start green", "would wait", "would write", "would run: nginx -t", "would run: nginx -s reload"]
    assert [out.index(s) for s in order] == sorted(out.index(s) for s in order)
    assert snapshot(tmp_path) == before  # no pid file, no log, no include change, no history.jsonl

    rollback = CliRunner().invoke(cli, [*args, "--dry-run", "rollback"])
    assert rollback.exit_code == 0 and "would switch proxy: blue -> green" in rollback.output
    retire = CliRunner().invoke(cli, [*args, "--dry-run", "retire"])
    assert retire.exit_code == 0 and "would" not in retire.output  # green has no pid file: nothing to stop
    assert snapshot(tmp_path) == before


def test_dry_run_with_nothing_active_and_no_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "never-created"
    result = CliRunner().invoke(cli, ["--state-dir", str(state), "--dry-run", "deploy"])
    assert result.exit_code == 0, result.output
    assert "active: none; deploying to blue" in result.output
    assert not state.exists()


def fake_compose(tmp_path: Path, active: str) -> tuple[str, Path]:
    """A `docker compose` stand-in that records each call and answers `exec proxy cat` with an include."""
    calls = tmp_path / "calls.jsonl"
    script = tmp_path / "fake-compose"
    include = render_upstream(active, f"api-{active}:8000")
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"if 'cat' in sys.argv: print({include!r})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), calls


def test_compose_dry_run_only_reads(tmp_path: Path) -> None:
    compose, calls = fake_compose(tmp_path, "green")
    env_file = tmp_path / ".env.production"
    env_file.write_text("API_BLUE_TAG=0.1.0\nAPI_BLUE_PORT=8101\n")
    before = env_file.read_text()
    base = ["--mode", "compose", "--env-file", str(env_file), "--compose", compose, "--state-dir", str(tmp_path / "s")]
    result = CliRunner().invoke(cli, [*base, "--dry-run", "deploy", "--tag", "0.2.0"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "active: green; deploying to blue" in out
    assert f"would set API_BLUE_TAG=0.2.0 in {env_file}" in out
    # the expand migration runs with the new image (the idle colour's service), before that colour starts
    migrate = "run --rm --no-deps api-blue aptichat db upgrade"
    assert migrate in out and "up -d --no-deps --force-recreate api-blue" in out
    assert out.index("API_BLUE_TAG=0.2.0") < out.index(migrate) < out.index("--force-recreate api-blue")
    assert "would wait up to 180s for 200 from http://127.0.0.1:8101/readyz" in out
    assert "exec -T proxy sh -c" in out and "nginx -t && nginx -s reload" in out and "server api-blue:8000;" in out
    assert env_file.read_text() == before and not (tmp_path / "s").exists()
    made = [json.loads(line) for line in calls.read_text().splitlines()]
    assert made and all(call[-4:] == ["exec", "-T", "proxy", "cat"] or "cat" in call for call in made)
    assert all("up" not in call and "run" not in call for call in made)  # only reads of the include


def test_the_cd_workflow_builds_pushes_then_dry_runs_then_switches() -> None:
    workflow = yaml.safe_load(CD.read_text())
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` as True
    assert on["push"]["tags"], "CD runs on a version tag"
    jobs = workflow["jobs"]
    images = jobs["images"]
    targets = {entry["target"] for entry in images["strategy"]["matrix"]["include"]}
    assert targets == {"api", "dagster", "code", "proxy"}  # every image CI builds
    build = next(s for s in images["steps"] if "docker/build-push-action" in s.get("uses", ""))
    assert build["with"]["push"] is True and "${{ steps.meta.outputs.tags }}" in build["with"]["tags"]
    login = next(s for s in images["steps"] if "docker/login-action" in s.get("uses", ""))
    assert "secrets." in json.dumps(login["with"]) or "GITHUB_TOKEN" in json.dumps(login["with"])
    deploy = jobs["deploy"]
    assert deploy["needs"] == "images" or "images" in deploy["needs"]
    assert deploy["environment"]["name"] == "production"  # the target's secrets live in this environment
    runs = [s.get("run", "") for s in deploy["steps"]]
    dry = next(i for i, r in enumerate(runs) if "--dry-run deploy" in r)
    real = next(i for i, r in enumerate(runs) if "deploy --tag" in r and "--dry-run" not in r)
    assert dry < real
    text = CD.read_text()
    for secret in ("DEPLOY_HOST", "DEPLOY_USER", "DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS", "DEPLOY_PATH"):
        assert f"secrets.{secret}" in text, secret
        assert secret in (REPO / "docs" / "deployment.md").read_text(), f"{secret} is documented"
