-- Runs once, when the postgres volume is empty (docker-entrypoint-initdb.d). POSTGRES_DB (the app
-- database) exists already; Dagster's storage and the demo legacy database are created beside it.
CREATE DATABASE dagster;
CREATE DATABASE aptitude_legacy;
\connect aptichat
CREATE EXTENSION IF NOT EXISTS vector;
