"""Request guards that apply to everything, so a new endpoint cannot forget them."""
from __future__ import annotations

import json
import re

from flask import Flask, abort, current_app, jsonify, request, session
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.exceptions import RequestEntityTooLarge

from triage.auth import is_api_request, signed_in_via_token, use_bearer_token_if_sent
from triage.extensions import csrf, login_manager

PUBLIC_ENDPOINTS = {"web.auth.login", "health.healthz", "static", "web.assets.govuk"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Everything the pages load comes from the service itself (GOV.UK Frontend and Swagger UI are
# served from node_modules). Scripts run only from files here or inline with this response's
# nonce; no inline style attributes or <style> blocks; nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",  # + 'nonce-…' per response
    "style-src": "'self'",
    "img-src": "'self' data:",  # Swagger UI's stylesheet draws a few icons as data: URIs
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Nothing in the service needs a browser feature that could reach a person or their device.
PERMISSIONS_POLICY = {feature: "()" for feature in (
    "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb")}


def register(app: Flask) -> None:
    _security_headers(app)
    # In this order: a body too large or too deep is refused before anything reads it, sign-in
    # before CSRF, and both before any text reaches a service.
    for hook in (refuse_oversized_or_deeply_nested_bodies, require_sign_in,
                 protect_api_calls_made_with_a_session_cookie, refuse_nul_characters):
        app.before_request(hook)
    app.after_request(common_headers)


def refuse_oversized_or_deeply_nested_bodies():
    # First of all, signed in or not: a body too large is refused before anything reads it,
    # and JSON nested deeper than any request of ours is refused before anything parses it
    # (Python's parser and every walk over the result recurse once per level).
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(description=too_large_message(limit))
    if not request.is_json:
        return None
    body = request.get_data(cache=True)  # werkzeug stops at MAX_CONTENT_LENGTH: 413
    if not body.strip():
        return None
    depth = current_app.config["MAX_JSON_DEPTH"]
    if json_nesting_exceeds(body, depth):
        return _bad_body(f"The JSON body is nested more than {depth} levels deep (or its brackets do not match)")
    try:
        # Now safe to parse. Any failure is the caller's: not JSON, not UTF-8, or a number
        # longer than Python reads (4,300 digits), which the parsers downstream would let out
        # as a bare ValueError.
        parsed = json.loads(body)
    except ValueError:
        return _bad_body("The body is not valid JSON")
    if not is_api_request() and not isinstance(parsed, dict):
        kind = JSON_KINDS.get(type(parsed), "value")
        return _bad_body(f"A page takes its form's fields, or a JSON object, not a JSON {kind}")
    return None


def require_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    use_bearer_token_if_sent()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not signed_in_via_token():
        session.permanent = True  # idle timeout: PERMANENT_SESSION_LIFETIME, refreshed per request
    return None


def protect_api_calls_made_with_a_session_cookie():
    # Partner systems use bearer tokens, which a browser never sends on its own, so they
    # need no CSRF token. Pages calling the API with the session cookie do.
    if is_api_request() and request.method not in SAFE_METHODS and not signed_in_via_token():
        csrf.protect()


def refuse_nul_characters():
    # PostgreSQL cannot store NUL in text and no person types one: refuse it the same way on
    # both databases, naming the field, before any service sees it. The same for a lone
    # surrogate (JSON's "\ud800"), which is not text at all and no database can store.
    if request.method in SAFE_METHODS:
        return None
    fields = [k for k, v in request.form.items(multi=True) if _not_text(v)]
    if request.is_json:
        fields += _nul_paths(request.get_json(silent=True), "")
    if not fields:
        return None
    message = "Text cannot contain NUL characters or unpaired surrogates"
    errors = {field or "body": [message] for field in fields}
    if is_api_request():
        response = jsonify(code=422, status="Unprocessable Entity", message=message, errors=errors)
        response.status_code = 422
        return response
    abort(400, description=f"{message}: " + ", ".join(errors))


def common_headers(response):
    # What flask-talisman does not set. COOP: no other site's window keeps a handle on ours.
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    # Personal data: never cached. Said on every answer that does not set its own (static
    # files do), so this hook never needs to know who is signed in: asking would reload the
    # user from the database, which fails during an outage.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "true or false",
              type(None): "null"}


def _bad_body(message: str):
    if is_api_request():
        response = jsonify(code=400, status="Bad Request", message=message)
        response.status_code = 400
        return response
    abort(400, description=message)


def _security_headers(app: Flask) -> None:
    """CSP with a nonce per response, HSTS in production, and the rest, by flask-talisman.

    Registered first so the nonce exists even for an error page answered by an earlier hook.
    HTTPS itself is the load balancer's job (force_https off); HSTS is sent on HTTPS answers
    (directly, or X-Forwarded-Proto: https from the proxy), as RFC 6797 requires.
    """
    Talisman(
        app,
        force_https=False,
        strict_transport_security=app.config["ENV_NAME"] == "production",
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE_SECONDS"],
        strict_transport_security_include_subdomains=False,  # the council's other hosts are not ours
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def too_large_message(limit: int) -> str:
    return (f"The request is too large: the service accepts at most {limit / (1024 * 1024):.3g} MB "
            f"({limit} bytes)")


_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # "unrolled": one step per run of text
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_CURLY_TO_SQUARE = bytes.maketrans(b"{}", b"[]")


def json_nesting_exceeds(body: bytes, limit: int) -> bool:
    """True if a JSON text nests arrays/objects more than `limit` deep, or its brackets do not pair.

    Done on the raw bytes without recursion: strings and everything but brackets are dropped,
    then each pass removes the innermost pairs; a body `limit` levels deep is empty after
    `limit` passes. Each pass runs at C speed, so even a body of MAX_CONTENT_LENGTH takes
    milliseconds.
    """
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body)).translate(_CURLY_TO_SQUARE)
    if b"[" * (limit + 1) in brackets:
        return True  # a run of openers deeper than the limit: no need to pair anything
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"")
        if shorter == brackets:
            return True  # unpaired brackets
        brackets = shorter
    return bool(brackets)


def _not_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _nul_paths(value, path: str) -> list[str]:
    """Where in a parsed JSON body text holds NUL or a lone surrogate (a key too: named by its parent)."""
    if isinstance(value, str):
        return [path] if _not_text(value) else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if _not_text(key):
                found.append(path or "body")
                continue
            found += _nul_paths(item, f"{path}.{key}" if path else key)
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}.{i}" if path else str(i))]
    return []
