"""Who is calling: bearer JWTs for people, counsellors and admins, a browser session cookie
(aptichat_api.sessions), an API key for the test product.

Tokens carry `sub` (the user id; a staff id for a counsellor), `role` (user | counsellor | admin) and
`exp`, plus `iss`/`aud` when APTICHAT_JWT_ISSUER/APTICHAT_JWT_AUDIENCE are set (then required). They
are HS256 with the install's secret (aptichat/secrets.py), or RS256 when APTICHAT_JWT_PUBLIC_KEY holds
the identity provider's public key (production, where only the provider holds the private key): a
PEM, or a JWKS whose keys are chosen by the token's `kid` (two at once while the provider rotates).
Only the one algorithm of the mode is accepted, so neither `alg: none` nor an HS256 token keyed with
the public key passes.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import current_app, g, request

from aptichat import logs
from aptichat.secrets import UnsafeConfiguration, check_secrets, secret_value
from aptichat.settings import Settings, env_name
from aptichat_api.errors import ApiError
from aptichat_api.sessions import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_token

Role = Literal["user", "counsellor", "admin", "service"]
ROLES = ("user", "counsellor", "admin")
# What a user id may look like in a token (chat_users.user_id is VARCHAR(128)); control
# characters are refused so an id can never smuggle a NUL into SQL or a log line.
USER_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
LEEWAY_S = 5


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `user_id` is the person a `user` speaks for (an admin's bearer `sub`
    too, as before staff accounts); None for a counsellor and the service key. `staff_id` is a
    counsellor's or admin's staff id. `session_id` is set for a browser session (cookie)."""

    user_id: str | None
    role: Role
    # the token's `exp` (epoch seconds); None for the service key. Long-lived connections (the
    # WebSocket) end when it passes.
    expires_at: float | None = None
    staff_id: str | None = None
    session_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_counsellor(self) -> bool:
        return self.role == "counsellor"

    @property
    def actor(self) -> str:
        """Who the audit trail names: the staff id, the user id, or `service`."""
        return "service" if self.role == "service" else (self.staff_id or self.user_id or "unknown")


@dataclass(frozen=True)
class VerificationKeys:
    """The identity provider's RS256 public keys: one PEM key (whatever the token's `kid`), or a
    JWKS's keys by `kid`."""

    pem: RSAPublicKey | None = None
    by_kid: Mapping[str, Any] = field(default_factory=dict)

    def for_kid(self, kid: object) -> Any | None:
        if self.pem is not None:
            return self.pem
        return self.by_kid.get(kid) if isinstance(kid, str) else None


def _inline(spec: str) -> bool:
    return spec.lstrip().startswith(("-----", "{"))


def verification_keys(settings: Settings) -> VerificationKeys:
    """The keys of APTICHAT_JWT_PUBLIC_KEY (PEM or JWKS, inline or a file). A file is read again when
    it changes, so a rotated JWKS takes effect without a restart."""
    return keys_from_spec(settings.jwt_public_key or "", "jwt_public_key")


def keys_from_spec(spec: str, attribute: str) -> VerificationKeys:
    """The keys of a PEM or JWKS setting (`attribute` names it in errors), inline or a file."""
    variable = env_name(attribute)
    if _inline(spec):
        return _parse_keys(spec, None, attribute)
    try:
        return _parse_keys(spec, Path(spec).stat().st_mtime_ns, attribute)
    except OSError as exc:
        raise UnsafeConfiguration(f"{variable} is neither a PEM, a JWKS, nor a readable file ({exc})") from exc


@lru_cache(maxsize=8)
def _parse_keys(spec: str, mtime_ns: int | None, attribute: str = "jwt_public_key") -> VerificationKeys:
    variable = env_name(attribute)
    text = spec if mtime_ns is None else Path(spec).read_text()
    if text.lstrip().startswith("{"):
        return _parse_jwks(text, variable)
    try:
        key = load_pem_public_key(text.encode())
    except ValueError as exc:
        raise UnsafeConfiguration(f"{variable} is not a PEM public key or a JWKS") from exc
    if not isinstance(key, RSAPublicKey):
        raise UnsafeConfiguration(f"{variable} is not an RSA key (tokens are RS256)")
    return VerificationKeys(pem=key)


def _parse_jwks(text: str, variable: str) -> VerificationKeys:
    """The RS256 signing keys of a JWKS by kid; keys for other algorithms or for encryption are skipped."""
    try:
        entries = json.loads(text)["keys"]
        assert isinstance(entries, list)
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise UnsafeConfiguration(f"{variable} is not a JWKS (a JSON object with a list of keys)") from exc
    by_kid: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", "RS256") != "RS256":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid or kid in by_kid:
            raise UnsafeConfiguration(f"{variable}: every RS256 key of the JWKS needs its own `kid`")
        try:
            by_kid[kid] = jwt.PyJWK(entry, algorithm="RS256").key
        except jwt.PyJWTError as exc:
            raise UnsafeConfiguration(f"{variable}: key {kid!r} of the JWKS is not a valid RSA key") from exc
    if not by_kid:
        raise UnsafeConfiguration(f"{variable}: the JWKS holds no RS256 signing key")
    return VerificationKeys(by_kid=by_kid)


def check_auth_config(settings: Settings) -> None:
    """What the API and the commands that sign or check tokens verify before they start: the secrets
    (aptichat.secrets.check_secrets) and, in RS256 mode, that the public key parses."""
    check_secrets(settings)
    if settings.jwt_public_key:
        verification_keys(settings)
    if settings.launch_public_key:
        keys_from_spec(settings.launch_public_key, "launch_public_key")


def create_token(
    settings: Settings,
    user_id: str,
    role: str = "user",
    ttl_s: int = 3600,
    private_key: str | None = None,
    kid: str | None = None,
) -> str:
    """A signed token for `user_id`. RS256 when a private key is given (with `kid` in its header when
    given), else HS256 with the install's secret. Carries the configured issuer and audience."""
    if not USER_ID_RE.match(user_id):
        raise ValueError("user id must be 1..128 characters without control characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "role": role, "iat": now, "exp": now + ttl_s}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if private_key:
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid} if kid else None)
    return jwt.encode(claims, secret_value(settings, "jwt_secret"), algorithm="HS256")


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": f'Bearer error="{code}"'})


def _verification_key(settings: Settings, token: str) -> tuple[Any, str]:
    """The key and the one algorithm a token is checked with, whatever its header claims."""
    if not settings.jwt_public_key:
        return secret_value(settings, "jwt_secret"), "HS256"
    key = verification_keys(settings).for_kid(jwt.get_unverified_header(token).get("kid"))
    if key is None:
        raise _unauthorized("invalid_token", "The bearer token names no known signing key.")
    return key, "RS256"


def decode_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid token; 401 `token_expired` or `invalid_token` otherwise."""
    required = ["sub", "exp"] + [
        claim for claim, want in (("iss", settings.jwt_issuer), ("aud", settings.jwt_audience)) if want
    ]
    try:
        key, algorithm = _verification_key(settings, token)
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options={"require": required},
            leeway=LEEWAY_S,
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("token_expired", "The bearer token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("invalid_token", "The bearer token is not valid.") from exc
    sub, role = claims.get("sub"), claims.get("role", "user")
    if not isinstance(sub, str) or not USER_ID_RE.match(sub) or role not in ROLES:
        raise _unauthorized("invalid_token", "The bearer token has an invalid subject or role.")
    exp = claims.get("exp")
    expires_at = float(exp) if isinstance(exp, (int, float)) else None
    if role == "counsellor":  # a counsellor's `sub` is a staff id and never stands for a person
        return Principal(user_id=None, role="counsellor", expires_at=expires_at, staff_id=sub)
    return Principal(user_id=sub, role=role, expires_at=expires_at, staff_id=sub if role == "admin" else None)


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
        expected = secret_value(_settings(), "service_api_key")
        if not hmac.compare_digest(api_key.encode(), expected.encode()):
            raise ApiError(401, "invalid_api_key", "The API key is not valid.")
        principal = Principal(user_id=None, role="service")
    elif request.cookies.get(SESSION_COOKIE):
        principal = _session_principal(request.cookies[SESSION_COOKIE])
    g.principal = principal
    logs.bind_user(principal.user_id if principal is not None else None)  # hashed, for this request's lines
    return principal


def _session_principal(token: str) -> Principal:
    """The caller of a browser session cookie; 401 `session_expired` when it has ended, 403
    `csrf_failed` for a state-changing request without the session's X-CSRF-Token."""
    from aptichat_api import database
    from aptichat_api.sessions import find_session

    with database.session() as session:
        row = find_session(session, token)
        if row is None:
            raise ApiError(401, "session_expired", "Your session has ended. Sign in again.")
        principal = Principal(
            user_id=row.user_id,
            role=row.role,  # type: ignore[arg-type]  # the table's CHECK: user, counsellor or admin
            expires_at=row.expires_at.timestamp(),
            staff_id=row.staff_id,
            session_id=row.id,
        )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token(token).encode()):
            raise ApiError(403, "csrf_failed", f"A request signed in by the session cookie needs its {CSRF_HEADER}.")
    return principal


def quiet_principal() -> Principal | None:
    """Like principal_from_request but never raises (for rate-limit keys, metrics)."""
    try:
        return principal_from_request()
    except ApiError:
        return None


# user: a person (or an admin); person: also a counsellor (the route then checks, per person, that the
# counsellor is theirs: authorize_user); staff: counsellors and admins; signed_in: any of them.
AuthKind = Literal["public", "user", "person", "staff", "signed_in", "admin", "service", "user_or_service"]


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
        "person": ("user", "counsellor", "admin"),
        "staff": ("counsellor", "admin"),
        "signed_in": ("user", "counsellor", "admin"),
        "admin": ("admin",),
        "service": ("service",),
        "user_or_service": ("user", "admin", "service"),
    }[kind]
    if principal.role not in allowed:
        raise ApiError(403, "forbidden", "These credentials do not give access to this endpoint.")
    return principal


def authorize_user(principal: Principal | None, user_id: str) -> None:
    """A user reaches only their own resources; admins reach everyone's; a counsellor the students
    assigned to them (routes that allow counsellors at all: auth kind `person`)."""
    if principal is not None and principal.is_counsellor and principal.staff_id is not None:
        from aptichat_api import counsellors, database

        with database.session() as session:
            if counsellors.is_assigned(session, principal.staff_id, user_id):
                return
        raise ApiError(403, "forbidden", "This person is not one of your students.")
    if principal is None or not (principal.is_admin or (principal.role == "user" and principal.user_id == user_id)):
        raise ApiError(403, "forbidden", "You can only access your own data.")


def current_principal() -> Principal:
    """The caller of a route that already passed `require` (never None there)."""
    principal = principal_from_request()
    if principal is None:  # pragma: no cover - require() ran first
        raise _unauthorized("unauthorized", "Authentication required.")
    return principal
