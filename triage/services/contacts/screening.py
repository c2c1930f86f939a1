"""Screening a contact: consent, the RAG rating, putting it forward to triage, and the
practitioner's recommendation to the manager."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from triage.domain.codes import Consent, Rag
from triage.domain.contact_commands import (
    ConsentCommand,
    consent_record_problems,
    outcome_problems,
    overrides_refusal,
)
from triage.domain.contact_states import DECIDERS, SCREENERS, ContactState
from triage.extensions import db
from triage.models import Contact, RagChange
from triage.services.actor import Actor
from triage.services.contacts.common import audit_children, load, move
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work


def record_consent(actor: Actor, now: datetime, contact_id: int, consent: str | ConsentCommand | None,
                   consent_by: str | None = None, not_sought_reason: str | None = None,
                   consent_at: datetime | None = None, version: int | None = None) -> Contact:
    """Record or correct the consent position after intake (a feed may not know it)."""
    command = consent if isinstance(consent, ConsentCommand) else ConsentCommand(
        consent=consent, consent_by=consent_by, consent_not_sought_reason=not_sought_reason,
        consent_at=consent_at, version=version)
    return record_consent_command(actor, now, contact_id, command)


def record_consent_command(actor: Actor, now: datetime, contact_id: int, command: ConsentCommand | Mapping) -> Contact:
    require(actor, SCREENERS, "record consent")
    if not isinstance(command, ConsentCommand):
        command = ConsentCommand.from_mapping(command)
    errors = consent_record_problems(command, now)
    if errors:
        raise Invalid("The consent record needs correcting", errors)
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, command.version, "contact")
        if contact.state == ContactState.DECIDED:
            raise Conflict("This contact is decided; its consent record can no longer change")
        if overrides_refusal(contact.consent, command):
            _approve_override(actor, now, contact, command)
        contact.consent = command.consent
        contact.consent_by = (command.consent_by or "").strip() or None
        contact.consent_not_sought_reason = (command.consent_not_sought_reason
                                             if command.consent == Consent.NOT_SOUGHT else None)
        contact.consent_at = command.consent_at or now
        audit_children(actor, now, contact, "update", f"consent {command.consent}")
    return contact


def _approve_override(actor: Actor, now: datetime, contact: Contact, command: ConsentCommand) -> None:
    """Sharing without consent after a refusal: a Front Door manager approves it, saying why."""
    require(actor, DECIDERS, "override a refusal of consent: a Front Door manager approves sharing without it")
    reason = (command.override_reason or "").strip()
    if not reason:
        raise Invalid("Approving sharing without consent needs a reason",
                      {"override_reason": ["Say why sharing without consent is justified"]})
    contact.consent_override_by_id, contact.consent_override_at = actor.user_id, now
    contact.consent_override_reason = reason
    audit_children(actor, now, contact, "update", "consent override approved")


def start_screening(actor: Actor, now: datetime, contact_id: int, version: int | None = None) -> Contact:
    require(actor, SCREENERS, "screen contacts")
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        move(contact, ContactState.SCREENING)
        contact.screened_by_id = contact.screened_by_id or actor.user_id
        audit_children(actor, now, contact, "update", "screening started")
    return contact


def set_rag(actor: Actor, now: datetime, contact_id: int, rag: str, reason: str,
            version: int | None = None) -> Contact:
    """Rate the contact red, amber or green; every rating is kept with who, when and why."""
    require(actor, SCREENERS, "set RAG ratings")
    errors = {}
    if rag not in Rag._value2member_map_:
        errors["rag"] = ["Choose red, amber or green"]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for this rating"]
    if errors:
        raise Invalid("The rating needs correcting", errors)
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        if contact.state == ContactState.DECIDED:
            raise Conflict("This contact is decided; its RAG rating can no longer change")
        if contact.state == ContactState.RECEIVED:
            move(contact, ContactState.SCREENING)
        db.session.add(RagChange(contact_id=contact.id, rag=rag, previous_rag=contact.rag,
                                 reason=reason.strip(), changed_at=now, changed_by_id=actor.user_id))
        contact.rag = Rag(rag)
        contact.screened_by_id = contact.screened_by_id or actor.user_id
        audit_children(actor, now, contact, "update", f"RAG {rag}")
    return contact


def put_forward(actor: Actor, now: datetime, contact_id: int, put_forward: bool = True,
                version: int | None = None) -> Contact:
    """Put a contact forward to the next multi-agency triage meeting (or take it back)."""
    require(actor, SCREENERS, "put contacts forward to triage")
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        if contact.state == ContactState.DECIDED:
            raise Conflict("This contact is decided; there is nothing left for triage to discuss")
        contact.put_forward_to_meeting = put_forward
        audit_children(actor, now, contact, "update",
                       "put forward to triage" if put_forward else "withdrawn from triage")
    return contact


def recommend(actor: Actor, now: datetime, contact_id: int, outcome: str, rationale: str,
              version: int | None = None) -> Contact:
    require(actor, SCREENERS, "recommend outcomes")
    errors = outcome_problems(outcome, rationale)
    if errors:
        raise Invalid("The decision needs correcting", errors)
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        move(contact, ContactState.READY_FOR_DECISION)
        contact.recommended_outcome, contact.recommendation = outcome, rationale.strip()
        contact.recommended_by_id, contact.recommended_at = actor.user_id, now
        audit_children(actor, now, contact, "update", f"recommended {outcome}")
    return contact
