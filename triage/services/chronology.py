"""A child's chronology: every event about the child, in time order, each naming the record it is on.

Read with one statement per kind of record (contacts with their decisions, referrals with their
assessments and closures, strategy discussions with their s47s and conferences, meeting items,
partner answers, handovers to early help), never one per event, then merged in time order. Events on a date with no time
(a discussion held on a day) sort at midday London time on that day. Reading it is audited
against the child, like reading the record itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import and_, select

from triage.clock import LONDON, local_date
from triage.domain.codes import AssessmentOutcome, ClosureReason, DecisionOutcome, S47Outcome
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import (
    Agency,
    Assessment,
    Child,
    Clock,
    Contact,
    ContactChild,
    InformationRequest,
    Meeting,
    MeetingItem,
    Referral,
    StepDown,
    StrategyDiscussion,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.children import CHILD_RECORD_ROLES
from triage.services.errors import NotFound
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.unit_of_work import unit_of_work


class EventKind(StrEnum):
    CONTACT = "contact"
    REFERRAL = "referral"
    ASSESSMENT = "assessment"
    STRATEGY_DISCUSSION = "strategy_discussion"
    S47 = "s47"
    ICPC = "icpc"
    MEETING_ITEM = "meeting_item"
    PARTNER_ANSWER = "partner_answer"
    CLOSURE = "closure"
    STEP_DOWN = "step_down"


KIND_LABELS = {
    EventKind.CONTACT: "Contacts and decisions",
    EventKind.REFERRAL: "Referrals",
    EventKind.ASSESSMENT: "Assessments",
    EventKind.STRATEGY_DISCUSSION: "Strategy discussions",
    EventKind.S47: "Section 47 enquiries",
    EventKind.ICPC: "Child protection conferences",
    EventKind.MEETING_ITEM: "Meeting items",
    EventKind.PARTNER_ANSWER: "Partner answers",
    EventKind.CLOSURE: "Case closures",
    EventKind.STEP_DOWN: "Step-downs to early help",
}


@dataclass(frozen=True)
class ChronologyEvent:
    at: datetime  # when it happened; midday London for an event known only by its date
    on: date  # the London date
    kind: EventKind
    title: str
    detail: str | None
    record: str  # contact, referral or meeting: the record the event links to
    record_id: int
    child_id: int  # the child record the event is on


def _midday(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=LONDON)


def _label(enum, value: str | None) -> str | None:
    if value is None:
        return None
    member = enum._value2member_map_.get(value)
    return member.label if member is not None else value


def _event(at: datetime, kind: EventKind, title: str, detail: str | None, record: str, record_id: int,
           child_id: int) -> ChronologyEvent:
    return ChronologyEvent(at, local_date(at), kind, title, detail, record, record_id, child_id)


def _contacts(child_ids: list[int]) -> list[ChronologyEvent]:
    rows = db.session.execute(
        select(Contact.id, Contact.received_at, Contact.state, ContactChild.child_id, ContactChild.outcome,
               ContactChild.decided_at)
        .join(ContactChild, ContactChild.contact_id == Contact.id)
        .where(ContactChild.child_id.in_(child_ids))).all()
    events = []
    for contact_id, received_at, state, child_id, outcome, decided_at in rows:
        if outcome and decided_at:
            detail = f"Decision {local_date(decided_at):%d/%m/%Y}: {_label(DecisionOutcome, outcome)}"
        else:
            detail = f"Awaiting decision ({str(state).replace('_', ' ')})"
        events.append(_event(received_at, EventKind.CONTACT, f"Contact {contact_id} received", detail,
                             "contact", contact_id, child_id))
    return events


def _referrals(child_ids: list[int]) -> list[ChronologyEvent]:
    """Referrals, their assessments (with the assessment clock) and their closures: one statement."""
    rows = db.session.execute(
        select(Referral, Assessment, Clock.state, Clock.due_date)
        .outerjoin(Assessment, Assessment.referral_id == Referral.id)
        .outerjoin(Clock, and_(Clock.subject == "assessment", Clock.subject_id == Assessment.id))
        .where(Referral.child_id.in_(child_ids))).all()
    events = []
    for referral, assessment, clock_state, clock_due in rows:
        made = referral.created_at if referral.contact_id else _midday(referral.referral_date)
        events.append(_event(made, EventKind.REFERRAL, f"Referral {referral.id}",
                             f"Referral date {referral.referral_date:%d/%m/%Y}"
                             + (" (a re-referral)" if referral.is_re_referral else ""),
                             "referral", referral.id, referral.child_id))
        if assessment is not None:
            events.append(_assessment_event(referral, assessment, clock_state, clock_due))
        if referral.closed_at is not None:
            reason = _label(ClosureReason, referral.closure_reason) or "no reason recorded"
            events.append(_event(referral.closed_at, EventKind.CLOSURE, f"Case {referral.id} closed", reason,
                                 "referral", referral.id, referral.child_id))
    return events


def _assessment_event(referral: Referral, assessment: Assessment, clock_state: str | None,
                      clock_due: date | None) -> ChronologyEvent:
    due = clock_due or assessment.due_date
    parts = [f"Due {due:%d/%m/%Y}"]
    if assessment.authorised_on is not None:
        parts.append(f"authorised {assessment.authorised_on:%d/%m/%Y}")
    if assessment.outcome:
        parts.append(f"outcome: {_label(AssessmentOutcome, assessment.outcome)}")
    if clock_state:
        parts.append(f"clock {str(clock_state).replace('_', ' ')}")
    began = _midday(assessment.started_on) if assessment.started_on else assessment.created_at
    return _event(began, EventKind.ASSESSMENT, f"Assessment on case {referral.id}", "; ".join(parts),
                  "referral", referral.id, referral.child_id)


def _strategy(child_ids: list[int]) -> list[ChronologyEvent]:
    """Strategy discussions, the s47 enquiries they started and the conferences after them."""
    rows = db.session.scalars(select(StrategyDiscussion).where(StrategyDiscussion.child_id.in_(child_ids))).all()
    events = []
    for sd in rows:
        events.append(_event(_midday(sd.held_on), EventKind.STRATEGY_DISCUSSION, "Strategy discussion",
                             f"Agencies: {sd.agencies_present.replace(',', ', ') or 'none recorded'}",
                             "referral", sd.referral_id, sd.child_id))
        if sd.s47_started_on is not None:
            outcome = _label(S47Outcome, sd.s47_outcome)
            detail = (f"Outcome {sd.s47_outcome_on:%d/%m/%Y}: {outcome}" if outcome and sd.s47_outcome_on
                      else "Enquiry open")
            events.append(_event(_midday(sd.s47_started_on), EventKind.S47, "Section 47 enquiry started", detail,
                                 "referral", sd.referral_id, sd.child_id))
        if sd.icpc_held_on is not None:
            events.append(_event(_midday(sd.icpc_held_on), EventKind.ICPC,
                                 "Initial child protection conference", _plan(sd),
                                 "referral", sd.referral_id, sd.child_id))
    return events


def _plan(sd: StrategyDiscussion) -> str | None:
    if sd.resulted_in_plan and sd.plan_start_date:
        return f"Child protection plan from {sd.plan_start_date:%d/%m/%Y}"
    return "No plan" if sd.resulted_in_plan is False else None


def _meeting_items(child_ids: list[int]) -> list[ChronologyEvent]:
    rows = db.session.execute(
        select(MeetingItem.id, MeetingItem.contact_id, MeetingItem.outcome, MeetingItem.agreed_at,
               Meeting.id, Meeting.type_code, Meeting.meeting_date, Meeting.started_at, Meeting.planned_start_at,
               ContactChild.child_id)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .join(ContactChild, ContactChild.contact_id == MeetingItem.contact_id)
        .where(ContactChild.child_id.in_(child_ids), MeetingItem.removed_at.is_(None))).all()
    events = []
    for _item_id, contact_id, outcome, agreed_at, meeting_id, type_code, _day, started, planned, child_id in rows:
        agreed = _label(DecisionOutcome, outcome)
        detail = f"Contact {contact_id}" + (f"; agreed: {agreed}" if agreed else "; not yet discussed")
        events.append(_event(agreed_at or started or planned, EventKind.MEETING_ITEM,
                             f"{type_code.replace('_', ' ').capitalize()} meeting {meeting_id}", detail,
                             "meeting", meeting_id, child_id))
    return events


def _partner_answers(child_ids: list[int]) -> list[ChronologyEvent]:
    rows = db.session.execute(
        select(InformationRequest.id, InformationRequest.contact_id, InformationRequest.answered_at, Agency.name,
               InformationRequest.answered_at <= InformationRequest.due_at, ContactChild.child_id)
        .join(Agency, Agency.id == InformationRequest.agency_id)
        .join(ContactChild, ContactChild.contact_id == InformationRequest.contact_id)
        .where(ContactChild.child_id.in_(child_ids), InformationRequest.answered_at.is_not(None))).all()
    return [_event(answered_at, EventKind.PARTNER_ANSWER, f"{agency} answered",
                   f"Request {request_id} on contact {contact_id}" + ("" if in_time else "; after its due time"),
                   "contact", contact_id, child_id)
            for request_id, contact_id, answered_at, agency, in_time, child_id in rows]


def _step_downs(child_ids: list[int]) -> list[ChronologyEvent]:
    """Handovers to early help, from a case or straight from a contact, with early help's answer."""
    rows = db.session.execute(
        select(StepDown.id, StepDown.child_id, StepDown.referral_id, StepDown.contact_id, StepDown.state,
               StepDown.handed_over_at, StepDown.due_date, StepDown.answered_at, Agency.name)
        .join(Agency, Agency.id == StepDown.agency_id).where(StepDown.child_id.in_(child_ids))).all()
    events = []
    for ident, child_id, referral_id, contact_id, state, handed_over_at, due, answered_at, team in rows:
        source = f"case {referral_id}" if referral_id else f"contact {contact_id}"
        if answered_at is not None:
            answer = f"{_label(StepDownState, state)} {local_date(answered_at):%d/%m/%Y}"
        else:
            answer = f"answer due {due:%d/%m/%Y}"
        record, record_id = ("referral", referral_id) if referral_id else ("contact", contact_id)
        events.append(_event(handed_over_at, EventKind.STEP_DOWN, f"Handed over to {team}",
                             f"Handover {ident} from {source}; {answer}", record, record_id, child_id))
    return events


_READERS = (_contacts, _referrals, _strategy, _meeting_items, _partner_answers, _step_downs)
_ORDER = {kind: n for n, kind in enumerate(EventKind)}


def events_for(child_ids: list[int], kinds: frozenset[EventKind] | None = None) -> list[ChronologyEvent]:
    """Every event about these child records, oldest first (no audit: the caller records the read)."""
    events = [event for read in _READERS for event in read(child_ids)]
    if kinds:
        events = [e for e in events if e.kind in kinds]
    return sorted(events, key=lambda e: (e.at, _ORDER[e.kind], e.record_id))


def read_chronology(actor: Actor, now: datetime, child_id: int, kinds: frozenset[EventKind] | None = None,
                    page: int = 1, per_page: int = 50, *, with_record: bool = False
                    ) -> tuple[Child, Page[ChronologyEvent]]:
    """The child and one page of their chronology, the read on the child's audit trail.

    `with_record`: the child's page, which shows the record and its latest events, is one read
    of the child, audited exactly as opening the record is.
    """
    require(actor, CHILD_RECORD_ROLES, "open child records")
    page, per_page = max(1, page), max(1, per_page)
    with unit_of_work("child record", keep_loaded=True):
        child = db.session.get(Child, child_id)
        if child is None:
            raise NotFound(f"No child record {child_id}")
        if child.is_tombstone:  # merged away: its events are the kept record's now
            child = db.session.get(Child, child.merged_into_id)
        events = events_for([child.id], kinds)
        if with_record:
            events.reverse()  # the page shows the latest first
        shown = events[(page - 1) * per_page: page * per_page]
        detail = None if with_record else (f"{len(events)} events"
                                           + (f"; {', '.join(sorted(kinds))}" if kinds else ""))
        audit.record_shown(actor, now, "read", "child" if with_record else "chronology",
                           [(child.id, child.id)], detail=detail)
    return child, Page(items=shown, total=len(events), page=page, per_page=per_page)
