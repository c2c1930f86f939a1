"""services/clocks writes a deadline and its subject's own copy together: the Clock row and a
contact's decision_due_at / decided_at never drift apart."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from triage.domain.clocks import ClockKind, ClockState
from triage.extensions import db
from triage.models import Clock, Contact, Referral
from triage.services import cases, clocks, contacts
from triage.services.calendar import working_day_calendar
from triage.settings import clock_settings

RECEIVED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _contact(staff) -> Contact:
    data = {"channel": "phone", "source_code": "2A", "concern": "Bruising seen at school", "consent": "given",
            "consent_by": "Mother", "received_at": RECEIVED,
            "children": [{"child": {"first_name": "Nia", "last_name": "Shah", "sex": "female",
                                    "date_of_birth": date(2016, 6, 1)}, "confirmed_new": True}]}
    contact, created = contacts.record_contact(staff["era"], RECEIVED, data)
    assert created
    return db.session.get(Contact, contact.id)


def test_moving_and_stopping_a_decision_clock_moves_and_stops_the_contacts_copy(app, staff):
    contact = _contact(staff)
    clock = clocks.find_clock(ClockKind.DECISION, "contact", contact.id)
    later = contact.decision_due_at + timedelta(hours=6)
    clocks.move_subject_clock(clock, contact, later, later - timedelta(hours=4))
    db.session.commit()
    assert (contact.decision_due_at, clock.due_at) == (later, later)

    decided = RECEIVED + timedelta(hours=2)
    stopped = clocks.stop_subject_clock(ClockKind.DECISION, contact, decided)
    db.session.commit()
    assert stopped.id == clock.id
    row = db.session.get(Clock, clock.id)
    assert (contact.decided_at, row.stopped_at, row.state) == (decided, decided, ClockState.MET)


def test_a_working_day_clock_started_on_a_subject_gives_it_the_same_due_date(app, staff):
    contact = _contact(staff)
    contacts.record_decision(staff["manager"], RECEIVED + timedelta(hours=2), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    referral = db.session.query(Referral).filter_by(contact_id=contact.id).one()
    discussion = cases.record_strategy_discussion(
        staff["worker"], RECEIVED + timedelta(days=1), referral.id,
        cases.StrategyDiscussionHeld(held_on=date(2026, 11, 24), agencies=("police",), s47_started=False))
    assert discussion.icpc_due_date is None
    started = clocks.start_subject_date_clock(ClockKind.ICPC, discussion, RECEIVED, date(2026, 12, 14),
                                              clock_settings(), working_day_calendar())
    db.session.commit()
    assert discussion.icpc_due_date == started.due_date == date(2026, 12, 14)
    assert (started.subject, started.subject_id) == ("strategy_discussion", discussion.id)
    assert started.warn_at == datetime(2026, 12, 9, 0, 0, tzinfo=UTC)  # three working days ahead


def test_a_clock_is_refused_on_the_wrong_kind_of_subject(app, staff):
    with pytest.raises(TypeError, match="StrategyDiscussion"):
        clocks.start_subject_date_clock(ClockKind.ICPC, _contact(staff), RECEIVED, date(2026, 12, 14),
                                        clock_settings(), working_day_calendar())
