"""The schema: migrations build it from empty on both databases and agree with the models."""
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import column as sa_column
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from triage.db_types import text_enum
from triage.domain.codes import ClosureReason
from triage.extensions import db
from triage.models import AuditEvent, ClosureDay


def test_the_migrations_and_the_models_describe_the_same_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_times_come_back_aware_and_in_utc_whatever_zone_they_went_in_with(app, now):
    from zoneinfo import ZoneInfo

    london_summer = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    db.session.add(ClosureDay(day=now.date(), reason="Test", created_at=london_summer))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(db.select(ClosureDay)).created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_a_naive_time_is_refused_rather_than_guessed(app):
    db.session.add(ClosureDay(day=datetime(2026, 1, 2).date(), reason="x",
                              created_at=datetime(2026, 1, 1, 12, 0)))
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_the_audit_trail_refuses_updates_and_deletes(app, now):
    db.session.add(AuditEvent(at=now, actor="someone", role="manager", action="read",
                              entity="child", entity_id=1, child_id=1, channel="page"))
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(text("SELECT action FROM audit_event")) == "read"


@pytest.mark.sqlite_only  # PostgreSQL always enforces foreign keys
def test_sqlite_enforces_foreign_keys_and_uses_wal(app):
    assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
    assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"


def test_a_state_column_refuses_an_unknown_value_but_reads_one_left_by_another_system(app, now):
    db.session.execute(text("CREATE TABLE legacy_codes (code VARCHAR(30))"))
    column = sa_table("legacy_codes", sa_column("code", text_enum(ClosureReason)))
    with pytest.raises(Exception, match="'RC0' is not a ClosureReason"):
        db.session.execute(sa_insert(column).values(code="RC0"))
    db.session.execute(text("INSERT INTO legacy_codes VALUES ('RC8'), ('RC0'), (NULL)"))  # another system
    read = db.session.scalars(sa_select(column.c.code)).all()
    db.session.rollback()

    assert read == [ClosureReason.NFA_AFTER_ASSESSMENT, "RC0", None]
    assert isinstance(read[0], ClosureReason) and not isinstance(read[1], ClosureReason)
