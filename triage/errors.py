"""One answer shape per audience: JSON for /api, a page for people; never a 500 for bad input."""
from __future__ import annotations

import logging
import traceback
import uuid

from flask import Flask, jsonify, render_template
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from triage.auth import is_api_request
from triage.extensions import api, db
from triage.services.errors import ServiceError

log = logging.getLogger(__name__)


def _json(status: int, message: str, errors: dict | None = None):
    body = {"code": status, "status": _reason(status), "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _reason(status: int) -> str:
    from http import HTTPStatus
    return HTTPStatus(status).phrase


def _page(status: int, message: str, errors: dict | None = None):
    return render_template("error.html", status=status, title=_reason(status), message=message,
                           errors=errors or {}), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if is_api_request():
            # flask-smorest knows how to describe webargs' 422/400 field messages.
            return api.handle_http_exception(exc)
        return _page(exc.code or 500, exc.description or _reason(exc.code or 500))

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        if is_api_request():
            return _json(exc.status, exc.message, exc.errors)
        return _page(exc.status, exc.message, exc.errors)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_not_storable(exc):
        # A value the database or the date arithmetic cannot hold: a number too large, a NUL
        # byte in text, a year 1. Bad input, never a server fault.
        db.session.rollback()
        message = "A value was not accepted: a number too large, a date out of range, or text with a NUL byte"
        return _json(400, message) if is_api_request() else _page(400, message)

    @app.errorhandler(StaleDataError)
    def stale(exc):
        db.session.rollback()
        message = "Someone else changed this record at the same moment; reload it and try again"
        return _json(409, message) if is_api_request() else _page(409, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        incident = uuid.uuid4().hex[:12]
        # The exception's message can quote personal data: log its type, the incident id and
        # where it happened (the frames), never the message or any values.
        frames = "".join(traceback.format_tb(exc.__traceback__)) if app.config.get("LOG_TRACEBACKS", True) else ""
        log.error("unhandled %s (incident %s)\n%s", type(exc).__name__, incident, frames)
        message = f"Something went wrong on our side (incident {incident})"
        return _json(500, message) if is_api_request() else _page(500, message)
