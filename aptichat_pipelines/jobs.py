"""Jobs: the per-user ETL (run in one process per run, many partitions at once) and the catalog."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from aptichat_pipelines.partitions import users_partitions

# In-process: one process per run instead of one per step (a step subprocess re-imports torch, ~8 s).
user_etl_job = define_asset_job(
    "user_etl",
    selection=AssetSelection.groups("user_etl"),
    partitions_def=users_partitions,
    executor_def=in_process_executor,
    description="Legacy results -> documents -> embeddings for one or many users.",
)

catalog_job = define_asset_job(
    "catalog_refresh",
    selection=AssetSelection.groups("catalog"),
    executor_def=in_process_executor,
    description="Job/major catalog and scale guides into pgvector; re-embeds only what changed.",
)
