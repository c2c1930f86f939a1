"""Who did something, as a person reads it: a name and a role (the agency, for a partner).

Records keep who acted as an account (a username, an id, or a partner system's token label):
pages show "Helen Firth (Health)" or "Gareth Howell (Front Door manager)" instead. Looked up
once per person per request, by whoever renders the page.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, User

TOKEN_PREFIX = "token:"


@dataclass(frozen=True)
class PersonName:
    name: str
    role: str  # the role's label, or the partner's agency

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


def describe(name: str, role: str, agency: str | None) -> PersonName:
    """A partner is known by their agency; staff by their role."""
    if role == Role.PARTNER and agency:
        return PersonName(name, agency)
    try:
        return PersonName(name, Role(role).label)
    except ValueError:
        return PersonName(name, "")


def people_by(usernames: set[str] = frozenset(), user_ids: set[int] = frozenset()) -> tuple[dict, dict]:
    """(username -> PersonName, user id -> PersonName) for the accounts asked about: one query."""
    if not usernames and not user_ids:
        return {}, {}
    condition = User.username.in_(usernames) if usernames else None
    if user_ids:
        by_id = User.id.in_(user_ids)
        condition = by_id if condition is None else condition | by_id
    rows = db.session.execute(select(User.id, User.username, User.display_name, User.role, Agency.name)
                              .outerjoin(Agency, Agency.id == User.agency_id).where(condition)).all()
    by_username, by_user_id = {}, {}
    for ident, username, display_name, role, agency in rows:
        person = describe(display_name, role, agency)
        by_username[username] = by_user_id[ident] = person
    return by_username, by_user_id


def label_for_principal(label: str) -> PersonName | None:
    """A partner system signed in with a token is named by the token: "Police feed (partner system)"."""
    if label.startswith(TOKEN_PREFIX):
        return PersonName(label[len(TOKEN_PREFIX):], "partner system")
    return None
