"""Asking partner agencies what they hold, and their answers, each on the RAG clock.

A request's steps (answered, withdrawn) are allowed by the table in
`triage.domain.information_requests`; each use case runs in one unit of work."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.consent import partner_request_refusal
from triage.domain.contact_states import ContactState
from triage.domain.information_requests import InvalidRequestStep, RequestState, check_move
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, Contact, ContactChild, InformationRequest
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.contacts import SCREENERS, load, move
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings, partner_settings


@unit_of_work("contact")
def request_information(actor: Actor, now: datetime, contact_id: int, agency_codes: list[str],
                        question: str, version: int | None = None) -> list[InformationRequest]:
    """Ask each agency what it holds; each request is due by the contact's RAG clock."""
    require(actor, SCREENERS, "request partner information")
    errors = {}
    if not agency_codes:
        errors["agencies"] = ["Choose at least one agency"]
    if not (question or "").strip():
        errors["question"] = ["Say what you need to know"]
    agencies = list(db.session.scalars(select(Agency).where(Agency.code.in_(agency_codes or []))))
    unknown = sorted(set(agency_codes or []) - {a.code for a in agencies})
    if unknown:
        errors["agencies"] = [f"Unknown agency: {code}" for code in unknown]
    if errors:
        raise Invalid("The request needs correcting", errors)
    contact = load(contact_id)
    check_version(contact, version, "contact")
    if contact.rag is None:
        raise Conflict("Set a RAG rating first: it sets how fast partners must answer",
                       {"rag": ["This contact has no RAG rating yet"]})
    refusal = partner_request_refusal(contact.consent, contact.rag)
    if refusal:
        raise Conflict(refusal, {"consent": [refusal]})
    already = {r.agency_id for r in contact.requests if r.state == RequestState.OPEN}
    repeated = [a.code for a in agencies if a.id in already]
    if repeated:
        raise Conflict("An open request to this agency already exists",
                       {"agencies": [f"{code} has not answered the last request yet" for code in repeated]})
    move(contact, ContactState.AWAITING_INFORMATION)
    hours = clock_settings().partner_hours_by_rag
    due = clock_rules.partner_information_due(now, contact.rag, hours)
    made = []
    for agency in agencies:
        request = InformationRequest(contact_id=contact.id, agency_id=agency.id, question=question.strip(),
                                     rag_at_request=contact.rag, requested_at=now,
                                     requested_by_id=actor.user_id, due_at=due, state=RequestState.OPEN)
        db.session.add(request)
        db.session.flush()
        clocks.start_clock(ClockKind.PARTNER_INFORMATION, "information_request", request.id, now, due,
                           due - (due - now) / 4, contact_id=contact.id, owner_id=actor.user_id)
        made.append(request)
    for link in contact.children:
        audit.record(actor, now, "update", "contact", contact.id, child_id=link.child_id,
                     detail="information requested of " + ", ".join(a.code for a in agencies))
    return made


def in_partner_scope(now: datetime):
    """A request its agency may still read: open, or answered or withdrawn within the last
    PARTNER_READ_DAYS days. After that the agency's part is over and the contact is not its to see."""
    since = now - timedelta(days=partner_settings().read_days)
    return or_(InformationRequest.state == RequestState.OPEN,
               and_(InformationRequest.state == RequestState.ANSWERED, InformationRequest.answered_at >= since),
               and_(InformationRequest.state == RequestState.WITHDRAWN, InformationRequest.withdrawn_at >= since))


def _step(request: InformationRequest, target: RequestState) -> RequestState:
    try:
        return check_move(request.state, target)
    except InvalidRequestStep as exc:
        raise Conflict(str(exc)) from None


def _load_for(actor: Actor, request_id: int, now: datetime) -> InformationRequest:
    if actor.role is Role.PARTNER:
        # Another agency's request, or one whose time to read has passed, does not exist for it.
        request = db.session.scalar(select(InformationRequest).where(
            InformationRequest.id == request_id, InformationRequest.agency_id == actor.agency_id,
            in_partner_scope(now)))
    else:
        request = db.session.get(InformationRequest, request_id)
    if request is None:
        raise NotFound(f"No information request {request_id} for your agency")
    return request


@unit_of_work("request", keep_loaded=True)
def get_request(actor: Actor, now: datetime, request_id: int) -> InformationRequest:
    require(actor, SCREENERS + (Role.PARTNER,), "read information requests")
    request = _load_for(actor, request_id, now)
    audit.record_shown(actor, now, "read", "information_request",
                       [(request.id, link.child_id) for link in request.contact.children])
    return request


@unit_of_work("request")
def answer_request(actor: Actor, now: datetime, request_id: int, answer: str,
                   version: int | None = None) -> InformationRequest:
    """The agency's answer, marked as that agency's. A practitioner may record an answer given by
    phone; it is still marked as the asked agency's."""
    require(actor, SCREENERS + (Role.PARTNER,), "answer information requests")
    if not (answer or "").strip():
        raise Invalid("Write what your agency holds", {"answer": ["Enter the answer (or 'nothing held')"]})
    request = _load_for(actor, request_id, now)
    check_version(request, version, "request")
    request.state = _step(request, RequestState.ANSWERED)
    request.answer, request.answered_at = answer.strip(), now
    request.answered_by, request.answering_agency_id = actor.label, request.agency_id
    clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", request.id, now)
    contact = request.contact
    still_open = [r for r in contact.requests if r.state == RequestState.OPEN and r.id != request.id]
    if contact.state == ContactState.AWAITING_INFORMATION and not still_open:
        move(contact, ContactState.READY_FOR_DECISION)  # everything asked for has come back
    for link in contact.children:
        audit.record(actor, now, "update", "information_request", request.id, child_id=link.child_id,
                     detail="answered")
    return request


@unit_of_work("request")
def withdraw_request(actor: Actor, now: datetime, request_id: int) -> InformationRequest:
    require(actor, SCREENERS, "withdraw information requests")
    request = _load_for(actor, request_id, now)
    request.state, request.withdrawn_at = _step(request, RequestState.WITHDRAWN), now
    clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", request.id, now)
    contact = request.contact
    if contact.state == ContactState.AWAITING_INFORMATION and not any(
            r.state == RequestState.OPEN for r in contact.requests if r.id != request.id):
        move(contact, ContactState.READY_FOR_DECISION)  # nothing else is awaited
    for link in contact.children:
        audit.record(actor, now, "update", "information_request", request.id, child_id=link.child_id,
                     detail="withdrawn")
    return request


@unit_of_work("request", keep_loaded=True)
def requests_for(actor: Actor, now: datetime, state: RequestState | str | None = RequestState.OPEN, page: int = 1,
                 per_page: int = 25, agency_id: int | None = None) -> Page[InformationRequest]:
    """A partner's inbox: only its own agency's requests still in its scope, oldest due first."""
    require(actor, SCREENERS + (Role.PARTNER,), "read information requests")
    scope = []
    if actor.role is Role.PARTNER:
        if actor.agency_id is None:
            raise Forbidden("Your account is not tied to an agency")
        agency_id = actor.agency_id
        scope = [in_partner_scope(now)]
    query = select(InformationRequest).options(
        selectinload(InformationRequest.agency),
        selectinload(InformationRequest.contact).selectinload(Contact.children).selectinload(ContactChild.child))
    if agency_id is not None:
        query = query.where(InformationRequest.agency_id == agency_id, *scope)
    if state:
        query = query.where(InformationRequest.state == state)
    result = paginate(query.order_by(InformationRequest.due_at, InformationRequest.id), page, per_page)
    audit.record_shown(actor, now, "list", "information_request",
                       [(r.id, link.child_id) for r in result.items for link in r.contact.children],
                       detail=f"inbox: {len(result.items)} shown")
    return result


def partner_can_see_contact(agency_id: int | None, contact_id: int, now: datetime) -> bool:
    """A partner sees a contact only while something asked of its agency about it is open, and
    for PARTNER_READ_DAYS after it was answered or withdrawn."""
    if agency_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        InformationRequest.contact_id == contact_id, InformationRequest.agency_id == agency_id,
        in_partner_scope(now)))))


@unit_of_work("contact", keep_loaded=True)
def contact_for_partner(actor: Actor, now: datetime, contact_id: int) -> Contact:
    """The contact as a partner may see it: only while its agency's part in it lasts."""
    require(actor, (Role.PARTNER,), "read contacts this way")
    if not partner_can_see_contact(actor.agency_id, contact_id, now):
        raise NotFound(f"No contact {contact_id} for your agency")
    contact = load(contact_id)
    audit.record_shown(actor, now, "read", "contact", [(contact.id, link.child_id) for link in contact.children],
                       detail="partner view")
    return contact
