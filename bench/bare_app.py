"""The floor for intake: a bare WSGI endpoint doing the same single insert, nothing else.

Served by the same gunicorn setup as the service (`gunicorn bench.bare_app:app`), against the
same database (DATABASE_URL), through a SQLAlchemy engine with the service's pool settings.
It parses the JSON body and inserts one row into bench_insert; no auth, no validation, no audit.
"""
from __future__ import annotations

import json
import os

from sqlalchemy import create_engine, text

from triage.config import normalise_database_url

_engine = None


def _get_engine():
    global _engine
    if _engine is None:  # per worker process, after gunicorn forks
        _engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
        if _engine.dialect.name == "sqlite":
            from triage.database import configure_engine_events
            configure_engine_events()
    return _engine


def app(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
        return [b"POST only"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    with _get_engine().begin() as conn:
        ident = conn.execute(text("INSERT INTO bench_insert (body, created_at) VALUES (:body, CURRENT_TIMESTAMP) "
                                  "RETURNING id"), {"body": json.dumps(body)}).scalar_one()
    payload = json.dumps({"id": ident}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
