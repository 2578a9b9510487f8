"""The demo side of the legacy database: its schema, our instruments and norms, a synthetic population
and importers of real answer data. Production never imports this package; it only reads a legacy
database through `aptichat_pipelines.legacy` (AptitudeTestQueries)."""
