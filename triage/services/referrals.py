"""Referrals: contacts that need social care services."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.contacts import STAFF, load
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work


@unit_of_work("referral", keep_loaded=True)
def referrals_for_contact(actor: Actor, now: datetime, contact_id: int) -> list[Referral]:
    require(actor, STAFF, "read referrals")
    load(contact_id)
    found = list(db.session.scalars(select(Referral).where(Referral.contact_id == contact_id)
                                    .order_by(Referral.id)))
    audit.record_shown(actor, now, "read", "referral", [(r.id, r.child_id) for r in found],
                       detail=f"referrals of contact {contact_id}")
    return found
