"""The morning report's measures over the last 7, 30 and 365 days.

Each measure is one SQL aggregate with a SUM(CASE ...) per window, over indexed date columns, so
all three windows come from a single scan and the work grows with the widest window, not with
all of history.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, select

from triage.domain import report as shape
from triage.domain.codes import AssessmentOutcome, ReferralSource
from triage.extensions import db
from triage.models import Agency, Assessment, Contact, InformationRequest, Referral


def _windowed(column, starts: dict, condition=None, prefix: str | None = None) -> list:
    """One SUM(CASE ...) per window, counting the rows in it for which `condition` (if any)
    holds; labelled w7, w30, w365 (c7 ... with a condition, or `prefix`)."""
    prefix = prefix or ("w" if condition is None else "c")
    return [func.sum(case((column >= start if condition is None else and_(column >= start, condition), 1),
                          else_=0)).label(f"{prefix}{days}") for days, start in starts.items()]


def _counts(row, days: int) -> tuple[int, int]:
    """(in the window, of which meeting the condition) from a row of `_windowed` columns."""
    return int(getattr(row, f"w{days}") or 0), int(getattr(row, f"c{days}", 0) or 0)


def _conversion(instants: dict, widest_day: date, widest: datetime) -> dict[int, dict]:
    """Contacts to referrals, by source: a contact converts when any child on it became a referral.

    A referral is dated on its contact's London receipt date, so referrals for contacts in the
    widest window are those dated in it: read those (indexed), not every referral ever made.
    """
    converted = (select(Referral.contact_id).where(Referral.contact_id.is_not(None),
                                                   Referral.referral_date >= widest_day)
                 .distinct().subquery())
    rows = db.session.execute(
        select(Contact.source_code, *_windowed(Contact.received_at, instants),
               *_windowed(Contact.received_at, instants, converted.c.contact_id.is_not(None)))
        .outerjoin(converted, converted.c.contact_id == Contact.id)
        .where(Contact.received_at >= widest).group_by(Contact.source_code)).all()
    result = {}
    for days in instants:
        per_source, total, total_converted = [], 0, 0
        for row in rows:
            contacts, became = _counts(row, days)
            total, total_converted = total + contacts, total_converted + became
            if contacts:
                per_source.append({"source": ReferralSource(row.source_code).label, "contacts": contacts,
                                   "referrals": became, "pct": shape.rate(became, contacts)})
        result[days] = {"contacts": total, "referrals": total_converted,
                        "pct": shape.rate(total_converted, total), "by_source": per_source}
    return result


def _decisions(instants: dict, widest: datetime) -> dict[int, dict]:
    """Decisions made in each window, and how many met their clock (the decision's due time is
    kept in step with its clock by the clocks service; read beside the decision, the
    (decided_at, decision_due_at) index answers this without visiting the table)."""
    row = db.session.execute(select(*_windowed(Contact.decided_at, instants),
                                    *_windowed(Contact.decided_at, instants,
                                               Contact.decided_at <= Contact.decision_due_at))
                             .where(Contact.decided_at >= widest)).one()
    result = {}
    for days in instants:
        decided, within = _counts(row, days)
        result[days] = {"decided": decided, "within_clock": within, "pct": shape.rate(within, decided)}
    return result


def _partner_returns(now: datetime, instants: dict, widest: datetime) -> dict[int, list[dict]]:
    """Partner requests that fell due in the window, returned in time, by agency."""
    in_time = and_(InformationRequest.answered_at.is_not(None), InformationRequest.answered_at <= InformationRequest.due_at)
    rows = db.session.execute(
        select(Agency.name.label("agency"), *_windowed(InformationRequest.due_at, instants),
               *_windowed(InformationRequest.due_at, instants, in_time))
        .join(Agency, Agency.id == InformationRequest.agency_id)
        .where(InformationRequest.due_at >= widest, InformationRequest.due_at <= now,
               InformationRequest.state != "withdrawn")
        .group_by(Agency.name).order_by(Agency.name)).all()
    result = {}
    for days in instants:
        result[days] = []
        for row in rows:
            due, returned = _counts(row, days)
            if due:
                result[days].append({"agency": row.agency, "due": due, "in_time": returned,
                                     "pct": shape.rate(returned, due)})
    return result


def _assessments(day_starts: dict, widest_day: date) -> dict[int, dict]:
    """Assessments authorised: within 45 working days, and ending in no further action."""
    within = _windowed(Assessment.authorised_on, day_starts, Assessment.authorised_on <= Assessment.due_date)
    nfa = _windowed(Assessment.authorised_on, day_starts,
                    Assessment.outcome == AssessmentOutcome.NO_FURTHER_ACTION.value, prefix="n")
    row = db.session.execute(select(*_windowed(Assessment.authorised_on, day_starts), *within, *nfa)
                             .where(Assessment.authorised_on >= widest_day)).one()
    result = {}
    for days in day_starts:
        authorised, in_time = _counts(row, days)
        no_further_action = int(getattr(row, f"n{days}") or 0)
        result[days] = {"authorised": authorised, "within_timescale": in_time,
                        "pct_within": shape.rate(in_time, authorised),
                        "no_further_action": no_further_action, "pct_nfa": shape.rate(no_further_action, authorised)}
    return result


def _referrals(day_starts: dict, widest_day: date) -> dict[int, dict]:
    """Referrals and re-referrals within 12 months."""
    row = db.session.execute(select(*_windowed(Referral.referral_date, day_starts),
                                    *_windowed(Referral.referral_date, day_starts, Referral.is_re_referral.is_(True)))
                             .where(Referral.referral_date >= widest_day)).one()
    result = {}
    for days in day_starts:
        referrals, again = _counts(row, days)
        result[days] = {"referrals": referrals, "re_referrals": again, "pct_re_referrals": shape.rate(again, referrals)}
    return result


def measures(today: date, now: datetime, child_population: int) -> dict:
    """Every measure for each window, and the children waiting for an assessment now."""
    day_starts = shape.window_starts(today)
    instants = {d: shape.start_of_day(s) for d, s in day_starts.items()}
    widest_day, widest = day_starts[max(day_starts)], instants[max(instants)]
    parts = {"conversion": _conversion(instants, widest_day, widest), "decisions": _decisions(instants, widest),
             "partner_returns": _partner_returns(now, instants, widest),
             "assessments": _assessments(day_starts, widest_day), "referrals": _referrals(day_starts, widest_day)}
    windows = {str(d): {name: part[d] for name, part in parts.items()} for d in day_starts}
    # Children awaiting assessment now, per 10,000 children in the council.
    waiting = db.session.scalar(select(func.count(func.distinct(Assessment.child_id)))
                                .where(Assessment.authorised_at.is_(None))) or 0
    return {"windows": windows, "children_awaiting_assessment": waiting, "child_population": child_population,
            "awaiting_per_10k": shape.per_10k(waiting, child_population)}
