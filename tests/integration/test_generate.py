"""The synthetic data generator: a tiny run is consistent with the domain rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from triage.clock import local_date
from triage.domain import clocks as rules
from triage.extensions import db
from triage.generate import GenerateRefused, generate, generated_runs
from triage.models import (
    Assessment,
    CaseDiscussion,
    Clock,
    ClockEvent,
    Contact,
    ContactChild,
    InformationRequest,
    Referral,
    StrategyDiscussion,
)
from triage.services.calendar import working_day_calendar

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture
def tiny(app):
    return generate("tiny", 1.0, now=NOW, seed=3, workers=1)


def test_a_tiny_run_loads_every_table_with_its_own_ids(app, tiny):
    assert tiny.counts["contact"] > 1000
    for model in (Contact, ContactChild, Referral, Assessment, CaseDiscussion, StrategyDiscussion, Clock,
                  ClockEvent, InformationRequest):
        assert db.session.scalar(select(func.count()).select_from(model)) == tiny.counts[model.__tablename__]
    # Sequences were moved past the generated ids: the services can add rows as usual.
    from triage.services.reference import ensure_locality
    assert ensure_locality("A new locality").id > 4


def test_every_due_date_follows_the_domain_rules(app, tiny):
    calendar = working_day_calendar()
    rows = db.session.execute(select(Referral.referral_date, Assessment.due_date, Contact.received_at)
                              .join(Assessment, Assessment.referral_id == Referral.id)
                              .join(Contact, Contact.id == Referral.contact_id)).all()
    assert rows
    for referral_date, due, received in rows:
        assert due == rules.assessment_due_date(referral_date, calendar)
        assert referral_date == local_date(received)
    for received, due in db.session.execute(select(Contact.received_at, Contact.decision_due_at)):
        assert due == received + timedelta(hours=24)
    for held_on, icpc_due in db.session.execute(select(StrategyDiscussion.held_on, StrategyDiscussion.icpc_due_date)
                                                .where(StrategyDiscussion.s47_started_on.is_not(None))):
        assert icpc_due == rules.icpc_due_date(held_on, calendar)
    late = db.session.execute(select(Assessment.late_reason).where(Assessment.authorised_on > Assessment.due_date)).all()
    assert late and all(reason for (reason,) in late)


def test_open_work_has_running_clocks_and_history_has_stopped_ones(app, tiny):
    running = {(c.subject, c.subject_id, c.kind) for c in db.session.scalars(
        select(Clock).where(Clock.stopped_at.is_(None)))}
    open_contacts = db.session.scalars(select(Contact.id).where(Contact.state != "decided")).all()
    open_assessments = db.session.scalars(select(Assessment.id).where(Assessment.authorised_at.is_(None))).all()
    open_requests = db.session.scalars(select(InformationRequest.id).where(InformationRequest.state == "open")).all()
    assert open_assessments  # (a tiny council may have decided every contact by 09:30)
    assert all(("contact", i, "decision") in running for i in open_contacts)
    assert all(("assessment", i, "assessment") in running for i in open_assessments)
    assert all(("information_request", i, "partner_information") in running for i in open_requests)
    decided = db.session.scalars(select(Contact.id).where(Contact.state == "decided")).all()
    assert not any(("contact", i, "decision") in running for i in decided)
    # A stopped clock is met exactly when it stopped on time; a breach was recorded once, at its due time.
    for clock in db.session.scalars(select(Clock).where(Clock.stopped_at.is_not(None)).limit(2000)):
        assert clock.state == ("met" if clock.stopped_at <= clock.due_at else "breached")
    breached = db.session.execute(select(Clock.due_at, ClockEvent.at).join(ClockEvent, ClockEvent.clock_id == Clock.id)
                                  .where(ClockEvent.kind == "breached")).all()
    assert breached and all(at == due for due, at in breached)
    assert db.session.scalar(select(func.max(Contact.received_at))) <= NOW


def test_conversion_and_re_referral_rates_are_plausible(app, tiny):
    contacts = db.session.scalar(select(func.count()).select_from(Contact).where(Contact.state == "decided"))
    converted = db.session.scalar(select(func.count(func.distinct(Referral.contact_id))))
    referrals = db.session.scalar(select(func.count()).select_from(Referral))
    again = db.session.scalar(select(func.count()).select_from(Referral).where(Referral.is_re_referral.is_(True)))
    assert 0.18 <= converted / contacts <= 0.36
    assert 0.10 <= again / referrals <= 0.30
    sources = dict(db.session.execute(select(Contact.source_code, func.count()).group_by(Contact.source_code)).all())
    assert 0.22 <= sources["6"] / sum(sources.values()) <= 0.40  # police, the largest source


def test_a_second_run_needs_append_which_adds_earlier_history_and_keeps_the_open_work(app, tiny):
    def open_contacts():
        return db.session.scalar(select(func.count()).select_from(Contact).where(Contact.state != "decided"))

    before = open_contacts()
    with pytest.raises(GenerateRefused, match="--append"):
        generate("tiny", 1.0, now=NOW, seed=3, workers=1)
    more = generate("tiny", 1.0, now=NOW, seed=3, workers=1, append=True)
    assert more.end == tiny.start and more.as_of == NOW
    assert open_contacts() == before
    assert len(generated_runs()) == 2
    with pytest.raises(GenerateRefused, match="same preset"):
        generate("tiny", 1.0, now=NOW, append=True, contacts_per_year=999)


def test_the_command_generates_and_refuses_to_run_again_without_append(app):
    runner = app.test_cli_runner()
    args = ["triage", "generate", "--preset", "tiny", "--years", "0.3", "--now", NOW.isoformat()]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Generated tiny data" in first.output
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "--append" in again.output


def test_production_refuses(app):
    app.config["ENV_NAME"] = "production"
    try:
        with pytest.raises(GenerateRefused, match="production"):
            generate("tiny", 0.1, now=NOW)
    finally:
        app.config["ENV_NAME"] = "testing"
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
