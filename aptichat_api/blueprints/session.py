"""Browser sign-in (aptichat_api.sessions): exchange a one-time code for a session cookie, refresh it,
sign out, who am I; and /launch, where the test product sends a student with a short-lived signed code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response

from aptichat.db.models import ChatSession, ChatUser
from aptichat_api import database, sessions, store, streams
from aptichat_api.auth import current_principal, keys_from_spec
from aptichat_api.errors import ApiError
from aptichat_api.routing import api_route
from aptichat_api.schemas import ExchangeRequest, LaunchQuery, SessionOut, SignedOut

bp = Blueprint("session", __name__)


def _session_body(session: Any, row: ChatSession, token: str) -> dict[str, Any]:
    return {
        "role": row.role,
        "user_id": row.user_id,
        "staff_id": row.staff_id,
        "display_name": sessions.display_name(session, row),
        "expires_at": row.expires_at,
        "csrf_token": sessions.csrf_token(token),
        "source": row.source,
    }


def _set_cookies(response: Response, token: str, expires_at: datetime) -> Response:
    """The session cookie (HttpOnly: scripts never see it) and the CSRF cookie (readable: double submit),
    both SameSite=Strict on the whole site, Secure when the request came over HTTPS."""
    max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    secure = request.is_secure
    response.set_cookie(
        sessions.SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="Strict", secure=secure
    )
    response.set_cookie(
        sessions.CSRF_COOKIE,
        sessions.csrf_token(token),
        max_age=max_age,
        path="/",
        httponly=False,
        samesite="Strict",
        secure=secure,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _clear_cookies(response: Response) -> Response:
    for name in (sessions.SESSION_COOKIE, sessions.CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="Strict", secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"
    return response


def _session_response(body: dict[str, Any], token: str, expires_at: datetime) -> Response:
    payload = SessionOut.model_validate(body).model_dump(mode="json")
    return _set_cookies(jsonify(payload), token, expires_at)


@api_route(
    bp,
    "/auth/exchange",
    "POST",
    summary="Exchange a one-time sign-in code for a session",
    body=ExchangeRequest,
    response=SessionOut,
    auth="public",
    errors=(400, 401, 413, 422, 429),
)
def exchange(body: ExchangeRequest) -> Response:
    """Spend the code of a sign-in link (`<base>/#signin=<code>`, printed by `aptichat signin link`):
    sets the HttpOnly, SameSite=Strict session cookie `aptichat_session` and the readable
    `aptichat_csrf` cookie, and returns who signed in with the session's `csrf_token`. A code works
    once and for 15 minutes: a used, expired or unknown one is 401 `invalid_signin_code`."""
    with database.session() as session:
        subject = sessions.redeem_signin_code(session, body.code)
        token, row = sessions.open_session(session, subject, "signin")
        result = _session_body(session, row, token)
        expires_at = row.expires_at
    return _session_response(result, token, expires_at)


def _cookie_session_id() -> tuple[int, str]:
    principal = current_principal()
    token = request.cookies.get(sessions.SESSION_COOKIE)
    if principal.session_id is None or not token:
        raise ApiError(
            403, "no_session", "This request carries no browser session (bearer tokens are refreshed by their issuer)."
        )
    return principal.session_id, token


@api_route(
    bp,
    "/auth/refresh",
    "POST",
    summary="Extend the browser session",
    response=SessionOut,
    auth="signed_in",
    errors=(401, 403, 429),
)
def refresh() -> Response:
    """Extend the session cookie by 30 minutes from now (never past 12 hours after the sign-in); call
    it before `expires_at`. Needs X-CSRF-Token; a bearer token is 403 `no_session`."""
    session_id, token = _cookie_session_id()
    with database.session() as session:
        row = sessions.refresh_session(session, session_id)
        result = _session_body(session, row, token)
        expires_at = row.expires_at
    return _session_response(result, token, expires_at)


@api_route(
    bp,
    "/auth/signout",
    "POST",
    summary="Sign out",
    response=SignedOut,
    auth="public",
    errors=(429,),
)
def signout() -> Response:
    """End the browser session (its row is revoked, so the cookie no longer works anywhere) and clear
    both cookies. Always succeeds, also without a session or with an ended one."""
    token = request.cookies.get(sessions.SESSION_COOKIE)
    ended: int | None = None
    if token:
        with database.session() as session:
            row = sessions.find_session(session, token)
            if row is not None:
                sessions.revoke_session(session, row.id)
                ended = row.id
        if ended is not None:
            streams.close_session(ended)  # its open WebSockets in this process end now (others within ~10 s)
    return _clear_cookies(jsonify({"signed_out": True}))


@api_route(
    bp,
    "/auth/me",
    "GET",
    summary="Who is signed in",
    response=SessionOut,
    auth="signed_in",
    errors=(401, 403, 429),
)
def me() -> dict[str, Any]:
    """The caller: role, ids, display name, when the session ends and (for a browser session) its
    `csrf_token`, so a page that reloads can go on. Also answers for bearer tokens (`source: bearer`)."""
    principal = current_principal()
    token = request.cookies.get(sessions.SESSION_COOKIE)
    with database.session() as session:
        if principal.session_id is not None and token:
            row = session.get(ChatSession, principal.session_id)
            if row is not None:
                return _session_body(session, row, token)
        name = None
        if principal.user_id is not None and principal.role == "user":
            user = session.get(ChatUser, principal.user_id)
            name = user.display_name if user is not None else None
        elif principal.staff_id is not None:
            from aptichat.db.models import ChatStaff

            staff = session.get(ChatStaff, principal.staff_id)
            name = staff.display_name if staff is not None else None
    expires = datetime.fromtimestamp(principal.expires_at, UTC) if principal.expires_at else None
    return {
        "role": principal.role,
        "user_id": principal.user_id,
        "staff_id": principal.staff_id,
        "display_name": name,
        "expires_at": expires,
        "csrf_token": None,
        "source": "bearer",
    }


@api_route(
    bp,
    "/launch",
    "GET",
    summary="Arrive from the test product with a signed launch code",
    query=LaunchQuery,
    response=None,
    auth="public",
    status=302,
    media_type="text/html",
    errors=(401, 403, 404, 422, 429),
)
def launch(query: LaunchQuery) -> Response:
    """The test product sends the student here with `?code=<JWT>`: RS256, signed by the product's own
    key (APTICHAT_LAUNCH_PUBLIC_KEY, a PEM or a JWKS chosen by `kid`), claims `sub` (the person), `aud`
    `aptichat-launch`, `iat`, `exp` at most 5 minutes after `iat`, and a `jti` accepted once. Sets the
    session cookies and redirects to `/`. 404 `launch_not_configured` without the key; 401
    `invalid_launch_code`, `launch_code_expired` or `launch_code_used`; 403 `user_erased` for an erased
    person. The code is in the query (a redirect cannot carry a fragment to us), so the access log
    writes the route without its query string (app._logged_path) and the code is useless once used."""
    from aptichat.db import erasure
    from aptichat.db.repository import DocumentRepository

    settings = current_app.config["SETTINGS"]
    if not settings.launch_public_key:
        raise ApiError(404, "launch_not_configured", "Sign-in from the test product is not set up here.")
    keys = keys_from_spec(settings.launch_public_key, "launch_public_key")
    claims = sessions.verify_launch_code(keys.for_kid, query.code)
    user_id = claims["sub"]
    from aptichat_api.auth import USER_ID_RE

    if not USER_ID_RE.match(user_id):
        raise ApiError(401, "invalid_launch_code", "The launch code has an invalid subject.")
    with database.session() as session:
        sessions.spend_launch_jti(session, claims["jti"], float(claims["exp"]))
        if session.get(ChatUser, user_id) is None:
            # a student straight from the test: their results may still be processing
            if erasure.latest_erasure(session, user_id) is not None or store.latest_job(session, user_id) is None:
                raise ApiError(403, "unknown_person", "We have no test results for you yet.")
            DocumentRepository(session).ensure_user(user_id)
        token, row = sessions.open_session(session, sessions.subject_of(session, user_id, None), "launch")
        expires_at = row.expires_at
    response = redirect("/", code=302)
    return _set_cookies(response, token, expires_at)
