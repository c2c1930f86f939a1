"""Telling referrers: an acknowledgement that their contact arrived, and what was decided.

Sent by email through the notification outbox (services/notify.py delivers it, retries it and
records its delivery) where the referrer gave an address, or as a letter the Front Door prints.
Every send is kept as it was worded and shows on the contact; the first acknowledgement meets the
contact's acknowledgement clock.

What a referrer may be told is fixed here, not by the wording a council edits: a template can
only use the placeholders below, and none of them carries a child's name, the concern, the RAG
rating, the rationale, partner information or anyone's address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from triage.clock import local_date
from triage.domain.clocks import ClockKind
from triage.domain.codes import DecisionOutcome
from triage.domain.contact_states import ContactState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Contact, FeedbackTemplate, Notification, ReferrerFeedback
from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.token_holders import acting_person_id
from triage.services.unit_of_work import unit_of_work

SENDERS = (Role.ERA, Role.PRACTITIONER, Role.MANAGER)
EDITORS = (Role.MANAGER, Role.ADMIN)

# name -> what it holds; the only details a template can put in front of a referrer.
COMMON_PLACEHOLDERS = {
    "referrer_name": "the referrer's name, as they gave it",
    "contact_reference": "the contact's number",
    "received_date": "the date the contact was received",
    "council_name": "the council's name",
}
DECISION_PLACEHOLDERS = {
    "decision_date": "the date of the decision",
    "outcomes": "one line per child: the child's initials and the outcome in plain words",
}
NEVER_INCLUDED = ("children's or family members' names, dates of birth or addresses", "the concern",
                  "the RAG rating", "the manager's rationale", "what partner agencies said",
                  "workers' names")

DEFAULTS = {
    FeedbackKind.ACKNOWLEDGEMENT: (
        "We have received your contact (reference {contact_reference})",
        "Dear {referrer_name},\n\n"
        "Thank you for contacting the {council_name} children's services Front Door. We received "
        "your contact on {received_date} and have given it the reference {contact_reference}.\n\n"
        "A manager will decide what happens next, and we will let you know the outcome. If you "
        "think a child is in immediate danger, call the police on 999.\n\n"
        "Please quote {contact_reference} if you contact us about this.\n\n"
        "Front Door\n{council_name}\n"),
    FeedbackKind.DECISION: (
        "The outcome of your contact (reference {contact_reference})",
        "Dear {referrer_name},\n\n"
        "You contacted the {council_name} children's services Front Door on {received_date} "
        "(reference {contact_reference}). On {decision_date} the Front Door decided:\n\n"
        "{outcomes}\n\n"
        "If you have new information or are worried about a child again, please make a new contact. "
        "If you think a child is in immediate danger, call the police on 999.\n\n"
        "Front Door\n{council_name}\n"),
}
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def placeholders(kind: FeedbackKind) -> dict[str, str]:
    if kind is FeedbackKind.DECISION:
        return {**COMMON_PLACEHOLDERS, **DECISION_PLACEHOLDERS}
    return dict(COMMON_PLACEHOLDERS)


# ---------------------------------------------------------------- templates

@dataclass(frozen=True)
class Wording:
    kind: FeedbackKind
    subject: str
    body: str
    customised: bool
    version: int | None  # of the council's own row; None while the default applies
    updated_at: datetime | None


def wording(kind: FeedbackKind) -> Wording:
    row = db.session.scalar(select(FeedbackTemplate).where(FeedbackTemplate.kind == kind))
    if row is None:
        subject, body = DEFAULTS[kind]
        return Wording(kind, subject, body, False, None, None)
    return Wording(kind, row.subject, row.body, True, row.version, row.updated_at)


def all_wording() -> list[Wording]:
    return [wording(kind) for kind in FeedbackKind]


def _check_template(kind: FeedbackKind, field: str, text: str) -> list[str]:
    allowed = placeholders(kind)
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return ["Braces must be paired: write {{ or }} for a brace itself"]
    problems = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            problems.append(f"{{{name}}} is not a placeholder you can use here; use "
                            + ", ".join(f"{{{n}}}" for n in allowed))
    if field == "subject" and "\n" in text:
        problems.append("A subject is one line")
    return problems


def save_wording(actor: Actor, now: datetime, kind: FeedbackKind, subject: str, body: str,
                 version: int | None) -> Wording:
    """A council's own wording for one kind of feedback. `version` is the row's, or None while the
    default applies (a second first edit then conflicts)."""
    require(actor, EDITORS, "change what referrers are sent")
    subject, body = (subject or "").strip(), (body or "").strip() + "\n"
    errors = {}
    for field, text, limit in (("subject", subject, 200), ("body", body, 5000)):
        problems = _check_template(kind, field, text) if text.strip() else ["Enter the wording"]
        if len(text) > limit:
            problems.append(f"At most {limit} characters")
        if problems:
            errors[field] = problems
    if errors:
        raise Invalid("The wording needs correcting", errors)
    with unit_of_work("wording"):
        row = db.session.scalar(select(FeedbackTemplate).where(FeedbackTemplate.kind == kind))
        if row is None:
            if version is not None:
                raise Conflict("Someone else restored the default wording; reload it and try again",
                               {"version": ["The default wording applies now"]})
            row = FeedbackTemplate(kind=kind)
            db.session.add(row)
        else:
            if version is None:
                raise Conflict("Someone else has already changed this wording; reload it and try again",
                               {"version": [f"Now version {row.version}"]})
            check_version(row, version, "wording")
        row.subject, row.body, row.updated_at, row.updated_by_id = subject, body, now, actor.user_id
        db.session.flush()
        audit.record(actor, now, "update", "feedback_template", row.id, detail=str(kind))
    return wording(kind)


def restore_default(actor: Actor, now: datetime, kind: FeedbackKind, version: int) -> Wording:
    require(actor, EDITORS, "change what referrers are sent")
    with unit_of_work("wording"):
        row = db.session.scalar(select(FeedbackTemplate).where(FeedbackTemplate.kind == kind))
        if row is not None:
            check_version(row, version, "wording")
            audit.record(actor, now, "delete", "feedback_template", row.id, detail=f"{kind}: default restored")
            db.session.delete(row)
    return wording(kind)


# ---------------------------------------------------------------- sending

def _render(text: str, values: dict[str, str]) -> str:
    # Each part by hand rather than str.format: a template is data a council writes, and must
    # never reach attributes or format specifications.
    out = []
    for literal, name, _, _ in Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def _initials(child) -> str:
    return "".join(part[:1].upper() for part in (child.first_name, child.last_name) if part) or "?"


def _civil(at: datetime) -> str:
    day = local_date(at)
    return f"{day.day} {day:%B %Y}"


def _values(contact: Contact, council_name: str) -> dict[str, str]:
    values = {"referrer_name": contact.referrer_name or "Sir or Madam",
              "contact_reference": str(contact.id),
              "received_date": _civil(contact.received_at),
              "council_name": council_name}
    if contact.decided_at is not None:
        values["decision_date"] = _civil(contact.decided_at)
        values["outcomes"] = "\n".join(
            f"- Child {_initials(link.child)}: {DecisionOutcome(link.outcome).label}"
            for link in contact.children if link.outcome)
    return values


def compose(contact: Contact, kind: FeedbackKind, council_name: str) -> tuple[str, str]:
    """The subject and body this contact's referrer would be sent now."""
    words = wording(kind)
    values = _values(contact, council_name)
    return _render(words.subject, values), _render(words.body, values)


def address_given(contact: Contact) -> str | None:
    """The first email address in what the referrer left as their contact details."""
    found = _EMAIL.search(contact.referrer_contact_details or "")
    return found.group(0) if found else None


def _recipient(contact: Contact, method: FeedbackMethod, email: str | None) -> str | None:
    if method is FeedbackMethod.LETTER:
        return None
    email = (email or "").strip() or address_given(contact)
    if not email:
        raise Invalid("The referrer gave no email address", {"email": ["Enter the referrer's email "
                                                                       "address, or send a letter"]})
    if len(email) > 254 or _EMAIL.fullmatch(email) is None:
        raise Invalid("The email address needs correcting", {"email": ["Enter an email address like "
                                                                       "name@example.org"]})
    return email


def _load(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id}")
    return contact


def send(actor: Actor, now: datetime, contact_id: int, kind: FeedbackKind, method: FeedbackMethod,
         version: int | None, council_name: str, email: str | None = None) -> ReferrerFeedback:
    """Send one acknowledgement or decision feedback and record it on the contact.

    Every send moves the contact's version on, so a form sent twice (a double click) is a 409,
    not a second email."""
    require(actor, SENDERS, "send feedback to referrers")
    with unit_of_work("contact"):
        contact = _load(contact_id)
        check_version(contact, version, "contact")
        if kind is FeedbackKind.DECISION and contact.state != ContactState.DECIDED:
            raise Conflict(f"This contact is {ContactState(contact.state).label.lower()}: "
                           "feed back the outcome once it is decided")
        recipient = _recipient(contact, method, email)
        subject, body = compose(contact, kind, council_name)
        person = acting_person_id(actor)
        sent = ReferrerFeedback(contact_id=contact.id, kind=kind, method=method, recipient=recipient,
                                subject=subject, body=body, sent_at=now, sent_by_id=person,
                                sent_by_token_id=actor.token_id)
        if recipient is not None:
            outbox = Notification(user_id=None, clock_event_id=None, created_at=now,
                                  message=f"{kind} feedback to the referrer of contact {contact.id}",
                                  email_to=recipient, email_subject=subject, email_body=body)
            db.session.add(outbox)
            db.session.flush()
            sent.notification_id = outbox.id
        db.session.add(sent)
        _mark_contact(contact, kind, method, now, person)
        db.session.flush()
        for link in contact.children:
            audit.record(actor, now, "create", "referrer_feedback", sent.id, child_id=link.child_id,
                         detail=f"{kind} by {method} for contact {contact.id}")
    return sent


def _mark_contact(contact: Contact, kind: FeedbackKind, method: FeedbackMethod, now: datetime,
                  person: int | None) -> None:
    if kind is FeedbackKind.ACKNOWLEDGEMENT and contact.acknowledged_at is None:
        contact.acknowledged_at, contact.acknowledged_by_id = now, person
        clocks.stop_clock(ClockKind.ACKNOWLEDGEMENT, "contact", contact.id, now)
    elif kind is FeedbackKind.DECISION and contact.feedback_at is None:
        contact.feedback_at = now
        contact.feedback_note = f"Decision fed back by {'email' if method is FeedbackMethod.EMAIL else 'letter'}"
    # A resend changes nothing else on the contact: its version still moves on (see send).
    flag_modified(contact, "referrer_contact_details")


# ---------------------------------------------------------------- reading

def sends_for(actor: Actor, now: datetime, contact_id: int, page: int = 1,
              per_page: int = 50) -> tuple[Contact, Page]:
    """What the contact's referrer has been sent, newest first; audited as a read of the contact."""
    require(actor, SENDERS, "see what referrers were sent")
    with unit_of_work("contact", keep_loaded=True):
        contact = _load(contact_id)
        result = paginate(select(ReferrerFeedback).where(ReferrerFeedback.contact_id == contact_id)
                          .order_by(ReferrerFeedback.sent_at.desc(), ReferrerFeedback.id.desc()), page, per_page)
        audit.record_shown(actor, now, "read", "referrer_feedback",
                           [(contact.id, link.child_id) for link in contact.children], detail="feedback sent")
    return contact, result


def one_send(actor: Actor, now: datetime, contact_id: int, feedback_id: int) -> tuple[Contact, ReferrerFeedback]:
    """One send as it was worded (a letter to print); audited."""
    require(actor, SENDERS, "see what referrers were sent")
    with unit_of_work("contact", keep_loaded=True):
        sent = db.session.get(ReferrerFeedback, feedback_id)
        if sent is None or sent.contact_id != contact_id:
            raise NotFound(f"No feedback {feedback_id} on contact {contact_id}")
        contact = _load(contact_id)
        audit.record_shown(actor, now, "read", "referrer_feedback",
                           [(sent.id, link.child_id) for link in contact.children], detail="letter")
    return contact, sent


def delivery(sent: ReferrerFeedback) -> str:
    """Where an email has got to, in words; a letter is printed by the Front Door."""
    if sent.method is FeedbackMethod.LETTER:
        return "Letter to print"
    outbox = db.session.get(Notification, sent.notification_id) if sent.notification_id else None
    if outbox is None:
        return "Email"
    if outbox.emailed_at is not None:
        return "Emailed"
    if outbox.email_attempts:
        return f"Not delivered yet ({outbox.email_attempts} attempt{'s' if outbox.email_attempts != 1 else ''})"
    return "Waiting to be emailed"
