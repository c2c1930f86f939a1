"""Accounts, sign-in with lockout, and partner-system tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, ApiToken, Team, User
from triage.services.errors import Conflict, Invalid, NotFound

MIN_PASSWORD_LENGTH = 12
SIGN_IN_REFUSED = ("Enter a correct username and password. After 5 failed attempts an account is "
                   "locked for 15 minutes; ask an administrator if you cannot sign in")
# Compared against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


def hash_password(password: str) -> str:
    # scrypt (Werkzeug's current default); tests may choose a cheaper method for speed.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _agency_for(role: Role, agency_code: str | None) -> Agency | None:
    if role is Role.PARTNER and not agency_code:
        raise Invalid("A partner agency representative must belong to an agency",
                      {"agency": ["Choose the agency this person represents"]})
    if not agency_code:
        return None
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise Invalid(f"No agency with code {agency_code!r}", {"agency": ["Unknown agency code"]})
    return agency


def create_user(now: datetime, username: str, display_name: str, password: str, role: str,
                agency_code: str | None = None, team_name: str | None = None,
                email: str | None = None) -> User:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors["username"] = ["Use letters, digits, dots, hyphens or underscores"]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters"]
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = [f"Role must be one of: {', '.join(r.value for r in Role)}"]
        role_value = None
    if errors:
        raise Invalid("The account details need correcting", errors)
    agency = _agency_for(role_value, agency_code)
    team = None
    if team_name:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise Invalid(f"No team called {team_name!r}", {"team": ["Unknown team"]})
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"The username {username!r} is taken")
    user = User(username=username, display_name=(display_name or username).strip(),
                password_hash=hash_password(password), role=role_value.value,
                agency_id=agency.id if agency else None, team_id=team.id if team else None,
                email=email, created_at=now)
    db.session.add(user)
    db.session.commit()
    return user


@dataclass(frozen=True)
class SignIn:
    user: User | None
    problem: str | None  # said to the person; deliberately vague about which part was wrong


def authenticate(now: datetime, username: str, password: str, max_failures: int,
                 lockout: timedelta) -> SignIn:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    # One answer for every refusal, so nobody can learn which usernames exist or are locked.
    if user is None or not user.active or (user.locked_until and user.locked_until > now):
        check_password_hash(_DUMMY_HASH, password or "")
        return SignIn(None, SIGN_IN_REFUSED)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
        db.session.commit()
        return SignIn(None, SIGN_IN_REFUSED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return SignIn(user, None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(now: datetime, name: str, role: str, agency_code: str | None,
                 created_by_id: int | None = None) -> tuple[ApiToken, str]:
    """Returns the row and the secret, which is shown once and never stored."""
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid("Unknown role", {"role": [f"Role must be one of: {', '.join(r.value for r in Role)}"]})
    if not (name or "").strip():
        raise Invalid("Name the system this token is for", {"name": ["Enter a name"]})
    agency = _agency_for(role_value, agency_code)
    secret = "tri_" + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), token_hash=token_digest(secret), role=role_value.value,
                     agency_id=agency.id if agency else None, created_at=now,
                     created_by_id=created_by_id)
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(now: datetime, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.commit()
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def touch_token(token: ApiToken, now: datetime) -> None:
    """Remember roughly when a token was last used (at most hourly, to keep reads cheap)."""
    token.last_used_at = now
    db.session.commit()


def list_users() -> list[User]:
    query = select(User).options(selectinload(User.agency), selectinload(User.team)).order_by(User.username)
    return list(db.session.scalars(query))


def list_tokens() -> list[ApiToken]:
    query = select(ApiToken).options(selectinload(ApiToken.agency)).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}")
    return user


def display_names(user_ids) -> dict[int, str]:
    """Names for a set of user ids, in one query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
