"""The WSGI entry point for gunicorn: `gunicorn aptichat_api.wsgi:app` (see `aptichat api serve`)."""

from aptichat_api.app import create_app

app = create_app()
