"""People who sign in, and the bearer tokens partner systems use."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime, text_enum
from triage.domain.roles import Role
from triage.extensions import db
from triage.models.reference import Agency, Team


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(text_enum(Role, length=20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # wrong passwords since the last sign-in, anywhere
    # Part of every session's id: raising it (sign-out, password change, deactivation) ends
    # every session of the account at its next request, wherever its cookie was copied to.
    session_epoch: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency | None] = relationship()
    team: Mapped[Team | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login: a deactivated account cannot sign in or keep a session.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"user:{self.id}:{self.session_epoch}"

    @property
    def principal_label(self) -> str:
        return self.username


class ApiToken(db.Model):
    """A revocable bearer token for a partner system, tied to a role and an agency.

    Only a SHA-256 of the token is stored: tokens are long random strings, so a slow
    password hash would add nothing but latency to every API call.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(text_enum(Role, length=20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Tokens for roles that read children wait for a manager or a second administrator.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # the person it acts for

    agency: Mapped[Agency | None] = relationship()

    def usable_at(self, now: datetime) -> bool:
        """Whether the token opens the API at `now` (a cached row can be asked again later)."""
        return self.revoked_at is None and self.approved_at is not None and now < self.expires_at

    @property
    def awaiting_approval(self) -> bool:
        return self.approved_at is None and self.revoked_at is None


class SignInDelay(db.Model):
    """Wrong passwords for one username from one address, and how long that place must wait.

    Keyed by the username as typed (known or not), so the wait says nothing about which
    accounts exist; keyed by address, so nobody elsewhere can slow the real person down.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    remote_addr: Mapped[str] = mapped_column(String(45))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("username", "remote_addr"),
                      Index("ix_sign_in_delay_last_failure_at", "last_failure_at"))


class KnownAddress(db.Model):
    """An address an account has signed in from: exempt from the account-wide attempt limit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    remote_addr: Mapped[str] = mapped_column(String(45))
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("user_id", "remote_addr"),)
