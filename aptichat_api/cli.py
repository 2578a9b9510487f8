"""`aptichat token ...` and `aptichat api ...` (loaded lazily by aptichat.cli)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from aptichat.settings import Settings, get_settings


@click.group()
def token() -> None:
    """Create bearer tokens for development and operations."""


@token.command("create")
@click.option("--user", "user_id", required=True, help="The user id (the token's sub).")
@click.option("--role", type=click.Choice(["user", "counsellor", "admin"]), default="user", show_default=True)
@click.option("--ttl", type=click.IntRange(min=1), default=3600, show_default=True, help="Seconds until it expires.")
@click.option(
    "--private-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="RS256 private key (PEM); needed when APTICHAT_JWT_PUBLIC_KEY is set.",
)
@click.option("--kid", default=None, help="Key id put in the header of an RS256 token (for a JWKS).")
def create(user_id: str, role: str, ttl: int, private_key: Path | None, kid: str | None) -> None:
    """Print a signed token: HS256 with the install's secret (APTICHAT_JWT_SECRET, generated under
    APTICHAT_HOME on the embedded default) unless --private-key is given."""
    from aptichat_api.auth import create_token

    settings = checked_settings()
    if settings.jwt_public_key and private_key is None:
        raise click.UsageError("APTICHAT_JWT_PUBLIC_KEY is set, so tokens are RS256: pass --private-key.")
    try:
        token = create_token(settings, user_id, role, ttl, private_key.read_text() if private_key else None, kid)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(token)


def checked_settings() -> Settings:
    """The settings, once the secrets and token keys passed aptichat_api.auth.check_auth_config;
    otherwise exit non-zero with its message (it names the variable)."""
    from aptichat.secrets import UnsafeConfiguration
    from aptichat_api.auth import check_auth_config

    settings = get_settings()
    try:
        check_auth_config(settings)
    except UnsafeConfiguration as exc:
        raise click.ClickException(str(exc)) from exc
    return settings


@click.group()
def api() -> None:
    """Run the HTTP API."""


def gunicorn_argv(host: str, port: int, workers: int, threads: int, timeout: int) -> list[str]:
    """The gunicorn command line: gthread workers, so WebSockets and SSE streams each hold a thread
    (not a whole worker) and long streams are not killed by the worker timeout. No gunicorn access log:
    its lines carry raw paths (user ids); the app writes its own JSON access line (aptichat_api.access)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"{host}:{port}",
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "20",
        # /metrics across workers: the multiprocess directory, emptied at start (gunicorn_conf.py)
        "--config",
        "python:aptichat_api.gunicorn_conf",
        "aptichat_api.wsgi:app",
    ]


@api.command()
@click.option("--host", default=None, help="Default: APTICHAT_API_HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="Default: APTICHAT_API_PORT (8000).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Default: APTICHAT_DB_POOL_SIZE.")
@click.option("--timeout", type=click.IntRange(min=1), default=120, show_default=True)
def serve(host: str | None, port: int | None, workers: int, threads: int | None, timeout: int) -> None:
    """Serve with gunicorn. Each worker's database pool (db_pool_size, plus as much overflow) covers
    its threads, so a thread never waits for a connection another thread holds. Refuses to start with a
    missing or weak secret (the workers would refuse too, less clearly)."""
    settings = checked_settings()
    threads = threads or settings.db_pool_size
    if threads > settings.db_pool_size * 2:
        raise click.UsageError(f"--threads {threads} exceeds the database pool ({settings.db_pool_size} + overflow)")
    argv = gunicorn_argv(host or settings.api_host, port or settings.api_port, workers, threads, timeout)
    click.echo(" ".join(argv[1:]), err=True)
    os.execv(argv[0], argv)


@api.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
def dev(host: str | None, port: int | None) -> None:
    """Flask's development server with reload, on APTICHAT_API_HOST:APTICHAT_API_PORT."""
    from aptichat_api.app import create_app

    settings = checked_settings()
    create_app().run(host=host or settings.api_host, port=port or settings.api_port, debug=True, threaded=True)


@click.group()
def signin() -> None:
    """One-time sign-in links for the browser (aptichat_api.sessions)."""


def base_url(settings: Settings) -> str:
    """Where the chat page is served: the API's host and port (a wildcard address as loopback)."""
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::", "") else settings.api_host
    return f"http://{host}:{settings.api_port}"


def signin_link(
    settings: Settings,
    *,
    user_id: str | None = None,
    staff_id: str | None = None,
    role: str = "counsellor",
    display_name: str | None = None,
    url: str | None = None,
) -> str:
    """A new one-time sign-in link; a staff account is created (or its role updated) on the way."""
    from aptichat.db.engine import get_engine, session_scope
    from aptichat_api.sessions import create_signin_code, ensure_staff

    with session_scope(get_engine(settings)) as session:
        if staff_id is not None:
            ensure_staff(session, staff_id, role, display_name)
        code = create_signin_code(session, user_id=user_id, staff_id=staff_id)
    return f"{url or base_url(settings)}/#signin={code}"


@signin.command("link")
@click.option("--user", "user_id", default=None, help="A person's user id (a student).")
@click.option("--staff", "staff_id", default=None, help="A staff id (created when new).")
@click.option("--role", type=click.Choice(["counsellor", "admin"]), default="counsellor", show_default=True)
@click.option("--name", "display_name", default=None, help="Display name of a new or updated staff account.")
@click.option("--base-url", "url", default=None, help="Default: http://APTICHAT_API_HOST:APTICHAT_API_PORT.")
def link(user_id: str | None, staff_id: str | None, role: str, display_name: str | None, url: str | None) -> None:
    """Print `<base_url>/#signin=<code>`: a link that signs its holder in once, within 15 minutes. The
    code is in the fragment, so it never reaches a server log; only its hash is stored."""
    from aptichat_api.auth import USER_ID_RE

    if (user_id is None) == (staff_id is None):
        raise click.UsageError("pass exactly one of --user or --staff")
    subject = user_id or staff_id or ""
    if not USER_ID_RE.match(subject):
        raise click.BadParameter("ids are 1..128 characters without control characters")
    settings = checked_settings()
    try:
        click.echo(
            signin_link(settings, user_id=user_id, staff_id=staff_id, role=role, display_name=display_name, url=url)
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


DEMO_COUNSELLOR, DEMO_ADMIN = "demo-counsellor", "demo-admin"
# the platform's demo population (aptichat legacy seed: seed 42, ids u42-<6 digits>)
DEMO_FALLBACK = ("u42-000001", "u42-000002", "u42-000003")


def demo_links(settings: Settings, students: int = 3, url: str | None = None) -> list[tuple[str, str, str]]:
    """Sign-in links for `students` demo people (those with results first, else the demo population's
    first ids, whose results may still be processing), a demo counsellor assigned those students, and
    a demo admin: (who, id, link)."""
    from sqlalchemy import select

    from aptichat.db.engine import get_engine, session_scope
    from aptichat.db.models import ChatDocument, ChatUser
    from aptichat.db.repository import DocumentRepository
    from aptichat_api import counsellors
    from aptichat_api.sessions import ensure_staff

    with session_scope(get_engine(settings)) as session:
        people = list(
            session.scalars(
                select(ChatUser.user_id)
                .where(select(ChatDocument.id).where(ChatDocument.user_id == ChatUser.user_id).exists())
                .order_by(ChatUser.user_id)
                .limit(students)
            )
        )
        for fallback in DEMO_FALLBACK:
            if len(people) >= students:
                break
            if fallback not in people:
                DocumentRepository(session).ensure_user(fallback)
                people.append(fallback)
        ensure_staff(session, DEMO_COUNSELLOR, "counsellor", "Demo Counsellor")
        ensure_staff(session, DEMO_ADMIN, "admin", "Demo Admin")
        counsellors.assign(session, DEMO_COUNSELLOR, people, "demo")
    links = [("student", person, signin_link(settings, user_id=person, url=url)) for person in people]
    links.append(
        ("counsellor", DEMO_COUNSELLOR, signin_link(settings, staff_id=DEMO_COUNSELLOR, role="counsellor", url=url))
    )
    links.append(("admin", DEMO_ADMIN, signin_link(settings, staff_id=DEMO_ADMIN, role="admin", url=url)))
    return links


@signin.command("demo")
@click.option("--students", type=click.IntRange(min=1, max=20), default=3, show_default=True)
@click.option("--base-url", "url", default=None, help="Default: http://APTICHAT_API_HOST:APTICHAT_API_PORT.")
def demo(students: int, url: str | None) -> None:
    """Print sign-in links for demo students, a demo counsellor (assigned those students) and a demo
    admin (what `make run` prints at start). Each link works once, within 15 minutes; run this again
    for fresh ones."""
    settings = checked_settings()
    for who, subject, link in demo_links(settings, students, url):
        click.echo(f"[sign-in] {who:<10} {subject:<16} {link}")
    click.echo("[sign-in] each link works once, within 15 minutes; new ones: aptichat signin demo")
