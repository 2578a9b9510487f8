"""AptiChat Dagster code location: legacy results -> documents -> pgvector embeddings."""
