"""The WSGI entry point for gunicorn: `gunicorn aptichat_api.wsgi:app` (see `aptichat api serve`)."""

from aptichat.logs import configure_logging
from aptichat_api.app import create_app

configure_logging("api")  # JSON lines on stderr unless APTICHAT_LOG_FORMAT=text
app = create_app()
