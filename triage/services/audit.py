"""Recording and reading the audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import AuditEvent
from triage.services.actor import Actor
from triage.services.errors import Forbidden

TRAIL_READERS = (Role.MANAGER, Role.ADMIN)


def record(actor: Actor, now: datetime, action: str, entity: str, entity_id: int | None,
           child_id: int | None = None, detail: str | None = None) -> AuditEvent:
    """Add an audit row to the current transaction; the calling service commits it."""
    event = AuditEvent(**row(actor, now, action, entity, entity_id, child_id, detail))
    db.session.add(event)
    return event


def row(actor: Actor, now: datetime, action: str, entity: str, entity_id: int | None,
        child_id: int | None = None, detail: str | None = None) -> dict:
    """One audit row's values, for `record` or for `insert_rows`."""
    return dict(
        at=now, user_id=actor.user_id, token_id=actor.token_id, actor=actor.label,
        role=str(actor.role), agency_id=actor.agency_id, action=action, entity=entity,
        entity_id=entity_id, child_id=child_id, channel=actor.channel,
        remote_addr=actor.remote_addr, detail=detail[:300] if detail else None,
    )


def insert_rows(rows: list[dict]) -> None:
    """Write audit rows in one statement, beside the ORM (the calling service commits)."""
    if rows:
        # On the table (Core, not the ORM's bulk path), with RETURNING so that the rows go in as
        # one multi-row INSERT rather than a driver-level executemany.
        table = AuditEvent.__table__
        db.session.connection().execute(insert(table).returning(table.c.id), rows)


def _trail(actor: Actor, condition, limit: int, before_id: int | None) -> list[AuditEvent]:
    if not actor.has_role(*TRAIL_READERS):
        raise Forbidden("Only managers and administrators can read the audit trail")
    query = select(AuditEvent).where(condition).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))


def child_trail(actor: Actor, child_id: int, limit: int = 100, before_id: int | None = None):
    return _trail(actor, AuditEvent.child_id == child_id, limit, before_id)


def user_trail(actor: Actor, user_id: int, limit: int = 100, before_id: int | None = None):
    return _trail(actor, AuditEvent.user_id == user_id, limit, before_id)
