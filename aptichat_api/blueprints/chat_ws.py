"""Live chat over a WebSocket at /chat/ws (flask-sock; gunicorn gthread or the werkzeug server).

Protocol (JSON text frames):
- authenticate with `Authorization: Bearer <token>` on the handshake, or (browsers cannot set that
  header) send `{"token": "<jwt>"}` as the first frame within AUTH_TIMEOUT_S;
- send `{"question": "...", "conversation_id": "..."?}`; receive `{"type": "token", "text"}` frames
  and then one `{"type": "answer", ...}` frame with the POST /chat/question body, or
  `{"type": "error", "error": {...}, "status"}`. The socket stays open for the next question.

Limits (docs/security.md): each question spends the same per-user budget as POST /chat/question (a
refusal is a `rate_limited` error frame; the socket stays open). The server ends a socket with a final
error frame and then a close whose reason is the error code:
- `idle_timeout`, close 4408: no frame from the client for APTICHAT_WS_IDLE_TIMEOUT_S (an idle socket
  holds a worker thread); a client's pings do not count, questions do;
- `token_expired`, close 4401: the token's `exp` passed (with auth.LEEWAY_S), found by a timer even
  on a silent socket, and checked before any frame is answered;
- `message_too_large`, close 1009: a message over APTICHAT_API_MAX_BODY bytes (UTF-8). The transport
  (simple-websocket's `max_message_size`, set to twice the limit in config.py) closes 1009 by itself,
  without that error frame, once a message grows past twice the limit, so no message is buffered whole;
- `session_expired`, close 4401: the browser session a socket was opened with (its cookie on the
  handshake) ended: signed out (at once in this process), revoked or past its end, found within
  streams.ERASURE_CHECK_S and before any frame is answered; a refreshed session keeps the socket open;
- `user_erased`, close 4410: the person was erased (aptichat_api.streams: at once in this process,
  within streams.ERASURE_CHECK_S from the ledger when another worker erased them);
- a refused handshake by the first-frame route: the error frame, then close 4000 + its HTTP status.
"""

from __future__ import annotations

import json
import math
import socket
import time
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app
from flask_sock import Sock
from pydantic import ValidationError

from aptichat.db.models import ChatSession
from aptichat_api import database, store, streams
from aptichat_api.auth import LEEWAY_S, Principal, decode_token, principal_from_request
from aptichat_api.chat_service import chat_service
from aptichat_api.errors import ApiError, error_body, validation_details
from aptichat_api.limits import spend_user_budget
from aptichat_api.schemas import QuestionRequest

# Its own blueprint under the chat's prefix, so the URL stays /chat/ws.
bp = Blueprint("chat_ws", __name__, url_prefix="/chat")
sock = Sock()
AUTH_TIMEOUT_S = 30
CLOSE_IDLE = 4408
CLOSE_TOKEN_EXPIRED = 4401
CLOSE_TOO_LARGE = 1009  # RFC 6455 "message too big"
CLOSE_ERASED = 4410


@bp.before_request
def _websocket_handshake() -> None:
    """Refuse bad handshake credentials with an ordinary JSON 401 before the upgrade. (A plain GET
    never gets here: routing refuses it as a WebsocketMismatch, see errors.py.)"""
    principal_from_request()


def _send(ws: Any, payload: dict[str, Any]) -> None:
    ws.send(json.dumps(payload, ensure_ascii=False))


def _error(ws: Any, exc: ApiError) -> None:
    _send(ws, {"type": "error", **error_body(exc.code, exc.message, exc.details), "status": exc.status})


def _parse(frame: Any) -> dict[str, Any]:
    if not isinstance(frame, str):
        raise ApiError(400, "malformed_json", "Send JSON text frames.")
    try:
        data = json.loads(frame)
    except ValueError as exc:
        raise ApiError(400, "malformed_json", "The frame is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "A frame must be a JSON object.")
    return data


def _close(ws: Any, exc: ApiError, code: int | None = None) -> None:
    """Send the error frame, then close with `code` (default 4000 + the HTTP status) and the error code,
    and end the TCP connection: once the closing handshake is over the server closes it (RFC 6455
    7.1.1). Left to the WSGI server, werkzeug's development server first drains the socket with a
    blocking read, which waits for the client's own close (seen: a 1.5 s idle timeout reached the client
    after 17 s)."""
    _error(ws, exc)
    ws.close(reason=code or 4000 + exc.status, message=exc.code)
    with suppress(OSError):
        ws.sock.shutdown(socket.SHUT_RDWR)


def _idle() -> ApiError:
    return ApiError(408, "idle_timeout", "The connection was idle for too long; reconnect to ask again.")


def _expired() -> ApiError:
    return ApiError(401, "token_expired", "The bearer token has expired; reconnect with a new one.")


def _erased() -> ApiError:
    return ApiError(410, "user_erased", "This person was erased; the conversation has ended.")


def _session_ended() -> ApiError:
    return ApiError(401, "session_expired", "Your session has ended. Sign in again.")


def _live(principal: Principal) -> Principal | None:
    """A cookie-session principal as its session stands now: None once it was signed out or revoked or
    ran out, else with the session's current end (a refresh extends an open socket too). A bearer
    token's principal is returned as it is (its `exp` is fixed)."""
    if principal.session_id is None:
        return principal
    with database.session() as session:
        row = session.get(ChatSession, principal.session_id)
        if row is None or row.revoked_at is not None or row.expires_at <= datetime.now(UTC):
            return None
        return replace(principal, expires_at=row.expires_at.timestamp())


def _erased_since(user_id: str, opened_at: float) -> bool:
    """Did another process erase the person after this socket opened? (the ledger, aptichat.db.erasure)"""
    from aptichat.db.erasure import latest_erasure

    with database.session() as session:
        erased = latest_erasure(session, user_id)
    return erased is not None and erased.timestamp() >= opened_at


def _too_large(frame: Any) -> ApiError | None:
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    size = len(frame.encode()) if isinstance(frame, str) else len(frame)
    if size <= limit:
        return None
    return ApiError(413, "message_too_large", f"A message may hold at most {limit} bytes.")


def _authenticate(ws: Any, idle_timeout_s: float) -> Principal:
    principal = principal_from_request()
    if principal is None:
        frame = ws.receive(timeout=min(AUTH_TIMEOUT_S, idle_timeout_s))
        if frame is None:
            raise _idle()
        if (too_large := _too_large(frame)) is not None:
            raise too_large
        data = _parse(frame)
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ApiError(401, "unauthorized", 'Send {"token": "<jwt>"} first (or an Authorization header).')
        principal = decode_token(current_app.config["SETTINGS"], token)
    if principal.user_id is None:
        raise ApiError(403, "forbidden", "The chat is for people, not for the service key.")
    with database.session() as session:  # once per connection: refuse an unknown person at once
        store.get_user(session, principal.user_id)
    return principal


def _seconds_left(principal: Principal) -> float:
    """Until the token expires (with the same leeway as HTTP); infinite for a token without `exp`."""
    if principal.expires_at is None:
        return math.inf
    return principal.expires_at + LEEWAY_S - time.time()


@sock.route("/ws", bp=bp)
def websocket(ws: Any) -> None:
    idle_timeout_s = float(current_app.config["SETTINGS"].ws_idle_timeout_s)
    try:
        principal = _authenticate(ws, idle_timeout_s)
    except ApiError as exc:
        code = {"idle_timeout": CLOSE_IDLE, "message_too_large": CLOSE_TOO_LARGE}.get(exc.code)
        _close(ws, exc, code)
        return
    assert principal.user_id is not None
    opened_at = time.time()
    with (
        streams.registered(principal.user_id, lambda: _close(ws, _erased(), CLOSE_ERASED)),
        streams.registered_session(principal.session_id, lambda: _close(ws, _session_ended(), CLOSE_TOKEN_EXPIRED)),
    ):
        _serve(ws, principal, idle_timeout_s, opened_at)


def _serve(ws: Any, principal: Principal, idle_timeout_s: float, opened_at: float) -> None:
    user_id = principal.user_id
    assert user_id is not None
    _send(ws, {"type": "ready", "user_id": user_id})
    last_active = time.monotonic()
    while True:
        token_left = _seconds_left(principal)
        idle_left = idle_timeout_s - (time.monotonic() - last_active)
        if token_left <= 0:
            live = _live(principal)  # a browser session may have been refreshed meanwhile
            if live is None or _seconds_left(live) <= 0:
                _close(ws, _expired() if principal.session_id is None else _session_ended(), CLOSE_TOKEN_EXPIRED)
                return
            principal = live
            continue
        if idle_left <= 0:
            _close(ws, _idle(), CLOSE_IDLE)
            return
        frame = ws.receive(timeout=min(token_left, idle_left, streams.ERASURE_CHECK_S))
        if frame is None:
            if _erased_since(user_id, opened_at):
                _close(ws, _erased(), CLOSE_ERASED)
                return
            if (live := _live(principal)) is None:
                _close(ws, _session_ended(), CLOSE_TOKEN_EXPIRED)
                return
            principal = live
            continue  # a timer ran out: the checks above end the socket
        if (live := _live(principal)) is None:
            _close(ws, _session_ended(), CLOSE_TOKEN_EXPIRED)  # never answer on an ended session
            return
        principal = live
        if _seconds_left(principal) <= 0:
            _close(ws, _expired(), CLOSE_TOKEN_EXPIRED)  # never answer on an expired token
            return
        if (too_large := _too_large(frame)) is not None:
            _close(ws, too_large, CLOSE_TOO_LARGE)
            return
        _answer(ws, user_id, frame)
        last_active = time.monotonic()  # idle counts from the end of the last answer


def _answer(ws: Any, user_id: str, frame: Any) -> None:
    """One question frame: its token frames and answer, or one error frame."""
    try:
        question = QuestionRequest.model_validate(_parse(frame), strict=True)
        # each question spends the same per-user budget as POST /chat/question
        if not spend_user_budget(user_id):
            raise ApiError(429, "rate_limited", "Too many questions: wait a little and ask again.")
        events = chat_service.stream(user_id, question)
    except ValidationError as exc:
        _error(ws, ApiError(422, "invalid_request", "The question frame is invalid.", validation_details(exc)))
        return
    except ApiError as exc:
        _error(ws, exc)
        return
    for event, data in events:
        if event == "token":
            _send(ws, {"type": "token", **data})
        elif event == "answer":
            _send(ws, {"type": "answer", **data})
        else:
            _send(ws, {"type": "error", **data})
