"""The demo's night: two contacts the Emergency Duty Team logged after the Front Door closed
last night, waiting on the morning's handover list."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from triage.clock import LONDON
from triage.domain.codes import ContactChannel
from triage.extensions import db
from triage.models import Child, Contact, ContactChild
from triage.services import contacts

NIGHT = (("21:40", "Police called the EDT: a child found alone at home late in the evening."),
         ("23:55", "A young person missing from home returned by police; the EDT visited."))


def seed_night(ctx) -> tuple[int, int]:
    """(added, present): the EDT's contacts from last night, once."""
    present = len(db.session.scalars(select(Contact.id).where(
        Contact.channel == ContactChannel.EDT_HANDOVER.value)).all())
    if present:
        return 0, present
    quiet = list(db.session.scalars(
        select(Child).where(Child.council_child_id.like("DEMO%"),
                            ~Child.id.in_(select(ContactChild.child_id))).order_by(Child.id).limit(len(NIGHT))))
    yesterday = ctx.today - timedelta(days=1)
    added = 0
    for child, (clock, concern) in zip(quiet, NIGHT, strict=False):
        received = datetime.combine(yesterday, time.fromisoformat(clock), tzinfo=LONDON)
        contacts.record_contact(ctx.actor("era2"), received, {
            "channel": ContactChannel.EDT_HANDOVER.value, "source_code": "9", "concern": concern,
            "received_at": received, "referrer_name": "EDT social worker", "consent": "not_required",
            "children": [{"child_id": child.id}]})
        added += 1
    return added, 0
