"""Database access: the embedded server, engines, ORM models, migrations and repositories."""
