"""Confirming at screening a partner's child matched to a record by name and date of birth.

The match is the service's judgement, not the partner's, so the practitioner says whether it
is the same child. The same child: the question is settled (and an NHS number the partner sent
fills the record's gap). Not the same child: the contact is moved to a new record made from what
the partner sent, as though no match had been found; when that is the contact's first child,
the contact takes the new record's locality, as it would have at intake. Both audited; both
change the contact's version, so two people answering at once is a 409.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm.attributes import flag_modified

from triage.domain.contact_states import SCREENERS, ContactState
from triage.extensions import db
from triage.models import Child, Contact, ContactChild
from triage.services import audit, child_matching
from triage.services import children as children_service
from triage.services.actor import Actor
from triage.services.contacts.common import load
from triage.services.errors import Conflict, NotFound
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work


def answer_match(actor: Actor, now: datetime, contact_id: int, child_id: int, same_child: bool,
                 version: int | None) -> ContactChild:
    """Settle a match by name and date of birth on a contact; the contact's link to the child."""
    require(actor, SCREENERS, "confirm which record a child is")
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        link = next((x for x in contact.children if x.child_id == child_id), None)
        if link is None or link.match_details is None:
            raise NotFound(f"Contact {contact_id} has no match to confirm for record {child_id}")
        if contact.state == ContactState.DECIDED or link.outcome is not None:
            raise Conflict("This contact is decided: if the child is not the one recorded, merge or correct "
                           "the records from the child's page")
        if same_child:
            _confirm(actor, now, contact.id, link)
        else:
            _detach(actor, now, contact, link)
        # The contact changed: its version moves, so a second answer made from the same page is stale.
        flag_modified(contact, "state")
        db.session.flush()
        db.session.refresh(link)
    return link


def _confirm(actor: Actor, now: datetime, contact_id: int, link: ContactChild) -> None:
    sent = child_matching.details_from_json(link.match_details)
    link.match_details = None
    audit.record(actor, now, "update", "contact", contact_id, child_id=link.child_id,
                 detail=f"confirmed the same child as record {link.child_id} (matched by name and date of birth)")
    number = sent.get("nhs_number")
    child = db.session.get(Child, link.child_id)
    if number and child.nhs_number is None and db.session.scalar(
            select(Child.id).where(Child.nhs_number == number)) is None:
        child.nhs_number, child.updated_at = number, now
        audit.record(actor, now, "update", "child", child.id, child_id=child.id,
                     detail=f"NHS number from contact {contact_id}")


def _detach(actor: Actor, now: datetime, contact: Contact, link: ContactChild) -> None:
    contact_id = contact.id
    sent = child_matching.details_from_json(link.match_details)
    if sent.get("nhs_number") and db.session.scalar(
            select(Child.id).where(Child.nhs_number == sent["nhs_number"])) is not None:
        sent["nhs_number"] = None  # recorded since on another record: the practitioner sees it there
    table = Child.__table__
    values = {k: sent.get(k) for k in children_service.EDITABLE} | {"created_at": now, "updated_at": now,
                                                                  "version": 1}
    new_id = db.session.connection().execute(insert(table).returning(table.c.id), values).scalar_one()
    was = link.child_id
    audit.record(actor, now, "create", "child", new_id, child_id=new_id,
                 detail=f"not the same child as record {was}, from contact {contact_id}")
    audit.record(actor, now, "update", "contact", contact_id, child_id=was,
                 detail=f"not the same child as record {was}: moved to new record {new_id}")
    link.child_id, link.matched_by, link.match_details = new_id, None, None
    if contact.children[0] is link:
        # A contact's locality is its first child's (as at intake): not the wrong record's any more,
        # or the contact would go to that locality's meeting.
        contact.locality_id = values["locality_id"]
    audit.record(actor, now, "update", "contact", contact_id, child_id=new_id,
                 detail=f"not the same child as record {was}: moved to new record {new_id}")
