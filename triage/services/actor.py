"""Who is acting, in what role, through which channel: passed to every use-case."""
from __future__ import annotations

from dataclasses import dataclass

from triage.domain.roles import Role


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str  # username or token name: never personal data about a child
    user_id: int | None = None
    token_id: int | None = None
    agency_id: int | None = None
    team_id: int | None = None
    channel: str = "page"  # page, api, cli, job
    remote_addr: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


SYSTEM = Actor(role=Role.ADMIN, label="system", channel="job")
