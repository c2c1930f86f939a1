"""Ofsted's Annex A: lists 1, 3, 4 and 5, one sheet each, streamed into a write-only workbook.

Rows come from the database a batch at a time (yield_per) and go straight into XlsxWriter's
constant-memory sheets (each row is flushed as the next begins), so memory stays flat. The "Number of ... in the last 12 months" columns are
correlated counts in SQL, not loops in Python. Dates are real date cells shown dd/mm/yyyy;
text is always written as text, never as a formula.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import BinaryIO

import xlsxwriter
from flask import current_app
from sqlalchemy import func, literal, literal_column, select, union
from sqlalchemy.orm import aliased

from triage.clock import LONDON
from triage.domain import annex_a as A
from triage.exports.safe_cells import FORMULA_STARTS
from triage.extensions import db
from triage.models import (
    Assessment,
    AuditEvent,
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
from triage.services.contacts import require

BATCH = 2000
DATE_FORMAT = "dd/mm/yyyy"


@dataclass(frozen=True)
class Windows:
    as_of: date
    contacts_from: date
    others_from: date


def windows(as_of: date, contact_months: int | None = None, months: int | None = None) -> Windows:
    c = current_app.config
    return Windows(as_of, A.months_before(as_of, contact_months or int(c["ANNEX_A_CONTACT_MONTHS"])),
                   A.months_before(as_of, months or int(c["ANNEX_A_MONTHS"])))


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


class _Sheet:
    """A sheet written row by row (XlsxWriter's constant-memory mode). Text always goes in as
    text, never as a formula; dates are real dates in the column's dd/mm/yyyy format."""

    def __init__(self, book, title: str, headers: tuple[str, ...], formats: dict):
        self.ws = book.add_worksheet(A.SHEET_NAMES[title])
        self.ws.write_row(0, 0, headers, formats["header"])
        for column, header in enumerate(headers):
            if "Date" in header or header == "Continuous Assessment Start Date":
                self.ws.set_column(column, column, 14, formats["date"])
        self.date, self.quoted = formats["date"], formats["quoted"]
        self.count = 0
        self._string, self._number = self.ws.write_string, self.ws.write_number

    def row(self, values) -> None:
        self.count += 1
        r = self.count
        for c, v in enumerate(values):
            if v is None:
                continue
            if v.__class__ is str:
                if v.startswith(FORMULA_STARTS):  # text, and still text when someone edits the cell
                    self._string(r, c, v, self.quoted)
                else:
                    self._string(r, c, v)
            elif isinstance(v, date):
                self.ws.write_datetime(r, c, v, self.date)
            elif isinstance(v, bool):
                self.ws.write_boolean(r, c, v)
            else:
                self._number(r, c, v)


def _child_columns(born: date | None, sex, ethnicity, child_id: str, on: date):
    return [child_id, A.gender(sex), A.ethnicity(ethnicity), born, A.age_in_years(born, on)]


CHILD = (Child.id.label("child_pk"), Child.council_child_id, Child.date_of_birth, Child.expected_date_of_birth,
         Child.sex, Child.ethnicity, Child.disabilities)


def _child_id(row) -> str:
    return row.council_child_id or f"T{row.child_pk:07d}"


def write_annex_a(actor: Actor, now: datetime, out: BinaryIO, as_of: date, contact_months: int | None = None,
                  months: int | None = None) -> AnnexSummary:
    require(actor, RETURN_ROLES, "produce statutory returns")
    w = windows(as_of, contact_months, months)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    formats = {"header": book.add_format({"bold": True}), "date": book.add_format({"num_format": DATE_FORMAT}),
               "quoted": book.add_format({"quote_prefix": True})}
    seen: set[int] = set()
    counts: dict[str, int] = {}
    end = _start_of(date.fromordinal(as_of.toordinal() + 1))

    # List 1: one row per child per contact.
    sheet = _Sheet(book, *A.LIST_1, formats)
    list1 = (Contact.received_at >= _start_of(w.contacts_from), Contact.received_at < end)
    scopes = [select(ContactChild.child_id).join(Contact, Contact.id == ContactChild.contact_id).where(*list1)]
    query = (select(*CHILD, Contact.received_at, Contact.source_code)
             .join(ContactChild, ContactChild.contact_id == Contact.id).join(Child, Child.id == ContactChild.child_id)
             .where(*list1).order_by(Contact.received_at, Contact.id, ContactChild.id))
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        on = row.received_at.astimezone(LONDON).date()
        sheet.row(_child_columns(row.date_of_birth, row.sex, row.ethnicity, _child_id(row), on)
                  + [on, A.source(row.source_code)])
        seen.add(row.child_pk)
    counts[A.LIST_1[0]] = sheet.count

    # List 3: referrals, with the child's referrals in the 12 months to each one.
    earlier = aliased(Referral)
    in_year = (select(func.count(earlier.id))
               .where(earlier.child_id == Referral.child_id, earlier.referral_date <= Referral.referral_date,
                      earlier.referral_date > _year_back(Referral.referral_date))
               .correlate(Referral).scalar_subquery())
    list3 = (Referral.referral_date >= w.others_from, Referral.referral_date <= as_of)
    scopes.append(select(Referral.child_id).where(*list3))
    sheet = _Sheet(book, *A.LIST_3, formats)
    query = (select(*CHILD, Referral.referral_date, Referral.source_code, Referral.nfa, in_year.label("in_year"),
                    Team.name.label("team"), User.display_name.label("worker"))
             .join(Child, Child.id == Referral.child_id).outerjoin(Team, Team.id == Referral.team_id)
             .outerjoin(User, User.id == Referral.worker_id)
             .where(*list3).order_by(Referral.referral_date, Referral.id))
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        sheet.row(_child_columns(row.date_of_birth, row.sex, row.ethnicity, _child_id(row), row.referral_date)
                  + [row.referral_date, A.source(row.source_code), A.yes_no(row.nfa), row.in_year, row.team,
                     row.worker])
        seen.add(row.child_pk)
    counts[A.LIST_3[0]] = sheet.count

    # List 4: assessments started in the window or still open at its end.
    sheet = _Sheet(book, *A.LIST_4, formats)
    authorised = Assessment.authorised_on
    list4 = (Assessment.started_on.is_not(None), Assessment.started_on <= as_of,
             (Assessment.started_on >= w.others_from) | authorised.is_(None) | (authorised >= w.others_from))
    scopes.append(select(Assessment.child_id).where(*list4))
    query = (select(*CHILD, Assessment.started_on, Assessment.child_seen_on, authorised, Assessment.needs_support,
                    Team.name.label("team"), User.display_name.label("worker"))
             .join(Child, Child.id == Assessment.child_id).outerjoin(Team, Team.id == Assessment.team_id)
             .outerjoin(User, User.id == Assessment.worker_id)
             .where(*list4).order_by(Assessment.started_on, Assessment.id))
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        done = row.authorised_on if row.authorised_on and row.authorised_on <= as_of else None
        seen_child = row.child_seen_on is not None and row.child_seen_on <= as_of
        sheet.row(_child_columns(row.date_of_birth, row.sex, row.ethnicity, _child_id(row), row.started_on)
                  + [A.disability(row.disabilities), row.started_on, A.yes_no(seen_child), done,
                     A.yes_no(row.needs_support) if done else A.UNKNOWN, row.team, row.worker])
        seen.add(row.child_pk)
    counts[A.LIST_4[0]] = sheet.count

    # List 5: section 47 enquiries in the window, with the child's s47s and conferences in the
    # 12 months to each one.
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
    list5 = (StrategyDiscussion.s47_started_on >= w.others_from, StrategyDiscussion.s47_started_on <= as_of)
    scopes.append(select(StrategyDiscussion.child_id).where(*list5))
    sheet = _Sheet(book, *A.LIST_5, formats)
    query = (select(*CHILD, StrategyDiscussion.s47_started_on, StrategyDiscussion.icpc_held_on,
                    StrategyDiscussion.icpc_not_needed_reason, StrategyDiscussion.resulted_in_plan,
                    s47s.label("s47s"), icpcs.label("icpcs"), Team.name.label("team"),
                    User.display_name.label("worker"))
             .join(Child, Child.id == StrategyDiscussion.child_id)
             .join(Referral, Referral.id == StrategyDiscussion.referral_id)
             .outerjoin(Team, Team.id == Referral.team_id).outerjoin(User, User.id == Referral.worker_id)
             .where(*list5).order_by(StrategyDiscussion.s47_started_on, StrategyDiscussion.id))
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        held = row.icpc_held_on if row.icpc_held_on and row.icpc_held_on <= as_of else None
        unnecessary = held is None and bool(row.icpc_not_needed_reason)
        plan = A.yes_no(row.resulted_in_plan) if held else (A.NO if unnecessary else A.UNKNOWN)
        sheet.row(_child_columns(row.date_of_birth, row.sex, row.ethnicity, _child_id(row), row.s47_started_on)
                  + [A.disability(row.disabilities), row.s47_started_on, A.yes_no(unnecessary), held, plan,
                     row.s47s, row.icpcs, row.team, row.worker])
        seen.add(row.child_pk)
    counts[A.LIST_5[0]] = sheet.count

    book.close()
    _audit(actor, now, scopes, f"Annex A as of {as_of.isoformat()}")
    audit.record(actor, now, "export", "return", None, detail=f"Annex A as of {as_of.isoformat()}: " + ", ".join(
        f"{name.split(' –')[0]} {n} rows" for name, n in counts.items()))
    db.session.commit()
    return AnnexSummary(rows=counts, children=seen)


def _audit(actor: Actor, now: datetime, scopes: list, what: str) -> None:
    """One audit row per child in the lists, in one INSERT ... SELECT over the lists' children."""
    columns = AuditEvent.__table__.c
    fixed = {"at": now, "user_id": actor.user_id, "token_id": actor.token_id, "actor": actor.label,
             "role": str(actor.role), "agency_id": actor.agency_id, "action": "export", "entity": "child",
             "channel": actor.channel, "remote_addr": actor.remote_addr, "detail": what}
    children = union(*scopes).subquery()
    child_id = children.c[0]
    rows = select(*[literal(value, columns[name].type).label(name) for name, value in fixed.items()],
                  child_id.label("entity_id"), child_id.label("child_id"))
    db.session.execute(AuditEvent.__table__.insert().from_select(list(fixed) + ["entity_id", "child_id"], rows))
