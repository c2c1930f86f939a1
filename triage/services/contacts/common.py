"""What every contact use case shares: finding the contact, moving it along its state table, and
auditing a change once per child it names."""
from __future__ import annotations

from datetime import datetime

from triage.domain.contact_states import ContactState, InvalidTransition, check_move
from triage.extensions import db
from triage.models import Contact
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, NotFound


def load(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id}")
    return contact


def move(contact: Contact, target: ContactState) -> None:
    """Move the contact to `target` if its state table allows it; a 409 naming its state if not."""
    try:
        contact.state = check_move(contact.state, target)
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from None


def audit_children(actor: Actor, now: datetime, contact: Contact, action: str, detail: str) -> None:
    for link in contact.children:
        audit.record(actor, now, action, "contact", contact.id, child_id=link.child_id, detail=detail)
