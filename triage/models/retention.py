"""Retention: legal holds that suspend it, and the record that a child's personal data was erased."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime
from triage.extensions import db

ACTIVE_HOLD = text("lifted_at IS NULL")


class RetentionHold(db.Model):
    """A legal hold on a child's records: nothing is erased while it stands. Lifting it keeps the
    row (who, when, why) beside the audit trail's record of both."""

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    placed_by: Mapped[str] = mapped_column(Text)  # username or token name, as in the audit trail
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lifted_by: Mapped[str | None] = mapped_column(Text)
    lift_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_retention_hold_child", "child_id", "placed_at"),
        # At most one hold stands on a child at a time.
        Index("ux_retention_hold_active", "child_id", unique=True, postgresql_where=ACTIVE_HOLD,
              sqlite_where=ACTIVE_HOLD),
    )

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RetentionErasure(db.Model):
    """That a child's personal data was erased, by whom and under which rule, with the counts of
    the records that remain (dates and codes only) for the returns."""

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), unique=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    erased_by: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    contacts: Mapped[int]
    referrals: Mapped[int]
    assessments: Mapped[int]
    section47s: Mapped[int]


class ReportErasurePermit(db.Model):
    """Leave for one stored morning report to lose an erased child's name, inside the erasure's
    transaction only: the report table refuses every other change (its append-only trigger lets
    an UPDATE through only while a permit names the report and nothing but the text changes),
    and the erasure deletes its permits before it commits."""

    report_id: Mapped[int] = mapped_column(ForeignKey("morning_report.id"), primary_key=True)
