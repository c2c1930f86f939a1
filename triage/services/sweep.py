"""The clock sweep: compare every running clock's due and warning times with now, in SQL.

Each warning and each breach is recorded once (a unique constraint on the event makes a re-run,
or a second scheduler racing this one, harmless) and a breach is recorded at its due time, so a
sweep after downtime records what fell in the gap as it happened. The work grows with what is
running, not with history: only running clocks are read, through an index on (stopped_at, due_at).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, any_, bindparam, exists, func, literal, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from triage.domain.clocks import ClockKind, ClockState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Clock, ClockEvent, Notification, User
from triage.services.unit_of_work import unit_of_work

BREACHED, DUE_SOON = ClockState.BREACHED.value, ClockState.DUE_SOON.value
UTC_TYPE = Clock.__table__.c.due_at.type


@dataclass(frozen=True)
class SweepResult:
    breaches: int
    warnings: int
    notifications: int


def _insert_ignoring_duplicates(table):
    """INSERT ... ON CONFLICT DO NOTHING in the dialect at hand (both support it)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _record_events(kind: str, at_column, window, now: datetime) -> list[int]:
    """Insert the events this sweep is first to see; returns their ids."""
    already = exists().where(ClockEvent.clock_id == Clock.id, ClockEvent.kind == kind)
    source = select(Clock.id, literal(kind), at_column, literal(now, type_=UTC_TYPE)) \
        .where(Clock.stopped_at.is_(None), window, ~already)
    statement = (_insert_ignoring_duplicates(ClockEvent.__table__)
                 .from_select(["clock_id", "kind", "at", "recorded_at"], source)
                 .on_conflict_do_nothing().returning(ClockEvent.__table__.c.id))
    return list(db.session.execute(statement).scalars())


def _events(event_ids: list[int]):
    """ClockEvent.id among these, as ONE bound value: an IN list of tens of thousands of
    parameters took seconds to send and plan (bench/README.md) and SQLite caps the count."""
    if db.engine.dialect.name == "postgresql":
        return ClockEvent.id == any_(bindparam("event_ids", event_ids, type_=postgresql.ARRAY(db.Integer)))
    listed = select(literal_column("value")).select_from(func.json_each(json.dumps(event_ids)))
    return ClockEvent.id.in_(listed.scalar_subquery())


def _not_indexed(column):
    """The column, hidden from SQLite's planner, which otherwise reads the warning window
    through the due_at index: every future running clock. PostgreSQL plans by statistics."""
    if db.engine.dialect.name == "sqlite":
        return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)
    return column


def _notify(event_ids: list[int], now: datetime) -> int:
    """Tell the clock's owner and the owner's manager about each event this sweep recorded."""
    if not event_ids:
        return 0
    message = (Clock.kind + literal(" clock ") + ClockEvent.kind + literal(" on ") + Clock.subject
               + literal(" ") + Clock.subject_id.cast(db.String))
    created = 0
    for recipient in (Clock.owner_id, User.manager_id):
        source = (select(recipient, ClockEvent.id, literal(now, type_=UTC_TYPE), message)
                  .select_from(ClockEvent).join(Clock, ClockEvent.clock_id == Clock.id)
                  .join(User, User.id == Clock.owner_id)
                  .where(_events(event_ids), recipient.is_not(None)))
        statement = (_insert_ignoring_duplicates(Notification.__table__)
                     .from_select(["user_id", "clock_event_id", "created_at", "message"], source)
                     .on_conflict_do_nothing().returning(Notification.__table__.c.id))
        created += len(db.session.execute(statement).all())
    created += _notify_managers_of_unowned_breaches(event_ids, now, message)
    return created


def _notify_managers_of_unowned_breaches(event_ids: list[int], now: datetime, message) -> int:
    """A contact's decision or acknowledgement clock has no owner until someone picks it up: when
    one breaches, every active Front Door manager is told, so a missed clock is never nobody's."""
    managers = aliased(User)
    source = (select(managers.id, ClockEvent.id, literal(now, type_=UTC_TYPE), message)
              .select_from(ClockEvent).join(Clock, ClockEvent.clock_id == Clock.id)
              .join(managers, and_(managers.role == Role.MANAGER.value, managers.active.is_(True)))
              .where(_events(event_ids), ClockEvent.kind == BREACHED, Clock.owner_id.is_(None),
                     Clock.kind.in_([ClockKind.DECISION.value, ClockKind.ACKNOWLEDGEMENT.value])))
    statement = (_insert_ignoring_duplicates(Notification.__table__)
                 .from_select(["user_id", "clock_event_id", "created_at", "message"], source)
                 .on_conflict_do_nothing().returning(Notification.__table__.c.id))
    return len(db.session.execute(statement).all())


@unit_of_work("clock")
def sweep_clocks(now: datetime) -> SweepResult:
    """Record and notify every warning and breach due by `now`, in one transaction."""
    breaches = _record_events(BREACHED, Clock.due_at, Clock.due_at < now, now)
    warnings = _record_events(DUE_SOON, Clock.warn_at, and_(Clock.warn_at <= now, _not_indexed(Clock.due_at) >= now),
                              now)
    db.session.execute(update(Clock).where(Clock.stopped_at.is_(None), Clock.due_at < now,
                                           Clock.state != BREACHED)
                       .values(state=BREACHED, breached_at=Clock.due_at))
    db.session.execute(update(Clock).where(Clock.stopped_at.is_(None), Clock.warn_at <= now,
                                           _not_indexed(Clock.due_at) >= now, Clock.state == "running")
                       .values(state=DUE_SOON))
    notifications = _notify(breaches + warnings, now)
    # Email is sent by the caller afterwards (services/notify.py: send_pending_email), every
    # sweep, whether or not this one recorded anything new: unsent notifications are retried.
    return SweepResult(breaches=len(breaches), warnings=len(warnings), notifications=notifications)
