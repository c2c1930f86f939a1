"""The morning timescale report: built from the live tables, stored whole, never changed.

Every section is one set-based query (or a fixed few), so the number of queries does not grow
with the number of cases; measures are SQL aggregates over indexed date columns, so their work
grows with the window, not with all of history.
"""
from __future__ import annotations

import json
from collections import defaultdict, namedtuple
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Integer, and_, any_, bindparam, case, func, literal_column, select

from triage.clock import LONDON, local_date
from triage.domain import report as shape
from triage.domain.clocks import end_of_day
from triage.domain.codes import AssessmentOutcome, DecisionOutcome, ReferralSource
from triage.domain.contact_states import ContactState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Agency,
    Assessment,
    Child,
    Clock,
    ClockEvent,
    Contact,
    ContactChild,
    InformationRequest,
    Locality,
    MorningReport,
    Notification,
    Referral,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import report_sql
from triage.services.actor import Actor
from triage.services.calendar import ensure_working_days, working_day_calendar
from triage.services.errors import Forbidden, Invalid, NotFound
from triage.settings import clock_settings

READERS = (Role.MANAGER, Role.PERFORMANCE)
# Listed, not "!= decided": an IN list can use the (state, decision_due_at) index, so the read
# grows with the open contacts rather than with every contact ever received.
OPEN_CONTACT_STATES = tuple(s.value for s in ContactState if s is not ContactState.DECIDED)
BUILDERS = (Role.MANAGER, Role.PERFORMANCE, Role.ADMIN)
SCHEDULED_TRIGGERS = ("scheduled", "catch_up")
UTC_TYPE = Clock.__table__.c.due_at.type


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _report_time() -> time:
    return time(current_app.config["MORNING_REPORT_HOUR"], current_app.config["MORNING_REPORT_MINUTE"])


# ---------------------------------------------------------------- building and storing

def report_due_today(now: datetime) -> bool:
    """A working day, and the report time has passed in London."""
    today = local_date(now)
    if not working_day_calendar().is_working_day(today):
        return False
    return now >= datetime.combine(today, _report_time(), tzinfo=LONDON)


def build_scheduled_report(now: datetime, trigger: str = "scheduled") -> MorningReport | None:
    """This morning's report, once: None when it is not due or one was already built today.

    Safe to call from a cron job, a catch-up on start-up and a second scheduler at once: a
    duplicate loses on the (report_date, version) unique constraint and is dropped.
    """
    if not report_due_today(now):
        return None
    today = local_date(now)
    already = db.session.scalar(select(MorningReport.id).where(
        MorningReport.report_date == today, MorningReport.trigger.in_(SCHEDULED_TRIGGERS)).limit(1))
    if already:
        return None
    from sqlalchemy.exc import IntegrityError
    try:
        # The managers' "report ready" notices go in with the report, in one transaction: a
        # second scheduler that loses the race writes neither, and the sweep emails each notice
        # through the claimed, retried sender (services/notify.py), exactly once.
        report = _store(now, trigger, "scheduler", notify_managers=True)
    except IntegrityError:
        db.session.rollback()
        return None
    return report


def build_on_demand(actor: Actor, now: datetime) -> MorningReport:
    """A fresh build now; stored beside any earlier ones for the same morning."""
    if not actor.has_role(*BUILDERS):
        raise Forbidden("Your role cannot build the morning report")
    return _store(now, "on_demand", actor.label)


def _store(now: datetime, trigger: str, built_by: str, notify_managers: bool = False) -> MorningReport:
    today = local_date(now)
    body = build_text(now)  # stored as built: the database wrote the case list's JSON itself
    version = (db.session.scalar(select(func.max(MorningReport.version))
                                 .where(MorningReport.report_date == today)) or 0) + 1
    report = MorningReport(report_date=today, version=version, built_at=now, trigger=trigger,
                           built_by=built_by, body=body)
    db.session.add(report)
    if notify_managers:
        _notify_managers(now, today)
    db.session.commit()
    return report


REPORT_READY = "This morning's timescale report is ready"


def _notify_managers(now: datetime, report_date: date) -> None:
    """A notice, never the content, to every active manager: in the service, and by email (when
    SMTP is configured) by the sweep's sender, which claims each one before sending it."""
    managers = db.session.scalars(select(User.id).where(User.role == Role.MANAGER.value,
                                                        User.active.is_(True))).all()
    link = f"/reports/morning?date={report_date.isoformat()}"
    db.session.add_all(Notification(user_id=m, clock_event_id=None, created_at=now, message=REPORT_READY,
                                    link=link) for m in managers)


# ---------------------------------------------------------------- reading

def get_report(actor: Actor, now: datetime, report_date: date, version: int | None = None) -> MorningReport:
    """The stored report; whoever serves it records what was shown (services/report_audit.py)."""
    if not actor.has_role(*READERS):
        raise Forbidden("Only managers and performance officers read the morning report")
    query = select(MorningReport).where(MorningReport.report_date == report_date)
    query = query.where(MorningReport.version == version) if version else query.order_by(MorningReport.version.desc())
    report = db.session.scalars(query.limit(1)).first()
    if report is None:
        raise NotFound(f"No morning report for {report_date:%-d %B %Y}" + (f" version {version}" if version else ""))
    return report


# What a list of reports shows. Never the content: a stored report is megabytes, and loading
# every one made the report page and the history API slower with each morning kept.
LISTED = (MorningReport.id, MorningReport.report_date, MorningReport.version, MorningReport.built_at,
          MorningReport.trigger, MorningReport.built_by)


def list_reports(actor: Actor, limit: int = 60) -> list:
    """Past reports, newest first: rows of LISTED columns only, whatever the number stored."""
    if not actor.has_role(*READERS):
        raise Forbidden("Only managers and performance officers read the morning report")
    return list(db.session.execute(
        select(*LISTED).order_by(MorningReport.report_date.desc(), MorningReport.version.desc())
        .limit(limit)))


def filtered(content: dict, team_id: int | None = None, locality_id: int | None = None) -> dict:
    """The same report with its case lists narrowed to a team and/or locality (measures stay whole)."""
    if not team_id and not locality_id:
        return content

    def keep(row: dict) -> bool:
        return ((not team_id or row.get("team_id") == team_id)
                and (not locality_id or row.get("locality_id") == locality_id))

    narrowed = dict(content)
    for section in ("needs_action", "awaiting_decision", "allocated_cases", "strategy"):
        narrowed[section] = [row for row in content.get(section, []) if keep(row)]
    narrowed["caseload"] = [row for row in content.get("caseload", []) if not team_id or row["team_id"] == team_id]
    narrowed["filters"] = {"team_id": team_id, "locality_id": locality_id}
    return narrowed


def cases_by_team(cases: list[dict]) -> list[dict]:
    """Open cases per team with how many are overdue or due soon, for the page's summary."""
    teams: dict = {}
    for row in cases:
        entry = teams.setdefault(row["team_id"], {"team_id": row["team_id"], "team": row["team"] or "Unallocated",
                                                  "cases": 0, "overdue": 0, "due_soon": 0})
        entry["cases"] += 1
        entry["overdue"] += row["status"] == "Overdue"
        entry["due_soon"] += row["status"] == "Due soon"
    return sorted(teams.values(), key=lambda t: (t["team_id"] is None, t["team"]))


# ---------------------------------------------------------------- the content

def build_content(now: datetime) -> dict:
    """The report as a dict (what the stored text parses to)."""
    return json.loads(build_text(now))


def build_text(now: datetime) -> str:
    """The report as the JSON text it is stored and served as.

    The case list, the largest part by far (every open case), arrives from the database as
    JSON text and is spliced in unparsed; the other sections are small and dumped here.
    """
    ensure_working_days()  # the case list counts working days in the calendar table
    calendar = working_day_calendar()
    today = local_date(now)
    settings = clock_settings()
    names = _names()
    parts = {
        "report_date": today.isoformat(),
        "built_at": now.isoformat(),
        "conventions": {
            "assessment": f"Due on the {settings.assessment_working_days}th working day after the referral "
                          "date (referral day is day 0); the DfE census counts the referral day as day 1",
            "decision": f"Policy {settings.decision_policy.value}: "
                        + ("24 elapsed hours" if settings.decision_policy.value == "24h" else "end of next working day"),
        },
        "needs_action": _needs_action(now, today, names),
        "awaiting_decision": _awaiting_decision(now, names),
        "allocated_cases": None,
        "strategy": _strategy(today, calendar, names),
        "yesterday": _yesterday(today, calendar),
        "measures": _measures(now, today),
        "caseload": _caseload(),
        "since_last_report": _since_last_report(now, today),
        "trend": report_sql.trend(now, today),
        "teams": [{"id": i, "name": n} for i, n in sorted(names["team"].items(), key=lambda kv: kv[1])],
        "localities": [{"id": i, "name": n} for i, n in sorted(names["locality"].items(), key=lambda kv: kv[1])],
    }
    cases = report_sql.allocated_cases_json(today, settings.assessment_warn_working_days)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return "{" + ",".join(f"{dumps(key)}:{cases if key == 'allocated_cases' else dumps(value)}"
                          for key, value in parts.items()) + "}"


def _names() -> dict:
    return {
        "team": dict(db.session.execute(select(Team.id, Team.name)).all()),
        "locality": dict(db.session.execute(select(Locality.id, Locality.name)).all()),
        "user": dict(db.session.execute(select(User.id, User.display_name)).all()),
        "agency": dict(db.session.execute(select(Agency.id, Agency.name)).all()),
    }


def _children_of_contacts(contact_ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    if not contact_ids:
        return found
    rows = db.session.execute(
        select(ContactChild.contact_id, Child.id, Child.first_name, Child.last_name, Child.council_child_id)
        .join(Child, Child.id == ContactChild.child_id).where(ContactChild.contact_id.in_(contact_ids))
        .order_by(ContactChild.id))
    for contact_id, child_id, first, last, council_id in rows:
        found[contact_id].append({"child_id": child_id, "name": f"{first} {last}", "council_child_id": council_id})
    return found


def _among(column, ids):
    """`column IN ids` as ONE bound value (a PostgreSQL array; SQLite's json_each), so the
    database reads just those rows by index however large the table has grown. Joined instead,
    PostgreSQL hashed the whole child (and referral, assessment) table: the report grew with
    history (bench/README.md). One value also keeps thousands of ids from being thousands of
    parameters."""
    ids = sorted(ids)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    listed = select(literal_column("value")).select_from(func.json_each(json.dumps(ids)))
    return column.in_(listed.scalar_subquery())


def _children_by_id(ids) -> dict:
    """Always one query (even for none), so the report's query count never depends on the data."""
    return {r.id: r for r in db.session.execute(
        select(Child.id, Child.first_name, Child.last_name, Child.council_child_id, Child.locality_id)
        .where(_among(Child.id, ids)))}


def _needs_action(now: datetime, today: date, names: dict) -> list[dict]:
    """Everything breached, then everything due today, across all clocks."""
    end_today = end_of_day(today)
    rows = db.session.execute(
        select(Clock.id, Clock.kind, Clock.subject, Clock.subject_id, Clock.contact_id, Clock.due_at,
               Clock.due_date, Clock.owner_id, Clock.team_id, Clock.child_id)
        .where(Clock.stopped_at.is_(None), Clock.due_at <= end_today)
        .order_by(Clock.due_at, Clock.id)).all()
    kids = _children_by_id({r.child_id for r in rows if r.child_id})
    contact_children = _children_of_contacts(sorted({r.contact_id for r in rows if r.contact_id and not r.child_id}))
    result = []
    for r in rows:
        kid = kids.get(r.child_id)
        children = ([{"child_id": kid.id, "name": f"{kid.first_name} {kid.last_name}"}] if kid
                    else contact_children.get(r.contact_id, []))
        result.append({
            "clock_id": r.id, "kind": r.kind, "subject": r.subject, "subject_id": r.subject_id,
            "contact_id": r.contact_id, "children": children,
            "due_at": r.due_at.isoformat(), "due_date": _iso(r.due_date),
            "status": "Breached" if r.due_at < now else "Due today",
            "owner": names["user"].get(r.owner_id), "team_id": r.team_id, "team": names["team"].get(r.team_id),
            "locality_id": kid.locality_id if kid else None,
        })
    result.sort(key=lambda row: (row["status"] != "Breached", row["due_at"]))
    return result


def _awaiting_decision(now: datetime, names: dict) -> list[dict]:
    contacts = db.session.execute(
        select(Contact.id, Contact.received_at, Contact.rag, Contact.state, Contact.source_code,
               Contact.decision_due_at, Contact.team_id, Contact.locality_id)
        .where(Contact.state.in_(OPEN_CONTACT_STATES)).order_by(Contact.decision_due_at, Contact.id)).all()
    ids = [c.id for c in contacts]
    outstanding: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if ids:
        for contact_id, agency_id, overdue in db.session.execute(
                select(InformationRequest.contact_id, InformationRequest.agency_id,
                       InformationRequest.due_at < now)
                .where(InformationRequest.contact_id.in_(ids), InformationRequest.state == "open")):
            outstanding[contact_id][names["agency"][agency_id] + (" (overdue)" if overdue else "")] += 1
    children = _children_of_contacts(ids)
    from triage.domain.clocks import describe_time_left
    return [{
        "contact_id": c.id, "received_at": c.received_at.isoformat(), "children": children.get(c.id, []),
        "rag": c.rag, "rag_label": c.rag.title() if c.rag else "Not rated",
        "state": ContactState(c.state).label, "source": ReferralSource(c.source_code).label,
        "decision_due_at": c.decision_due_at.isoformat(), "breached": now > c.decision_due_at,
        "time_left": describe_time_left(c.decision_due_at, now),
        "requests_outstanding": dict(outstanding.get(c.id, {})),
        "team_id": c.team_id, "team": names["team"].get(c.team_id), "locality_id": c.locality_id,
    } for c in contacts]


_StrategyRow = namedtuple("_StrategyRow", "id referral_id held_on s47_started_on s47_outcome icpc_due_date "
                                          "icpc_held_on first_name last_name child_id locality_id team_id")


def _strategy(today: date, calendar, names: dict) -> list[dict]:
    """Strategy discussions whose s47 or conference is still open."""
    from triage.domain.clocks import describe_working_days_left, working_days_left
    found = db.session.execute(
        select(StrategyDiscussion.id, StrategyDiscussion.referral_id, StrategyDiscussion.held_on,
               StrategyDiscussion.s47_started_on, StrategyDiscussion.s47_outcome, StrategyDiscussion.icpc_due_date,
               StrategyDiscussion.icpc_held_on, StrategyDiscussion.child_id)
        # Without an s47 nothing stays open; listing those would grow the report with history.
        .where(StrategyDiscussion.s47_started_on.is_not(None), StrategyDiscussion.icpc_held_on.is_(None),
               StrategyDiscussion.icpc_not_needed_reason.is_(None))
        .order_by(StrategyDiscussion.icpc_due_date, StrategyDiscussion.id)).all()
    kids = _children_by_id({r.child_id for r in found})
    teams = dict(db.session.execute(select(Referral.id, Referral.team_id)
                                    .where(_among(Referral.id, {r.referral_id for r in found}))).all())
    rows = [_StrategyRow(r.id, r.referral_id, r.held_on, r.s47_started_on, r.s47_outcome, r.icpc_due_date,
                         r.icpc_held_on, kids[r.child_id].first_name, kids[r.child_id].last_name, r.child_id,
                         kids[r.child_id].locality_id, teams.get(r.referral_id)) for r in found]
    return [{
        "strategy_discussion_id": r.id, "referral_id": r.referral_id, "child_id": r[9],
        "child": f"{r.first_name} {r.last_name}", "held_on": r.held_on.isoformat(),
        "s47_started_on": _iso(r.s47_started_on), "s47_outcome": r.s47_outcome,
        "icpc_due_date": _iso(r.icpc_due_date),
        "time_left": describe_working_days_left(working_days_left(r.icpc_due_date, today, calendar))
        if r.icpc_due_date else None,
        "team_id": r.team_id, "team": names["team"].get(r.team_id), "locality_id": r.locality_id,
    } for r in rows]


def _yesterday(today: date, calendar) -> dict:
    first, last = shape.previous_working_day_span(today, calendar)
    start, end = shape.start_of_day(first), shape.start_of_day(today)
    # Inline literal: PostgreSQL must see the same expression in SELECT and GROUP BY.
    outcome = func.coalesce(ContactChild.outcome, literal_column("'awaiting'"))
    by_source_outcome = db.session.execute(
        select(Contact.source_code, outcome, func.count())
        .join(ContactChild, ContactChild.contact_id == Contact.id)
        .where(Contact.received_at >= start, Contact.received_at < end)
        .group_by(Contact.source_code, outcome)).all()
    contacts = db.session.scalar(select(func.count()).select_from(Contact)
                                 .where(Contact.received_at >= start, Contact.received_at < end))
    decided, within = db.session.execute(
        select(func.count(), func.sum(case((Contact.decided_at <= Contact.decision_due_at, 1), else_=0)))
        .where(Contact.decided_at >= start, Contact.decided_at < end)).one()
    return {
        "from": first.isoformat(), "to": last.isoformat(), "contacts": contacts or 0,
        "children_by_source_and_outcome": [
            {"source": ReferralSource(s).label, "outcome": "Awaiting decision" if o == "awaiting" else DecisionOutcome(o).label,
             "children": n} for s, o, n in sorted(by_source_outcome)],
        "decisions": decided or 0, "decisions_within_clock": int(within or 0),
        "decisions_within_clock_pct": shape.rate(int(within or 0), decided or 0),
    }


def _windowed(column, starts: dict[int, object]):
    """One SUM(CASE ...) per window, so all three windows come from a single scan."""
    return [func.sum(case((column >= start, 1), else_=0)) for start in starts.values()]


def _windowed_when(column, starts, condition):
    return [func.sum(case((and_(column >= start, condition), 1), else_=0)) for start in starts.values()]


def _measures(now: datetime, today: date) -> dict:
    day_starts = shape.window_starts(today)
    instants = {d: shape.start_of_day(s) for d, s in day_starts.items()}
    widest_day, widest = day_starts[max(day_starts)], instants[max(instants)]
    windows = list(day_starts)
    measures: dict = {str(d): {} for d in windows}

    # Contacts to referrals, by source: a contact converts when any child on it became a referral.
    # A referral is dated on its contact's London receipt date, so referrals for contacts in the
    # widest window are those dated in it: read those (indexed), not every referral ever made.
    converted = (select(Referral.contact_id).where(Referral.contact_id.is_not(None),
                                                   Referral.referral_date >= widest_day)
                 .distinct().subquery())
    rows = db.session.execute(
        select(Contact.source_code, *_windowed(Contact.received_at, instants),
               *_windowed_when(Contact.received_at, instants, converted.c.contact_id.is_not(None)))
        .outerjoin(converted, converted.c.contact_id == Contact.id)
        .where(Contact.received_at >= widest).group_by(Contact.source_code)).all()
    for i, d in enumerate(windows):
        per_source, total, total_converted = [], 0, 0
        for row in rows:
            contacts, became = int(row[1 + i] or 0), int(row[1 + len(windows) + i] or 0)
            total, total_converted = total + contacts, total_converted + became
            if contacts:
                per_source.append({"source": ReferralSource(row[0]).label, "contacts": contacts,
                                   "referrals": became, "pct": shape.rate(became, contacts)})
        measures[str(d)]["conversion"] = {"contacts": total, "referrals": total_converted,
                                          "pct": shape.rate(total_converted, total), "by_source": per_source}

    # Decisions within the clock.
    row = db.session.execute(select(*_windowed(Contact.decided_at, instants),
                                    *_windowed_when(Contact.decided_at, instants,
                                                    Contact.decided_at <= Contact.decision_due_at))
                             .where(Contact.decided_at >= widest)).one()
    for i, d in enumerate(windows):
        measures[str(d)]["decisions"] = {"decided": int(row[i] or 0), "within_clock": int(row[len(windows) + i] or 0),
                                         "pct": shape.rate(int(row[len(windows) + i] or 0), int(row[i] or 0))}

    # Partner requests that fell due in the window, returned in time, by agency.
    in_time = and_(InformationRequest.answered_at.is_not(None), InformationRequest.answered_at <= InformationRequest.due_at)
    rows = db.session.execute(
        select(Agency.name, *_windowed(InformationRequest.due_at, instants),
               *_windowed_when(InformationRequest.due_at, instants, in_time))
        .join(Agency, Agency.id == InformationRequest.agency_id)
        .where(InformationRequest.due_at >= widest, InformationRequest.due_at <= now,
               InformationRequest.state != "withdrawn")
        .group_by(Agency.name).order_by(Agency.name)).all()
    for i, d in enumerate(windows):
        measures[str(d)]["partner_returns"] = [
            {"agency": r[0], "due": int(r[1 + i] or 0), "in_time": int(r[1 + len(windows) + i] or 0),
             "pct": shape.rate(int(r[1 + len(windows) + i] or 0), int(r[1 + i] or 0))}
            for r in rows if r[1 + i]]

    # Assessments authorised: within 45 working days, and ending in no further action.
    row = db.session.execute(select(
        *_windowed(Assessment.authorised_on, day_starts),
        *_windowed_when(Assessment.authorised_on, day_starts, Assessment.authorised_on <= Assessment.due_date),
        *_windowed_when(Assessment.authorised_on, day_starts, Assessment.outcome == AssessmentOutcome.NO_FURTHER_ACTION.value))
        .where(Assessment.authorised_on >= widest_day)).one()
    n = len(windows)
    for i, d in enumerate(windows):
        authorised, within, nfa = int(row[i] or 0), int(row[n + i] or 0), int(row[2 * n + i] or 0)
        measures[str(d)]["assessments"] = {"authorised": authorised, "within_timescale": within,
                                           "pct_within": shape.rate(within, authorised),
                                           "no_further_action": nfa, "pct_nfa": shape.rate(nfa, authorised)}

    # Referrals and re-referrals within 12 months.
    row = db.session.execute(select(*_windowed(Referral.referral_date, day_starts),
                                    *_windowed_when(Referral.referral_date, day_starts, Referral.is_re_referral.is_(True)))
                             .where(Referral.referral_date >= widest_day)).one()
    for i, d in enumerate(windows):
        referrals, again = int(row[i] or 0), int(row[n + i] or 0)
        measures[str(d)]["referrals"] = {"referrals": referrals, "re_referrals": again,
                                         "pct_re_referrals": shape.rate(again, referrals)}

    # Children awaiting assessment now, per 10,000 children in the council.
    waiting = db.session.scalar(select(func.count(func.distinct(Assessment.child_id)))
                                .where(Assessment.authorised_at.is_(None))) or 0
    population = int(current_app.config["CHILD_POPULATION"])
    return {"windows": measures, "children_awaiting_assessment": waiting, "child_population": population,
            "awaiting_per_10k": shape.per_10k(waiting, population)}


def _caseload() -> list[dict]:
    rows = db.session.execute(
        select(Assessment.team_id, Team.name, Assessment.worker_id, User.display_name, func.count())
        .outerjoin(Team, Team.id == Assessment.team_id).outerjoin(User, User.id == Assessment.worker_id)
        .where(Assessment.authorised_at.is_(None))
        .group_by(Assessment.team_id, Team.name, Assessment.worker_id, User.display_name)).all()
    ordered = sorted(rows, key=lambda r: (r[1] or "~", r[3] or "~"))
    return [{"team_id": t, "team": tn or "Unallocated", "worker_id": w, "worker": wn or "Unallocated",
             "open_assessments": n} for t, tn, w, wn, n in ordered]


def _since_last_report(now: datetime, today: date) -> dict:
    previous = db.session.execute(select(MorningReport.built_at, MorningReport.report_date)
                                  .where(MorningReport.report_date < today)
                                  .order_by(MorningReport.report_date.desc(), MorningReport.version.desc())
                                  .limit(1)).first()
    since = previous.built_at if previous else now - timedelta(days=1)
    breaches = db.session.execute(
        select(ClockEvent.clock_id, ClockEvent.at, Clock.kind, Clock.subject, Clock.subject_id)
        .join(Clock, Clock.id == ClockEvent.clock_id)
        .where(ClockEvent.kind == "breached", ClockEvent.recorded_at > since, ClockEvent.recorded_at <= now)
        .order_by(ClockEvent.at)).all()
    allocated = db.session.execute(select(Referral.id, Referral.child_id, Referral.team_id)
                                   .where(Referral.allocated_at > since, Referral.allocated_at <= now)
                                   .order_by(Referral.id)).all()
    closed = db.session.execute(select(Referral.id, Referral.child_id, Referral.closure_reason)
                                .where(Referral.closed_at > since, Referral.closed_at <= now)
                                .order_by(Referral.id)).all()
    return {
        "since": since.isoformat(), "previous_report_date": _iso(previous.report_date) if previous else None,
        "new_breaches": [{"clock_id": b[0], "at": b[1].isoformat(), "kind": b[2], "subject": b[3],
                          "subject_id": b[4]} for b in breaches],
        "newly_allocated": [{"referral_id": a[0], "child_id": a[1], "team_id": a[2]} for a in allocated],
        "closed": [{"referral_id": c[0], "child_id": c[1], "closure_reason": c[2]} for c in closed],
    }


def validate_report_date(value: str | None, today: date) -> date:
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("Give the date as YYYY-MM-DD", {"date": ["Give the date as YYYY-MM-DD"]}) from None
