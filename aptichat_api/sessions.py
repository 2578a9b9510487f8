"""Browser sign-in (issue 17): one-time sign-in codes, launch codes from the test product, and the
server-side sessions they open.

- A sign-in code (`aptichat signin link`) is 32 random bytes, printed once in a link's fragment
  (`<base>/#signin=<code>`, so it never reaches a server or proxy log); only its SHA-256 is stored. It
  lasts SIGNIN_CODE_TTL_S and is spent by the first exchange (one UPDATE ... WHERE used_at IS NULL, so
  two exchanges racing cannot both win).
- A launch code (`GET /launch?code=`) is an RS256 JWT the test product signs with its own key
  (APTICHAT_LAUNCH_PUBLIC_KEY, a PEM or a JWKS): `sub` the person, `aud` LAUNCH_AUDIENCE, `exp` at most
  LAUNCH_MAX_TTL_S after `iat`, and a `jti` used once (its SHA-256 is kept until the code expires).
- A session is an opaque random token in an HttpOnly, SameSite=Strict cookie; the chat_sessions row
  holds its SHA-256, who it is for, and when it ends (SESSION_TTL_S after the last refresh, never past
  SESSION_MAX_S after the sign-in). Sign-out and erasure delete or revoke the row, so the cookie stops
  working at once (a self-contained JWT could not be revoked before it expires).
- CSRF: the token for a session is HMAC-SHA256(session token, "csrf"); it is returned by the exchange and
  GET /auth/me and also set in a readable cookie (double submit). A non-GET request authenticated by
  the cookie must carry it in X-CSRF-Token. Bearer-token and API-key clients are unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aptichat.db.models import ChatLaunchCode, ChatSession, ChatSigninCode, ChatStaff, ChatUser
from aptichat_api.errors import ApiError

SIGNIN_CODE_TTL_S = 15 * 60
SESSION_TTL_S = 30 * 60
SESSION_MAX_S = 12 * 3600
LAUNCH_MAX_TTL_S = 5 * 60
LAUNCH_AUDIENCE = "aptichat-launch"
SESSION_COOKIE = "aptichat_session"
CSRF_COOKIE = "aptichat_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from the cookie's value, so it needs no storage and a page
    that reloads gets it back from GET /auth/me."""
    return hmac.new(session_token.encode(), b"csrf", hashlib.sha256).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Subject:
    """Who a code or a session is for: a person (role user) or a staff member (counsellor or admin)."""

    role: str
    user_id: str | None = None
    staff_id: str | None = None
    display_name: str | None = None


# --- staff ----------------------------------------------------------------------------------------------
def ensure_staff(session: Session, staff_id: str, role: str, display_name: str | None = None) -> ChatStaff:
    """Create or update a staff account."""
    row = session.get(ChatStaff, staff_id)
    if row is None:
        row = ChatStaff(staff_id=staff_id, role=role, display_name=display_name)
        session.add(row)
    else:
        row.role = role
        if display_name is not None:
            row.display_name = display_name
    session.flush()
    return row


# --- sign-in codes --------------------------------------------------------------------------------------
def create_signin_code(
    session: Session, *, user_id: str | None = None, staff_id: str | None = None, ttl_s: int = SIGNIN_CODE_TTL_S
) -> str:
    """A new one-time code for a known person or staff member (LookupError otherwise); only its hash
    is stored."""
    if (user_id is None) == (staff_id is None):
        raise ValueError("a sign-in code is for a person or for a staff member")
    if user_id is not None and session.get(ChatUser, user_id) is None:
        raise LookupError(f"no person with id {user_id!r}")
    if staff_id is not None and session.get(ChatStaff, staff_id) is None:
        raise LookupError(f"no staff member with id {staff_id!r}")
    code = secrets.token_urlsafe(32)
    session.add(
        ChatSigninCode(
            code_hash=digest(code), user_id=user_id, staff_id=staff_id, expires_at=_now() + timedelta(seconds=ttl_s)
        )
    )
    session.flush()
    return code


INVALID_CODE = "This sign-in link is not valid: it was used already, has expired or was mistyped. Ask for a new one."


def redeem_signin_code(session: Session, code: str) -> Subject:
    """Spend a code (once): who it was for; 401 `invalid_signin_code` when unknown, used or expired."""
    row = session.execute(
        update(ChatSigninCode)
        .where(
            ChatSigninCode.code_hash == digest(code),
            ChatSigninCode.used_at.is_(None),
            ChatSigninCode.expires_at > _now(),
        )
        .values(used_at=_now())
        .returning(ChatSigninCode.user_id, ChatSigninCode.staff_id)
    ).first()
    if row is None:
        raise ApiError(401, "invalid_signin_code", INVALID_CODE)
    user_id, staff_id = row
    return subject_of(session, user_id, staff_id)


def subject_of(session: Session, user_id: str | None, staff_id: str | None) -> Subject:
    if user_id is not None:
        user = session.get(ChatUser, user_id)
        if user is None:
            raise ApiError(401, "invalid_signin_code", INVALID_CODE)
        return Subject(role="user", user_id=user_id, display_name=user.display_name)
    staff = session.get(ChatStaff, staff_id) if staff_id is not None else None
    if staff is None:
        raise ApiError(401, "invalid_signin_code", INVALID_CODE)
    return Subject(role=staff.role, staff_id=staff.staff_id, display_name=staff.display_name)


# --- sessions -------------------------------------------------------------------------------------------
def open_session(session: Session, subject: Subject, source: str) -> tuple[str, ChatSession]:
    """A new session for `subject`: the cookie's token (returned once) and its row."""
    token = secrets.token_urlsafe(32)
    now = _now()
    row = ChatSession(
        token_hash=digest(token),
        user_id=subject.user_id,
        staff_id=subject.staff_id,
        role=subject.role,
        source=source,
        expires_at=now + timedelta(seconds=SESSION_TTL_S),
        max_expires_at=now + timedelta(seconds=SESSION_MAX_S),
    )
    session.add(row)
    session.flush()
    return token, row


def find_session(session: Session, token: str) -> ChatSession | None:
    """The live session of a cookie's token (not revoked, not expired), or None. A staff member's
    session also ends when their role changed since the sign-in (a counsellor made admin signs in again)."""
    row = session.scalars(
        select(ChatSession).where(
            ChatSession.token_hash == digest(token),
            ChatSession.revoked_at.is_(None),
            ChatSession.expires_at > _now(),
        )
    ).first()
    if row is not None and row.staff_id is not None:
        staff = session.get(ChatStaff, row.staff_id)
        if staff is None or staff.role != row.role:
            return None
    return row


def refresh_session(session: Session, session_id: int) -> ChatSession:
    """Extend a live session by SESSION_TTL_S (never past its absolute end); 401 when it has ended."""
    row = session.get(ChatSession, session_id, with_for_update=True)
    if row is None or row.revoked_at is not None or row.expires_at <= _now():
        raise ApiError(401, "session_expired", "Your session has ended. Sign in again.")
    row.expires_at = min(_now() + timedelta(seconds=SESSION_TTL_S), row.max_expires_at)
    session.flush()
    return row


def revoke_session(session: Session, session_id: int) -> None:
    session.execute(
        update(ChatSession)
        .where(ChatSession.id == session_id, ChatSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


def display_name(session: Session, row: ChatSession) -> str | None:
    if row.user_id is not None:
        user = session.get(ChatUser, row.user_id)
        return user.display_name if user is not None else None
    staff = session.get(ChatStaff, row.staff_id) if row.staff_id is not None else None
    return staff.display_name if staff is not None else None


# --- launch codes ---------------------------------------------------------------------------------------
def _launch_error(message: str) -> ApiError:
    return ApiError(401, "invalid_launch_code", message)


def verify_launch_code(key_for_kid: Any, code: str, leeway_s: int = 5) -> dict[str, Any]:
    """The claims of a valid launch code (RS256 only, `aud` LAUNCH_AUDIENCE, `sub`, `jti`, `iat`, `exp`
    at most LAUNCH_MAX_TTL_S after `iat`); 401 `invalid_launch_code` otherwise. `key_for_kid` maps the
    header's `kid` to a key (aptichat_api.auth.VerificationKeys.for_kid)."""
    try:
        key = key_for_kid(jwt.get_unverified_header(code).get("kid"))
        if key is None:
            raise _launch_error("The launch code names no known signing key.")
        claims = jwt.decode(
            code,
            key,
            algorithms=["RS256"],
            audience=LAUNCH_AUDIENCE,
            options={"require": ["sub", "exp", "iat", "jti", "aud"]},
            leeway=leeway_s,
        )
    except jwt.ExpiredSignatureError as exc:
        raise ApiError(401, "launch_code_expired", "This link has expired. Start again from the test.") from exc
    except jwt.PyJWTError as exc:
        raise _launch_error("The launch code is not valid.") from exc
    sub, jti, iat, exp = claims.get("sub"), claims.get("jti"), claims.get("iat"), claims.get("exp")
    if not isinstance(sub, str) or not isinstance(jti, str) or not jti or len(jti) > 256:
        raise _launch_error("The launch code has an invalid subject or id.")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise _launch_error("The launch code has invalid times.")
    if exp - iat > LAUNCH_MAX_TTL_S or exp > time.time() + LAUNCH_MAX_TTL_S + leeway_s:
        raise _launch_error(f"A launch code may live at most {LAUNCH_MAX_TTL_S} seconds.")
    return claims


def spend_launch_jti(session: Session, jti: str, exp: float) -> None:
    """Record the code's `jti` as used; 401 `launch_code_used` when it was used before. Expired records
    are dropped on the way (a replay of an expired code fails on `exp`)."""
    from sqlalchemy import delete
    from sqlalchemy.dialects.postgresql import insert

    session.execute(delete(ChatLaunchCode).where(ChatLaunchCode.expires_at < _now() - timedelta(minutes=1)))
    inserted = session.execute(
        insert(ChatLaunchCode)
        .values(jti_hash=digest(jti), expires_at=datetime.fromtimestamp(exp, UTC))
        .on_conflict_do_nothing(index_elements=["jti_hash"])
        .returning(ChatLaunchCode.jti_hash)
    ).first()
    if inserted is None:
        raise ApiError(401, "launch_code_used", "This link was used already. Start again from the test.")
