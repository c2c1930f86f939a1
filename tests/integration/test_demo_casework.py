"""The demo's casework: made through the services, so it obeys every rule, and safe to re-run."""
from datetime import UTC, datetime

from triage.extensions import db
from triage.models import Assessment, AuditEvent, Clock, Contact, Referral

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


def test_the_demo_has_contacts_decisions_referrals_and_running_clocks_and_a_rerun_adds_nothing(app):
    from triage.demo import seed_demo

    made = seed_demo(NOW, children=60, echo=lambda *a, **k: None).step("Contacts and cases").added
    assert 20 <= made <= 30  # about half of 60 children
    contacts = db.session.query(Contact).filter(Contact.channel != "edt_handover").count()
    assert contacts > made  # and the week's other contacts beside them (not last night's from the EDT)
    decided = db.session.query(Contact).filter(Contact.state == "decided").count()
    assert 0 < decided < contacts  # some are still in the queue
    referrals = db.session.query(Referral).count()
    assert referrals == db.session.query(Assessment).count() > 0
    assert db.session.query(Clock).filter(Clock.stopped_at.is_(None)).count() > 0
    assert db.session.query(AuditEvent).filter_by(entity="contact", action="decide").count() >= decided
    summary = seed_demo(NOW, children=60, echo=lambda *a, **k: None)
    assert summary.step("Contacts and cases").added == 0
    assert db.session.query(Contact).filter(Contact.channel != "edt_handover").count() == contacts


def test_the_demo_night_leaves_the_edt_contacts_waiting_for_the_morning_and_a_rerun_adds_nothing(app):
    from triage.demo import seed_demo
    from triage.services import out_of_hours
    from triage.services.calendar import working_day_calendar
    from triage.settings import front_door_settings

    seed_demo(NOW, children=20, echo=lambda *a, **k: None)
    hours = out_of_hours.hours_from(front_door_settings(), working_day_calendar())
    counts = out_of_hours.counts_for(datetime(2026, 11, 27).date(), NOW, hours)
    # The Front Door opened at 08:30 and took the first over; two wait.
    assert counts == out_of_hours.HandoverCounts(handed_over=3, accepted=1, waiting=2)
    summary = seed_demo(NOW, children=20, echo=lambda *a, **k: None)
    assert summary.step("Out-of-hours handover").added == 0
    assert db.session.query(Contact).filter(Contact.channel == "edt_handover").count() == 3
