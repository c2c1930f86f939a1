"""Assessments, case discussions, strategy discussions and their clocks, at the service level."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from triage.extensions import db
from triage.models import Assessment, Clock, Referral
from triage.services import cases, contacts
from triage.services.errors import Conflict, Invalid


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)




def referral_on(staff, day: date) -> Referral:
    contact, _ = contacts.record_contact(staff["era"], at(day), {
        "channel": "phone", "source_code": "3A", "concern": "GP worried about weight loss", "consent": "given",
        "consent_by": "Mother", "received_at": at(day), "children": [{"child": {
            "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
            "confirmed_new": True}]})
    contacts.record_decision(staff["manager"], at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    return db.session.query(Referral).filter_by(contact_id=contact.id).one()


def test_the_assessment_is_due_45_working_days_after_the_referral_over_christmas(app, staff):
    referral = referral_on(staff, date(2018, 12, 20))
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    assert assessment.due_date == date(2019, 2, 26)
    clock = db.session.query(Clock).filter_by(kind="assessment", subject_id=assessment.id).one()
    assert clock.due_date == date(2019, 2, 26)
    assert clock.due_at == datetime(2019, 2, 26, 23, 59, 59, tzinfo=UTC)  # GMT in February
    # Warned from the start of the 5th working day before: Tue 19 Feb 2019.
    assert clock.warn_at == datetime(2019, 2, 19, 0, 0, tzinfo=UTC)


def test_case_discussions_are_planned_at_working_days_10_and_35(app, staff):
    referral = referral_on(staff, date(2026, 5, 1))  # Fri; Mon 4 May and Mon 25 May are bank holidays
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    assert [d.planned_on for d in assessment.case_discussions] == [date(2026, 5, 18), date(2026, 6, 23)]


def test_allocation_sends_the_case_clocks_to_the_worker(app, staff, now):
    referral = referral_on(staff, date(2026, 11, 20))
    cases.allocate(staff["manager"], now, referral.id, cases.Allocation(staff["team"].id, staff["worker"].user_id))
    owners = {c.kind: c.owner_id for c in db.session.query(Clock).filter(Clock.child_id == referral.child_id)}
    assert owners == {"assessment": staff["worker"].user_id, "case_discussion": staff["worker"].user_id}
    [load] = cases.caseload(staff["manager"])
    assert (load.worker_id, load.team, load.open_assessments) == (staff["worker"].user_id, staff["team"].name, 1)


def test_only_a_manager_allocates_and_authorises(app, staff, now):
    from triage.services.errors import Forbidden

    referral = referral_on(staff, date(2026, 11, 20))
    with pytest.raises(Forbidden):
        cases.allocate(staff["worker"], now, referral.id, cases.Allocation(staff["team"].id, None))


def test_a_late_authorisation_needs_a_reason_and_is_recorded_as_breached(app, staff):
    referral = referral_on(staff, date(2026, 9, 1))
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    cases.start_assessment(staff["worker"], at(date(2026, 9, 2)), assessment.id, cases.StartAssessment(date(2026, 9, 2)))
    late = at(date(2026, 11, 27))
    with pytest.raises(Invalid) as refused:
        cases.authorise(staff["manager"], late, assessment.id, cases.Authorisation("child_in_need_plan", ["3C"], primary_need="N1"))
    assert "late_reason" in refused.value.errors
    cases.authorise(staff["manager"], late, assessment.id, cases.Authorisation("child_in_need_plan", ["3C", "4B"], late_reason="Waiting for the paediatric report", primary_need="N1"))
    clock = db.session.query(Clock).filter_by(kind="assessment", subject_id=assessment.id).one()
    assert (clock.state, clock.breached_at) == ("breached", clock.due_at)


def test_factor_21_is_refused_unless_alone_with_no_further_action(app, staff):
    referral = referral_on(staff, date(2026, 11, 2))
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    cases.start_assessment(staff["worker"], at(date(2026, 11, 3)), assessment.id, cases.StartAssessment(date(2026, 11, 3)))
    with pytest.raises(Invalid) as refused:
        cases.authorise(staff["manager"], at(date(2026, 11, 20)), assessment.id, cases.Authorisation("child_in_need_plan", ["21"], primary_need="N1"))
    assert "factors" in refused.value.errors
    done = cases.authorise(staff["manager"], at(date(2026, 11, 20)), assessment.id, cases.Authorisation("no_further_action", ["21"], primary_need="N1"))
    assert done.referral.closure_reason == "RC8" and done.referral.closed_at is not None
    with pytest.raises(Conflict):
        cases.authorise(staff["manager"], at(date(2026, 11, 20)), assessment.id, cases.Authorisation("no_further_action", ["21"], primary_need="N1"))


def test_a_case_discussion_held_stops_its_clock_and_cannot_be_held_twice(app, staff):
    referral = referral_on(staff, date(2026, 11, 2))
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    held = cases.record_case_discussion(staff["worker"], at(date(2026, 11, 13)), assessment.id, 1, cases.CaseDiscussionHeld(date(2026, 11, 13), note="Plan agreed"))
    clock = db.session.query(Clock).filter_by(kind="case_discussion", subject_id=held.id).one()
    assert clock.state == "met"
    with pytest.raises(Conflict):
        cases.record_case_discussion(staff["worker"], at(date(2026, 11, 14)), assessment.id, 1, cases.CaseDiscussionHeld(date(2026, 11, 14)))
    with pytest.raises(Invalid):
        cases.record_case_discussion(staff["worker"], at(date(2026, 11, 14)), assessment.id, 9, cases.CaseDiscussionHeld(date(2026, 11, 14)))


def test_an_s47_sets_the_conference_due_15_working_days_after_the_strategy_discussion(app, staff):
    referral = referral_on(staff, date(2026, 12, 14))
    discussion = cases.record_strategy_discussion(staff["worker"], at(date(2026, 12, 17)), referral.id, cases.StrategyDiscussionHeld(date(2026, 12, 17), ["police", "health"], True))
    # Thu 17 Dec 2026 + 15 working days, skipping 25, 28 Dec (substitute for Boxing Day) and 1 Jan.
    assert discussion.icpc_due_date == date(2027, 1, 12)
    cases.record_icpc(staff["worker"], at(date(2027, 1, 11)), discussion.id, cases.Conference(held_on=date(2027, 1, 11)))
    clock = db.session.query(Clock).filter_by(kind="icpc", subject_id=discussion.id).one()
    assert clock.state == "met"


def test_an_icpc_needs_a_date_or_a_reason_but_not_both(app, staff):
    referral = referral_on(staff, date(2026, 11, 2))
    discussion = cases.record_strategy_discussion(staff["worker"], at(date(2026, 11, 3)), referral.id, cases.StrategyDiscussionHeld(date(2026, 11, 3), ["police"], True))
    for kwargs in ({}, {"held_on": date(2026, 11, 10), "not_needed_reason": "x"}):
        with pytest.raises(Invalid):
            cases.record_icpc(staff["worker"], at(date(2026, 11, 20)), discussion.id, cases.Conference(**kwargs))


def _saved_meanwhile(table: str, ident: int) -> None:
    """Someone else saves the row after this reader loaded it (the reader's copy is now stale)."""
    db.session.execute(text(f"UPDATE {table} SET version = version + 1 WHERE id = :id"), {"id": ident})


def test_a_concurrent_edit_names_the_assessment_or_referral_it_was_on(app, staff):
    referral = referral_on(staff, date(2026, 11, 2))
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    _saved_meanwhile("assessment", assessment.id)
    with pytest.raises(Conflict, match="Someone else changed this assessment") as stale:
        cases.start_assessment(staff["worker"], at(date(2026, 11, 3)), assessment.id,
                               cases.StartAssessment(date(2026, 11, 3)))
    assert "contact" not in stale.value.message and "version" in stale.value.errors
    assert db.session.get(Assessment, assessment.id).started_on is None  # nothing half-written

    referral = db.session.get(Referral, referral.id)
    _saved_meanwhile("referral", referral.id)
    with pytest.raises(Conflict, match="Someone else changed this referral"):
        cases.allocate(staff["manager"], at(date(2026, 11, 3)), referral.id,
                       cases.Allocation(staff["team"].id, staff["worker"].user_id))
    assert db.session.get(Referral, referral.id).worker_id is None
