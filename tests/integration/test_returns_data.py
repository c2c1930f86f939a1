"""The data the returns need, captured where it arises: codes checked field by field,
case closure by a manager, conferences and plans."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.integration.test_assessments import at, referral_on
from triage.extensions import db
from triage.models import Assessment, Clock, Referral
from triage.services import cases, children, contacts
from triage.services.errors import Conflict, Forbidden, Invalid


def child_fields(**extra):
    return {"first_name": "Noah", "last_name": "Lee", "sex": "M", "date_of_birth": date(2016, 3, 3), **extra}


def test_a_childs_census_details_are_checked_against_their_code_lists_field_by_field(app, staff, now):
    with pytest.raises(Invalid) as refused:
        children.create_child(staff["worker"], now, child_fields(
            ethnicity="Martian", disabilities="NONE,AUT", upn_unknown_reason="UN9", council_child_id="AB-12",
            former_upn="X123", date_of_death=date(2099, 1, 1)), confirmed_new=True)
    assert set(refused.value.errors) == {"ethnicity", "disabilities", "upn_unknown_reason", "council_child_id",
                                         "former_upn", "date_of_death"}
    db.session.rollback()

    child = children.create_child(staff["worker"], now, child_fields(
        ethnicity="White: British", disabilities=["aut", "COMM"], upn_unknown_reason="un2", council_child_id="ab12"),
        confirmed_new=True)
    assert (child.sex, child.ethnicity, child.disabilities, child.upn_unknown_reason, child.council_child_id) == (
        "male", "WBRI", "AUT,COMM", "UN2", "AB12")


def test_a_upn_and_a_reason_it_is_unknown_cannot_both_be_given(app, staff, now):
    from triage.domain.identifiers import upn_check_letter

    upn = upn_check_letter("801200112001") + "801200112001"
    with pytest.raises(Invalid) as refused:
        children.create_child(staff["worker"], now, child_fields(upn=upn, upn_unknown_reason="UN2"),
                              confirmed_new=True)
    assert set(refused.value.errors) == {"upn_unknown_reason"}


def test_authorisation_needs_the_primary_need_and_records_whether_the_child_needs_support(app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    cases.start_assessment(staff["worker"], at(date(2026, 10, 2)), assessment.id, cases.StartAssessment(date(2026, 10, 2)))
    with pytest.raises(Invalid) as refused:
        cases.authorise(staff["manager"], at(date(2026, 10, 20)), assessment.id, cases.Authorisation("child_in_need_plan", ["3B"]))
    assert "primary_need" in refused.value.errors
    db.session.rollback()

    done = cases.authorise(staff["manager"], at(date(2026, 10, 20)), assessment.id, cases.Authorisation("no_further_action", ["21"], primary_need="N9"))
    assert (done.referral.primary_need, done.needs_support, done.referral.closure_reason) == ("N9", False, "RC8")
    assert done.referral.closed_on == date(2026, 10, 20)


def test_a_case_with_a_section_47_does_not_close_as_rc8_after_its_assessment(app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    discussion = cases.record_strategy_discussion(staff["worker"], at(date(2026, 10, 2)), referral.id, cases.StrategyDiscussionHeld(date(2026, 10, 2), ["police"], True))
    cases.record_icpc(staff["worker"], at(date(2026, 10, 16)), discussion.id, cases.Conference(held_on=date(2026, 10, 16), resulted_in_plan=False))
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    cases.start_assessment(staff["worker"], at(date(2026, 10, 2)), assessment.id, cases.StartAssessment(date(2026, 10, 2)))
    with pytest.raises(Invalid) as refused:
        cases.authorise(staff["manager"], at(date(2026, 10, 20)), assessment.id, cases.Authorisation("no_further_action", ["3B"], closure_reason="RC8", primary_need="N1"))
    assert "closure_reason" in refused.value.errors
    db.session.rollback()
    done = cases.authorise(staff["manager"], at(date(2026, 10, 20)), assessment.id, cases.Authorisation("no_further_action", ["3B"], primary_need="N1"))
    assert done.referral.closure_reason == "RC7"


def test_closing_a_case_stops_its_running_clocks_and_needs_a_reason_while_the_assessment_is_open(app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    cases.start_assessment(staff["worker"], at(date(2026, 10, 2)), assessment.id, cases.StartAssessment(date(2026, 10, 2)))
    with pytest.raises(Forbidden):
        cases.close_case(staff["worker"], at(date(2026, 10, 9)), referral.id, cases.Closure(date(2026, 10, 9), "RC5"))
    with pytest.raises(Invalid) as refused:
        cases.close_case(staff["manager"], at(date(2026, 10, 9)), referral.id, cases.Closure(date(2026, 10, 9), "RC5"))
    assert set(refused.value.errors) == {"open_work_reason"}
    db.session.rollback()

    closed = cases.close_case(staff["manager"], at(date(2026, 10, 9)), referral.id, cases.Closure(date(2026, 10, 9), "RC5", open_work_reason="Family moved to another council; case transferred"))
    assert (closed.closed_on, closed.closure_reason, closed.closed_by_id) == (
        date(2026, 10, 9), "RC5", staff["manager"].user_id)
    running = db.session.scalars(select(Clock).where(Clock.child_id == referral.child_id,
                                                     Clock.stopped_at.is_(None))).all()
    assert running == []
    with pytest.raises(Conflict):
        cases.close_case(staff["manager"], at(date(2026, 10, 9)), referral.id, cases.Closure(date(2026, 10, 9), "RC7"))


def test_a_case_cannot_close_with_a_section_47_still_open_or_before_its_referral(app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    cases.record_strategy_discussion(staff["worker"], at(date(2026, 10, 2)), referral.id, cases.StrategyDiscussionHeld(date(2026, 10, 2), ["police"], True))
    with pytest.raises(Invalid) as refused:
        cases.close_case(staff["manager"], at(date(2026, 10, 9)), referral.id, cases.Closure(date(2026, 9, 1), "RC7"))
    assert set(refused.value.errors) == {"closed_on", "reason"}


def test_a_referral_with_no_further_action_closes_before_work_starts_and_a_new_referral_is_a_new_episode(
        app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    cases.close_case(staff["manager"], at(date(2026, 10, 2)), referral.id, cases.Closure(date(2026, 10, 2), "RC7", nfa=True))
    assert db.session.get(Referral, referral.id).nfa is True

    contact, _ = contacts.record_contact(staff["era"], at(date(2026, 11, 2)), {
        "channel": "phone", "source_code": "2A", "concern": "School worried again", "consent": "given",
        "consent_by": "Mother", "received_at": at(date(2026, 11, 2)),
        "children": [{"child_id": referral.child_id}]})
    contacts.record_decision(staff["manager"], at(date(2026, 11, 2), 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    again = db.session.scalars(select(Referral).where(Referral.child_id == referral.child_id)
                               .order_by(Referral.id)).all()
    assert len(again) == 2 and again[1].closed_at is None and again[1].is_re_referral


def test_a_conference_is_never_at_a_weekend_and_a_plan_needs_its_category(app, staff):
    referral = referral_on(staff, date(2026, 10, 1))
    discussion = cases.record_strategy_discussion(staff["worker"], at(date(2026, 10, 2)), referral.id, cases.StrategyDiscussionHeld(date(2026, 10, 2), ["police"], True))
    with pytest.raises(Invalid) as weekend:
        cases.record_icpc(staff["worker"], at(date(2026, 10, 19)), discussion.id, cases.Conference(held_on=date(2026, 10, 17)))
    assert "held_on" in weekend.value.errors
    db.session.rollback()
    with pytest.raises(Invalid) as no_category:
        cases.record_icpc(staff["worker"], at(date(2026, 10, 19)), discussion.id, cases.Conference(held_on=date(2026, 10, 16), resulted_in_plan=True))
    assert "plan_category" in no_category.value.errors
    db.session.rollback()

    held = cases.record_icpc(staff["worker"], at(date(2026, 10, 19)), discussion.id, cases.Conference(held_on=date(2026, 10, 16), resulted_in_plan=True, plan_category="NEG"))
    assert (held.plan_start_date, held.plan_category) == (date(2026, 10, 16), "NEG")
    ended = cases.record_plan(staff["worker"], at(date(2026, 11, 20)), discussion.id, cases.PlanRecord(True, "NEG", plan_end_date=date(2026, 11, 20)))
    assert ended.plan_end_date == date(2026, 11, 20)
