"""The council's measures beside England's, counted in SQL."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from triage.clock import LONDON
from triage.domain.annex_a import months_before
from triage.extensions import db
from triage.generate import generate
from triage.models import Assessment, Contact, Referral, StrategyDiscussion
from triage.services.national_measures import ENGLAND, council_measures

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_each_measure_counts_the_last_twelve_months_and_sits_beside_englands_figure(app):
    generate("tiny", 1.5, now=NOW, seed=8, workers=1)
    today = NOW.astimezone(LONDON).date()
    start = months_before(today, 12)

    found = {m.key: m for m in council_measures(NOW)}

    referrals = [r for (r,) in db.session.execute(select(Referral.is_re_referral).where(
        Referral.referral_date > start, Referral.referral_date <= today))]
    assert (found["re_referrals"].numerator, found["re_referrals"].denominator) == (sum(referrals), len(referrals))
    done = db.session.execute(select(Assessment.authorised_on, Assessment.due_date).where(
        Assessment.authorised_on > start, Assessment.authorised_on <= today)).all()
    assert found["assessments_in_time"].denominator == len(done)
    assert found["assessments_in_time"].numerator == sum(1 for a, d in done if a <= d)
    icpcs = db.session.execute(select(StrategyDiscussion.icpc_held_on, StrategyDiscussion.icpc_due_date).where(
        StrategyDiscussion.icpc_held_on > start, StrategyDiscussion.icpc_held_on <= today)).all()
    assert found["icpcs_in_time"].numerator == sum(1 for h, d in icpcs if h <= d)
    contacts = db.session.scalars(select(Contact.id).where(
        Contact.received_at >= datetime.combine(start, datetime.min.time(), tzinfo=LONDON),
        Contact.received_at <= NOW)).all()
    converted = set(db.session.scalars(select(Referral.contact_id)))
    assert (found["conversion"].numerator, found["conversion"].denominator) == (
        sum(1 for c in contacts if c in converted), len(contacts))
    assert {k: m.england for k, m in found.items()} == ENGLAND
    assert all(0 < m.percent < 100 for m in found.values())
