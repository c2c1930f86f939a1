"""Liveness for load balancers: no sign-in, no personal data, the same answer with or without a token."""
import logging
import uuid

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from triage.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy", which is the answer
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is already gone
            pass
        incident = uuid.uuid4().hex[:12]
        log.error("health check: database unavailable: %s (incident %s)",
                  type(getattr(exc, "orig", None) or exc).__name__, incident)
        response = jsonify(status="degraded", database="unavailable", incident=incident)
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config.get("OUTAGE_RETRY_AFTER_SECONDS", 30))
        return response
    return jsonify(status="ok", database="ok")
