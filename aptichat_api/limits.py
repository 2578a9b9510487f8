"""Rate limits (flask-limiter): one budget per client address on every route and one per
authenticated user on the API's own routes, so neither a noisy user behind a shared address nor
many anonymous clients from one address can starve the rest. Storage comes from
settings.rate_limit_storage_uri (memory:// by default; redis:// etc. for several workers)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many

from aptichat_api import metrics, ratelimit_store  # noqa: F401  (registers the aptichat-db:// storage)
from aptichat_api.auth import quiet_principal


def _namespace() -> str:
    return str(current_app.config.get("RATE_LIMIT_NAMESPACE", ""))


def ip_key() -> str:
    """Behind a proxy, configure ProxyFix so remote_addr is the client, not the proxy."""
    return f"{_namespace()}ip:{request.remote_addr or 'unknown'}"


def user_key() -> str:
    """The per-user budget's key for this request (by address when it carries no person)."""
    principal = quiet_principal()
    if principal is not None and principal.user_id is None and principal.staff_id is not None:
        return f"{_namespace()}staff:{principal.staff_id}"  # a counsellor's or admin's own budget
    if principal is None or principal.user_id is None:
        return f"{_namespace()}{principal.role if principal else 'anon'}:{request.remote_addr or 'unknown'}"
    return key_for_user(principal.user_id)


def key_for_user(user_id: str) -> str:
    return f"{_namespace()}user:{user_id}"


def _ip_limit() -> str:
    return str(current_app.config["RATE_LIMIT_IP"])


def _user_limit() -> str:
    return str(current_app.config["RATE_LIMIT_USER"])


def _count_breach(_limit: object) -> None:
    metrics.RATE_LIMITED.inc()


limiter = Limiter(key_func=ip_key, application_limits=[_ip_limit], on_breach=_count_breach)

# One shared budget per user across all the routes of the blueprints it decorates.
PER_USER_SCOPE = "per-user"
per_user = limiter.shared_limit(_user_limit, scope=PER_USER_SCOPE, key_func=user_key)


def spend_user_budget(user_id: str) -> bool:
    """Spend one hit of the person's per-user budget outside any decorated route (each question over
    the WebSocket): the same key and scope, in flask-limiter's order (key, scope), as the routes, so
    both spend one budget. False when the budget is exhausted."""
    items = parse_many(_user_limit())
    return all(limiter.limiter.hit(item, key_for_user(user_id), PER_USER_SCOPE) for item in items)


_decorated: set[str] = set()


def limit_blueprint(bp: Blueprint) -> None:
    """Apply the per-user budget to every route of `bp` (once per process: blueprints are shared
    by every app built in it)."""
    if bp.name not in _decorated:
        _decorated.add(bp.name)
        per_user(bp)


def exempt_blueprint(bp: Blueprint) -> None:
    """Probes and scrapes (health, metrics) must never be refused."""
    if bp.name not in _decorated:
        _decorated.add(bp.name)
        limiter.exempt(bp)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
