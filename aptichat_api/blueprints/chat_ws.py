"""Live chat over a WebSocket at /chat/ws (flask-sock; gunicorn gthread or the werkzeug server).

Protocol (JSON text frames):
- authenticate with `Authorization: Bearer <token>` on the handshake, or (browsers cannot set that
  header) send `{"token": "<jwt>"}` as the first frame;
- send `{"question": "...", "conversation_id": "..."?}`; receive `{"type": "token", "text"}` frames
  and then one `{"type": "answer", ...}` frame with the POST /chat/question body, or
  `{"type": "error", "error": {...}, "status"}`. The socket stays open for the next question.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app
from flask_sock import Sock
from pydantic import ValidationError

from aptichat_api import database, store
from aptichat_api.auth import Principal, decode_token, principal_from_request
from aptichat_api.chat_service import chat_service
from aptichat_api.errors import ApiError, error_body, validation_details
from aptichat_api.limits import spend_user_budget
from aptichat_api.schemas import QuestionRequest

# Its own blueprint under the chat's prefix, so the URL stays /chat/ws.
bp = Blueprint("chat_ws", __name__, url_prefix="/chat")
sock = Sock()
AUTH_TIMEOUT_S = 30


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


def _authenticate(ws: Any) -> Principal:
    principal = principal_from_request()
    if principal is None:
        data = _parse(ws.receive(timeout=AUTH_TIMEOUT_S))
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ApiError(401, "unauthorized", 'Send {"token": "<jwt>"} first (or an Authorization header).')
        principal = decode_token(current_app.config["SETTINGS"], token)
    if principal.user_id is None:
        raise ApiError(403, "forbidden", "The chat is for people, not for the service key.")
    with database.session() as session:  # once per connection: refuse an unknown person at once
        store.get_user(session, principal.user_id)
    return principal


@sock.route("/ws", bp=bp)
def websocket(ws: Any) -> None:
    try:
        principal = _authenticate(ws)
    except ApiError as exc:
        _error(ws, exc)
        return
    assert principal.user_id is not None
    _send(ws, {"type": "ready", "user_id": principal.user_id})
    while True:
        frame = ws.receive()
        if frame is None:
            continue
        try:
            question = QuestionRequest.model_validate(_parse(frame), strict=True)
            # each question spends the same per-user budget as POST /chat/question
            if not spend_user_budget(principal.user_id):
                raise ApiError(429, "rate_limited", "Too many questions: wait a little and ask again.")
            events = chat_service.stream(principal.user_id, question)
        except ValidationError as exc:
            _error(ws, ApiError(422, "invalid_request", "The question frame is invalid.", validation_details(exc)))
            continue
        except ApiError as exc:
            _error(ws, exc)
            continue
        for event, data in events:
            if event == "token":
                _send(ws, {"type": "token", **data})
            elif event == "answer":
                _send(ws, {"type": "answer", **data})
            else:
                _send(ws, {"type": "error", **data})
