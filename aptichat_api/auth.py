"""Who is calling: bearer JWTs for people and admins, an API key for the test product.

Tokens carry `sub` (the user id), `role` (user | admin) and `exp`. They are HS256 with
settings.jwt_secret, or RS256 verified with settings.jwt_public_key when that is set (production,
where only the identity provider holds the private key).
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jwt
from flask import current_app, g, request

from aptichat import logs
from aptichat.settings import Settings
from aptichat_api.errors import ApiError

Role = Literal["user", "admin", "service"]
ROLES = ("user", "admin")
# What a user id may look like in a token (chat_users.user_id is VARCHAR(128)); control
# characters are refused so an id can never smuggle a NUL into SQL or a log line.
USER_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
LEEWAY_S = 5


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `user_id` is None for the service key."""

    user_id: str | None
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _public_key(settings: Settings) -> str | None:
    key = settings.jwt_public_key
    if key and not key.lstrip().startswith("-----") and Path(key).is_file():
        return Path(key).read_text()  # a path to a PEM file is accepted too
    return key


def create_token(
    settings: Settings,
    user_id: str,
    role: str = "user",
    ttl_s: int = 3600,
    private_key: str | None = None,
) -> str:
    """A signed token for `user_id`. RS256 when a private key is given, else HS256 with the secret."""
    if not USER_ID_RE.match(user_id):
        raise ValueError("user id must be 1..128 characters without control characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    now = int(time.time())
    claims = {"sub": user_id, "role": role, "iat": now, "exp": now + ttl_s}
    if private_key:
        return jwt.encode(claims, private_key, algorithm="RS256")
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": f'Bearer error="{code}"'})


def decode_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid token; 401 `token_expired` or `invalid_token` otherwise."""
    public_key = _public_key(settings)
    key, algorithms = (public_key, ["RS256"]) if public_key else (settings.jwt_secret, ["HS256"])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            options={"require": ["sub", "exp"]},
            leeway=LEEWAY_S,
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("token_expired", "The bearer token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("invalid_token", "The bearer token is not valid.") from exc
    sub, role = claims.get("sub"), claims.get("role", "user")
    if not isinstance(sub, str) or not USER_ID_RE.match(sub) or role not in ROLES:
        raise _unauthorized("invalid_token", "The bearer token has an invalid subject or role.")
    return Principal(user_id=sub, role=role)


def _settings() -> Settings:
    return current_app.config["SETTINGS"]  # type: ignore[no-any-return]


def principal_from_request() -> Principal | None:
    """The caller, or None when no credentials were sent; raises 401 for bad ones. Cached per request."""
    if "principal" in g:
        return g.principal  # type: ignore[no-any-return]
    principal: Principal | None = None
    header = request.headers.get("Authorization", "")
    api_key = request.headers.get("X-API-Key")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("invalid_token", "Use 'Authorization: Bearer <token>'.")
        principal = decode_token(_settings(), token.strip())
    elif api_key is not None:
        if not hmac.compare_digest(api_key.encode(), _settings().service_api_key.encode()):
            raise ApiError(401, "invalid_api_key", "The API key is not valid.")
        principal = Principal(user_id=None, role="service")
    g.principal = principal
    logs.bind_user(principal.user_id if principal is not None else None)  # hashed, for this request's lines
    return principal


def quiet_principal() -> Principal | None:
    """Like principal_from_request but never raises (for rate-limit keys, metrics)."""
    try:
        return principal_from_request()
    except ApiError:
        return None


AuthKind = Literal["public", "user", "admin", "service", "user_or_service"]


def require(kind: AuthKind) -> Principal | None:
    """Enforce what a route needs: 401 without (valid) credentials, 403 with the wrong kind."""
    if kind == "public":
        return quiet_principal()
    principal = principal_from_request()
    if principal is None:
        if kind == "service":
            raise ApiError(401, "unauthorized", "This endpoint needs the service key in X-API-Key.")
        raise _unauthorized("unauthorized", "This endpoint needs 'Authorization: Bearer <token>'.")
    allowed = {
        "user": ("user", "admin"),
        "admin": ("admin",),
        "service": ("service",),
        "user_or_service": ("user", "admin", "service"),
    }[kind]
    if principal.role not in allowed:
        raise ApiError(403, "forbidden", "These credentials do not give access to this endpoint.")
    return principal


def authorize_user(principal: Principal | None, user_id: str) -> None:
    """A user reaches only their own resources; admins reach everyone's."""
    if principal is None or not (principal.is_admin or principal.user_id == user_id):
        raise ApiError(403, "forbidden", "You can only access your own data.")


def current_principal() -> Principal:
    """The caller of a route that already passed `require` (never None there)."""
    principal = principal_from_request()
    if principal is None:  # pragma: no cover - require() ran first
        raise _unauthorized("unauthorized", "Authentication required.")
    return principal
