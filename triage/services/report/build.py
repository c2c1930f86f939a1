"""Building the morning timescale report and storing it whole, never to be changed.

A scheduled build happens once each working morning after the report time; an on-demand build
is kept beside it as a new version. Every section is one set-based query (or a fixed few), so
the number of queries does not grow with the number of cases.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from triage.clock import LONDON, local_date
from triage.domain import report as shape
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import MorningReport, Notification, User
from triage.services.actor import Actor
from triage.services.calendar import ensure_working_days, working_day_calendar
from triage.services.guards import require
from triage.services.report import sections, sql
from triage.services.report.measures import measures
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings, report_settings

BUILDERS = (Role.MANAGER, Role.PERFORMANCE, Role.ADMIN)
SCHEDULED_TRIGGERS = ("scheduled", "catch_up")
REPORT_READY = "This morning's timescale report is ready"


def report_due_today(now: datetime) -> bool:
    """A working day, and the report time has passed in London."""
    today = local_date(now)
    if not working_day_calendar().is_working_day(today):
        return False
    settings = report_settings()
    return now >= datetime.combine(today, time(settings.hour, settings.minute), tzinfo=LONDON)


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
    try:
        # The managers' "report ready" notices go in with the report, in one transaction: a
        # second scheduler that loses the race writes neither, and the sweep emails each notice
        # through the claimed, retried sender (services/notify.py), exactly once.
        return _store(now, trigger, "scheduler", notify_managers=True)
    except IntegrityError:
        return None


def build_on_demand(actor: Actor, now: datetime) -> MorningReport:
    """A fresh build now; stored beside any earlier ones for the same morning."""
    require(actor, BUILDERS, "build the morning report")
    return _store(now, "on_demand", actor.label)


def _store(now: datetime, trigger: str, built_by: str, notify_managers: bool = False) -> MorningReport:
    today = local_date(now)
    with unit_of_work("morning report"):
        body = build_text(now)  # stored as built: the database wrote the case list's JSON itself
        version = (db.session.scalar(select(func.max(MorningReport.version))
                                     .where(MorningReport.report_date == today)) or 0) + 1
        report = MorningReport(report_date=today, version=version, built_at=now, trigger=trigger,
                               built_by=built_by, body=body)
        db.session.add(report)
        if notify_managers:
            _notify_managers(now, today)
    return report


def _notify_managers(now: datetime, report_date: date) -> None:
    """A notice, never the content, to every active manager: in the service, and by email (when
    SMTP is configured) by the sweep's sender, which claims each one before sending it."""
    managers = db.session.scalars(select(User.id).where(User.role == Role.MANAGER.value,
                                                        User.active.is_(True))).all()
    link = f"/reports/morning?date={report_date.isoformat()}"
    db.session.add_all(Notification(user_id=m, clock_event_id=None, created_at=now, message=REPORT_READY,
                                    link=link) for m in managers)


def build_content(now: datetime) -> dict:
    """The report as a dict (what the stored text parses to)."""
    return json.loads(build_text(now))


def _conventions(settings) -> dict:
    decision = ("24 elapsed hours" if settings.decision_policy.value == "24h" else "end of next working day")
    return {
        "assessment": f"Due on the {settings.assessment_working_days}th working day after the referral "
                      "date (referral day is day 0); the DfE census counts the referral day as day 1",
        "decision": f"Policy {settings.decision_policy.value}: {decision}",
    }


def build_text(now: datetime) -> str:
    """The report as the JSON text it is stored and served as.

    The case list, the largest part by far (every open case), arrives from the database as
    JSON text and is spliced in unparsed; the other sections are small and dumped here.
    """
    ensure_working_days()  # the case list counts working days in the calendar table
    calendar = working_day_calendar()
    today = local_date(now)
    settings = clock_settings()
    names = sections.names()
    parts = {
        "report_date": today.isoformat(),
        "built_at": now.isoformat(),
        "conventions": _conventions(settings),
        "needs_action": sections.needs_action(now, today, names),
        "awaiting_decision": sections.awaiting_decision(now, names),
        "allocated_cases": None,
        "strategy": sections.strategy(today, calendar, names),
        "yesterday": sections.yesterday(today, calendar),
        "measures": measures(today, now, report_settings().child_population),
        "caseload": sections.caseload(),
        "since_last_report": sections.since_last_report(now, today),
        "handovers": sections.handovers(now, today, shape.start_of_day(shape.window_starts(today)[7])),
        "trend": sql.trend(now, today),
        "teams": [{"id": i, "name": n} for i, n in sorted(names["team"].items(), key=lambda kv: kv[1])],
        "localities": [{"id": i, "name": n} for i, n in sorted(names["locality"].items(), key=lambda kv: kv[1])],
    }
    cases = sql.allocated_cases_json(today, settings.assessment_warn_working_days)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return "{" + ",".join(f"{dumps(key)}:{cases if key == 'allocated_cases' else dumps(value)}"
                          for key, value in parts.items()) + "}"
