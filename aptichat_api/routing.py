"""`api_route`: one decorator that registers a view on a blueprint, enforces its authentication,
validates its query and body with Pydantic, validates what it returns, and records all of it for
/openapi.json. The spec and the behaviour therefore cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from aptichat_api.auth import USER_ID_RE, AuthKind, require
from aptichat_api.errors import ApiError, validation_details

# Path parameters that are bigint keys: werkzeug's int converter accepts any size, PostgreSQL not.
BIGINT_MAX = 2**63 - 1


@dataclass
class Operation:
    """What /openapi.json says about one route."""

    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    auth: AuthKind
    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    media_type: str = "application/json"
    extra_responses: dict[int, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The OpenAPI form of the Flask rule: /users/<user_id> -> /users/{user_id}."""
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        return [(m.group(2), m.group(1) or "string") for m in re.finditer(r"<(?:([a-z]+):)?([a-z_]+)>", self.rule)]


OPERATIONS: list[Operation] = []


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The request body as `model`: 400 `malformed_json` when it is not JSON, 422 when it does not fit."""
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if not raw.strip():
        raise ApiError(400, "malformed_json", "The request body must be a JSON object.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from exc
        if any(err["type"] == "model_type" and not err["loc"] for err in exc.errors()):
            raise ApiError(422, "invalid_request", "The request body must be a JSON object.") from exc
        raise ApiError(422, "invalid_request", "The request body is invalid.", validation_details(exc)) from exc


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string as `model`; 422 `invalid_request` when it does not fit."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", "The query parameters are invalid.", validation_details(exc)) from exc


def to_response(model: type[BaseModel] | None, result: Any, status: int) -> Response:
    """Serialise a view's result through its response model (a wrong shape is our bug: 500)."""
    if isinstance(result, Response):
        return result
    payload = model.model_validate(result) if model is not None and not isinstance(result, model) else result
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    response = jsonify(data)
    response.status_code = status
    return response


def api_route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    response: type[BaseModel] | None,
    auth: AuthKind = "user",
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    media_type: str = "application/json",
    extra_responses: dict[int, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn` at `rule`. `fn` receives path params plus `body=` / `query=` when declared."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS.append(
            Operation(
                rule=(bp.url_prefix or "") + rule,
                method=method.lower(),
                endpoint=f"{bp.name}.{fn.__name__}",
                summary=summary,
                description=(fn.__doc__ or "").strip(),
                tag=bp.name,
                auth=auth,
                status=status,
                response=response,
                body=body,
                query=query,
                errors=errors,
                media_type=media_type,
                extra_responses=extra_responses or {},
            )
        )

        @wraps(fn)
        def view(**path: Any) -> Response:
            require(auth)
            for name, value in path.items():
                # Ids that cannot exist (beyond bigint, or text PostgreSQL cannot even compare, such
                # as NUL) are simply not found, without reaching the database.
                if (isinstance(value, int) and value > BIGINT_MAX) or (
                    isinstance(value, str) and not USER_ID_RE.match(value)
                ):
                    noun = name.removesuffix("_id") if name.endswith("_id") else {"name": "experiment"}.get(name, name)
                    raise ApiError(404, f"{noun}_not_found", f"No such {noun}.")
            kwargs: dict[str, Any] = dict(path)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return to_response(response, fn(**kwargs), status)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return view

    return decorator
