"""Bearer tokens for partner systems: created with an expiry, approved by a second person for
roles that read children, revoked, and recognised on every API call."""
from __future__ import annotations

import hashlib
import secrets
import time as monotonic_clock
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from triage.clock import LONDON, UTC
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import ApiToken
from triage.services import audit, token_holders
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.people.accounts import agency_for, role_or_error
from triage.services.unit_of_work import unit_of_work
from triage.settings import people_settings


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def end_of_london_day(day: date) -> datetime:
    """A token chosen to last 'until 31 March' works all that day in London, and no longer."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)


def needs_approval(role: Role) -> bool:
    return role in people_settings().token_approval_roles


def create_token(now: datetime, name: str, role: str, agency_code: str | None,
                 created_by_id: int | None = None, expires_at: datetime | None = None,
                 actor: Actor | None = None, holder: str | None = None) -> tuple[ApiToken, str]:
    """Returns the row and the secret, which is shown once and never stored.

    A token for a role that reads children is created waiting for approval (approve_token).
    `holder` is the username of the person it acts for, so what it does is signed by a person;
    it may also be named later (token_holders.name_holder).
    """
    errors: dict[str, list[str]] = {}
    role_value = role_or_error(role, errors)
    if not (name or "").strip():
        errors["name"] = ["Enter a name"]
    expiry, problem = people_settings().token_lifetime.expiry(now, expires_at)
    if problem:
        errors["expires"] = [problem]
    if errors:
        raise Invalid("The token details need correcting", errors)
    secret = "tri_" + secrets.token_urlsafe(32)
    with unit_of_work("token"):
        agency = agency_for(role_value, agency_code)
        holder_id = token_holders.active_person(holder).id if (holder or "").strip() else None
        token = ApiToken(holder_id=holder_id, name=name.strip(), token_hash=token_digest(secret), role=role_value,
                         agency_id=agency.id if agency else None, created_at=now,
                         created_by_id=created_by_id, expires_at=expiry,
                         approved_at=None if needs_approval(role_value) else now)
        db.session.add(token)
        if actor is not None:
            db.session.flush()
            audit.record(actor, now, "create", "api_token", token.id,
                         detail=f"role {role_value}, expires {expiry.isoformat(timespec='minutes')}"
                                + (", awaiting approval" if token.approved_at is None else "")
                                + (f", holder user {holder_id}" if holder_id else ""))
    return token, secret


def approve_token(actor: Actor, now: datetime, token_id: int) -> ApiToken:
    """A manager, or an administrator other than the one who created it, lets the token work."""
    with unit_of_work("token"):
        token = _approve(actor, now, token_id)
    _TOKENS.pop(token.token_hash, None)  # works at once here; elsewhere within TOKEN_CACHE_SECONDS
    return token


def _approve(actor: Actor, now: datetime, token_id: int) -> ApiToken:
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
    return token


def revoke_token(now: datetime, token_id: int, actor: Actor | None = None) -> ApiToken:
    with unit_of_work("token"):
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"No token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = now
            if actor is not None:
                audit.record(actor, now, "revoke", "api_token", token.id)
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
    with unit_of_work("token"):
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
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


def list_tokens() -> list[ApiToken]:
    query = select(ApiToken).options(selectinload(ApiToken.agency)).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


