"""One answer shape per audience: JSON for /api, a page for people; never a 500 for bad input."""
from __future__ import annotations

import logging
import traceback
import uuid
from http import HTTPStatus

from flask import Flask, current_app, g, jsonify, make_response, render_template
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from triage.auth import is_api_request
from triage.extensions import api, login_manager
from triage.services.errors import ServiceError

log = logging.getLogger(__name__)


def _json(status: int, message: str, errors: dict | None = None, **extra):
    body = {"code": status, "status": _reason(status), "message": message, **extra}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _reason(status: int) -> str:
    return HTTPStatus(status).phrase


def _page(status: int, message: str, errors: dict | None = None):
    # error_page: the layout asks the database nothing more (no unread count, no names), since
    # the error may have left the request's transaction unusable.
    return render_template("error.html", status=status, title=_reason(status), message=message,
                           errors=errors or {}, error_page=True), status


# Headers an HTTP error carries that the answer must keep: 405's Allow, 401's WWW-Authenticate,
# 503's Retry-After (RFC 9110 requires Allow on a 405).
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if is_api_request():
            # flask-smorest knows how to describe webargs' 422/400 field messages.
            payload, status, headers = api.handle_http_exception(exc)
            if "message" not in payload and exc.description:
                payload["message"] = exc.description
            response = jsonify(payload)
            response.status_code = status
            response.headers.update(headers)
        else:
            response = make_response(_page(exc.code or 500, exc.description or _reason(exc.code or 500)))
        for name, value in exc.get_headers():
            if name in KEPT_HEADERS:
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc):
        # The database is down, unreachable, or out of connections: the service is unavailable,
        # not broken. Nothing below may touch the database again, or this answer fails too: the
        # page is rendered for nobody in particular (Flask-Login would reload the user). The
        # session is discarded when the request ends.
        g._login_user = login_manager.anonymous_user()
        incident = uuid.uuid4().hex[:12]
        cause = type(getattr(exc, "orig", None) or exc).__name__
        log.error("database unavailable: %s (incident %s)", cause, incident)
        message = (f"The service cannot reach its database at the moment. Try again in a minute "
                   f"(incident {incident})")
        if is_api_request():
            response = _json(503, message, incident=incident)
        else:
            response = make_response(_page(503, message))
        response.headers["Retry-After"] = str(current_app.config.get("OUTAGE_RETRY_AFTER_SECONDS", 30))
        return response

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        # Nothing to undo here: a use case's unit of work rolled back when it raised, and the
        # request's session is discarded when the request ends.
        if is_api_request():
            return _json(exc.status, exc.message, exc.errors)
        return _page(exc.status, exc.message, exc.errors)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_not_storable(exc):
        # A value the database or the date arithmetic cannot hold: a number too large, a NUL
        # byte in text, a year 1. Bad input, never a server fault.
        message = "A value was not accepted: a number too large, a date out of range, or text with a NUL byte"
        return _json(400, message) if is_api_request() else _page(400, message)

    @app.errorhandler(StaleDataError)
    def stale(exc):
        message = "Someone else changed this record at the same moment; reload it and try again"
        return _json(409, message) if is_api_request() else _page(409, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        incident = uuid.uuid4().hex[:12]
        # The exception's message can quote personal data: log its type, the incident id and
        # where it happened (the frames), never the message or any values.
        frames = "".join(traceback.format_tb(exc.__traceback__)) if app.config.get("LOG_TRACEBACKS", True) else ""
        log.error("unhandled %s (incident %s)\n%s", type(exc).__name__, incident, frames)
        message = f"Something went wrong on our side (incident {incident})"
        return _json(500, message) if is_api_request() else _page(500, message)
