"""What one contact's or one referral's life holds while the generator's stages draw it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from triage.generate.world import Council


@dataclass(slots=True)
class ContactLife:
    """One contact as its stages draw it: what happened, and when."""

    ident: int
    day: date
    received: datetime
    source: str
    kind: str
    channel: str = ""
    police_feed: bool = False
    dash: str | None = None
    operation_encompass: bool | None = None
    rag: str = ""
    outcome: str = ""
    referral: bool = False
    children: list[int] = field(default_factory=list)
    council_index: int = 0
    council: Council | None = None
    locality_id: int | None = None
    consent: str | None = None
    not_sought: str | None = None
    recorded_at: datetime | None = None
    era: int | None = None
    decision_due: datetime | None = None
    ack_due: datetime | None = None
    practitioner: int | None = None
    manager: int | None = None
    decided: datetime | None = None
    rag_at: datetime | None = None
    rag_changes: list[tuple] = field(default_factory=list)
    requests: list[tuple] = field(default_factory=list)  # (agency code, requested, due, answered, state)
    recommended: datetime | None = None
    put_forward: bool = False
    is_decided: bool = False
    state: str = ""
    screened: bool = False
    current_rag: str | None = None
    acknowledged: datetime | None = None
    feedback: datetime | None = None
    late: bool = False
    acknowledged_by: int | None = None
    concern: str = ""
    feedback_sent: bool = False  # the decision fed back by as_of
    child_outcomes: list[str] = field(default_factory=list)  # each child's outcome, parallel to children
    referrer_name: str | None = None
    referrer_details: str | None = None
    referrer_email: str | None = None
    referrer_letter: bool = False
    consent_at: datetime | None = None
    override_at: datetime | None = None
    override_reason: str | None = None
    duplicate_id: int | None = None  # the second record this contact made of its child, merged since
    merged_at: datetime | None = None


@dataclass(slots=True)
class ReferralLife:
    """One referral and the casework after it, as its stages draw it."""

    ident: int
    council: Council
    child: int  # index into the simulation's child arrays
    child_id: int
    contact_id: int
    link: int  # the contact_child row
    day: date
    source: str
    outcome: str
    decided: datetime
    re_referral: bool = False
    team: int | None = None
    allocated: datetime | None = None
    worker: int | None = None
    head: int | None = None
    assessment_id: int | None = None
    due: date | None = None
    s47_route: bool = False
    started_on: date | None = None
    seen_on: date | None = None
    authorised_on: date | None = None
    authorised_at: datetime | None = None
    authorised: bool = False
    assessment_outcome: str = ""
    work_until: date | None = None  # the last day of child protection work; OPEN while it goes on
    factors: str = ""
    closure: str | None = None
    closed_at: datetime | None = None
    closed_now: bool = False
