"""The multi-agency triage meeting: attendance, agenda items, what each agency holds, actions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime, text_enum
from triage.domain.agenda import ItemSource
from triage.domain.meetings import ItemState, MeetingState
from triage.extensions import db
from triage.models.contacts import Contact
from triage.models.people import User
from triage.models.reference import Agency, Locality


class Meeting(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    type_code: Mapped[str] = mapped_column(String(40))  # a key of config MEETING_TYPES
    # "<type>:<locality id or all>": one meeting per series a day (NULL localities never clash).
    series: Mapped[str] = mapped_column(String(60))
    meeting_date: Mapped[date]  # the civil date in London
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    state: Mapped[MeetingState] = mapped_column(text_enum(MeetingState, 12), default=MeetingState.PLANNED)
    planned_start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cut_off: Mapped[datetime | None] = mapped_column(UTCDateTime())  # previous meeting's start
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the agenda froze here
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_item_id: Mapped[int | None]  # the item the chair is on (not a foreign key: no cycle)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Bumped (atomically, without a version check) by every change to the meeting or anything
    # on it: what screens poll for, as an ETag. `version` guards edits to the meeting itself.
    revision: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)

    locality: Mapped[Locality | None] = relationship()
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", order_by="MeetingAttendance.id")
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", order_by=lambda: [MeetingItem.position, MeetingItem.id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("series", "meeting_date"),
                      Index("ix_meeting_date", "meeting_date"),
                      Index("ix_meeting_series_started", "series", "started_at"))


class MeetingAttendance(db.Model):
    """Someone at the meeting for an agency: a user of the service, or a name written in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str | None] = mapped_column(String(120))  # someone without an account
    mode: Mapped[str] = mapped_column(String(12))  # in_person, virtual
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    agency: Mapped[Agency] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),
                      Index("ix_meeting_attendance_user", "user_id"))

    @property
    def person(self) -> str:
        return self.user.display_name if self.user else (self.name or "")


class MeetingItem(db.Model):
    """One contact on the agenda, and what the meeting agreed about it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    position: Mapped[int]
    source: Mapped[ItemSource] = mapped_column(text_enum(ItemSource, 20))
    state: Mapped[ItemState] = mapped_column(text_enum(ItemState, 12), default=ItemState.PENDING)
    added_reason: Mapped[str | None] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_reason: Mapped[str | None] = mapped_column(Text)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the meeting agreed
    rag: Mapped[str | None] = mapped_column(String(5))
    outcome: Mapped[str | None] = mapped_column(String(30))  # domain.codes.DecisionOutcome
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    rationale: Mapped[str | None] = mapped_column(Text)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A Front Door manager's confirmation, which is the contact's decision
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    contact: Mapped[Contact] = relationship()
    lead_agency: Mapped[Agency | None] = relationship()
    contributions: Mapped[list[ItemContribution]] = relationship(
        back_populates="item", order_by="ItemContribution.id")
    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="item", order_by="MeetingAction.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("meeting_id", "contact_id"),
                      Index("ix_meeting_item_contact", "contact_id"))


class ItemContribution(db.Model):
    """What one agency holds about an item's children: always marked as that agency's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_item.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))  # username or token name
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[MeetingItem] = relationship(back_populates="contributions")
    agency: Mapped[Agency] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("item_id", "agency_id"),)


class MeetingAction(db.Model):
    """Something the meeting asked someone to do, by a date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_item.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_name: Mapped[str | None] = mapped_column(String(120))
    due_date: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[MeetingItem] = relationship(back_populates="actions")
    owner_agency: Mapped[Agency | None] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_meeting_action_open_due", "done_at", "due_date"),
                      Index("ix_meeting_action_item", "item_id"))

    @property
    def owner(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.display_name
        if self.owner_name:
            return self.owner_name
        return self.owner_agency.name if self.owner_agency else ""


class PathwayRule(db.Model):
    """An administrator's routing rule: contacts that meet every criterion it sets go on the
    agenda of its meeting type (the meeting of the contact's locality, where that type meets
    per locality). Empty criteria match every contact."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    meeting_type: Mapped[str] = mapped_column(String(40))  # a key of the MEETING_TYPES setting
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    concern_categories: Mapped[str | None] = mapped_column(String(200))  # codes, comma-separated: any of them
    source_codes: Mapped[str | None] = mapped_column(String(100))  # referral sources, comma-separated
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    locality: Mapped[Locality | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_pathway_rule_type", "meeting_type", "active"),)

    @property
    def category_list(self) -> list[str]:
        return [c for c in (self.concern_categories or "").split(",") if c]

    @property
    def source_list(self) -> list[str]:
        return [c for c in (self.source_codes or "").split(",") if c]
