"""Who is asking: session sign-in for pages, bearer tokens for partner systems, one set of roles.

Both kinds of principal present the same face (role, agency, label) so that views and
services never care which door someone came through.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from triage.clock import utcnow
from triage.domain.roles import Role
from triage.extensions import login_manager
from triage.services import people
from triage.services.actor import Actor

TOKEN_TOUCH_INTERVAL = timedelta(hours=1)


@dataclass
class TokenPrincipal:
    """A partner system signed in with a bearer token (a snapshot of the token, not a row)."""

    token: people.TokenIdentity
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def role(self) -> str:
        return self.token.role

    @property
    def agency_id(self) -> int | None:
        return self.token.agency_id

    @property
    def team_id(self) -> None:
        return None

    @property
    def principal_label(self) -> str:
        return f"token:{self.token.name}"

    def get_id(self) -> str:  # never put in a session
        return f"token:{self.token.id}"


def register_loaders() -> None:
    """Tell Flask-Login how to find who is asking: the session's user, or a bearer token."""
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_bearer)


def _load_user(session_id: str):
    # None for a session that was ended (sign-out, password change, deactivation) anywhere.
    return people.user_for_session(session_id)


def _load_from_bearer(req):
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    secret, now = header[7:].strip(), utcnow()
    token = people.token_for_secret(secret, now)
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        people.touch_token(secret, token, now)
    return TokenPrincipal(token)


def use_bearer_token_if_sent() -> None:
    """A request that sends a bearer token is that token's, whatever cookie came with it.

    Flask-Login looks at the session cookie first, and its "strong" protection treats any
    session it did not make on this address and browser (a partner's HTTP client that kept the
    login page's anonymous cookie, say) as stolen: it signs the request out before ever reading
    the Authorization header, a 401 for a valid token. A token that was sent is also never
    replaced by the cookie's user: a wrong token is a 401, not a quiet fall-back to a session.
    """
    if not request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    g._login_user = _load_from_bearer(request) or login_manager.anonymous_user()


HUMAN_API_PAGES = ("/api/v1/docs",)  # the interactive docs are a page for people


def is_api_request() -> bool:
    return request.path.startswith("/api/") and not request.path.startswith(HUMAN_API_PAGES)


@login_manager.unauthorized_handler
def _unauthorized():
    if is_api_request():
        response = jsonify(code=401, status="Unauthorized",
                           message="Sign in, or send a bearer token in the Authorization header")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="triage"'
        return response
    return redirect(url_for("web.auth.login", next=request.full_path.rstrip("?")))


def current_actor() -> Actor:
    """The signed-in principal as an Actor for the services, with where they came from."""
    principal = current_user
    is_token = isinstance(principal, TokenPrincipal)
    return Actor(
        role=Role(principal.role),
        label=principal.principal_label,
        user_id=None if is_token else principal.id,
        token_id=principal.token.id if is_token else None,
        agency_id=principal.agency_id,
        team_id=principal.team_id,
        channel="api" if is_api_request() else "page",
        remote_addr=request.remote_addr,
    )


def roles_required(*roles: Role):
    """Require sign-in and one of `roles` (none given: any signed-in role)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and Role(current_user.role) not in roles:
                abort(403, description="Your role does not give access to this")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed_in_via_token() -> bool:
    return isinstance(current_user._get_current_object(), TokenPrincipal)
