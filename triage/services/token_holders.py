"""The person behind a bearer token: who a partner or case system's token acts for.

A token is a system, not a person, so what it does would otherwise be signed by nobody ("decided
by" left blank). An administrator names the holder; records that say who did something use
`acting_person_id`, which is the signed-in person or the holder of the token in use.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import ApiToken, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work

NAMERS = (Role.ADMIN, Role.MANAGER)


def acting_person_id(actor: Actor) -> int | None:
    """The person who acted: the signed-in user, or the named holder of the token in use."""
    if actor.user_id is not None or actor.token_id is None:
        return actor.user_id
    return db.session.scalar(select(ApiToken.holder_id).where(ApiToken.id == actor.token_id))


def name_holder(actor: Actor, now: datetime, token_id: int, username: str) -> ApiToken:
    """Say who a token acts for: an active person, by username. Audited."""
    require(actor, NAMERS, "name a token's holder")
    with unit_of_work("token"):
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"No token {token_id}")
        if token.revoked_at is not None:
            raise Conflict("This token is revoked: it acts for nobody now")
        holder = active_person(username)
        token.holder_id = holder.id
        audit.record(actor, now, "update", "api_token", token.id, detail=f"holder user {holder.id}")
    return token


def active_person(username: str | None) -> User:
    """The active person a token will act for, by username; an Invalid on `holder` otherwise."""
    holder = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if holder is None or not holder.active:
        raise Invalid("Name an active person", {"holder": ["No active person with that username"]})
    return holder


def holders(token_ids: list[int]) -> dict[int, User]:
    """Each token's holder, for listing tokens."""
    if not token_ids:
        return {}
    rows = db.session.execute(select(ApiToken.id, User).join(User, User.id == ApiToken.holder_id)
                              .where(ApiToken.id.in_(token_ids))).all()
    return {token_id: user for token_id, user in rows}
