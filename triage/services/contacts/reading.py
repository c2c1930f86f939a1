"""Reading a contact: the whole record for Front Door staff and what the service already knows
of each child it names, each read audited once per child in the transaction that reads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain.contact_states import STAFF, ContactState
from triage.extensions import db
from triage.models import Child, Contact, ContactChild, Referral, StepDown
from triage.services import audit
from triage.services import children as children_service
from triage.services.actor import Actor
from triage.services.contacts.common import load
from triage.services.guards import require
from triage.services.referrals import RE_REFERRAL_WINDOW_DAYS, referrals_for_contact
from triage.services.unit_of_work import unit_of_work


def get_contact(actor: Actor, now: datetime, contact_id: int) -> Contact:
    """The whole contact for Front Door staff; audited once per child it names."""
    require(actor, STAFF, "open contacts")
    with unit_of_work("contact", keep_loaded=True):
        contact = load(contact_id)
        audit.record_shown(actor, now, "read", "contact", [(contact.id, link.child_id) for link in contact.children])
    return contact


@dataclass(frozen=True)
class ChildHistory:
    child: Child
    open_referrals: list[Referral]
    referrals_last_12_months: list[Referral]
    contacts_last_12_months: list[Contact]
    # Other records with this child's name and date of birth (or NHS number): a partner system
    # cannot look records up, so its children are matched here, by the Front Door.
    possible_matches: tuple[Child, ...] = ()


def history_for(contact: Contact, actor: Actor | None = None, now: datetime | None = None) -> list[ChildHistory]:
    """What the service already knows of each child: surfaced for screening, not searched for.

    Given the actor, also the possible matches of each child still to be decided, each shown
    match audited as read."""
    with unit_of_work("contact", keep_loaded=True):
        return _history(contact, actor, now)


def _history(contact: Contact, actor: Actor | None, now: datetime | None) -> list[ChildHistory]:
    since = contact.received_at - timedelta(days=RE_REFERRAL_WINDOW_DAYS)
    result = []
    shown: set[int] = set()
    for link in contact.children:
        # Referrals this contact made itself are its outcome, not the child's history.
        referrals = list(db.session.scalars(select(Referral).where(
            Referral.child_id == link.child_id,
            or_(Referral.contact_id.is_(None), Referral.contact_id != contact.id))
            .order_by(Referral.referral_date.desc())))
        earlier = list(db.session.scalars(
            select(Contact).join(ContactChild).where(
                ContactChild.child_id == link.child_id, Contact.id != contact.id,
                Contact.received_at >= since).order_by(Contact.received_at.desc())))
        matches: tuple[Child, ...] = ()
        if actor is not None and contact.state != ContactState.DECIDED:
            child = link.child
            matches = tuple(m for m in children_service.possible_duplicates(
                child.nhs_number, child.first_name, child.last_name, child.date_of_birth, exclude_id=child.id)
                if m.id not in {other.child_id for other in contact.children})
            shown.update(m.id for m in matches)
        result.append(ChildHistory(
            child=link.child,
            open_referrals=[r for r in referrals if r.closed_at is None],
            referrals_last_12_months=[r for r in referrals if r.referral_date >= local_date(since)],
            contacts_last_12_months=earlier, possible_matches=matches))
    for child_id in sorted(shown):
        audit.record(actor, now, "read", "child", child_id, child_id=child_id,
                     detail=f"possible match in contact {contact.id}")
    return result


def open_cases(contact: Contact) -> dict[int, Referral]:
    """Each child's open case (their latest open referral not made by this contact), by child id:
    one query. A decision may add the contact to it instead of making a second referral."""
    found: dict[int, Referral] = {}
    for referral in db.session.scalars(select(Referral).where(
            Referral.child_id.in_([link.child_id for link in contact.children]), Referral.closed_at.is_(None),
            or_(Referral.contact_id.is_(None), Referral.contact_id != contact.id))
            .order_by(Referral.referral_date.desc(), Referral.id.desc())):
        found.setdefault(referral.child_id, referral)
    return found


def read_open_cases(actor: Actor, now: datetime, contact_id: int) -> list[Referral]:
    """The open cases of the children a contact names, audited as read."""
    require(actor, STAFF, "read referrals")
    with unit_of_work("contact", keep_loaded=True):
        cases = list(open_cases(load(contact_id)).values())
        audit.record_shown(actor, now, "read", "referral", [(r.id, r.child_id) for r in cases],
                           detail=f"open cases of the children in contact {contact_id}")
    return cases


@dataclass(frozen=True)
class ContactRead:
    """Everything the contact page shows of the record, read and audited in one transaction."""

    contact: Contact
    history: list[ChildHistory]
    referrals: list[Referral]
    step_downs: dict[int, StepDown] = field(default_factory=dict)  # child id -> handover to early help


def read_for_page(actor: Actor, now: datetime, contact_id: int) -> ContactRead:
    """The contact, its children's history and (once decided) the referrals and handovers to early
    help it made: one unit of work, so the page's reads and their audit rows commit once."""
    with unit_of_work("contact", keep_loaded=True):
        contact = get_contact(actor, now, contact_id)
        history = _history(contact, actor, now)
        decided = contact.state == ContactState.DECIDED
        referrals = referrals_for_contact(actor, now, contact.id) if decided else []
        # Read with the contact's own audit rows: the handover is part of its decision.
        step_downs = {s.child_id: s for s in db.session.scalars(
            select(StepDown).where(StepDown.contact_id == contact.id).options(selectinload(StepDown.agency)))
        } if decided else {}
    return ContactRead(contact=contact, history=history, referrals=referrals, step_downs=step_downs)
