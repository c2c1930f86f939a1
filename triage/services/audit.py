"""Recording and reading the audit trail."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, bindparam, cast, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import AuditEvent, ChildMerge
from triage.services.actor import Actor
from triage.services.errors import Forbidden
from triage.services.unit_of_work import unit_of_work

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


def record_shown(actor: Actor, now: datetime, action: str, entity: str,
                 shown: Iterable[tuple[int | None, int | None]], detail: str | None = None) -> int:
    """One audit row per child shown, written by ONE `INSERT … SELECT` in the current transaction.

    `shown` holds (entity id, child id) pairs, taken from the very rows the caller is about to
    return, so the trail records exactly what was seen. Repeats are written once. A read that
    showed nobody still leaves one row naming no child, so the search or list itself is on
    record. However many children (a 5,000-case report), it is one statement: the ids travel as
    one bound value (a PostgreSQL array; JSON on SQLite), never a row per child from Python.
    Returns the number of rows written. The calling service commits.
    """
    pairs = list(dict.fromkeys((e, c) for e, c in shown)) or [(None, None)]
    table = AuditEvent.__table__
    constants = {
        "at": now, "user_id": actor.user_id, "token_id": actor.token_id, "actor": actor.label,
        "role": str(actor.role), "agency_id": actor.agency_id, "action": action, "entity": entity,
        "channel": actor.channel, "remote_addr": actor.remote_addr, "detail": detail[:300] if detail else None,
    }
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        source = func.unnest(bindparam(None, [e for e, _ in pairs], type_=ARRAY(Integer)),
                             bindparam(None, [c for _, c in pairs], type_=ARRAY(Integer))
                             ).table_valued("entity_id", "child_id").render_derived()
        entity_id, child_id = source.c.entity_id, source.c.child_id
    else:
        source = func.json_each(bindparam(None, json.dumps(pairs))).table_valued("value")
        entity_id = func.json_extract(source.c.value, "$[0]")
        child_id = func.json_extract(source.c.value, "$[1]")
    # PostgreSQL types a bare parameter in a SELECT list as text; SQLite needs no cast (and
    # would turn a timestamp into a number under CAST AS DATETIME).
    columns = [(cast(literal(value, table.c[name].type), table.c[name].type) if postgresql
                else literal(value, table.c[name].type)).label(name) for name, value in constants.items()]
    rows = select(*columns, entity_id.label("entity_id"), child_id.label("child_id")).select_from(source)
    db.session.execute(insert(table).from_select([*constants, "entity_id", "child_id"], rows))
    return len(pairs)


def _trail(actor: Actor, condition, limit: int, before_id: int | None) -> list[AuditEvent]:
    if not actor.has_role(*TRAIL_READERS):
        raise Forbidden("Only managers and administrators can read the audit trail")
    query = select(AuditEvent).where(condition).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))


def child_trail(actor: Actor, now: datetime, child_id: int, limit: int = 100,
                before_id: int | None = None) -> list[AuditEvent]:
    """A child's trail, newest first, with the trails of records merged into it (the trail is
    never rewritten, so a merge is read, not moved); reading it is itself on the child's trail."""
    with unit_of_work("audit trail", keep_loaded=True):
        merged = select(ChildMerge.duplicate_id).where(ChildMerge.kept_id == child_id,
                                                       ChildMerge.undone_at.is_(None))
        events = _trail(actor, (AuditEvent.child_id == child_id) | AuditEvent.child_id.in_(merged),
                        limit, before_id)
        record_shown(actor, now, "read", "audit_trail", [(child_id, child_id)], detail=f"{len(events)} events")
    return events


def user_trail(actor: Actor, now: datetime, user_id: int, limit: int = 100,
               before_id: int | None = None) -> list[AuditEvent]:
    """What a person did, newest first; each child it names has this read on their trail."""
    with unit_of_work("audit trail", keep_loaded=True):
        events = _trail(actor, AuditEvent.user_id == user_id, limit, before_id)
        record_shown(actor, now, "read", "audit_trail", [(user_id, e.child_id) for e in events if e.child_id],
                     detail=f"user {user_id}: {len(events)} events")
    return events
