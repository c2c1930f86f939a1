"""The append-only audit trail: who read or changed what, when, and from where.

Rows are written in the same transaction as the change they record. Database triggers
(see the migration) refuse UPDATE and DELETE, so the trail cannot be quietly edited.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime
from triage.extensions import db


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None]  # not a foreign key: the trail outlives accounts
    token_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(120))  # username or token name, never a child's
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20))  # read, create, update, search, export ...
    entity: Mapped[str] = mapped_column(String(40))  # child, contact, assessment ...
    entity_id: Mapped[int | None]
    child_id: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(10))  # page, api, cli, job
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        Index("ix_audit_event_child", "child_id", "at"),
        Index("ix_audit_event_user", "user_id", "at"),
    )
