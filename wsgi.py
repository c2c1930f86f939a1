"""Entry point for gunicorn: `gunicorn wsgi:app`. The web process never starts a scheduler."""
from triage.app import create_app

app = create_app()
