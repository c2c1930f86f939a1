"""Contacts at the service level: the decision clock, re-referrals, history and RAG changes."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from triage.domain.codes import Consent
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Clock, RagChange, Referral
from triage.services import contacts
from triage.services.actor import Actor
from triage.services.errors import Conflict

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def people(make_user, actor_for):
    return {role: actor_for(make_user(role)) for role in ("era", "practitioner", "manager")}


def _contact(people, received_at, now=None, child_id=None, **extra):
    entry = {"child_id": child_id} if child_id else {"child": {
        "first_name": "Nia", "last_name": "Shah", "sex": "female", "date_of_birth": datetime(2016, 6, 1).date()},
        "confirmed_new": True}
    data = {"channel": "phone", "source_code": "2A", "concern": "Bruising seen at school",
            "consent": Consent.GIVEN.value, "consent_by": "Mother", "children": [entry],
            "received_at": received_at, **extra}
    contact, created = contacts.record_contact(people["era"], now or received_at, data)
    assert created
    return contact


def test_decision_is_due_24_real_hours_later_across_the_spring_clock_change(app, people):
    received = datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)
    contact = _contact(people, received)
    due = contact.decision_due_at.astimezone(LONDON)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-03-29", 11, 0)
    assert contact.decision_due_at - contact.received_at == timedelta(hours=24)


def test_under_the_working_day_policy_a_friday_contact_before_a_bank_holiday_is_due_tuesday(app, people):
    app.config["DECISION_POLICY"] = "1wd"
    try:
        contact = _contact(people, datetime(2026, 5, 22, 16, 0, tzinfo=LONDON))
    finally:
        app.config["DECISION_POLICY"] = "24h"
    due = contact.decision_due_at.astimezone(LONDON)
    assert due.date().isoformat() == "2026-05-26"  # Mon 25 May is a bank holiday
    assert (due.hour, due.minute) == (23, 59)


def test_a_closure_day_pushes_the_working_day_policy_on(app, people):
    from triage.services import calendar

    admin = Actor(role=Role.ADMIN, label="admin")
    calendar.add_closure_day(admin, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 26).date(),
                             "Council closure")
    app.config["DECISION_POLICY"] = "1wd"
    try:
        contact = _contact(people, datetime(2026, 5, 22, 16, 0, tzinfo=LONDON))
    finally:
        app.config["DECISION_POLICY"] = "24h"
    assert contact.decision_due_at.astimezone(LONDON).date().isoformat() == "2026-05-27"


def test_the_decision_and_acknowledgement_clocks_start_with_the_contact(app, people):
    contact = _contact(people, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    kinds = {c.kind: c for c in db.session.query(Clock).filter_by(contact_id=contact.id)}
    assert set(kinds) == {"decision", "acknowledgement"}
    assert kinds["decision"].due_at == contact.decision_due_at
    assert kinds["decision"].warn_at == datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    # Friday contact: acknowledged by the end of Monday, London time.
    assert kinds["acknowledgement"].due_at.astimezone(LONDON).date().isoformat() == "2026-11-30"


def test_a_referral_within_twelve_months_of_another_is_a_re_referral(app, people):
    first = _contact(people, datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    child_id = first.children[0].child_id
    decide = lambda c, when: contacts.record_decision(  # noqa: E731
        people["manager"], when, c.id, [{"outcome": "assessment", "rationale": "Assess"}],
        delay_reason="late in the test")
    decide(first, datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    second = _contact(people, datetime(2026, 11, 1, 9, 0, tzinfo=UTC), child_id=child_id)
    decide(second, datetime(2026, 11, 1, 10, 0, tzinfo=UTC))
    third = _contact(people, datetime(2028, 1, 1, 9, 0, tzinfo=UTC), child_id=child_id)
    decide(third, datetime(2028, 1, 1, 10, 0, tzinfo=UTC))
    flags = [r.is_re_referral for r in db.session.query(Referral).order_by(Referral.id)]
    assert flags == [False, True, False]


def test_screening_surfaces_the_childs_history_without_a_search(app, people):
    earlier = _contact(people, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    child_id = earlier.children[0].child_id
    contacts.record_decision(people["manager"], datetime(2026, 6, 1, 10, 0, tzinfo=UTC), earlier.id,
                             [{"outcome": "assessment", "rationale": "Assess"}])
    long_ago = _contact(people, datetime(2025, 1, 1, 9, 0, tzinfo=UTC), child_id=child_id)
    latest = _contact(people, datetime(2026, 11, 27, 9, 0, tzinfo=UTC), child_id=child_id)
    [history] = contacts.history_for(latest)
    assert [c.id for c in history.contacts_last_12_months] == [earlier.id]
    assert long_ago.id not in [c.id for c in history.contacts_last_12_months]
    assert len(history.open_referrals) == 1 and len(history.referrals_last_12_months) == 1


def test_every_rag_change_is_kept_with_who_when_and_why(app, people, now):
    contact = _contact(people, now)
    contacts.set_rag(people["practitioner"], now, contact.id, "green", "Low level concern")
    contacts.set_rag(people["practitioner"], now, contact.id, "red", "New disclosure by the child")
    changes = db.session.query(RagChange).order_by(RagChange.id).all()
    assert [(c.previous_rag, c.rag, c.reason) for c in changes] == [
        (None, "green", "Low level concern"), ("green", "red", "New disclosure by the child")]
    assert all(c.changed_by_id == people["practitioner"].user_id for c in changes)


def test_an_invalid_step_names_the_state_the_contact_is_in(app, people, now):
    contact = _contact(people, now)
    contacts.record_decision(people["manager"], now, contact.id, [{"outcome": "no_further_action",
                                                                   "rationale": "No concerns"}])
    with pytest.raises(Conflict, match="decided"):
        contacts.recommend(people["practitioner"], now, contact.id, "assessment", "x")
