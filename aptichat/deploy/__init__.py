"""Operations tooling: backups (create, verify, restore, retention) and the PostgreSQL client binaries
they use, blue-green switching of the API, the zero-downtime update of the Dagster code location, and
the small local reverse proxy used when no nginx runs (see docs/operations.md, docs/deployment.md)."""
