"""The demo's casework: eight weeks of contacts, decisions, referrals and assessments, made
through the services at the times they would have happened, so every clock, audit row and
measure is as real as the rest of the service."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from triage.clock import LONDON
from triage.extensions import db
from triage.models import Assessment, Child, Contact, Referral, StrategyDiscussion
from triage.services import cases, contacts, information_requests
from triage.services.calendar import working_day_calendar
from triage.services.errors import ServiceError
from triage.services.sweep import sweep_clocks
from triage.services.unit_of_work import unit_of_work

SOURCES = [("6", 30), ("2A", 18), ("3A", 5), ("3B", 4), ("3E", 5), ("1A", 8), ("5D", 6), ("4", 3),
           ("9", 3), ("1D", 4), ("8", 4), ("7", 2), ("3F", 3), ("5C", 3), ("1C", 2)]
OUTCOMES = [("no_further_action", 22), ("information_advice", 20), ("early_help", 20),
            ("assessment", 27), ("strategy_s47", 7), ("immediate_protection", 1), ("transfer", 3)]
CONCERNS = [
    "Domestic abuse incident at the family home; the children were present.",
    "School reports the child arriving hungry and in unwashed clothes on several days.",
    "GP concerned about unexplained bruising noticed at an appointment.",
    "Neighbour reports shouting and a child crying late at night.",
    "Parent disclosed low mood and struggling to cope with the children.",
    "Child told a teacher they are scared to go home.",
    "Missing episode overnight; found by police in the town centre.",
    "Health visitor concerned about home conditions and a missed development check.",
]
SIGNPOSTS = ["family_hub", "school", "gp_or_health_visitor", "early_help_advice", "domestic_abuse_service",
             "none_needed"]
WORKERS = ["sw.north1", "sw.north2", "sw.west1", "sw.central1", "sw.southeast1", "sw.14plus1"]
AGENCIES = ["police", "health", "education", "early_help"]
FRESH_CONTACTS = 3  # received in the hours before the demo is made
PARTNER_USERS = {"police": "partner.police", "health": "partner.health", "education": "partner.education",
                 "early_help": "partner.early_help"}


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def seed_casework(ctx, rng: random.Random, per_child: float = 0.5):
    """Contacts for about half the demo children; returns (added, present)."""
    present = db.session.scalar(select(Contact.id).limit(1))
    if present:
        return 0, len(db.session.scalars(select(Contact.id)).all())
    manager = ctx.users["manager"]
    with unit_of_work("user"):  # case workers report to the demo manager, who is told of breaches
        for username in WORKERS:
            ctx.users[username].manager_id = manager.id
    calendar = working_day_calendar()
    kids = list(db.session.scalars(select(Child).where(Child.council_child_id.like("DEMO%")).order_by(Child.id)))
    chosen = rng.sample(kids, k=max(1, int(len(kids) * per_child)))
    days = [d for d in (ctx.today - timedelta(days=n) for n in range(55, -1, -1)) if calendar.is_working_day(d)]
    added = 0
    ordered = sorted(chosen, key=lambda c: c.created_at)
    fresh = {c.id for c in ordered[-FRESH_CONTACTS:]}
    for child in ordered:
        if child.id in fresh:  # just arrived: the queue is never empty at the start of a demo
            received = max(ctx.now - timedelta(hours=rng.uniform(0.3, 2.5)), child.created_at)
        else:
            day = max(rng.choice(days), child.created_at.astimezone(LONDON).date())
            received = _at(day, rng.randint(8, 17), rng.choice([0, 10, 20, 30, 40, 50]))
        if received > ctx.now:
            continue
        try:
            one_contact(ctx, rng, child, received)
            added += 1
        except ServiceError:
            db.session.rollback()  # a demo step never leaves half a contact behind
    sweep_clocks(ctx.now)
    return added, 0


def one_contact(ctx, rng, child, received):
    """One contact for `child` from its arrival to whatever would have happened by now."""
    source = _pick(rng, SOURCES)
    police = source == "6"
    data = {"channel": "police_notification" if police else rng.choice(["phone", "email", "portal", "marf"]),
            "source_code": source, "concern": rng.choice(CONCERNS), "received_at": received,
            "referrer_name": "PC Demo" if police else "Demo Referrer", "children": [{"child_id": child.id}],
            "consent": rng.choice(["given", "not_required", "given"]), "consent_by": "Parent",
            "put_forward_to_meeting": rng.random() < 0.1}
    if police:
        data.update(police_incident_reference=f"DEMO-{received:%y%m%d}-{child.id:04d}",
                    dash_risk=rng.choice(["standard", "medium", "high"]), operation_encompass_informed=True)
    contact, _ = contacts.record_contact(ctx.actor(rng.choice(["era", "era2"])), received, data)
    step = lambda hours: received + timedelta(hours=hours)  # noqa: E731
    if step(1) <= ctx.now:
        contacts.acknowledge(ctx.actor("era"), step(1), contact.id)
    age = ctx.now - received
    if age < timedelta(hours=3):
        return  # just arrived: still waiting to be screened
    practitioner = ctx.actor(rng.choice(["practitioner", "practitioner2"]))
    rag = rng.choices(["red", "amber", "green"], weights=[15, 45, 40])[0]
    contacts.set_rag(practitioner, step(1.5), contact.id, rag, "Screened against the threshold document")
    # Below the significant-harm threshold partners are asked only with the family's consent.
    may_ask = rag != "green" or data["consent"] == "given"
    if may_ask and rng.random() < 0.5 and step(2) <= ctx.now:
        agencies = rng.sample(AGENCIES, k=rng.randint(1, 2))
        asked = information_requests.request_information(practitioner, step(2), contact.id, agencies,
                                                          "Please share what you hold about this child.")
        hours = {"red": 4, "amber": 24, "green": 72}[rag]
        for request in asked:
            answered = step(2 + hours * rng.uniform(0.2, 1.05))
            if answered <= ctx.now:
                partner = ctx.actor(PARTNER_USERS[request.agency.code])
                information_requests.answer_request(partner, answered, request.id,
                                                    "Checked our records: details shared with the MASH.")
    decided = step(rng.uniform(3, 23) if rng.random() < 0.92 else rng.uniform(25, 40))
    if decided > ctx.now:
        return  # still in the queue
    outcome = _pick(rng, OUTCOMES)
    contacts.record_decision(ctx.actor("manager"), decided, contact.id,
                             [{"outcome": outcome, "rationale": "Agreed after screening.",
                               "signposting": signposting(outcome, contact.id)}],
                             delay_reason="Waiting for partner information" if decided > contact.decision_due_at else None)
    _casework_after(ctx, rng, contact, decided)


def signposting(outcome: str, contact_id: int) -> list[str]:
    """Where a family was pointed with no further action: picked by the contact's number, not the
    random stream, so adding it changed nothing else the demo makes."""
    if outcome != "no_further_action":
        return []
    return [SIGNPOSTS[contact_id % len(SIGNPOSTS)]]


def _casework_after(ctx, rng, contact, decided):
    for referral in db.session.scalars(select(Referral).where(Referral.contact_id == contact.id)):
        follow_referral(ctx, rng, referral, decided)


def follow_referral(ctx, rng, referral, decided) -> None:
    """Whatever a well-run team would have done on this referral by now, each step once: allocate,
    start, any strategy discussion and conference, the case discussions, authorisation before the
    due date. Safe to run again later: what is done is skipped, what has come due is done."""
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if referral.worker_id is None:
        allocated = decided + timedelta(hours=rng.uniform(1, 20))
        if allocated > ctx.now or referral.closed_at is not None:
            return
        worker = ctx.users[rng.choice(WORKERS)]
        cases.allocate(ctx.actor("manager"), allocated, referral.id, cases.Allocation(worker.team_id, worker.id))
    worker_name = next(name for name in WORKERS if ctx.users[name].id == referral.worker_id)
    worker_actor = ctx.actor(worker_name)
    if assessment.started_on is None:
        started = referral.allocated_at + timedelta(days=rng.randint(0, 3))
        if started > ctx.now:
            return
        cases.start_assessment(worker_actor, started, assessment.id,
                               cases.StartAssessment(started.astimezone(LONDON).date()))
    started = _at(assessment.started_on, 10)
    if referral.outcome == "strategy_s47":
        _protection(ctx, rng, worker_actor, referral, started)
    _case_discussions(ctx, rng, worker_actor, assessment)
    if assessment.authorised_at is None:
        _authorise(ctx, rng, assessment, started)


def _protection(ctx, rng, worker_actor, referral, started) -> None:
    discussion = db.session.scalar(select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral.id))
    if discussion is None:
        held = started + timedelta(days=1)
        if held > ctx.now:
            return
        discussion = cases.record_strategy_discussion(worker_actor, held, referral.id, cases.StrategyDiscussionHeld(
            held.astimezone(LONDON).date(), ("police", "health"), True))
    if discussion.icpc_held_on is not None or discussion.icpc_not_needed_reason:
        return
    # Within the 15 working days allowed, on a weekday, never after the conference is due.
    calendar = working_day_calendar()
    icpc_day = calendar.add_working_days(discussion.held_on, rng.randint(6, 13))
    if discussion.icpc_due_date:
        icpc_day = min(icpc_day, discussion.icpc_due_date)
    icpc = _at(icpc_day, 11)
    if icpc <= ctx.now:
        plan = rng.random() < 0.7
        cases.record_icpc(worker_actor, icpc, discussion.id, cases.Conference(
            held_on=icpc_day, resulted_in_plan=plan,
            plan_category=rng.choice(["NEG", "EMO", "PHY", "SAB", "MUL"]) if plan else None))


def _case_discussions(ctx, rng, worker_actor, assessment) -> None:
    calendar = working_day_calendar()
    for discussion in assessment.case_discussions:
        if discussion.held_on is not None:
            continue
        # A well-run team holds them on the day planned or the day before; a few slip a day.
        held_on = calendar.add_working_days(discussion.planned_on, rng.choice([0, 0, 0, 0, -1, -1, 1]))
        held_on = max(held_on, assessment.started_on)
        when = _at(held_on, 14)
        if when <= ctx.now:
            cases.record_case_discussion(worker_actor, when, assessment.id, discussion.sequence,
                                         cases.CaseDiscussionHeld(held_on, note="Plan reviewed"))


def _authorise(ctx, rng, assessment, started) -> None:
    """Signed off in 20 to 75 days, and before the due date: a manager who watches the clocks."""
    calendar = working_day_calendar()
    latest = _at(calendar.add_working_days(assessment.due_date, -rng.randint(0, 3)), 15)
    finish = min(started + timedelta(days=rng.randint(20, 75)), latest)
    if finish > ctx.now:
        return
    outcome = rng.choice(["no_further_action", "child_in_need_plan", "early_help", "child_in_need_plan"])
    # "No factors identified" (21) only where no s47 enquiry was made: the DfE asks (8873Q) why a
    # case closed as services ceased, as any case with an s47 behind it is, found nothing.
    no_factors = outcome == "no_further_action" and assessment.referral.outcome != "strategy_s47"
    factors = ["21"] if no_factors and rng.random() < 0.5 else [
        rng.choice(["3A", "3C", "4B", "16A", "17A", "2B", "1B"])]
    late = finish.astimezone(LONDON).date() > assessment.due_date
    cases.authorise(ctx.actor("manager"), finish, assessment.id, cases.Authorisation(
        outcome, tuple(factors), late_reason="Complex family; extension agreed" if late else None,
        primary_need=rng.choice(["N1", "N1", "N4", "N5", "N2", "N3", "N6", "N8"])))
