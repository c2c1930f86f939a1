"""What the Front Door tells referrers: the wording a council keeps, and every send."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.db_types import UTCDateTime, text_enum
from triage.extensions import db


class FeedbackKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"  # the contact was received
    DECISION = "decision"  # what was decided


class FeedbackMethod(StrEnum):
    EMAIL = "email"  # through the outbox, to the address the referrer gave
    LETTER = "letter"  # printed and posted by the Front Door


class FeedbackTemplate(db.Model):
    """A council's own wording for one kind of feedback; without a row the service's default applies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedbackKind] = mapped_column(text_enum(FeedbackKind), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ReferrerFeedback(db.Model):
    """One acknowledgement or decision feedback sent to a contact's referrer, as it was worded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    kind: Mapped[FeedbackKind] = mapped_column(text_enum(FeedbackKind))
    method: Mapped[FeedbackMethod] = mapped_column(text_enum(FeedbackMethod))
    recipient: Mapped[str | None] = mapped_column(String(254))  # the email address; none for a letter
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # a person, or a token's holder
    sent_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    # The outbox row that carries an email (its delivery state lives there); none for a letter.
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))

    __table_args__ = (Index("ix_referrer_feedback_contact", "contact_id", "sent_at"),)
