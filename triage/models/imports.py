"""What the tracker import leaves behind besides cases: the review list and the saved name mapping."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime
from triage.extensions import db


class TrackerReviewItem(db.Model):
    """An imported referral a manager should look at: the import's doubts about its row.

    One per imported referral (a re-import finds it and adds nothing). Kinds are
    `domain.tracker.REVIEW_KINDS` keys; "outcome_needed" is resolved by recording the outcome,
    which authorises the assessment on the tracker's completion date (`noted_completion`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    row_number: Mapped[int]  # in the file that first imported it
    kinds: Mapped[str] = mapped_column(String(200))  # comma separated
    message: Mapped[str] = mapped_column(Text)
    noted_completion: Mapped[date | None]  # the completion date the tracker gave, when not used
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_tracker_review_open", "resolved_at", "id"),)

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]


class TrackerNameMap(db.Model):
    """A saved answer to "what is this name in the tracker here?", reused by later imports."""

    id: Mapped[int] = mapped_column(primary_key=True)
    column: Mapped[str] = mapped_column(String(10))  # team or worker
    name_key: Mapped[str] = mapped_column(String(120))  # domain.tracker.name_key
    name: Mapped[str] = mapped_column(String(120))  # as written
    action: Mapped[str] = mapped_column(String(20))  # domain.tracker.MAP_ACTIONS
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (UniqueConstraint("column", "name_key"),)
