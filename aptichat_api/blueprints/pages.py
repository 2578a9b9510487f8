"""The static pages: the chat page at /, the API reference at /docs, and /openapi.json."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from aptichat_api.openapi import build_spec

bp = Blueprint("pages", __name__)


def _static(name: str) -> Response:
    # the page's Content-Security-Policy (our own files only) is set with every other header in headers.py
    return send_from_directory(current_app.static_folder or "static", name, max_age=0)


@bp.get("/")
def chat_page() -> Response:
    return _static("index.html")


@bp.get("/docs")
def docs_page() -> Response:
    return _static("docs.html")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(build_spec(server_url=request.host_url.rstrip("/")))
