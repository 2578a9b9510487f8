"""/openapi.json, generated from the routes registered with `api_route` and their Pydantic models
(OpenAPI 3.1, whose schemas are JSON Schema 2020-12, exactly what Pydantic emits)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from aptichat_api.routing import BIGINT_MAX, OPERATIONS, Operation
from aptichat_api.schemas import ErrorResponse

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "Missing, invalid or expired credentials",
    403: "Authenticated, but not allowed to reach this resource",
    404: "Not found (stable codes such as user_not_found, job_not_found)",
    405: "Method not allowed",
    409: "Conflicts with stored state",
    413: "Body larger than the API accepts",
    422: "The body or query does not fit the schema",
    429: "Rate limited: retry after Retry-After seconds",
}
# One Server-Sent Event; `data` is JSON text: {"text"} for token, the ChatAnswer for answer, the
# error body for error.
SSE_EVENT = {
    "type": "object",
    "properties": {"event": {"enum": ["token", "answer", "error"]}, "data": {"type": "string"}},
    "required": ["event", "data"],
}
DESCRIPTION = """\
AptiChat answers questions about a person's aptitude-test results from their own documents.

Authentication: `Authorization: Bearer <JWT>` (claims `sub` = user id or staff id, `role` = user |
counsellor | admin, `exp`) for people and staff; the `aptichat_session` cookie of a browser session
(POST /auth/exchange, GET /launch; non-GET requests add `X-CSRF-Token`); `X-API-Key` for the
aptitude-test product (webhooks). Every error is `{"error": {"code", "message", "details"}}` with a
stable `code`.

Live chat: a WebSocket at `/chat/ws` (send `{"token"}` first unless the handshake carries the
Authorization header, then `{"question", "conversation_id"?}`; receive `token` frames and one
`answer` frame) and Server-Sent Events at `POST /chat/stream`. `/metrics` serves Prometheus text.
"""


# OpenAPI links: how one success response feeds the next call. Clients can follow them, and the stateful
# schemathesis test walks them (ask -> follow up, history, feedback; reprocess or webhook -> job).
LINKS: dict[str, dict[str, Any]] = {
    "chat_question": {
        "FollowUp": {
            "operationId": "chat_question",
            "requestBody": {"question": "Why?", "conversation_id": "$response.body#/conversation_id"},
            "description": "Ask a follow-up in the same conversation",
        },
        "History": {
            "operationId": "chat_history",
            "parameters": {"query.conversation_id": "$response.body#/conversation_id"},
            "description": "Read the conversation this answer belongs to",
        },
        "Feedback": {
            "operationId": "feedback_feedback",
            "requestBody": {"message_id": "$response.body#/message_id", "rating": 5},
            "description": "Rate this answer",
        },
    },
    "users_profile": {
        "Documents": {
            "operationId": "users_documents",
            "parameters": {"path.user_id": "$request.path.user_id"},
            "description": "The person's current documents",
        },
        "Reprocess": {
            "operationId": "users_reprocess",
            "parameters": {"path.user_id": "$request.path.user_id"},
            "description": "Rebuild the person's documents",
        },
    },
    "users_reprocess": {
        "Job": {
            "operationId": "jobs_job",
            "parameters": {"path.job_id": "$response.body#/job_id"},
            "description": "Follow the reprocessing job",
        }
    },
    "events_test_completed": {
        "Job": {
            "operationId": "jobs_job",
            "parameters": {"path.job_id": "$response.body#/job_id"},
            "description": "Follow the ETL job the completed test started",
        }
    },
}


def _models(ops: list[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorResponse, "serialization")]
    for op in ops:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.query is not None:
            wanted.append((op.query, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    return list(dict.fromkeys(wanted))


def _path_parameter(name: str, converter: str) -> dict[str, Any]:
    if converter == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\x00-\\x1f\\x7f/]+$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(model_schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(model_schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in model_schema.get("properties", {}).items()
    ]


def _security(op: Operation) -> list[dict[str, list[str]]]:
    schemes: dict[str, list[dict[str, list[str]]]] = {
        "public": [],
        "user": [{"bearerAuth": []}, {"sessionCookie": []}],
        "person": [{"bearerAuth": []}, {"sessionCookie": []}],
        "staff": [{"bearerAuth": []}, {"sessionCookie": []}],
        "signed_in": [{"bearerAuth": []}, {"sessionCookie": []}],
        "admin": [{"bearerAuth": []}, {"sessionCookie": []}],
        "service": [{"serviceKey": []}],
        "user_or_service": [{"bearerAuth": []}, {"serviceKey": []}],
    }
    return schemes[op.auth]


def build_spec(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document of every registered route."""
    ops = sorted(OPERATIONS, key=lambda o: (o.path, o.method))
    refs, top = models_json_schema(_models(ops), ref_template=REF)
    components: dict[str, Any] = dict(top.get("$defs", {}))
    error_ref = refs[(ErrorResponse, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        responses: dict[str, Any] = {}
        if op.response is not None:
            content = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
        elif op.media_type == "text/event-stream":
            content = {op.media_type: {"schema": SSE_EVENT}}
        else:
            content = {op.media_type: {"schema": {"type": "string"}}}
        responses[str(op.status)] = {"description": "Success", "content": content}
        operation_id = op.endpoint.replace(".", "_")
        if operation_id in LINKS:
            responses[str(op.status)]["links"] = LINKS[operation_id]
        for status, text in op.extra_responses.items():
            responses[str(status)] = {
                "description": text,
                "content": {"application/json": {"schema": content[op.media_type]["schema"]}},
            }
        for status in sorted({*op.errors, 405}):  # a public route lists its own errors (e.g. /auth/exchange)
            entry: dict[str, Any] = {
                "description": ERROR_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": error_ref}},
            }
            if status == 429:
                entry["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait"}}
            responses[str(status)] = entry
        responses.setdefault(
            "503",
            {
                "description": "database_unavailable: the database is down or restarting; retry after Retry-After",
                "headers": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait"}},
                "content": {"application/json": {"schema": error_ref}},
            },
        )
        responses["500"] = {
            "description": "Unexpected error (a bug)",
            "content": {"application/json": {"schema": error_ref}},
        }
        params = [_path_parameter(name, conv) for name, conv in op.path_params]
        if op.query is not None:
            query_ref = refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]
            params += _query_parameters(components[query_ref])
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": op.summary,
            "description": op.description,
            "tags": [op.tag],
            "security": _security(op),
            "parameters": params,
            "responses": responses,
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        paths.setdefault(op.path, {})[op.method] = operation
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "AptiChat API", "version": "1.0.0", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "serviceKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "aptichat_session",
                    "description": "Browser session from POST /auth/exchange or GET /launch; requests other "
                    "than GET also need the session's X-CSRF-Token header",
                },
            },
        },
    }
    if server_url:
        spec["servers"] = [{"url": server_url}]
    return spec
