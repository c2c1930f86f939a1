"""The morning report's case lists and counts, each section one set-based query (or a fixed few),
so the number of queries never grows with the number of cases.

Live deadlines (what is breached or due today, how long is left) are read from the clock rows,
the one record of when each piece of work is due, and their state from the domain's clock rules.
The rates of decisions made within the clock compare each decision with the due time the clocks
service keeps beside it on the contact: one index answers that for a whole year of decisions
without visiting either table, where reading the clocks cost the report a second on SQLite.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, literal, literal_column, select, union_all

from triage.domain import report as shape
from triage.domain.clocks import (
    ClockKind,
    ClockState,
    clock_state,
    describe_time_left,
    describe_working_days_left,
    end_of_day,
    working_days_left,
)
from triage.domain.codes import DecisionOutcome, ReferralSource
from triage.domain.contact_states import ContactState
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import (
    Agency,
    Assessment,
    CaseDiscussion,
    Child,
    Clock,
    ClockEvent,
    Contact,
    ContactChild,
    InformationRequest,
    Locality,
    MorningReport,
    Referral,
    StepDown,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import out_of_hours
from triage.services.calendar import working_day_calendar
from triage.services.report.sql import among
from triage.settings import front_door_settings

# Listed, not "!= decided": an IN list can use the (state, decision_due_at) index, so the read
# grows with the open contacts rather than with every contact ever received.
OPEN_CONTACT_STATES = tuple(s.value for s in ContactState if s is not ContactState.DECIDED)


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def names() -> dict:
    """Every team, locality, user and agency by id: four small reads instead of a join per row."""
    return {
        "team": dict(db.session.execute(select(Team.id, Team.name)).all()),
        "locality": dict(db.session.execute(select(Locality.id, Locality.name)).all()),
        "user": dict(db.session.execute(select(User.id, User.display_name)).all()),
        "agency": dict(db.session.execute(select(Agency.id, Agency.name)).all()),
    }


def _state(clock, now: datetime) -> ClockState:
    """A clock row's state at `now` by the domain's rule, warned as the row itself says."""
    return clock_state(clock.due_at, now, clock.stopped_at, clock.due_at - clock.warn_at)


def _children_of_contacts(contact_ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    if not contact_ids:
        return found
    rows = db.session.execute(
        select(ContactChild.contact_id, Child.id.label("child_id"), Child.first_name, Child.last_name,
               Child.council_child_id)
        .join(Child, Child.id == ContactChild.child_id).where(ContactChild.contact_id.in_(contact_ids))
        .order_by(ContactChild.id))
    for row in rows:
        found[row.contact_id].append({"child_id": row.child_id, "name": f"{row.first_name} {row.last_name}",
                                      "council_child_id": row.council_child_id})
    return found


def _children_by_id(ids) -> dict:
    """Always one query (even for none), so the report's query count never depends on the data."""
    return {r.id: r for r in db.session.execute(
        select(Child.id, Child.first_name, Child.last_name, Child.council_child_id, Child.locality_id)
        .where(among(Child.id, ids)))}


def _referrals_of(rows) -> dict[tuple[str, int], int]:
    """The referral behind each case clock (assessment, case discussion, strategy discussion), so
    a row can link to its case: one statement, each part read by primary key."""
    ids = {subject: {r.subject_id for r in rows if r.subject == subject}
           for subject in ("assessment", "case_discussion", "strategy_discussion")}
    parts = union_all(
        select(literal("assessment").label("subject"), Assessment.id.label("subject_id"), Assessment.referral_id)
        .where(among(Assessment.id, ids["assessment"])),
        select(literal("case_discussion"), CaseDiscussion.id, Assessment.referral_id)
        .join(Assessment, Assessment.id == CaseDiscussion.assessment_id)
        .where(among(CaseDiscussion.id, ids["case_discussion"])),
        select(literal("strategy_discussion"), StrategyDiscussion.id, StrategyDiscussion.referral_id)
        .where(among(StrategyDiscussion.id, ids["strategy_discussion"])))
    return {(r.subject, r.subject_id): r.referral_id for r in db.session.execute(parts)}


def needs_action(now: datetime, today: date, names: dict) -> list[dict]:
    """Everything breached, then everything due today, across all clocks."""
    rows = db.session.execute(
        select(Clock.id, Clock.kind, Clock.subject, Clock.subject_id, Clock.contact_id, Clock.due_at,
               Clock.due_date, Clock.warn_at, Clock.stopped_at, Clock.owner_id, Clock.team_id, Clock.child_id)
        .where(Clock.stopped_at.is_(None), Clock.due_at <= end_of_day(today))
        .order_by(Clock.due_at, Clock.id)).all()
    kids = _children_by_id({r.child_id for r in rows if r.child_id})
    contact_children = _children_of_contacts(sorted({r.contact_id for r in rows if r.contact_id and not r.child_id}))
    referrals = _referrals_of(rows)
    result = []
    for r in rows:
        kid = kids.get(r.child_id)
        children = ([{"child_id": kid.id, "name": f"{kid.first_name} {kid.last_name}"}] if kid
                    else contact_children.get(r.contact_id, []))
        result.append({
            "clock_id": r.id, "kind": r.kind, "subject": r.subject, "subject_id": r.subject_id,
            "contact_id": r.contact_id, "referral_id": referrals.get((r.subject, r.subject_id)),
            "children": children, "due_at": r.due_at.isoformat(), "due_date": iso(r.due_date),
            "status": "Breached" if _state(r, now) is ClockState.BREACHED else "Due today",
            "owner": names["user"].get(r.owner_id), "team_id": r.team_id, "team": names["team"].get(r.team_id),
            "locality_id": kid.locality_id if kid else None,
        })
    result.sort(key=lambda row: (row["status"] != "Breached", row["due_at"]))
    return result


def _outstanding_requests(now: datetime, contact_ids: list[int], names: dict) -> dict[int, dict[str, int]]:
    """Open partner requests per contact, by agency, marked when their clock has run out."""
    outstanding: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not contact_ids:
        return outstanding
    for row in db.session.execute(
            select(InformationRequest.contact_id, InformationRequest.agency_id,
                   (InformationRequest.due_at < now).label("overdue"))
            .where(InformationRequest.contact_id.in_(contact_ids), InformationRequest.state == "open")):
        outstanding[row.contact_id][names["agency"][row.agency_id] + (" (overdue)" if row.overdue else "")] += 1
    return outstanding


def _clocks_of(kind: ClockKind, subject: str, subject_ids) -> dict:
    """Each subject's clock of a kind, read by the clocks' unique (kind, subject, subject_id) index."""
    return {row.subject_id: row for row in db.session.execute(
        select(Clock.subject_id, Clock.due_at, Clock.due_date, Clock.warn_at, Clock.stopped_at)
        .where(Clock.kind == kind.value, Clock.subject == subject, among(Clock.subject_id, subject_ids)))}


def awaiting_decision(now: datetime, names: dict) -> list[dict]:
    """Every open contact with its decision clock: how long is left, and what partners still owe."""
    contacts = db.session.execute(
        select(Contact.id, Contact.received_at, Contact.rag, Contact.state, Contact.source_code, Contact.team_id,
               Contact.locality_id)
        # In the (state, decision_due_at) index's order, so SQLite reads the open contacts by that
        # index instead of scanning every contact; the rows go in their clocks' due order below.
        .where(Contact.state.in_(OPEN_CONTACT_STATES)).order_by(Contact.decision_due_at, Contact.id)).all()
    ids = [c.id for c in contacts]
    clocks = _clocks_of(ClockKind.DECISION, "contact", ids)
    outstanding = _outstanding_requests(now, ids, names)
    children = _children_of_contacts(ids)
    rows = []
    for c in sorted(contacts, key=lambda c: (clocks[c.id].due_at, c.id)):
        clock = clocks[c.id]
        rows.append({
            "contact_id": c.id, "received_at": c.received_at.isoformat(), "children": children.get(c.id, []),
            "rag": c.rag, "rag_label": c.rag.title() if c.rag else "Not rated",
            "state": ContactState(c.state).label, "source": ReferralSource(c.source_code).label,
            "decision_due_at": clock.due_at.isoformat(), "breached": _state(clock, now) is ClockState.BREACHED,
            "time_left": describe_time_left(clock.due_at, now),
            "requests_outstanding": dict(outstanding.get(c.id, {})),
            "team_id": c.team_id, "team": names["team"].get(c.team_id), "locality_id": c.locality_id,
        })
    return rows


def strategy(today: date, calendar, names: dict) -> list[dict]:
    """Strategy discussions whose s47 or conference is still open, with the conference's clock."""
    found = db.session.execute(
        select(StrategyDiscussion.id, StrategyDiscussion.referral_id, StrategyDiscussion.held_on,
               StrategyDiscussion.s47_started_on, StrategyDiscussion.s47_outcome, StrategyDiscussion.child_id)
        # Without an s47 nothing stays open; listing those would grow the report with history.
        .where(StrategyDiscussion.s47_started_on.is_not(None), StrategyDiscussion.icpc_held_on.is_(None),
               StrategyDiscussion.icpc_not_needed_reason.is_(None))).all()
    due = {i: clock.due_date for i, clock in _clocks_of(ClockKind.ICPC, "strategy_discussion",
                                                              {r.id for r in found}).items()}
    kids = _children_by_id({r.child_id for r in found})
    teams = dict(db.session.execute(select(Referral.id, Referral.team_id)
                                    .where(among(Referral.id, {r.referral_id for r in found}))).all())
    rows = []
    for r in sorted(found, key=lambda r: (due.get(r.id) is None, due.get(r.id) or today, r.id)):
        kid, team_id, icpc_due = kids[r.child_id], teams.get(r.referral_id), due.get(r.id)
        rows.append({
            "strategy_discussion_id": r.id, "referral_id": r.referral_id, "child_id": r.child_id,
            "child": f"{kid.first_name} {kid.last_name}", "held_on": r.held_on.isoformat(),
            "s47_started_on": iso(r.s47_started_on), "s47_outcome": r.s47_outcome,
            "icpc_due_date": iso(icpc_due),
            "time_left": describe_working_days_left(working_days_left(icpc_due, today, calendar))
            if icpc_due else None,
            "team_id": team_id, "team": names["team"].get(team_id), "locality_id": kid.locality_id,
        })
    return rows


def yesterday(today: date, calendar) -> dict:
    """What came in and what was decided since the previous working day began."""
    first, last = shape.previous_working_day_span(today, calendar)
    start, end = shape.start_of_day(first), shape.start_of_day(today)
    # Inline literal: PostgreSQL must see the same expression in SELECT and GROUP BY.
    outcome = func.coalesce(ContactChild.outcome, literal_column("'awaiting'")).label("outcome")
    by_source_outcome = db.session.execute(
        select(Contact.source_code, outcome, func.count().label("children"))
        .join(ContactChild, ContactChild.contact_id == Contact.id)
        .where(Contact.received_at >= start, Contact.received_at < end)
        .group_by(Contact.source_code, outcome)).all()
    contacts = db.session.scalar(select(func.count()).select_from(Contact)
                                 .where(Contact.received_at >= start, Contact.received_at < end))
    decided = db.session.execute(
        select(func.count().label("decided"),
               func.sum(case((Contact.decided_at <= Contact.decision_due_at, 1), else_=0)).label("within"))
        .where(Contact.decided_at >= start, Contact.decided_at < end)).one()
    within = int(decided.within or 0)
    return {
        "from": first.isoformat(), "to": last.isoformat(), "contacts": contacts or 0,
        "children_by_source_and_outcome": [
            {"source": ReferralSource(r.source_code).label,
             "outcome": "Awaiting decision" if r.outcome == "awaiting" else DecisionOutcome(r.outcome).label,
             "children": r.children}
            for r in sorted(by_source_outcome, key=lambda r: (r.source_code, r.outcome, r.children))],
        "decisions": decided.decided or 0, "decisions_within_clock": within,
        "decisions_within_clock_pct": shape.rate(within, decided.decided or 0),
    }


def caseload() -> list[dict]:
    """Open assessments per team and worker."""
    rows = db.session.execute(
        select(Assessment.team_id, Team.name.label("team"), Assessment.worker_id,
               User.display_name.label("worker"), func.count().label("open_assessments"))
        .outerjoin(Team, Team.id == Assessment.team_id).outerjoin(User, User.id == Assessment.worker_id)
        .where(Assessment.authorised_at.is_(None))
        .group_by(Assessment.team_id, Team.name, Assessment.worker_id, User.display_name)).all()
    ordered = sorted(rows, key=lambda r: (r.team or "~", r.worker or "~"))
    return [{"team_id": r.team_id, "team": r.team or "Unallocated", "worker_id": r.worker_id,
             "worker": r.worker or "Unallocated", "open_assessments": r.open_assessments} for r in ordered]


def since_last_report(now: datetime, today: date) -> dict:
    """Breaches recorded, cases allocated and cases closed since the last morning's report."""
    previous = db.session.execute(select(MorningReport.built_at, MorningReport.report_date)
                                  .where(MorningReport.report_date < today)
                                  .order_by(MorningReport.report_date.desc(), MorningReport.version.desc())
                                  .limit(1)).first()
    since = previous.built_at if previous else now - timedelta(days=1)
    breaches = db.session.execute(
        select(ClockEvent.clock_id, ClockEvent.at, Clock.kind, Clock.subject, Clock.subject_id)
        .join(Clock, Clock.id == ClockEvent.clock_id)
        .where(ClockEvent.kind == ClockState.BREACHED.value, ClockEvent.recorded_at > since,
               ClockEvent.recorded_at <= now)
        .order_by(ClockEvent.at)).all()
    allocated = db.session.execute(select(Referral.id, Referral.child_id, Referral.team_id)
                                   .where(Referral.allocated_at > since, Referral.allocated_at <= now)
                                   .order_by(Referral.id)).all()
    closed = db.session.execute(select(Referral.id, Referral.child_id, Referral.closure_reason)
                                .where(Referral.closed_at > since, Referral.closed_at <= now)
                                .order_by(Referral.id)).all()
    return {
        "since": since.isoformat(), "previous_report_date": iso(previous.report_date) if previous else None,
        "new_breaches": [{"clock_id": b.clock_id, "at": b.at.isoformat(), "kind": b.kind, "subject": b.subject,
                          "subject_id": b.subject_id} for b in breaches],
        "newly_allocated": [{"referral_id": a.id, "child_id": a.child_id, "team_id": a.team_id} for a in allocated],
        "closed": [{"referral_id": c.id, "child_id": c.child_id, "closure_reason": c.closure_reason}
                   for c in closed],
    }


def handovers(now: datetime, today: date, since: datetime) -> dict:
    """Families stepped down to early help (waiting now, and accepted or returned since the
    window's start) and the night's out-of-hours handover, as counts: one statement each."""
    answered = StepDown.answered_at >= since
    waiting, accepted, returned = db.session.execute(select(
        func.count().filter(StepDown.state == StepDownState.WAITING),
        func.count().filter(StepDown.state == StepDownState.ACCEPTED, answered),
        func.count().filter(StepDown.state == StepDownState.RETURNED, answered)).select_from(StepDown)).one()
    night = out_of_hours.counts_for(today, now, out_of_hours.hours_from(front_door_settings(), working_day_calendar()))
    return {"step_downs": {"since": since.isoformat(), "waiting": waiting or 0, "accepted": accepted or 0,
                           "returned": returned or 0},
            "out_of_hours": {"handed_over": night.handed_over, "accepted": night.accepted, "waiting": night.waiting}}
