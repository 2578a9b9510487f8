"""The job and major catalog of the legacy database: our starter catalog (package data written in
our own words) and importers of the real public catalogs (O*NET occupations, NCES CIP programs)."""
