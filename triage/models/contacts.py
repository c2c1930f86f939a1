"""A contact about one or more children, its screening, partner requests, decisions and referrals."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db_types import UTCDateTime, text_enum
from triage.domain.codes import Consent, ContactChannel, DashRisk, DecisionOutcome, Rag, ReferralSource
from triage.domain.consent import NotSoughtReason
from triage.domain.contact_states import ContactState
from triage.domain.information_requests import RequestState
from triage.extensions import db
from triage.models.children import Child
from triage.models.reference import Agency, Locality, Team


class Contact(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    channel: Mapped[ContactChannel] = mapped_column(text_enum(ContactChannel))
    source_code: Mapped[ReferralSource] = mapped_column(text_enum(ReferralSource, 3))
    referrer_name: Mapped[str | None] = mapped_column(String(120))
    referrer_role: Mapped[str | None] = mapped_column(String(120))
    referrer_agency: Mapped[str | None] = mapped_column(String(120))
    referrer_contact_details: Mapped[str | None] = mapped_column(String(200))
    concern: Mapped[str] = mapped_column(Text)
    consent: Mapped[Consent | None] = mapped_column(text_enum(Consent, 20))
    consent_by: Mapped[str | None] = mapped_column(String(120))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_not_sought_reason: Mapped[NotSoughtReason | None] = mapped_column(text_enum(NotSoughtReason, 40))
    # A refusal overridden (sharing without consent): the approving manager, when and why. The
    # manager's id, not a foreign key, so adding it never rebuilt the table (migration 0013).
    consent_override_by_id: Mapped[int | None]
    consent_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_override_reason: Mapped[str | None] = mapped_column(Text)
    # Police notifications
    police_incident_reference: Mapped[str | None] = mapped_column(String(60))
    dash_risk: Mapped[DashRisk | None] = mapped_column(text_enum(DashRisk, 10))
    operation_encompass_informed: Mapped[bool | None]
    # Retries from partner systems: the same key or the same partner reference is the same contact.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    partner_reference: Mapped[str | None] = mapped_column(String(100))
    partner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    # Screening and routing
    state: Mapped[ContactState] = mapped_column(text_enum(ContactState), default=ContactState.RECEIVED)
    rag: Mapped[Rag | None] = mapped_column(text_enum(Rag, 5))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    put_forward_to_meeting: Mapped[bool] = mapped_column(default=False)
    recommended_outcome: Mapped[DecisionOutcome | None] = mapped_column(text_enum(DecisionOutcome))
    recommendation: Mapped[str | None] = mapped_column(Text)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The decision clock, stored when the contact is received.
    decision_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Feeding back to the referrer
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    children: Mapped[list[ContactChild]] = relationship(back_populates="contact",
                                                        order_by="ContactChild.id")
    rag_changes: Mapped[list[RagChange]] = relationship(order_by="RagChange.id")
    requests: Mapped[list[InformationRequest]] = relationship(back_populates="contact",
                                                              order_by="InformationRequest.id")
    locality: Mapped[Locality | None] = relationship()
    team: Mapped[Team | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("partner_agency_id", "partner_reference"),
        Index("ix_contact_open_due", "state", "decision_due_at"),
        Index("ix_contact_received", "received_at"),
        # Report windows on decisions, answered from the index alone (migration 0005).
        Index("ix_contact_decided", "decided_at", "decision_due_at"),
    )

    @property
    def child_ids(self) -> list[int]:
        return [link.child_id for link in self.children]


class ContactChild(db.Model):
    """One child named in a contact, with the manager's decision for that child."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    # Plain text, not text_enum: the morning report reads it coalesced with 'awaiting', which no
    # outcome is, and an enum column would refuse to hand that back.
    outcome: Mapped[str | None] = mapped_column(String(30))
    rationale: Mapped[str | None] = mapped_column(Text)
    delay_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    within_clock: Mapped[bool | None]
    # "Add to the open case": the child's open referral this contact joined instead of making a
    # new one. An id, not a foreign key, so adding it never rebuilt the table (migration 0013).
    case_referral_id: Mapped[int | None]
    # With no further action: where the family was signposted, codes from the council's list.
    signposting: Mapped[str | None] = mapped_column(String(300))
    # A partner's contact naming a child already recorded: how it was matched ('nhs_number' or
    # 'name_and_date_of_birth', services.child_matching); and for a match by name and date of
    # birth still to be confirmed at screening, the details the partner sent (JSON) (migration 0024).
    matched_by: Mapped[str | None] = mapped_column(String(30))
    match_details: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="children")
    child: Mapped[Child] = relationship()

    __table_args__ = (UniqueConstraint("contact_id", "child_id"),
                      Index("ix_contact_child_child", "child_id"))


class RagChange(db.Model):
    """Every RAG rating given to a contact, with who, when and why: never overwritten."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    rag: Mapped[Rag] = mapped_column(text_enum(Rag, 5))
    previous_rag: Mapped[Rag | None] = mapped_column(text_enum(Rag, 5))
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class InformationRequest(db.Model):
    """A question to one partner agency about a contact, due by the RAG clock."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    question: Mapped[str] = mapped_column(Text)
    rag_at_request: Mapped[str] = mapped_column(String(5))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[RequestState] = mapped_column(text_enum(RequestState, 12), default=RequestState.OPEN)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(120))  # username or token name
    answering_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    contact: Mapped[Contact] = relationship(back_populates="requests")
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_information_request_agency_state", "agency_id", "state", "due_at"),
                      Index("ix_information_request_contact", "contact_id"),
                      Index("ix_information_request_due", "due_at"))  # partner returns by window (0005)

    @property
    def returned_in_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at


class Referral(db.Model):
    """A contact that needs social care services, for one child, dated on the contact's receipt."""

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    # Empty only for referrals brought in from the old spreadsheet, which had no contacts.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    contact_child_id: Mapped[int | None] = mapped_column(ForeignKey("contact_child.id"), unique=True)
    referral_date: Mapped[date]
    source_code: Mapped[ReferralSource | None] = mapped_column(text_enum(ReferralSource, 3))
    outcome: Mapped[DecisionOutcome] = mapped_column(text_enum(DecisionOutcome))  # the decision that made it a referral
    is_re_referral: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closure_reason: Mapped[str | None] = mapped_column(String(4))
    # CIN census details (migration 0012)
    primary_need: Mapped[str | None] = mapped_column(String(2))  # N0-N9, by authorisation
    nfa: Mapped[bool] = mapped_column(default=False, server_default="0")  # referral, no further action
    closed_on: Mapped[date | None]  # the census closure date (London), set with closed_at
    # Who closed it: an id, not a foreign key, so adding it never rebuilds a large table on SQLite.
    closed_by_id: Mapped[int | None]
    closure_note: Mapped[str | None] = mapped_column(Text)  # why it closed with work still open
    import_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    child: Mapped[Child] = relationship()
    contact: Mapped[Contact | None] = relationship()
    team: Mapped[Team | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_referral_child_date", "child_id", "referral_date"),
                      Index("ix_referral_open", "closed_at", "team_id"),
                      # report windows and conversion, newly allocated (migration 0005)
                      Index("ix_referral_date", "referral_date", "contact_id"),
                      Index("ix_referral_allocated", "allocated_at"))
