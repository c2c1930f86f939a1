"""After the decision: allocation, the child and family assessment, strategy discussions and s47."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime, text_enum
from triage.domain.codes import AssessmentOutcome, CategoryOfAbuse, ClosureReason, S47Outcome
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models.children import Child
from triage.models.contacts import Contact, Referral
from triage.models.people import User
from triage.models.reference import Agency, Team


class Assessment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_on: Mapped[date | None]
    # Due on the 45th working day after the referral date (not the start): stored at creation.
    due_date: Mapped[date]
    child_seen_on: Mapped[date | None]
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    authorised_on: Mapped[date | None]  # the London date of authorisation, for the clock
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[AssessmentOutcome | None] = mapped_column(text_enum(AssessmentOutcome))
    factors: Mapped[str | None] = mapped_column(String(300))  # census factor codes, comma separated
    closure_reason: Mapped[ClosureReason | None] = mapped_column(text_enum(ClosureReason, 4))
    # Was the child assessed as needing children's social care support? (Annex A list 4, 0012)
    needs_support: Mapped[bool | None]
    late_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    import_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    referral: Mapped[Referral] = relationship()
    child: Mapped[Child] = relationship()
    team: Mapped[Team | None] = relationship()
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    case_discussions: Mapped[list[CaseDiscussion]] = relationship(
        back_populates="assessment", order_by="CaseDiscussion.sequence")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_assessment_open", "authorised_at", "due_date"),
                      Index("ix_assessment_worker", "worker_id", "authorised_at"),
                      Index("ix_assessment_authorised_on", "authorised_on"))  # report windows (0005)

    @property
    def factor_codes(self) -> list[str]:
        return [code for code in (self.factors or "").split(",") if code]


class CaseDiscussion(db.Model):
    """A management oversight point during an assessment: planned, then held."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    sequence: Mapped[int]
    planned_on: Mapped[date]
    held_on: Mapped[date | None]
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="case_discussions")
    held_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("assessment_id", "sequence"),)


OPEN_S47 = text("s47_started_on IS NOT NULL AND icpc_held_on IS NULL AND icpc_not_needed_reason IS NULL")


class StrategyDiscussion(db.Model):
    """A strategy discussion, the s47 enquiry it may start, and the conference clock after it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    held_on: Mapped[date]
    agencies_present: Mapped[str] = mapped_column(String(300))  # agency codes, comma separated
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    s47_started_on: Mapped[date | None]
    s47_outcome: Mapped[S47Outcome | None] = mapped_column(text_enum(S47Outcome))
    s47_outcome_on: Mapped[date | None]
    icpc_due_date: Mapped[date | None]  # 15 working days after the discussion, once an s47 starts
    icpc_held_on: Mapped[date | None]
    icpc_not_needed_reason: Mapped[str | None] = mapped_column(Text)
    # What the conference decided (census ChildProtectionPlans; the service runs no plans, 0012)
    resulted_in_plan: Mapped[bool | None]
    plan_start_date: Mapped[date | None]
    plan_category: Mapped[CategoryOfAbuse | None] = mapped_column(text_enum(CategoryOfAbuse, 3))
    plan_end_date: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    referral: Mapped[Referral] = relationship()
    child: Mapped[Child] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_strategy_discussion_referral", "referral_id"),
                      # A child's enquiries and conferences in the 12 months before each one (Annex A, 0012).
                      Index("ix_strategy_discussion_child", "child_id", "s47_started_on"),
                      # Only what is still open, so the report's read grows with open s47s (0005).
                      Index("ix_strategy_discussion_open", "icpc_due_date", postgresql_where=OPEN_S47,
                            sqlite_where=OPEN_S47))

    @property
    def agency_codes(self) -> list[str]:
        return [code for code in self.agencies_present.split(",") if code]


class CaseTransfer(db.Model):
    """A case moved to another team (and worker), and why. Its clocks kept their due dates (0014)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    from_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    from_worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    to_team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    to_worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    transferred_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    from_team: Mapped[Team | None] = relationship(foreign_keys=[from_team_id])
    to_team: Mapped[Team] = relationship(foreign_keys=[to_team_id])
    from_worker: Mapped[User | None] = relationship(foreign_keys=[from_worker_id])
    to_worker: Mapped[User | None] = relationship(foreign_keys=[to_worker_id])
    transferred_by: Mapped[User | None] = relationship(foreign_keys=[transferred_by_id])

    __table_args__ = (Index("ix_case_transfer_referral", "referral_id", "transferred_at"),)


class StepDown(db.Model):
    """A family handed over to an early help team, who accept or return it (0020). From a case
    (an assessment's early help outcome) or straight from a contact's decision (0023): exactly
    one of the two is set."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))  # the early help team
    state: Mapped[StepDownState] = mapped_column(text_enum(StepDownState, 12), default=StepDownState.WAITING)
    note: Mapped[str | None] = mapped_column(Text)  # what the Front Door tells early help
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(120))  # username or token name
    answer_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    referral: Mapped[Referral | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    child: Mapped[Child] = relationship()
    agency: Mapped[Agency] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_step_down_agency_state", "agency_id", "state", "due_date"),
                      Index("ix_step_down_referral", "referral_id"),
                      # One handover per child a contact names: a decision is made once. Also
                      # the index that finds a contact's handovers.
                      UniqueConstraint("contact_id", "child_id"),
                      CheckConstraint("(referral_id IS NULL) <> (contact_id IS NULL)", name="one_source"))


class Notification(db.Model):
    """A message in the service for one person: a clock due soon or breached on their case."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # none: an email to someone outside
    clock_event_id: Mapped[int | None] = mapped_column(ForeignKey("clock_event.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(String(300))  # ids and clock names only: no personal data
    link: Mapped[str | None] = mapped_column(String(200))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Email delivery (services/notify.py): a sender claims a notification before sending it
    # (who, and until when), counts each attempt, and on failure records why (an error class and
    # SMTP code, never an address) and when to try again.
    email_claimed_by: Mapped[str | None] = mapped_column(String(120))
    email_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    email_last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_last_error: Mapped[str | None] = mapped_column(String(200))
    # An email to someone who does not sign in (a referrer, services/feedback.py): its own
    # address, subject and body instead of the person's address and the standard wording.
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_subject: Mapped[str | None] = mapped_column(String(200))
    email_body: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("user_id", "clock_event_id"),
                      Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_email_due", "emailed_at", "email_next_attempt_at"))


class SchedulerLock(db.Model):
    """Who runs the scheduler: a lease that its holder must renew (the heartbeat), on every
    database. `previous_holder` is the holder this one took over from, whose unfinished work
    (email claims) the new holder releases."""

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    previous_holder: Mapped[str | None] = mapped_column(String(120))
