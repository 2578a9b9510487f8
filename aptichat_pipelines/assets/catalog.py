"""The shared, unpartitioned catalog: jobs, majors and our scale guides, embedded for retrieval.

Each re-embeds only rows whose content hash (or embedding model) changed. They refresh by themselves:
`catalog_change_sensor` requests a run when the legacy catalog's fingerprint changes.
"""

import hashlib
import json
import time
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from aptichat.db.catalog_repository import SyncReport, sync_catalog
from aptichat.db.models import ChatJob, ChatMajor, ChatScaleGuide
from aptichat_pipelines.resources import AppDatabase, EmbedderResource, LegacyDatabase
from aptichat_pipelines.transform.scale_guides import all_scale_guides


def content_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _catalog_rows(rows: list[Any], code_field: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        payload = {
            "code": r.code,
            "title": r.title,
            "description": r.description,
            "riasec": dict(r.riasec),
            "skills": list(r.skills),
            "source": r.source,
            code_field: getattr(r, code_field),
        }
        if code_field == "onet_soc_code":
            payload["job_zone"] = r.job_zone
        out.append({**payload, "content_hash": content_hash(payload)})
    return out


def _describe(kind: str, r: dict[str, Any]) -> tuple[str, str]:
    from aptichat.scales import RIASEC

    top = sorted(r["riasec"], key=lambda k: -r["riasec"][k])[:3]
    interests = ", ".join(RIASEC[k] for k in top)
    return r["title"], f"{r['title']} ({kind}). {r['description']} Interests: {interests}."


def _result(report: SyncReport, started: float, model: str) -> MaterializeResult:
    return MaterializeResult(
        metadata={
            "rows": report.total,
            "embedded": report.embedded,
            "unchanged": report.unchanged,
            "removed": report.removed,
            "changed": MetadataValue.json(report.changed_keys[:50]),
            "model": model,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )


def _sync_legacy_catalog(
    context: AssetExecutionContext,
    kind: str,
    table: type[ChatJob] | type[ChatMajor],
    rows: list[Any],
    app_db: AppDatabase,
    embedder: EmbedderResource,
) -> MaterializeResult:
    started = time.perf_counter()
    emb = embedder.get()
    code_field = "onet_soc_code" if table is ChatJob else "cip_code"
    report = sync_catalog(
        app_db.engine(),
        table,
        _catalog_rows(rows, code_field),
        emb.embed_documents,
        emb.model,
        lambda r: _describe(kind, r),
    )
    context.log.info(
        f"{kind} catalog: {report.embedded} embedded, {report.unchanged} unchanged, {report.removed} removed"
    )
    return _result(report, started, emb.model)


@asset(group_name="catalog", kinds={"pgvector"}, pool="embedder")
def job_catalog(
    context: AssetExecutionContext, legacy: LegacyDatabase, app_db: AppDatabase, embedder: EmbedderResource
) -> MaterializeResult:
    """The product's job catalog, copied into chat_jobs with embeddings (HNSW-indexed)."""
    return _sync_legacy_catalog(context, "job", ChatJob, legacy.catalog_jobs(), app_db, embedder)


@asset(group_name="catalog", kinds={"pgvector"}, pool="embedder")
def major_catalog(
    context: AssetExecutionContext, legacy: LegacyDatabase, app_db: AppDatabase, embedder: EmbedderResource
) -> MaterializeResult:
    """The product's major catalog, copied into chat_majors with embeddings (HNSW-indexed)."""
    return _sync_legacy_catalog(context, "major", ChatMajor, legacy.catalog_majors(), app_db, embedder)


def scale_guide_rows() -> list[dict[str, Any]]:
    return [
        {"guide_id": g.guide_id, "scale": g.scale, "title": g.title, "text": g.text, "content_hash": g.content_hash}
        for g in all_scale_guides()
    ]


@asset(group_name="catalog", kinds={"pgvector"}, pool="embedder")
def scale_guides(context: AssetExecutionContext, app_db: AppDatabase, embedder: EmbedderResource) -> MaterializeResult:
    """Our own explanations of every scale, type and skill, embedded for general questions."""
    started = time.perf_counter()
    emb = embedder.get()
    report = sync_catalog(
        app_db.engine(),
        ChatScaleGuide,
        scale_guide_rows(),
        emb.embed_documents,
        emb.model,
        lambda r: (r["title"], r["text"]),
    )
    return _result(report, started, emb.model)
