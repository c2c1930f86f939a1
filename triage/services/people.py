"""Accounts, sign-in with lockout, and partner-system tokens."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
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
    _TOKENS.pop(token.token_hash, None)  # this process at once; the others within TOKEN_CACHE_SECONDS
    return token


# ------------------------------------------------------------ bearer tokens on every API call

TOKEN_CACHE_SECONDS = 1.0  # a token revoked elsewhere stops working within this time in every process
_TOKEN_CACHE_MAX = 1000


@dataclass(frozen=True)
class TokenIdentity:
    """What a request needs of its token: a snapshot, so it can be kept between requests."""

    id: int
    name: str
    role: str
    agency_id: int | None
    revoked_at: datetime | None
    last_used_at: datetime | None


# digest -> (monotonic time read, snapshot); per process. Only real tokens are kept, so guessing
# secrets cannot fill it.
_TOKENS: dict[str, tuple[float, TokenIdentity]] = {}


def usable(token: TokenIdentity, now: datetime) -> bool:
    """Whether a token may be used at `now`: checked on every request, cached or not."""
    return token.revoked_at is None


def token_identity(secret: str, now: datetime) -> TokenIdentity | None:
    """The token for a bearer secret if it may be used now. Read from the database at most once
    per TOKEN_CACHE_SECONDS per process (the lookup was 13% of intake, bench/README.md)."""
    digest = token_digest(secret)
    cached = _TOKENS.get(digest)
    clock = time.monotonic()
    if cached is not None and 0 <= clock - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        row = db.session.execute(select(
            ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.agency_id, ApiToken.revoked_at,
            ApiToken.last_used_at).where(ApiToken.token_hash == digest)).first()
        if row is None:
            _TOKENS.pop(digest, None)
            return None
        token = TokenIdentity(*row)
        if len(_TOKENS) >= _TOKEN_CACHE_MAX:
            _TOKENS.clear()
        _TOKENS[digest] = (clock, token)
    return token if usable(token, now) else None


def touch_token(secret: str, token: TokenIdentity, now: datetime) -> None:
    """Remember roughly when a token was last used (the caller does this at most hourly)."""
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()
    digest = token_digest(secret)
    cached = _TOKENS.get(digest)
    if cached is not None:
        _TOKENS[digest] = (cached[0], replace(cached[1], last_used_at=now))


def forget_cached_tokens() -> None:
    _TOKENS.clear()


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
