"""Per-user ETL: legacy_test_results -> user_documents -> user_document_embeddings, partitioned by
person under a pseudonymous key (aptichat.db.person_keys; Dagster never sees a user id).

Each asset handles every partition of its run at once, so a run of many users pays one process start
and embeds in large batches; a backfill is cut into runs of at most `users_per_run` users
(BackfillPolicy.multi_run), so a fresh completion never waits behind a whole backfill.
Recommendations depend on the job and major catalogs (`deps`): a catalog change that re-ranks people
rebuilds their documents (assets/rerank.py). A user whose results cannot be
read or built is recorded (chat_etl_jobs, UI metadata) without failing the other users of the batch;
an error that hits everyone (the legacy database down) fails the step, which is retried.
"""

import time
import warnings
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Backoff,
    BetaWarning,
    Failure,
    Jitter,
    MaterializeResult,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
)

from aptichat.db import etl_jobs
from aptichat.db.person_keys import users_of
from aptichat.documents import ChatDocument
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog
from aptichat_pipelines.erasure_guard import redact, run_began_at, without_erased
from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes
from aptichat_pipelines.observability import observed_stage
from aptichat_pipelines.partitions import users_partitions
from aptichat_pipelines.resources import AppDatabase, EmbedderResource, LegacyDatabase
from aptichat_pipelines.run_status import classify, earlier_failed_attempts
from aptichat_pipelines.stages import (
    LegacyStageResult,
    UserDocumentsStage,
    UserOutcome,
    embed_and_store,
    summarise_scores,
)
from aptichat_pipelines.transform.transformer import DocumentTransformer

# BackfillPolicy.multi_run is how a backfill of many users becomes runs of N users (docs/pipeline.md). Dagster
# labels the parameter beta and would say so in every process that loads the code location.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=BetaWarning)

TRANSIENT_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
# Users per backfill run unless the code location sets it (definitions.py: APTICHAT_USERS_PER_RUN);
# sized from the measured throughput in docs/pipeline.md.
DEFAULT_USERS_PER_BACKFILL_RUN = 50
USER_ASSET_ARGS: dict[str, Any] = {
    "partitions_def": users_partitions,
    "backfill_policy": BackfillPolicy.multi_run(DEFAULT_USERS_PER_BACKFILL_RUN),
    "group_name": "user_etl",
    "retry_policy": TRANSIENT_RETRY,
}


def _run_key(context: AssetExecutionContext) -> str | None:
    return context.run.tags.get("dagster/run_key")


@asset(io_manager_key="stage_io_manager", kinds={"postgres"}, **USER_ASSET_ARGS)
@observed_stage("legacy_test_results")
def legacy_test_results(
    context: AssetExecutionContext, legacy: LegacyDatabase, app_db: AppDatabase
) -> dict[str, LegacyStageResult]:
    """Each user's latest valid completed session, scored by the legacy queries (AptitudeTestQueries)."""
    started = time.perf_counter()
    keys = list(context.partition_keys)
    # partition keys are pseudonyms (aptichat.db.person_keys): one query maps the run's keys to people;
    # a key that maps to nobody (an erased person) is skipped and nothing is written for it
    people = users_of(app_db.engine(), keys)
    key_of = {user_id: key for key, user_id in people.items()}
    user_ids = [people[k] for k in keys if k in people]
    outcomes = decide_legacy_outcomes(user_ids, legacy.fetch_results(user_ids) if user_ids else {})
    if outcomes.step_error is not None:
        # the error names a user and session: Dagster keeps only its redacted text, unchained, led by the
        # class of its root cause (run_status.classify); a transient cause is retried by the step's retry
        # policy, anything else (a wrong URL, a missing table) fails now
        error = outcomes.step_error
        root: BaseException = error
        while root.__cause__ is not None:
            root = root.__cause__
        error_class = classify(type(root).__name__, str(root).strip().split("\n")[0])[0]
        said = redact(str(error), error.user_id or "", key_of.get(error.user_id or "", "(person)"))
        raise Failure(description=f"{error_class}: {said}", allow_retries=outcomes.retryable) from None
    fetched = without_erased(app_db.engine(), outcomes.results)
    failed = {key_of[u]: redact(r.error, u, key_of[u]) for u, r in fetched.items() if r.error}
    context.add_output_metadata(
        {
            "users": len(keys),
            "unmapped": len(keys) - len(user_ids),
            "with_results": len(fetched) - len(failed),
            "without_results": MetadataValue.json(failed) if failed else 0,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return {key_of[u]: stage for u, stage in fetched.items()}


@asset(
    io_manager_key="stage_io_manager",
    # the recommendations rank the catalog's jobs and majors: the edge the UI shows, and what marks
    # documents stale after a catalog refresh
    deps=[job_catalog, major_catalog],
    check_specs=[
        AssetCheckSpec(
            "documents_validate",
            asset="user_documents",
            blocking=True,
            description="Every built document re-validates from its stored JSON.",
        ),
        AssetCheckSpec(
            "recommendations_ranked",
            asset="user_documents",
            blocking=True,
            description="Recommendation lists are non-empty, ranked 1..n with non-increasing fit.",
        ),
    ],
    **USER_ASSET_ARGS,
)
@observed_stage("user_documents")
def user_documents(  # type: ignore[no-untyped-def]
    context: AssetExecutionContext, legacy_test_results: dict[str, LegacyStageResult], app_db: AppDatabase
):
    """The personality profile, thinking skills, career and major recommendations of each user."""
    started = time.perf_counter()
    transformer = DocumentTransformer()
    built: dict[str, UserDocumentsStage] = {}
    # keyed by the person's partition key; each stage value names its person (user_id)
    for key, stage in legacy_test_results.items():
        if stage.results is None:
            built[key] = UserDocumentsStage(user_id=stage.user_id, error=stage.error, error_class=stage.error_class)
            continue
        out = transformer.build(stage.results)
        built[key] = UserDocumentsStage(
            user_id=stage.user_id, documents=out.documents, gaps=out.gaps, session_id=out.session_id
        )
    invalid = _revalidate(built)
    misordered = _misordered(built)
    gaps = {u: b.gaps for u, b in built.items() if b.gaps}
    yield Output(
        built,
        metadata={
            "users": len(built),
            "documents": sum(len(b.documents) for b in built.values()),
            "users_with_gaps": len(gaps),
            "gaps": MetadataValue.json(dict(list(gaps.items())[:20])),
            "scores": MetadataValue.json(summarise_scores(built)),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    yield AssetCheckResult(
        check_name="documents_validate",
        passed=not invalid,
        severity=AssetCheckSeverity.ERROR,
        metadata={"invalid": MetadataValue.json(invalid)},
    )
    yield AssetCheckResult(
        check_name="recommendations_ranked",
        passed=not misordered,
        severity=AssetCheckSeverity.ERROR,
        metadata={"misordered": MetadataValue.json(misordered)},
    )


def _revalidate(built: dict[str, UserDocumentsStage]) -> list[str]:
    problems = []
    for key, stage in built.items():
        for doc in stage.documents:
            try:
                ChatDocument.model_validate(doc.model_dump(mode="json"))
            except ValueError as exc:
                said = redact(str(exc), stage.user_id, key, [stage.session_id, doc.source_session_id])
                problems.append(f"{key}/{doc.document_type}: {said}"[:300])
    return problems


def _misordered(built: dict[str, UserDocumentsStage]) -> list[str]:
    problems = []
    for user_id, stage in built.items():
        for doc in stage.documents:
            items = getattr(doc.content, "items", None)
            if items is None:
                continue
            ranks = [i.rank for i in items]
            fits = [i.fit_score for i in items]
            if not items or ranks != list(range(1, len(items) + 1)) or fits != sorted(fits, reverse=True):
                problems.append(f"{user_id}/{doc.document_type}")
    return problems


@asset(
    pool="embedder",
    kinds={"pgvector"},
    check_specs=[
        AssetCheckSpec(
            "every_section_chunked",
            asset="user_document_embeddings",
            blocking=True,
            description="Each current document has exactly one chunk per section.",
        ),
        AssetCheckSpec(
            "embeddings_match_settings",
            asset="user_document_embeddings",
            blocking=True,
            description="Model and dimension equal the configured ones; no NaN or zero vectors.",
        ),
    ],
    **USER_ASSET_ARGS,
)
@observed_stage("user_document_embeddings")
def user_document_embeddings(
    context: AssetExecutionContext,
    user_documents: dict[str, UserDocumentsStage],
    app_db: AppDatabase,
    embedder: EmbedderResource,
) -> MaterializeResult:
    """Sections chunked, embedded and written with the atomic swap: the new version of a user's
    documents and chunks becomes current in one transaction, or not at all."""
    begun_at = run_began_at(context.instance, context.run)  # an erasure after it keeps the person out
    engine = app_db.engine()
    run_key = _run_key(context)
    source = "backfill" if context.run.tags.get("dagster/backfill") else "manual"
    # when the run was created orders it among a job's attempts (a retry after a crash is newer)
    record = context.instance.get_run_record_by_id(context.run.run_id)
    earlier = earlier_failed_attempts(context.instance, context.run)  # a retry carries the crash it follows

    def record_outcome(key: str, outcome: UserOutcome) -> None:
        # on embed_and_store's writer thread, right after the person's write: overlapped with embedding
        if outcome.status == "erased":
            return  # erased while this run was in flight: nothing names them again
        etl_jobs.record_user_outcome(
            engine,
            user_documents[key].user_id,
            context.run.run_id,
            run_key,
            outcome.status,
            outcome.missing,
            source=source,
            error_class=outcome.error_class,
            run_created_at=record.create_timestamp if record is not None else None,
            root_run_id=context.run.root_run_id or context.run.run_id,
            earlier=earlier,
        )

    report = embed_and_store(user_documents, engine, embedder.get(), begun_at, on_outcome=record_outcome)
    for key, outcome in report.outcomes.items():
        if outcome.status == "failed":  # the person as their partition key only
            stage = user_documents[key]
            context.log.warning(f"person {key}: {redact(str(outcome.missing), stage.user_id, key, [stage.session_id])}")
    return MaterializeResult(
        metadata={
            "users": len(report.outcomes),
            "users_written": report.users_written,
            "documents_written": report.documents_written,
            "documents_unchanged": report.documents_skipped,
            "chunks": report.chunks,
            "embedded_new": report.embedded_new,
            "model": report.model,
            "dim": report.dim,
            "seconds_embedding": round(report.seconds_embedding, 3),
            "seconds_writing": round(report.seconds_writing, 3),
        },
        check_results=[
            AssetCheckResult(
                check_name="every_section_chunked",
                passed=not report.unchunked,
                metadata={"problems": MetadataValue.json(report.unchunked[:50])},
            ),
            AssetCheckResult(
                check_name="embeddings_match_settings",
                passed=not report.bad_vectors,
                metadata={
                    "problems": MetadataValue.json(report.bad_vectors[:50]),
                    "model": report.model,
                    "dim": report.dim,
                },
            ),
        ],
    )


def user_assets(users_per_run: int) -> list[AssetsDefinition]:
    """The three per-user assets with backfills cut into runs of at most `users_per_run` users."""
    policy = BackfillPolicy.multi_run(users_per_run)
    return [
        a.with_attributes(backfill_policy=policy)
        for a in (legacy_test_results, user_documents, user_document_embeddings)
    ]
