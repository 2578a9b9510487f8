"""Logs and stage timings of the per-user assets, added by one decorator so the asset bodies stay
about the ETL:

    @asset(...)
    @observed_stage("user_documents")
    def user_documents(context, ..., app_db: AppDatabase): ...

While the asset runs, every log line carries run_id, partitions (the run's user count) and stage
(aptichat.logs context). When it succeeds: one summary line through the Python logger (Dagster keeps
it with the step's logs) and one chat_etl_stage_timings row, which the API exports as the
aptichat_etl_stage_seconds histogram. A failed timing write is logged and never fails the stage.
A stage that called Gemini (the embedding step with Gemini embeddings) also gets the tokens and the
estimated cost of its calls as metadata (`gemini_*`, as dagster-openai does for OpenAI).
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, Output

from aptichat.db.etl_metrics import record_stage_timing
from aptichat.logs import log_context
from aptichat.telemetry import gemini_usage

log = logging.getLogger("aptichat_pipelines.stages")
F = TypeVar("F", bound=Callable[..., Any])


def _scalars(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        if isinstance(value, MetadataValue):
            value = getattr(value, "value", None)
        if isinstance(value, bool | int | float | str):
            out[key] = value
    return out


def _summary_of(result: Any) -> dict[str, Any]:
    """The scalar metadata of what the asset produced (a dict of per-user stage values is counted)."""
    if isinstance(result, MaterializeResult | Output):
        return _scalars(result.metadata)
    if isinstance(result, dict):
        failed = sum(1 for v in result.values() if getattr(v, "error", None))
        return {"with_results": len(result) - failed, "without_results": failed}
    return {}


def with_gemini_usage(result: Any, before: dict[str, float]) -> Any:
    """`result` with this process's Gemini use since `before` (aptichat.telemetry.gemini_usage()) added
    to its metadata; unchanged when the stage made no Gemini call or returns no MaterializeResult."""
    after = gemini_usage()
    used = {f"gemini_{key}": round(after[key] - before.get(key, 0.0), 6) for key in after}
    if not isinstance(result, MaterializeResult) or not any(used.values()):
        return result
    return result._replace(metadata={**(result.metadata or {}), **used})


def _finish(context: AssetExecutionContext, stage: str, app_db: Any, seconds: float, summary: dict[str, Any]) -> None:
    users = len(context.partition_keys)
    fields = {k: v for k, v in summary.items() if k not in ("users", "seconds")}
    log.info(
        "%s: %d users in %.3f s", stage, users, seconds, extra={"users": users, "seconds": round(seconds, 3), **fields}
    )
    try:
        record_stage_timing(app_db.engine(), context.run.run_id, stage, users, seconds)
    except Exception as exc:
        log.warning("stage timing not recorded: %s: %s", type(exc).__name__, exc)


def observed_stage(stage: str) -> Callable[[F], F]:
    """Wrap a per-user asset (plain or generator); it must take `app_db: AppDatabase`."""

    def decorate(fn: F) -> F:
        def bound(context: AssetExecutionContext) -> Any:
            return log_context(run_id=context.run.run_id, partitions=len(context.partition_keys), stage=stage)

        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(context: AssetExecutionContext, *args: Any, **kwargs: Any) -> Iterator[Any]:
                started, summary = time.perf_counter(), {}
                with bound(context):
                    for item in fn(context, *args, **kwargs):
                        if isinstance(item, Output):
                            summary.update(_summary_of(item))
                        yield item
                    _finish(context, stage, kwargs["app_db"], time.perf_counter() - started, summary)

            return gen_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(context: AssetExecutionContext, *args: Any, **kwargs: Any) -> Any:
            started, usage = time.perf_counter(), gemini_usage()
            with bound(context):
                result = with_gemini_usage(fn(context, *args, **kwargs), usage)
                _finish(context, stage, kwargs["app_db"], time.perf_counter() - started, _summary_of(result))
            return result

        return wrapper  # type: ignore[return-value]

    return decorate
