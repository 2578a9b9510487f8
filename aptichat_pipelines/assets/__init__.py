"""Software-defined assets, one module per topic: per-user ETL stages and the shared catalog."""
