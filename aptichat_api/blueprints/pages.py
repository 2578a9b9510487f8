"""The static pages: the web app (a shell page whose modules draw each route: / the student's home,
/documents[/<type>|/history], /chat, /counsellor, /admin; docs/ui.md), the API reference at /docs, and
/openapi.json. Page paths never overlap an API route: the app's sub-views go in the query string
(/chat?c=<conversation>, /counsellor?student=<id>), since /chat/... and /counsellor/... are the API's."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from aptichat_api.openapi import build_spec

bp = Blueprint("pages", __name__)


def _static(name: str) -> Response:
    # the page's Content-Security-Policy (our own files only) is set with every other header in headers.py
    return send_from_directory(current_app.static_folder or "static", name, max_age=0)


@bp.get("/")
@bp.get("/documents")
@bp.get("/documents/history")
@bp.get("/documents/<any(personality_profile, thinking_skills, career_recommendations, major_recommendations):_type>")
@bp.get("/chat")
@bp.get("/counsellor")
@bp.get("/admin")
def chat_page(_type: str | None = None) -> Response:
    return _static("index.html")


@bp.get("/docs")
def docs_page() -> Response:
    return _static("docs.html")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(build_spec(server_url=request.host_url.rstrip("/")))
