"""The council's measures beside England's (DfE statistics, year to 31 March 2025).

Four aggregate queries over the twelve months to today; no child is shown, so nothing is
audited per child. Our clocks count the referral (or strategy discussion) day as day 0; the
DfE's rules count the start day as day 1 and know no council closure days, so a case on the
boundary can be within time here and late by the DfE's count (or the other way round around
closure days).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import case, func, select

from triage.clock import LONDON, local_date
from triage.domain.annex_a import months_before
from triage.extensions import db
from triage.models import Assessment, Contact, Referral, StrategyDiscussion

# England, year to 31 March 2025 (the DfE's "Characteristics of children in need" release).
ENGLAND = {"re_referrals": 22.6, "assessments_in_time": 85.7, "icpcs_in_time": 81.4, "conversion": 21.0}
DFE_COUNTING_NOTE = ("The DfE counts the start day as day 1 (we count the referral or strategy discussion "
                     "day as day 0) and knows bank holidays but not the council's closure days, so a case "
                     "on the boundary can fall on the other side of 45 or 15 working days in its figures.")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    numerator: int
    denominator: int
    england: float

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


def council_measures(now: datetime) -> list[Measure]:
    today = local_date(now)
    start = months_before(today, 12)
    start_at = datetime.combine(start, time(0), tzinfo=LONDON)
    referrals, again = db.session.execute(
        select(func.count(Referral.id), func.count(case((Referral.is_re_referral.is_(True), 1))))
        .where(Referral.referral_date > start, Referral.referral_date <= today)).one()
    authorised, in_time = db.session.execute(
        select(func.count(Assessment.id), func.count(case((Assessment.authorised_on <= Assessment.due_date, 1))))
        .where(Assessment.authorised_on > start, Assessment.authorised_on <= today)).one()
    icpcs, icpcs_in_time = db.session.execute(
        select(func.count(StrategyDiscussion.id),
               func.count(case((StrategyDiscussion.icpc_held_on <= StrategyDiscussion.icpc_due_date, 1))))
        .where(StrategyDiscussion.icpc_held_on > start, StrategyDiscussion.icpc_held_on <= today)).one()
    converted = select(Referral.contact_id).where(Referral.contact_id == Contact.id).exists()
    contacts, became = db.session.execute(
        select(func.count(Contact.id), func.count(case((converted, 1))))
        .where(Contact.received_at >= start_at, Contact.received_at <= now)).one()
    return [
        Measure("re_referrals", "Re-referrals within 12 months", again, referrals, ENGLAND["re_referrals"]),
        Measure("assessments_in_time", "Assessments authorised within 45 working days", in_time, authorised,
                ENGLAND["assessments_in_time"]),
        Measure("icpcs_in_time", "Initial conferences within 15 working days of the strategy discussion",
                icpcs_in_time, icpcs, ENGLAND["icpcs_in_time"]),
        Measure("conversion", "Contacts that became referrals", became, contacts, ENGLAND["conversion"]),
    ]
