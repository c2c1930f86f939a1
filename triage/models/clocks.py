"""Clocks as data: every statutory timescale is a row with its due time, computed at its start.

The sweep compares due and warning times with now in one set-based statement; it never
holds a job per case (architecture rule 6).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime, text_enum
from triage.domain.clocks import ClockKind, ClockState
from triage.extensions import db


class Clock(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ClockKind] = mapped_column(text_enum(ClockKind, 30))
    subject: Mapped[str] = mapped_column(String(30))  # contact, information_request, assessment ...
    subject_id: Mapped[int]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # for date clocks: end of the due day
    due_date: Mapped[date | None]  # set for working-day clocks (assessment, ICPC ...)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[ClockState] = mapped_column(text_enum(ClockState, 12), default=ClockState.RUNNING)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who is told when it is due soon or breached.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    # Set on clocks brought in from the old tracker: they start at the referral date, and a
    # breach before this moment is history, recorded by the import and never notified (migration 0008).
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("kind", "subject", "subject_id"),
        # The sweep reads only running clocks, in due order: the index grows with what is open.
        Index("ix_clock_running_due", "stopped_at", "due_at"),
        Index("ix_clock_running_warn", "stopped_at", "warn_at"),
        Index("ix_clock_contact", "contact_id"),
    )


class ClockEvent(db.Model):
    """A warning or a breach, recorded exactly once per clock (the unique constraint sees to it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id"))
    kind: Mapped[ClockState] = mapped_column(text_enum(ClockState, 12))  # due_soon or breached
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it happened: a breach is at the due time
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("clock_id", "kind"), Index("ix_clock_event_at", "at"),
                      Index("ix_clock_event_recorded", "recorded_at"))  # what changed since the last report (0005)
