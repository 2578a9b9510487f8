"""Operations tooling: PostgreSQL client binaries for backups, blue-green switching of the API and
the small local reverse proxy used when no nginx runs (see docs/operations.md, docs/deployment.md)."""
