"""Referrals: contacts that need social care services."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from triage.domain.contact_states import STAFF
from triage.extensions import db
from triage.models import Contact, ContactChild, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.cases import open_assessment
from triage.services.errors import NotFound
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work

RE_REFERRAL_WINDOW_DAYS = 365


@unit_of_work("referral", keep_loaded=True)
def referrals_for_contact(actor: Actor, now: datetime, contact_id: int) -> list[Referral]:
    require(actor, STAFF, "read referrals")
    if db.session.get(Contact, contact_id) is None:
        raise NotFound(f"No contact {contact_id}")
    found = list(db.session.scalars(select(Referral).where(Referral.contact_id == contact_id)
                                    .order_by(Referral.id)))
    audit.record_shown(actor, now, "read", "referral", [(r.id, r.child_id) for r in found],
                       detail=f"referrals of contact {contact_id}")
    return found


def had_referral_within_a_year(child_id: int, referral_date: date) -> bool:
    """A re-referral: the child had a referral in the 12 months before this one."""
    window_start = referral_date - timedelta(days=RE_REFERRAL_WINDOW_DAYS)
    return db.session.scalar(select(Referral.id).where(
        Referral.child_id == child_id, Referral.referral_date >= window_start,
        Referral.referral_date <= referral_date).limit(1)) is not None


def refer_from_decision(now: datetime, contact: Contact, link: ContactChild, outcome: str,
                        referral_date: date) -> Referral:
    """The referral a decision makes for one child, with its assessment and clocks started.
    Joins the caller's transaction."""
    referral = Referral(
        child_id=link.child_id, contact_id=contact.id, contact_child_id=link.id,
        referral_date=referral_date, outcome=outcome, created_at=now, team_id=contact.team_id,
        source_code=contact.source_code,
        is_re_referral=had_referral_within_a_year(link.child_id, referral_date))
    db.session.add(referral)
    db.session.flush()
    open_assessment(now, referral)
    return referral
