"""The report's SQL says what the domain's rules say: the case list is built
by the database, so these tests hold its CASE expressions to the pure functions."""
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import literal, select

from triage.domain import report as shape
from triage.domain.clocks import ClockState, clock_state, describe_working_days_left
from triage.extensions import db
from triage.models import Assessment, Clock, Referral
from triage.services import cases as case_service
from triage.services import contacts
from triage.services.calendar import working_day_calendar
from triage.services.reference import ensure_team
from triage.services.report import build as morning_report
from triage.services.report import reading
from triage.services.report import sql as report_sql
from triage.settings import clock_settings

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_the_sql_words_for_working_days_left_are_the_domains(app):
    numbers = [*range(-50, 51), -1000, -101, 101, 1000]
    said = [db.session.scalar(select(report_sql.working_days_words(literal(n)))) for n in numbers]
    assert said == [describe_working_days_left(n) for n in numbers]


@pytest.fixture
def cases(make_user, actor_for):
    team = ensure_team("Front Door assessment North")
    era, manager = actor_for(make_user("era")), actor_for(make_user("manager"))
    worker = actor_for(make_user("practitioner", team=team.name))
    made = []
    # Referral dates spread so the cases are overdue, due soon, in progress, not started,
    # authorised in time and authorised late; one over Christmas and one on a bank holiday.
    for n, day in enumerate([date(2026, 8, 3), date(2026, 9, 21), date(2026, 9, 28), date(2026, 10, 5),
                             date(2026, 10, 19), date(2026, 11, 2), date(2026, 11, 20), date(2026, 12, 25)]):
        at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        contact, _ = contacts.record_contact(era, min(at, NOW), {
            "channel": "phone", "source_code": "3A" if n % 2 else "1A", "concern": "Worried", "consent": "given",
            "consent_by": "Mother", "received_at": at, "children": [{"child": {
                "first_name": f"Kid{n}", "last_name": "Test", "sex": "female", "date_of_birth": date(2015, 1, 1)},
                "confirmed_new": True}]}) if day < NOW.date() else (None, None)
        if contact is None:
            continue
        contacts.record_decision(manager, at.replace(hour=11), contact.id,
                                 [{"outcome": "assessment", "rationale": "r"}])
        referral = db.session.query(Referral).filter_by(contact_id=contact.id).one()
        assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
        if n in (0, 2, 3, 5):
            case_service.start_assessment(worker, at.replace(hour=12), assessment.id, case_service.StartAssessment(day))
        if n == 0:  # authorised late (due in October)
            case_service.authorise(manager, datetime(2026, 11, 2, 9, tzinfo=UTC), assessment.id, case_service.Authorisation("child_in_need_plan", ["1A"], late_reason="Sickness", primary_need="N1"))
        if n == 3:
            case_service.authorise(manager, datetime(2026, 11, 16, 9, tzinfo=UTC), assessment.id, case_service.Authorisation("child_in_need_plan", ["1A"], primary_need="N1"))
        made.append(assessment.id)
    return made


def test_every_case_row_agrees_with_the_domains_working_days_and_status(app, cases):
    content = morning_report.build_content(NOW)
    calendar, today = working_day_calendar(), NOW.date()
    warn = clock_settings().assessment_warn_working_days
    rows = content["allocated_cases"]
    assert sorted(r["assessment_id"] for r in rows) == sorted(cases)
    statuses = set()
    for row in rows:
        assessment = db.session.get(Assessment, row["assessment_id"])
        referral_date = date.fromisoformat(row["referral_date"])
        expected = shape.assessment_progress(referral_date, assessment.due_date, today, calendar,
                                             assessment.authorised_on)
        assert {k: row[k] for k in expected} == expected
        status = shape.assessment_status(assessment.authorised_on, assessment.due_date, today,
                                         assessment.started_on, warn, calendar)
        assert row["status"] == status
        statuses.add(status)
    assert statuses == {"Authorised", "Authorised late", "Overdue", "Due soon", "In progress", "Not started"}
    assert [r["due_date"] for r in rows] == sorted(r["due_date"] for r in rows)


def test_the_counts_by_team_agree_with_the_state_of_each_running_assessment_clock(app, cases):
    content = morning_report.build_content(NOW)
    counted = {"cases": 0, "overdue": 0, "due_soon": 0}
    for team in reading.cases_by_team(content["allocated_cases"]):
        for key in counted:
            counted[key] += team[key]
    running = db.session.query(Clock).filter(Clock.kind == "assessment", Clock.subject_id.in_(cases),
                                             Clock.stopped_at.is_(None)).all()
    states = Counter(clock_state(c.due_at, NOW, None, c.due_at - c.warn_at) for c in running)
    assert counted == {"cases": len(cases), "overdue": states[ClockState.BREACHED],
                       "due_soon": states[ClockState.DUE_SOON]}
    assert counted["overdue"] and counted["due_soon"]  # the cases include both
