"""AptiChat shared core: settings, database, documents, embedding and answer providers."""

__version__ = "0.1.0"
