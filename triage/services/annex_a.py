"""Ofsted's Annex A: lists 1, 3, 4 and 5, one sheet each, streamed into the workbook as they are read.

Rows come from the database a batch at a time (yield_per) and go straight into the sheet's XML
in the zip (triage.exports.xlsx_stream), so memory stays flat and the time is the SQL's plus a
little per row. The "Number of ... in the last 12 months" columns are correlated counts in SQL,
not loops in Python. Dates are real date cells shown dd/mm/yyyy; text is always written as
text, never as a formula.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import BinaryIO

from sqlalchemy import Row, Select, func, literal_column, select
from sqlalchemy.orm import aliased

from triage.clock import LONDON
from triage.domain import annex_a as A
from triage.domain.birth import BirthDateStatus
from triage.exports.xlsx_stream import Workbook
from triage.extensions import db
from triage.models import (
    Assessment,
    Child,
    Contact,
    ContactChild,
    Referral,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.cin_census import RETURN_ROLES
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work
from triage.settings import returns_settings

BATCH = 2000
DATE_WIDTH = 14


@dataclass(frozen=True)
class Windows:
    as_of: date
    contacts_from: date
    others_from: date


def windows(as_of: date, contact_months: int | None = None, months: int | None = None) -> Windows:
    settings = returns_settings()
    return Windows(as_of, A.months_before(as_of, contact_months or settings.annex_a_contact_months),
                   A.months_before(as_of, months or settings.annex_a_months))


@dataclass
class AnnexSummary:
    rows: dict[str, int]
    children: set[int]


def _year_back(column):
    """The day twelve months before a date column, in the database's own date arithmetic."""
    if db.engine.dialect.name == "postgresql":
        return (column - literal_column("interval '12 months'")).cast(db.Date)
    return func.date(column, "-12 months")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


# Every list's rows start with the child's columns, in this order. Rows are read by position, not
# by name: a row's attribute lookup cost more than all the rest of shaping it.
CHILD = (Child.id, Child.council_child_id, Child.date_of_birth, Child.birth_date_status, Child.sex,
         Child.ethnicity, Child.disabilities)
_EVENT = len(CHILD)  # where a row's own columns start
# Live records only: a merged duplicate's events moved to the record kept.
_LIVE = Child.merged_into_id.is_(None)


def _child_columns(row, on: date) -> list:
    """The child's columns. An approximate date of birth is the estimate recorded; one not known
    is said to be so, never left blank as if forgotten nor filled with a made-up date."""
    pk, council_child_id, born, birth_date_status, sex, ethnicity, _ = row[:_EVENT]
    child_id = council_child_id or f"T{pk:07d}"
    if born is None and birth_date_status == BirthDateStatus.NOT_KNOWN:
        return [child_id, A.gender(sex), A.ethnicity(ethnicity), A.NOT_KNOWN, A.NOT_KNOWN]
    return [child_id, A.gender(sex), A.ethnicity(ethnicity), born, A.age_in_years(born, on)]


def _disabilities(row) -> str | None:
    return row[_EVENT - 1]


@dataclass(frozen=True)
class _List:
    """One list: its title and headers, its rows and how each row becomes the sheet's values."""

    title: str
    headers: tuple[str, ...]
    query: Select
    shape: Callable[[Row], list]


def write_annex_a(actor: Actor, now: datetime, out: BinaryIO, as_of: date, contact_months: int | None = None,
                  months: int | None = None) -> AnnexSummary:
    """Write lists 1, 3, 4 and 5 to `out` as an XLSX workbook; audited per child and as a return."""
    require(actor, RETURN_ROLES, "produce statutory returns")
    w = windows(as_of, contact_months, months)
    lists = [_contacts(w), _referrals(w), _assessments(w), _section47s(w)]
    summary = AnnexSummary(rows={}, children=set())
    what = f"Annex A as of {as_of.isoformat()}"
    with unit_of_work("return"):
        with Workbook(out, [A.SHEET_NAMES[each.title] for each in lists]) as book:
            for each in lists:
                summary.rows[each.title] = _write_list(book, each, summary.children)
        if summary.children:  # the children written (the return's own row below records an empty one)
            audit.record_shown(actor, now, "export", "child", ((child, child) for child in summary.children), what)
        audit.record(actor, now, "export", "return", None, detail=f"{what}: " + ", ".join(
            f"{name.split(' –')[0]} {n} rows" for name, n in summary.rows.items()))
    return summary


def _write_list(book: Workbook, annex_list: _List, children: set[int]) -> int:
    dated = [c for c, header in enumerate(annex_list.headers) if "Date" in header]
    sheet = book.sheet(widths=dict.fromkeys(dated, DATE_WIDTH), date_columns=dated)
    sheet.header(annex_list.headers)
    append, shape, seen = sheet.append, annex_list.shape, children.add
    # Rows through the Core connection rather than the ORM session: the query selects columns, not
    # objects, and the ORM's row handling was a third of Annex A's CPU time.
    rows = db.session.connection().execute(annex_list.query.execution_options(yield_per=BATCH))
    for row in rows:
        append(shape(row))
        seen(row[0])
    return sheet.rows - 1


def _contacts(w: Windows) -> _List:
    """List 1: one row per child per contact in the contacts' window."""
    window = (Contact.received_at >= _start_of(w.contacts_from),
              Contact.received_at < _start_of(date.fromordinal(w.as_of.toordinal() + 1)),
              _LIVE)
    query = (select(*CHILD, Contact.received_at, Contact.source_code)
             .join(ContactChild, ContactChild.contact_id == Contact.id).join(Child, Child.id == ContactChild.child_id)
             .where(*window).order_by(Contact.received_at, Contact.id, ContactChild.id))

    def shape(row) -> list:
        received_at, source_code = row[_EVENT:]
        on = received_at.astimezone(LONDON).date()
        return _child_columns(row, on) + [on, A.source(source_code)]

    return _List(*A.LIST_1, query, shape)


def _referrals(w: Windows) -> _List:
    """List 3: referrals, with the child's referrals in the 12 months to each one."""
    earlier = aliased(Referral)
    in_year = (select(func.count(earlier.id))
               .where(earlier.child_id == Referral.child_id, earlier.referral_date <= Referral.referral_date,
                      earlier.referral_date > _year_back(Referral.referral_date))
               .correlate(Referral).scalar_subquery())
    window = (Referral.referral_date >= w.others_from, Referral.referral_date <= w.as_of,
              _LIVE)
    query = (select(*CHILD, Referral.referral_date, Referral.source_code, Referral.nfa, in_year.label("in_year"),
                    Team.name.label("team"), User.display_name.label("worker"))
             .join(Child, Child.id == Referral.child_id).outerjoin(Team, Team.id == Referral.team_id)
             .outerjoin(User, User.id == Referral.worker_id)
             .where(*window).order_by(Referral.referral_date, Referral.id))

    def shape(row) -> list:
        referral_date, source_code, nfa, in_year, team, worker = row[_EVENT:]
        return _child_columns(row, referral_date) + [
            referral_date, A.source(source_code), A.yes_no(nfa), in_year, team, worker]

    return _List(*A.LIST_3, query, shape)


def _assessments(w: Windows) -> _List:
    """List 4: assessments started in the window or still open at its end."""
    authorised = Assessment.authorised_on
    window = (Assessment.started_on.is_not(None), Assessment.started_on <= w.as_of,
              (Assessment.started_on >= w.others_from) | authorised.is_(None) | (authorised >= w.others_from),
              _LIVE)
    query = (select(*CHILD, Assessment.started_on, Assessment.child_seen_on, authorised, Assessment.needs_support,
                    Team.name.label("team"), User.display_name.label("worker"))
             .join(Child, Child.id == Assessment.child_id).outerjoin(Team, Team.id == Assessment.team_id)
             .outerjoin(User, User.id == Assessment.worker_id)
             .where(*window).order_by(Assessment.started_on, Assessment.id))
    as_of = w.as_of

    def shape(row) -> list:
        started_on, child_seen_on, authorised_on, needs_support, team, worker = row[_EVENT:]
        done = authorised_on if authorised_on and authorised_on <= as_of else None
        seen_child = child_seen_on is not None and child_seen_on <= as_of
        return _child_columns(row, started_on) + [
            A.disability(_disabilities(row)), started_on, A.yes_no(seen_child), done,
            A.yes_no(needs_support) if done else A.UNKNOWN, team, worker]

    return _List(*A.LIST_4, query, shape)


def _section47s(w: Windows) -> _List:
    """List 5: section 47 enquiries in the window, with the child's s47s and conferences in the
    12 months to each one."""
    other = aliased(StrategyDiscussion)
    s47s = (select(func.count(other.id))
            .where(other.child_id == StrategyDiscussion.child_id, other.s47_started_on.is_not(None),
                   other.s47_started_on <= StrategyDiscussion.s47_started_on,
                   other.s47_started_on > _year_back(StrategyDiscussion.s47_started_on))
            .correlate(StrategyDiscussion).scalar_subquery())
    icpcs = (select(func.count(other.id))
             .where(other.child_id == StrategyDiscussion.child_id, other.icpc_held_on.is_not(None),
                    other.icpc_held_on <= StrategyDiscussion.s47_started_on,
                    other.icpc_held_on > _year_back(StrategyDiscussion.s47_started_on))
             .correlate(StrategyDiscussion).scalar_subquery())
    window = (StrategyDiscussion.s47_started_on >= w.others_from, StrategyDiscussion.s47_started_on <= w.as_of,
              _LIVE)
    query = (select(*CHILD, StrategyDiscussion.s47_started_on, StrategyDiscussion.icpc_held_on,
                    StrategyDiscussion.icpc_not_needed_reason, StrategyDiscussion.resulted_in_plan,
                    s47s.label("s47s"), icpcs.label("icpcs"), Team.name.label("team"),
                    User.display_name.label("worker"))
             .join(Child, Child.id == StrategyDiscussion.child_id)
             .join(Referral, Referral.id == StrategyDiscussion.referral_id)
             .outerjoin(Team, Team.id == Referral.team_id).outerjoin(User, User.id == Referral.worker_id)
             .where(*window).order_by(StrategyDiscussion.s47_started_on, StrategyDiscussion.id))
    as_of = w.as_of

    def shape(row) -> list:
        started_on, icpc_held_on, icpc_not_needed_reason, resulted_in_plan, s47s, icpcs, team, worker = row[_EVENT:]
        held = icpc_held_on if icpc_held_on and icpc_held_on <= as_of else None
        unnecessary = held is None and bool(icpc_not_needed_reason)
        plan = A.yes_no(resulted_in_plan) if held else (A.NO if unnecessary else A.UNKNOWN)
        return _child_columns(row, started_on) + [
            A.disability(_disabilities(row)), started_on, A.yes_no(unnecessary), held, plan, s47s, icpcs, team,
            worker]

    return _List(*A.LIST_5, query, shape)
