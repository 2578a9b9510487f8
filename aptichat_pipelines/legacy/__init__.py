"""What production reads from the legacy aptitude-test database: `AptitudeTestQueries` (queries.py and
the sql_* modules beside it), its blocking facade (sync.py), the row models and the retry rules.
The demo side (schema, instruments, synthetic population, importers) lives in `legacy_sim`."""
