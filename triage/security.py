"""Request guards that apply to everything, so a new endpoint cannot forget them."""
from __future__ import annotations

from flask import Flask, request, session
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

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")  # personal data: never cache
        return response
