"""Reference data: agencies, localities, teams, the council's closure days and the working-day calendar."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime
from triage.extensions import db


class Agency(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # domain.codes.AgencyKind


class Locality(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Team(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    locality: Mapped[Locality | None] = relationship()


class ClosureDay(db.Model):
    """A day the council is closed that is not a bank holiday (announced by an administrator)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class WorkingDay(db.Model):
    """The working-day calendar as a table, one row a day (domain.calendar.day_numbers).

    `number` is the running count of working days up to and including the day, so "working
    days from a to b" is number(b) - number(a) in SQL on both databases. The pure calendar is
    the only source of the rules: services.calendar writes these rows from it, and re-derives
    them in the same transaction as a closure-day change.
    """

    __tablename__ = "working_day"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_working_day: Mapped[bool]
    number: Mapped[int]

    __table_args__ = (Index("ix_working_day_number", "number", "is_working_day"),)
