"""Contacts the Emergency Duty Team logged while the Front Door was closed, and their acceptance."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime
from triage.extensions import db
from triage.models.contacts import Contact
from triage.models.people import User


class OutOfHoursHandover(db.Model):
    """One contact on the morning's handover list, until a Front Door worker accepts it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handover_date: Mapped[date]  # the working day whose morning takes it over (London)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # a person, or a token's holder
    accepted_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    version: Mapped[int] = mapped_column(default=1)

    contact: Mapped[Contact] = relationship()
    accepted_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_out_of_hours_handover_waiting", "accepted_at", "handover_date"),
                      Index("ix_out_of_hours_handover_date", "handover_date"))
