"""Accounts: creating and administering them, passwords, and the sessions they hold."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, SignInDelay, Team, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.guards import check_version
from triage.services.unit_of_work import unit_of_work
from triage.settings import people_settings

MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=people_settings().password_hash_method)


def agency_for(role: Role, agency_code: str | None) -> Agency | None:
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


def role_or_error(role: str | None, errors: dict[str, list[str]]) -> Role | None:
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
    role_value = role_or_error(role, errors)
    if errors:
        raise Invalid("The account details need correcting", errors)
    with unit_of_work("account"):
        agency = agency_for(role_value, agency_code)
        team = _team_for(team_name)
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"The username {username!r} is taken")
        user = User(username=username, display_name=(display_name or username).strip(),
                    password_hash=hash_password(password), role=role_value,
                    agency_id=agency.id if agency else None, team_id=team.id if team else None,
                    email=email, created_at=now)
        db.session.add(user)
        if actor is not None:
            db.session.flush()
            audit.record(actor, now, "create", "user", user.id, detail=f"role {role_value}")
    return user


def end_sessions(user_id: int) -> None:
    """Sign the account out everywhere: every session's id carries the old epoch."""
    with unit_of_work("account"):
        user = db.session.get(User, user_id)
        if user is not None:
            user.session_epoch += 1


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


@unit_of_work("account")
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
    audit.record(self_actor(user), now, "change_password", "user", user.id)
    return user


def self_actor(user: User) -> Actor:
    return Actor(role=Role(user.role), label=user.username, user_id=user.id, agency_id=user.agency_id,
                 team_id=user.team_id)


# Administering accounts -----------------------------------------------------------------------

def _administered(actor: Actor, user_id: int, version: int | None = None) -> User:
    if not actor.has_role(Role.ADMIN) or actor.user_id is None and actor.channel != "cli":
        raise Forbidden("Only administrators manage accounts")
    user = get_user(user_id)
    check_version(user, version, "account")
    return user


@unit_of_work("account")
def update_user(actor: Actor, now: datetime, user_id: int, version: int | None, display_name: str,
                role: str, agency_code: str | None = None, team_name: str | None = None,
                email: str | None = None) -> User:
    user = _administered(actor, user_id, version)
    errors: dict[str, list[str]] = {}
    if not (display_name or "").strip():
        errors["display_name"] = ["Enter the person's full name"]
    role_value = role_or_error(role, errors)
    if role_value is not None and user.id == actor.user_id and role_value is not Role.ADMIN:
        errors["role"] = ["You cannot take the administrator role from your own account"]
    if errors:
        raise Invalid("The account details need correcting", errors)
    agency = agency_for(role_value, agency_code)
    team = _team_for(team_name)
    changes = {"display_name": (user.display_name, display_name.strip()),
               "role": (user.role, role_value),
               "agency": (user.agency_id, agency.id if agency else None),
               "team": (user.team_id, team.id if team else None),
               "email": (user.email, email or None)}
    changed = [field for field, (before, after) in changes.items() if before != after]
    if not changed:
        return user
    user.display_name, user.role = display_name.strip(), role_value
    user.agency_id, user.team_id, user.email = changes["agency"][1], changes["team"][1], email or None
    detail = ", ".join(f"role {changes['role'][0]} to {changes['role'][1]}" if f == "role" else f for f in changed)
    audit.record(actor, now, "update", "user", user.id, detail=f"changed {detail}")
    return user


@unit_of_work("account")
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
    return user


@unit_of_work("account")
def unlock(actor: Actor, now: datetime, user_id: int) -> int:
    """Clear the waits on an account's sign-in from every address; returns how many there were."""
    user = _administered(actor, user_id)
    cleared = db.session.execute(delete(SignInDelay).where(SignInDelay.username == user.username)).rowcount
    user.failed_logins = 0
    audit.record(actor, now, "unlock", "user", user.id, detail=f"{cleared} sign-in waits cleared")
    return cleared


@unit_of_work("account")
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
    return user


def sign_in_waits(now: datetime) -> dict[int, int]:
    """For each account, how many addresses are waiting before they may try again."""
    query = (select(User.id, func.count(SignInDelay.id))
             .join(SignInDelay, SignInDelay.username == User.username)
             .where(SignInDelay.wait_until > now).group_by(User.id))
    return dict(db.session.execute(query).all())


def list_users() -> list[User]:
    query = select(User).options(selectinload(User.agency), selectinload(User.team)).order_by(User.username)
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
