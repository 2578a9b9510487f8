"""`aptichat config docs`: the tables of docs/configuration.md, generated from the declarations in
`aptichat.settings`. The prose around them is written by hand; each table sits between
`<!-- settings: <section> -->` and `<!-- /settings -->` and is replaced whole."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
from pydantic.fields import FieldInfo

from aptichat.settings import SECTIONS, Settings, env_name

DOC = Path("docs") / "configuration.md"
BLOCK = re.compile(r"(<!-- settings: (?P<section>[^>]+?) -->\n).*?(<!-- /settings -->)", re.DOTALL)
HEADER = "| Variable | Setting | Default | Meaning |\n| --- | --- | --- | --- |\n"


def _default(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "shown" in extra:
        return str(extra["shown"])
    value: Any = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def section_of(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("section", ""))


def table(section: str) -> str:
    """The markdown table of one section's settings, in declaration order."""
    rows = [
        f"| `{env_name(name)}` | `{name}` | {_default(field)} | {field.description} |\n"
        for name, field in Settings.model_fields.items()
        if section_of(field) == section
    ]
    if not rows:
        raise ValueError(f"no setting is in section {section!r} (sections: {', '.join(SECTIONS)})")
    return HEADER + "".join(rows)


def render(text: str) -> str:
    """`text` with every settings table regenerated; every section must have exactly one table."""
    found = [m.group("section") for m in BLOCK.finditer(text)]
    if sorted(found) != sorted(SECTIONS):
        raise ValueError(f"docs must hold one settings table per section {list(SECTIONS)}, found {found}")
    return BLOCK.sub(lambda m: m.group(1) + table(m.group("section")) + m.group(3), text)


@click.group()
def config() -> None:
    """The settings (aptichat/settings.py) and their documentation."""


@config.command()
@click.option("--path", type=click.Path(path_type=Path, dir_okay=False), default=DOC, show_default=True)
@click.option("--check", is_flag=True, help="Fail if the file is out of date instead of writing it.")
def docs(path: Path, check: bool) -> None:
    """Regenerate the settings tables of docs/configuration.md from the declarations."""
    current = path.read_text()
    fresh = render(current)
    if fresh == current:
        click.echo(f"{path} is up to date")
    elif check:
        raise click.ClickException(f"{path} differs from aptichat/settings.py: run `aptichat config docs`")
    else:
        path.write_text(fresh)
        click.echo(f"{path} regenerated")
