"""Finding a contact to add to a meeting's agenda by a child's name, as a chair would say it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from triage.domain.contact_states import ContactState
from triage.domain.meetings import ItemState
from triage.extensions import db
from triage.models import Child, Contact, ContactChild, MeetingItem
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Invalid
from triage.services.guards import require
from triage.services.meetings.common import RUNNERS, load_meeting
from triage.services.unit_of_work import unit_of_work

MOST = 20


@unit_of_work("meeting", keep_loaded=True)
def contacts_to_add(actor: Actor, now: datetime, meeting_id: int, child_name: str) -> list[Contact]:
    """Undecided contacts naming a child whose first or last name holds every word typed, newest
    first, leaving out those already on this meeting's agenda; each child shown is audited."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "change a meeting's agenda")
    words = (child_name or "").split()
    if not words or len(" ".join(words)) < 2:
        raise Invalid("Enter the child's name", {"child_name": ["Enter at least 2 letters of the child's name"]})
    named = [or_(func.lower(Child.first_name).contains(w.lower(), autoescape=True),
                 func.lower(Child.last_name).contains(w.lower(), autoescape=True)) for w in words]
    on_agenda = exists().where(MeetingItem.meeting_id == meeting.id, MeetingItem.contact_id == Contact.id,
                               MeetingItem.state != ItemState.REMOVED)
    query = (select(Contact)
             .where(Contact.state != ContactState.DECIDED.value, ~on_agenda,
                    exists().where(ContactChild.contact_id == Contact.id, Child.id == ContactChild.child_id, *named))
             .options(selectinload(Contact.children).selectinload(ContactChild.child))
             .order_by(Contact.received_at.desc(), Contact.id.desc()).limit(MOST))
    found = list(db.session.scalars(query))
    audit.record_shown(actor, now, "search", "contact", [(c.id, link.child_id) for c in found for link in c.children],
                       detail=f"agenda of meeting {meeting.id}: {len(found)} found by child's name")
    return found
