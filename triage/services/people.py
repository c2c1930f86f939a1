"""Accounts, sign-in that slows guessing without locking anyone out, sessions that end, and
partner-system tokens that expire and, for roles that read children, need a second person."""
from __future__ import annotations

import hashlib
import math
import secrets
import time as monotonic_clock
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from triage.clock import LONDON, UTC
from triage.domain.roles import Role
from triage.domain.signin import DelayPolicy, TokenLifetime
from triage.extensions import db
from triage.models import Agency, ApiToken, AuditEvent, KnownAddress, SignInDelay, Team, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound

MIN_PASSWORD_LENGTH = 12
SIGN_IN_REFUSED = "Enter a correct username and password"
UNKNOWN_ADDRESS = "unknown"
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


def _password_problem(password: str | None) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters"
    return None


def _role_or_error(role: str | None, errors: dict[str, list[str]]) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        errors["role"] = [f"Role must be one of: {', '.join(r.value for r in Role)}"]
        return None


def _team_for(team_name: str | None) -> Team | None:
    if not team_name:
        return None
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    if team is None:
        raise Invalid(f"No team called {team_name!r}", {"team": ["Unknown team"]})
    return team


def create_user(now: datetime, username: str, display_name: str, password: str, role: str,
                agency_code: str | None = None, team_name: str | None = None,
                email: str | None = None, actor: Actor | None = None) -> User:
    """A new account; `actor` (the administrator, or the command line) is audited when given."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors["username"] = ["Use letters, digits, dots, hyphens or underscores"]
    if problem := _password_problem(password):
        errors["password"] = [problem]
    role_value = _role_or_error(role, errors)
    if errors:
        raise Invalid("The account details need correcting", errors)
    agency = _agency_for(role_value, agency_code)
    team = _team_for(team_name)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"The username {username!r} is taken")
    user = User(username=username, display_name=(display_name or username).strip(),
                password_hash=hash_password(password), role=role_value.value,
                agency_id=agency.id if agency else None, team_id=team.id if team else None,
                email=email, created_at=now)
    db.session.add(user)
    if actor is not None:
        db.session.flush()
        audit.record(actor, now, "create", "user", user.id, detail=f"role {role_value.value}")
    db.session.commit()
    return user


# Signing in ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    user: User | None
    problem: str | None  # said to the person; deliberately vague about which part was wrong
    wait: timedelta = timedelta(0)  # how long this place must wait before the next try


def delay_policy() -> DelayPolicy:
    config = current_app.config
    return DelayPolicy(free_failures=config["LOGIN_FREE_FAILURES"],
                       first_wait=timedelta(seconds=config["LOGIN_FIRST_WAIT_SECONDS"]),
                       longest_wait=timedelta(seconds=config["LOGIN_LONGEST_WAIT_SECONDS"]),
                       forget_after=timedelta(hours=config["LOGIN_FAILURES_FORGOTTEN_HOURS"]))


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"Too many wrong passwords from here: wait {seconds} seconds before trying again"
    return f"Too many wrong passwords from here: wait {math.ceil(seconds / 60)} minutes before trying again"


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:80]


def authenticate(now: datetime, username: str, password: str, remote_addr: str | None = None) -> SignIn:
    """Check a password, slowing down wrong guesses from the place they come from.

    Every refusal reads the same whether the account exists, is deactivated or has never been
    heard of, and the waits are kept for any username typed, so neither the words nor the
    waits tell anyone which accounts exist. No account is ever locked: a wait applies to one
    username from one address, so a stranger guessing elsewhere slows only themselves.
    """
    policy = delay_policy()
    name = normalise_username(username)
    address = (remote_addr or UNKNOWN_ADDRESS)[:45]
    delay = db.session.scalar(select(SignInDelay).where(SignInDelay.username == name,
                                                        SignInDelay.remote_addr == address))
    if delay is not None and not policy.still_counts(delay.last_failure_at, now):
        delay.failures, delay.wait_until = 0, None
    user = db.session.scalar(select(User).where(User.username == name))
    if delay is not None and delay.wait_until and delay.wait_until > now:
        # Too soon: refused without looking at the password, so waiting is the only way on.
        wait = delay.wait_until - now
        _audit_sign_in(now, user, address, "sign_in_refused", "asked to wait")
        db.session.commit()
        return SignIn(None, _wait_message(wait), wait)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")  # the same time as a real check
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "")
    if not ok:
        why = "no such account" if user is None else "account deactivated" if not user.active else "wrong password"
        wait = _record_failure(now, name, address, policy, user, why)
        if wait:
            return SignIn(None, f"{SIGN_IN_REFUSED}. {_wait_message(wait)}", wait)
        return SignIn(None, SIGN_IN_REFUSED)
    if delay is not None:
        db.session.delete(delay)
    user.failed_logins = 0
    user.last_login_at = now
    _remember_address(user, address, now)
    _audit_sign_in(now, user, address, "sign_in", None)
    db.session.commit()
    return SignIn(user, None)


def _audit_sign_in(now: datetime, user: User | None, address: str, action: str, detail: str | None) -> None:
    """Who signed in or was refused, when and from where; never the password. A username that
    names no account is not written down (people type their password there by mistake)."""
    db.session.add(AuditEvent(
        at=now, user_id=user.id if user else None, token_id=None,
        actor=user.username if user else "(no such account)", role=user.role if user else "none",
        agency_id=user.agency_id if user else None, action=action, entity="user",
        entity_id=user.id if user else None, child_id=None, channel="page", remote_addr=address,
        detail=detail))


def _record_failure(now: datetime, name: str, address: str, policy: DelayPolicy, user: User | None,
                    why: str) -> timedelta:
    # Records past forgetting are dropped as new failures arrive, so usernames sprayed from many
    # addresses cannot grow the table beyond a day's worth.
    db.session.execute(delete(SignInDelay).where(SignInDelay.last_failure_at < now - policy.forget_after))
    for attempt in (1, 2):  # a second try if a parallel first failure inserted the same row
        delay = db.session.scalar(select(SignInDelay).where(SignInDelay.username == name,
                                                            SignInDelay.remote_addr == address))
        if delay is None:
            delay = SignInDelay(username=name, remote_addr=address, failures=0, last_failure_at=now)
            db.session.add(delay)
        elif not policy.still_counts(delay.last_failure_at, now):
            delay.failures = 0
        delay.failures += 1
        delay.last_failure_at = now
        wait = policy.wait_after(delay.failures)
        delay.wait_until = now + wait if wait else None
        if user is not None:
            user.failed_logins += 1
        _audit_sign_in(now, user, address, "sign_in_refused", why)
        try:
            db.session.commit()
            return wait
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    return timedelta(0)  # pragma: no cover (the loop returns or raises)


def _remember_address(user: User, address: str, now: datetime) -> None:
    known = db.session.scalar(select(KnownAddress).where(KnownAddress.user_id == user.id,
                                                         KnownAddress.remote_addr == address))
    if known is None:
        db.session.add(KnownAddress(user_id=user.id, remote_addr=address, last_seen_at=now))
    else:
        known.last_seen_at = now


def is_known_address(username: str | None, remote_addr: str | None) -> bool:
    """Whether the account has signed in from this address before (the real person's desk)."""
    query = (select(KnownAddress.id).join(User, User.id == KnownAddress.user_id)
             .where(User.username == normalise_username(username),
                    KnownAddress.remote_addr == (remote_addr or UNKNOWN_ADDRESS)[:45]).limit(1))
    return db.session.scalar(query) is not None


def end_sessions(user_id: int) -> None:
    """Sign the account out everywhere: every session's id carries the old epoch."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_epoch += 1
        db.session.commit()


def user_for_session(session_id: str) -> User | None:
    """The account behind a session id `user:<id>:<epoch>`, if that session has not been ended."""
    kind, _, rest = session_id.partition(":")
    raw_id, _, raw_epoch = rest.partition(":")
    if kind != "user" or not raw_id.isdigit() or not raw_epoch.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_epoch != int(raw_epoch):
        return None
    return user


def change_password(now: datetime, user_id: int, current_password: str, new_password: str) -> User:
    """A person changes their own password; every session of the account ends."""
    user = get_user(user_id)
    errors: dict[str, list[str]] = {}
    if not check_password_hash(user.password_hash, current_password or ""):
        errors["current_password"] = ["Your current password is not right"]
    if problem := _password_problem(new_password):
        errors["new_password"] = [problem]
    elif new_password == current_password:
        errors["new_password"] = ["Choose a password different from the current one"]
    if errors:
        raise Invalid("The password was not changed", errors)
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1
    audit.record(_self_actor(user), now, "change_password", "user", user.id)
    db.session.commit()
    return user


def _self_actor(user: User) -> Actor:
    return Actor(role=Role(user.role), label=user.username, user_id=user.id, agency_id=user.agency_id,
                 team_id=user.team_id)


# Administering accounts -----------------------------------------------------------------------

def _administered(actor: Actor, user_id: int, version: int | None = None) -> User:
    if not actor.has_role(Role.ADMIN) or actor.user_id is None and actor.channel != "cli":
        raise Forbidden("Only administrators manage accounts")
    user = get_user(user_id)
    if version is not None and version != user.version:
        raise Conflict("Someone else changed this account at the same moment; reload it and try again")
    return user


def update_user(actor: Actor, now: datetime, user_id: int, version: int | None, display_name: str,
                role: str, agency_code: str | None = None, team_name: str | None = None,
                email: str | None = None) -> User:
    user = _administered(actor, user_id, version)
    errors: dict[str, list[str]] = {}
    if not (display_name or "").strip():
        errors["display_name"] = ["Enter the person's full name"]
    role_value = _role_or_error(role, errors)
    if role_value is not None and user.id == actor.user_id and role_value is not Role.ADMIN:
        errors["role"] = ["You cannot take the administrator role from your own account"]
    if errors:
        raise Invalid("The account details need correcting", errors)
    agency = _agency_for(role_value, agency_code)
    team = _team_for(team_name)
    changes = {"display_name": (user.display_name, display_name.strip()),
               "role": (user.role, role_value.value),
               "agency": (user.agency_id, agency.id if agency else None),
               "team": (user.team_id, team.id if team else None),
               "email": (user.email, email or None)}
    changed = [field for field, (before, after) in changes.items() if before != after]
    if not changed:
        return user
    user.display_name, user.role = display_name.strip(), role_value.value
    user.agency_id, user.team_id, user.email = changes["agency"][1], changes["team"][1], email or None
    detail = ", ".join(f"role {changes['role'][0]} to {changes['role'][1]}" if f == "role" else f for f in changed)
    audit.record(actor, now, "update", "user", user.id, detail=f"changed {detail}")
    db.session.commit()
    return user


def set_active(actor: Actor, now: datetime, user_id: int, active: bool) -> User:
    """Deactivate a leaver (every session ends at once) or let someone back in."""
    user = _administered(actor, user_id)
    if not active and user.id == actor.user_id:
        raise Invalid("You cannot deactivate your own account",
                      {"active": ["Ask another administrator to deactivate your account"]})
    if user.active == active:
        return user
    user.active = active
    user.session_epoch += 1
    audit.record(actor, now, "reactivate" if active else "deactivate", "user", user.id)
    db.session.commit()
    return user


def unlock(actor: Actor, now: datetime, user_id: int) -> int:
    """Clear the waits on an account's sign-in from every address; returns how many there were."""
    user = _administered(actor, user_id)
    cleared = db.session.execute(delete(SignInDelay).where(SignInDelay.username == user.username)).rowcount
    user.failed_logins = 0
    audit.record(actor, now, "unlock", "user", user.id, detail=f"{cleared} sign-in waits cleared")
    db.session.commit()
    return cleared


def reset_password(actor: Actor, now: datetime, user_id: int, new_password: str) -> User:
    """Set a new password for someone; their sessions end and their sign-in waits are cleared."""
    user = _administered(actor, user_id)
    if problem := _password_problem(new_password):
        raise Invalid("The password was not reset", {"password": [problem]})
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1
    user.failed_logins = 0
    db.session.execute(delete(SignInDelay).where(SignInDelay.username == user.username))
    audit.record(actor, now, "reset_password", "user", user.id)
    db.session.commit()
    return user


def sign_in_waits(now: datetime) -> dict[int, int]:
    """For each account, how many addresses are waiting before they may try again."""
    query = (select(User.id, func.count(SignInDelay.id))
             .join(SignInDelay, SignInDelay.username == User.username)
             .where(SignInDelay.wait_until > now).group_by(User.id))
    return dict(db.session.execute(query).all())


# Tokens ---------------------------------------------------------------------------------------

def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lifetime() -> TokenLifetime:
    config = current_app.config
    return TokenLifetime(default=timedelta(days=config["TOKEN_DEFAULT_DAYS"]),
                         longest=timedelta(days=config["TOKEN_LONGEST_DAYS"]))


def end_of_london_day(day: date) -> datetime:
    """A token chosen to last 'until 31 March' works all that day in London, and no longer."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)


def needs_approval(role: Role) -> bool:
    return role.value in current_app.config["TOKEN_APPROVAL_ROLES"]


def create_token(now: datetime, name: str, role: str, agency_code: str | None,
                 created_by_id: int | None = None, expires_at: datetime | None = None,
                 actor: Actor | None = None) -> tuple[ApiToken, str]:
    """Returns the row and the secret, which is shown once and never stored.

    A token for a role that reads children is created waiting for approval (approve_token).
    """
    errors: dict[str, list[str]] = {}
    role_value = _role_or_error(role, errors)
    if not (name or "").strip():
        errors["name"] = ["Enter a name"]
    expiry, problem = token_lifetime().expiry(now, expires_at)
    if problem:
        errors["expires"] = [problem]
    if errors:
        raise Invalid("The token details need correcting", errors)
    agency = _agency_for(role_value, agency_code)
    secret = "tri_" + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), token_hash=token_digest(secret), role=role_value.value,
                     agency_id=agency.id if agency else None, created_at=now,
                     created_by_id=created_by_id, expires_at=expiry,
                     approved_at=None if needs_approval(role_value) else now)
    db.session.add(token)
    if actor is not None:
        db.session.flush()
        audit.record(actor, now, "create", "api_token", token.id,
                     detail=f"role {role_value.value}, expires {expiry.isoformat(timespec='minutes')}"
                            + (", awaiting approval" if token.approved_at is None else ""))
    db.session.commit()
    return token, secret


def approve_token(actor: Actor, now: datetime, token_id: int) -> ApiToken:
    """A manager, or an administrator other than the one who created it, lets the token work."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token {token_id}")
    if actor.user_id is None or not actor.has_role(Role.MANAGER, Role.ADMIN):
        raise Forbidden("Only a Front Door manager or an administrator can approve a token")
    if actor.has_role(Role.ADMIN) and token.created_by_id == actor.user_id:
        raise Forbidden("A second administrator, or a manager, must approve a token you created")
    if token.revoked_at is not None:
        raise Conflict("This token is revoked")
    if token.approved_at is not None:
        raise Conflict("This token is already approved")
    if now >= token.expires_at:
        raise Conflict("This token has expired; create a new one")
    token.approved_at, token.approved_by_id = now, actor.user_id
    audit.record(actor, now, "approve", "api_token", token.id, detail=f"role {token.role}")
    db.session.commit()
    _TOKENS.pop(token.token_hash, None)  # works at once here; elsewhere within TOKEN_CACHE_SECONDS
    return token


def revoke_token(now: datetime, token_id: int, actor: Actor | None = None) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
        if actor is not None:
            audit.record(actor, now, "revoke", "api_token", token.id)
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
    approved_at: datetime | None
    expires_at: datetime


# digest -> (monotonic time read, snapshot); per process. Only real tokens are kept, so guessing
# secrets cannot fill it.
_TOKENS: dict[str, tuple[float, TokenIdentity]] = {}


def usable(token: TokenIdentity, now: datetime) -> bool:
    """Whether a token may be used at `now` (not revoked, approved, not expired): checked on
    every request, cached or not."""
    return token.revoked_at is None and token.approved_at is not None and now < token.expires_at


def token_for_secret(secret: str, now: datetime) -> TokenIdentity | None:
    """The one place a bearer secret becomes a token: revoked, unapproved or expired is None.

    Read from the database at most once per TOKEN_CACHE_SECONDS per process (the lookup was 13%
    of intake, bench/README.md); `usable` is asked on every call, cached or not."""
    digest = token_digest(secret)
    cached = _TOKENS.get(digest)
    clock = monotonic_clock.monotonic()
    if cached is not None and 0 <= clock - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        row = db.session.execute(select(
            ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.agency_id, ApiToken.revoked_at,
            ApiToken.last_used_at, ApiToken.approved_at, ApiToken.expires_at)
            .where(ApiToken.token_hash == digest)).first()
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


def tokens_awaiting_approval() -> list[ApiToken]:
    query = (select(ApiToken).options(selectinload(ApiToken.agency))
             .where(ApiToken.approved_at.is_(None), ApiToken.revoked_at.is_(None)).order_by(ApiToken.id))
    return list(db.session.scalars(query))


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
