"""One error format for the whole API: `{"error": {"code", "message", "details"}}` with stable codes.

Every failure path ends here: our own `ApiError`, werkzeug's HTTP errors (404, 405, 413, 429 ...)
and, as a last resort, any other exception, which becomes a JSON 500 without a traceback. The 500
path is counted in /metrics so the tests can prove that no input ever reaches it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing.exceptions import WebsocketMismatch

from aptichat_api import metrics

log = logging.getLogger(__name__)

# werkzeug status -> our stable code, for errors raised by Flask itself rather than by our views.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    431: "headers_too_large",
}


class ApiError(Exception):
    """An error the client can act on: an HTTP status, a stable code and a human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


# The database down, restarting or refusing connections: a temporary condition the client can retry,
# not a bug. The pool's pre-ping reconnects by itself once the server is back.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable() -> ApiError:
    return ApiError(
        503,
        "database_unavailable",
        "The database is not reachable right now. Please retry shortly.",
        headers={"Retry-After": "5"},
    )


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of every error response (also sent as the `error` event of the streams)."""
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(status: int, code: str, message: str, details: Any = None) -> tuple[Response, int]:
    return jsonify(error_body(code, message, details)), status


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input echoed back (it may be huge or sensitive)."""
    return [
        {"loc": [str(part) for part in err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that turn every exception into the one JSON error format."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response, _ = error_response(exc.status, exc.code, exc.message, exc.details)
        response.status_code = exc.status
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = HTTP_CODES.get(status, "http_error")
        message = exc.description or exc.name
        # Flask's wording is written for browsers; ours is short and the same for every client.
        if isinstance(exc, WebsocketMismatch):
            code, message = "websocket_required", "This is a WebSocket endpoint: send an upgrade request."
        elif status == 413:
            message = "The request body is larger than this API accepts."
        elif status == 429:
            message = f"Too many requests: the limit is {exc.description}. Retry after the Retry-After seconds."
        response, _ = error_response(status, code, message)
        response.status_code = status
        # Keep what werkzeug adds for the client (Allow on 405, Retry-After on 429), not its content type.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: Exception) -> Response:
        log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return _api_error(database_unavailable())

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception) -> Response:
        # Nothing should get here: each occurrence is a bug, logged with its traceback on the server
        # and counted, but the client only ever sees the generic JSON body.
        log.exception("unhandled error", exc_info=exc)
        metrics.UNHANDLED_ERRORS.inc()
        response, _ = error_response(500, "internal_error", "Something went wrong on our side.")
        response.status_code = 500
        return response
