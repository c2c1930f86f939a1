"""The demo opened on a later day: what a well-run Front Door did meanwhile.

`make run` seeds the demo every time it is typed. The first time, eight weeks of casework are made
up to that moment; on a later day the same council would otherwise show every clock that was
running then as overdue by days or weeks. So each run brings it up to date as a team that keeps
its timescales would have: new contacts on the days since, decisions within the day, partners'
answers, cases allocated, started, discussed and signed off before they are due, and today's
triage meeting planned. A few things are left just due or just late, as in any real week.

When the demo was last brought up to date is an audit row (entity `demo`), so a second run at
the same moment finds nothing to do.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from triage.clock import LONDON, UTC, local_date
from triage.demo_data.casework import AGENCIES, PARTNER_USERS, follow_referral, one_contact
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import AuditEvent, Child, Contact, InformationRequest, Meeting, Referral, StepDown
from triage.services import audit, cases, contacts, information_requests, meetings
from triage.services.calendar import working_day_calendar
from triage.services.errors import ServiceError
from triage.services.sweep import sweep_clocks
from triage.services.unit_of_work import unit_of_work

MARKER_ENTITY = "demo"
CONTACTS_PER_DAY = (2, 6)
DECIDE_AFTER = timedelta(hours=30)  # a contact still open this long after it came in is decided


def brought_up_to(ctx) -> datetime | None:
    """When the demo was last brought up to date: its last catch-up, or else its latest contact
    (None: no casework yet)."""
    found = db.session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.entity == MARKER_ENTITY))
    if found is None:
        found = db.session.scalar(select(func.max(Contact.received_at)))
    return found.astimezone(UTC) if found else None


def catch_up(ctx, rng: random.Random) -> int:
    """Bring the demo from when it was last brought up to date to `ctx.now`; returns what was added."""
    since = brought_up_to(ctx) or ctx.now
    if since >= ctx.now:
        _mark(ctx)
        return 0
    added = _new_contacts(ctx, rng, since)
    added += _decide_old_contacts(ctx, rng)
    _answer_overdue_requests(ctx, rng)
    for referral in db.session.scalars(select(Referral).where(Referral.closed_at.is_(None)).order_by(Referral.id)):
        follow_referral(ctx, rng, referral, referral.created_at)
    _answer_overdue_step_downs(ctx, rng)  # after the sign-offs that hand families over
    added += _plan_todays_meeting(ctx)
    sweep_clocks(ctx.now)
    _mark(ctx)
    return added


def _mark(ctx) -> None:
    with unit_of_work("demo"):
        audit.record(ctx.actor("admin"), ctx.now, "seed", MARKER_ENTITY, None, detail="brought up to date")


def _new_contacts(ctx, rng: random.Random, since: datetime) -> int:
    """Contacts on each working day after `since`, at office times up to now."""
    calendar = working_day_calendar()
    kids = list(db.session.scalars(select(Child).where(Child.council_child_id.like("DEMO%")).order_by(Child.id)))
    if not kids:
        return 0
    added = 0
    day = local_date(since)
    while day <= ctx.today:
        if calendar.is_working_day(day):
            for _ in range(rng.randint(*CONTACTS_PER_DAY)):
                received = datetime.combine(day, time(rng.randint(8, 17), rng.choice([0, 10, 20, 30, 40, 50])),
                                            tzinfo=LONDON)
                if not since < received <= ctx.now:
                    continue
                try:
                    one_contact(ctx, rng, rng.choice(kids), received)
                    added += 1
                except ServiceError:
                    db.session.rollback()  # a demo step never leaves half a contact behind
        day += timedelta(days=1)
    return added


def _decide_old_contacts(ctx, rng: random.Random) -> int:
    """Contacts still open from before: screened and decided within the day they came in."""
    old = db.session.scalars(select(Contact).where(Contact.state != "decided",
                                                   Contact.received_at < ctx.now - DECIDE_AFTER)
                             .order_by(Contact.id)).all()
    done = 0
    for contact in old:
        received = contact.received_at
        try:
            if contact.acknowledged_at is None:
                contacts.acknowledge(ctx.actor("era"), received + timedelta(hours=1), contact.id)
            if contact.rag is None:
                contacts.set_rag(ctx.actor("practitioner"), received + timedelta(hours=1.5), contact.id, "amber",
                                 "Screened against the threshold document")
            decided = received + timedelta(hours=rng.uniform(3, 20))
            contacts.record_decision(ctx.actor("manager"), decided, contact.id,
                                     [{"outcome": rng.choice(["information_advice", "early_help", "assessment"]),
                                       "rationale": "Agreed after screening."}],
                                     delay_reason="Waiting for partner information"
                                     if decided > contact.decision_due_at else None)
            done += 1
        except ServiceError:
            db.session.rollback()
    return done


def _answer_overdue_requests(ctx, rng: random.Random) -> None:
    """Partners answer in time: what is still open past its due time was answered before it."""
    overdue = db.session.scalars(select(InformationRequest).where(InformationRequest.state == "open",
                                                                  InformationRequest.due_at < ctx.now)
                                 .order_by(InformationRequest.id)).all()
    for request in overdue:
        code = request.agency.code
        if code not in AGENCIES:
            continue
        answered = request.requested_at + (request.due_at - request.requested_at) * rng.uniform(0.3, 0.9)
        try:
            information_requests.answer_request(ctx.actor(PARTNER_USERS[code]), answered, request.id,
                                                "Checked our records: details shared with the MASH.")
        except ServiceError:
            db.session.rollback()


def _answer_overdue_step_downs(ctx, rng: random.Random) -> None:
    """Early help answers its handovers in time, nearly always taking the family on."""
    waiting = db.session.scalars(select(StepDown).where(StepDown.state == StepDownState.WAITING,
                                                        StepDown.due_date < ctx.today)
                                 .order_by(StepDown.id)).all()
    for handover in waiting:
        due = datetime.combine(handover.due_date, time(12), tzinfo=LONDON)
        answered = handover.handed_over_at + (due - handover.handed_over_at) * rng.uniform(0.3, 0.9)
        accepted = rng.random() < 0.9
        try:
            cases.answer_step_down(ctx.actor("manager"), answered, handover.id, cases.StepDownAnswer(
                accepted=accepted, reason=None if accepted else "Already known to the school's family support"))
        except ServiceError:
            db.session.rollback()


def _plan_todays_meeting(ctx) -> int:
    if not working_day_calendar().is_working_day(ctx.today):
        return 0
    if db.session.scalar(select(Meeting.id).where(Meeting.meeting_date == ctx.today).limit(1)) is not None:
        return 0
    meetings.plan_meeting(ctx.actor("practitioner"), ctx.now, "mash_daily", ctx.today)
    return 1
