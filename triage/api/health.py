"""Liveness for load balancers: no sign-in, no personal data, the same answer with or without a token."""
import logging
import uuid

from flask import Blueprint, current_app, jsonify

from triage.services.health import database_answers

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    check = database_answers()
    if check.answers:
        return jsonify(status="ok", database="ok")
    incident = uuid.uuid4().hex[:12]
    log.error("health check: database unavailable: %s (incident %s)", check.cause, incident)
    response = jsonify(status="degraded", database="unavailable", incident=incident)
    response.status_code = 503
    response.headers["Retry-After"] = str(current_app.config.get("OUTAGE_RETRY_AFTER_SECONDS", 30))
    return response
