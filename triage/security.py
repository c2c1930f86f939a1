"""Request guards that apply to everything, so a new endpoint cannot forget them."""
from __future__ import annotations

from flask import Flask, abort, jsonify, request, session
from flask_login import current_user

from triage.auth import is_api_request, signed_in_via_token
from triage.extensions import csrf, login_manager

PUBLIC_ENDPOINTS = {"web.auth.login", "health.healthz", "static", "web.assets.govuk"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def register(app: Flask) -> None:
    @app.before_request
    def require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not signed_in_via_token():
            session.permanent = True  # idle timeout: PERMANENT_SESSION_LIFETIME, refreshed per request
        return None

    @app.before_request
    def protect_api_calls_made_with_a_session_cookie():
        # Partner systems use bearer tokens, which a browser never sends on its own, so they
        # need no CSRF token. Pages calling the API with the session cookie do.
        if is_api_request() and request.method not in SAFE_METHODS and not signed_in_via_token():
            csrf.protect()

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text and no person types one: refuse it the same way on
        # both databases, naming the field, before any service sees it.
        if request.method in SAFE_METHODS:
            return None
        fields = [k for k, v in request.form.items(multi=True) if "\x00" in v]
        if request.is_json:
            fields += _nul_paths(request.get_json(silent=True), "")
        if not fields:
            return None
        errors = {field or "body": ["Text cannot contain NUL characters"] for field in fields}
        if is_api_request():
            response = jsonify(code=422, status="Unprocessable Entity", message="Text cannot contain NUL characters",
                               errors=errors)
            response.status_code = 422
            return response
        abort(400, description="Text cannot contain NUL characters: " + ", ".join(errors))

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")  # personal data: never cache
        return response


def _nul_paths(value, path: str) -> list[str]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}.{i}" if path else str(i))]
    return []
