"""The morning report's largest parts as set-based SQL, on both databases.

The case list is built as JSON text by the database itself (PostgreSQL's json_build_object and
json_agg; SQLite's json_object and json_group_array), with "working days" read from the
calendar table as subtractions (models.WorkingDay, written from domain.calendar), so Python
never touches a case: the text goes into the stored report as it is. The trend buckets
instants into London days in SQL against day boundaries the domain computes.

The wording rules (describe_working_days_left, assessment_status) live in the domain; the SQL
here says the same in CASE expressions, and tests/integration/test_report_sql.py proves the
two agree.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import aliased

from triage.domain import report as shape
from triage.domain.codes import AssessmentOutcome, ReferralSource
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    Child,
    Contact,
    Locality,
    Referral,
    Team,
    User,
    WorkingDay,
)


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def among(column, ids):
    """`column IN ids` as ONE bound value (a PostgreSQL array; SQLite's json_each), so the
    database reads just those rows by index however large the table has grown. Joined instead,
    PostgreSQL hashed the whole child (and referral, assessment) table: the report grew with
    history (bench/README.md). One value also keeps thousands of ids from being thousands of
    parameters."""
    ids = sorted(ids)
    if _postgresql():
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    listed = select(literal_column("value")).select_from(func.json_each(json.dumps(ids)))
    return column.in_(listed.scalar_subquery())


# ---------------------------------------------------------------- JSON on both databases

def json_object(*pairs):
    """An object with keys in the order given (PostgreSQL json keeps them; so does SQLite)."""
    args = []
    for key, value in pairs:
        args += [literal_column(f"'{key}'"), value]
    return (func.json_build_object if _postgresql() else func.json_object)(*args)


def json_bool(expression):
    """true/false in the JSON (SQLite keeps booleans as 0 and 1)."""
    if _postgresql():
        return expression
    return func.json(case((expression.is_(None), None), (expression, "true"), else_="false"))


def json_nested(scalar_subquery):
    """A JSON value from a subquery, embedded as JSON rather than as a string."""
    return scalar_subquery if _postgresql() else func.json(scalar_subquery)


def json_array(rows, obj_label: str = "o", as_text: bool = True):
    """One row, one column: the JSON array of `rows`.c.<obj_label>, in the rows' order; as text,
    or (as_text=False) as a JSON value to nest in an object.

    `rows` is an ordered select with the object labelled `obj_label` and its sort keys after it.
    """
    ordered = rows.subquery()
    obj = ordered.c[obj_label]
    if _postgresql():
        keys = [c for c in ordered.c if c.name != obj_label]
        aggregated = func.json_agg(aggregate_order_by(obj, *keys))
        if as_text:
            return select(func.coalesce(cast(aggregated, Text), "[]"))
        return select(func.coalesce(aggregated, literal_column("'[]'::json")))
    return select(func.coalesce(func.json_group_array(func.json(obj)), "[]"))


def iso_date(column_):
    """A date as YYYY-MM-DD text (SQLite already stores it so)."""
    return cast(column_, String) if _postgresql() else column_


def working_days_words(n):
    """domain.clocks.describe_working_days_left in SQL: '5 working days left', 'due today',
    '2 working days overdue'."""
    return case(
        (n > 0, cast(n, String) + literal(" working day") + case((n == 1, ""), else_="s") + literal(" left")),
        (n == 0, literal("due today")),
        else_=cast(-n, String) + literal(" working day") + case((n == -1, ""), else_="s") + literal(" overdue"))


def working_days_left(due, n_due, today: date, n_today: int):
    """domain.clocks.working_days_left as a subtraction of working-day numbers."""
    return case((due >= today, n_due - n_today),
                else_=-case((n_today - n_due < 1, 1), else_=n_today - n_due))


def day_number(day: date) -> int | None:
    return db.session.scalar(select(WorkingDay.number).where(WorkingDay.day == day))


# ---------------------------------------------------------------- the case list

def _records_json(fields, source, order_by: tuple[str, ...], nested: bool = False):
    """The JSON array of one object per row of `source` (a select of the FROM and WHERE),
    with `fields` as (key, expression, kind) in order; kind None, "bool" or "json".

    PostgreSQL aggregates the rows themselves, json_agg(record), which names the keys from
    the columns and writes dates as ISO text: about a third cheaper than json_build_object
    per row. SQLite builds each object with json_object.
    """
    rows = source.with_only_columns(*(expr.label(key) for key, expr, _ in fields)).subquery("r")
    keys = [rows.c[key] for key in order_by]
    if _postgresql():
        aggregated = func.json_agg(aggregate_order_by(literal_column(rows.name), *keys))
        if nested:
            return select(func.coalesce(aggregated, literal_column("'[]'::json"))).select_from(rows)
        return select(func.coalesce(cast(aggregated, Text), "[]")).select_from(rows)
    convert = {None: lambda c: c, "bool": json_bool, "json": func.json}
    obj = json_object(*((key, convert[kind](rows.c[key])) for key, _, kind in fields))
    return json_array(select(obj.label("o"), *keys).order_by(*keys), as_text=not nested)


def allocated_cases_json(today: date, warn_days: int) -> str:
    """Every open referral with its assessment, as the JSON array text the report stores."""
    n_today = day_number(today)
    at_referral, at_due, at_until = aliased(WorkingDay), aliased(WorkingDay), aliased(WorkingDay)
    worker, team, locality = aliased(User), aliased(Team), aliased(Locality)
    a, r, kid = Assessment, Referral, Child
    authorised = a.authorised_on.is_not(None)
    left = working_days_left(a.due_date, at_due.number, today, n_today)
    # The open cases' ids first (by index), so assessments, children and case discussions are
    # read by id: joined as a whole, PostgreSQL hashed every child and assessment ever recorded
    # and the report grew with history (the same reason as `among`).
    # (SQLite's planner reads them by index already: nested loops from the open referrals.)
    open_ = db.session.execute(select(r.id, r.child_id, a.id.label("assessment_id")).join(a, a.referral_id == r.id)
                               .where(r.closed_at.is_(None))).all() if _postgresql() else []
    d = CaseDiscussion
    held = json_object(("sequence", d.sequence), ("planned_on", iso_date(d.planned_on)),
                       ("held_on", iso_date(d.held_on)))
    if _postgresql():
        per_assessment = (select(d.assessment_id, func.json_agg(aggregate_order_by(held, d.sequence)).label("j"))
                          .where(among(d.assessment_id, [o.assessment_id for o in open_])).group_by(d.assessment_id))
        per_assessment = per_assessment.subquery("discussions")
        discussions = func.coalesce(per_assessment.c.j, literal_column("'[]'::json"))
    else:
        # SQLite: a correlated subquery per case, by index (a grouped subquery joined to the
        # cases is not indexed there, and cost seconds).
        per_assessment = None
        discussions = json_array(select(held.label("o"), d.sequence).where(d.assessment_id == a.id)
                                 .order_by(d.sequence).correlate(a), as_text=False).scalar_subquery()
    elapsed = at_until.number - at_referral.number
    status = case(
        (and_(authorised, a.authorised_on <= a.due_date), "Authorised"),
        (authorised, "Authorised late"),
        (a.due_date < today, "Overdue"),
        (left <= warn_days, "Due soon"),
        (a.started_on.is_(None), "Not started"),
        else_="In progress")
    fields = [
        ("referral_id", r.id, None), ("assessment_id", a.id, None), ("child_id", kid.id, None),
        ("child", kid.first_name + literal(" ") + kid.last_name, None), ("council_child_id", kid.council_child_id, None),
        ("worker", worker.display_name, None), ("worker_id", r.worker_id, None), ("team_id", r.team_id, None),
        ("team", team.name, None), ("locality_id", kid.locality_id, None), ("locality", locality.name, None),
        ("referral_date", r.referral_date, None), ("re_referral", r.is_re_referral, "bool"),
        ("source", case({s.value: s.label for s in ReferralSource}, value=r.source_code, else_=None), None),
        ("case_discussions", discussions, "json"), ("assessment_start", a.started_on, None),
        ("child_seen_on", a.child_seen_on, None), ("due_date", a.due_date, None),
        ("working_days_elapsed", elapsed, None), ("working_days_elapsed_census", elapsed + 1, None),
        ("working_days_left", case((authorised, None), else_=left), None),
        ("time_left", case((authorised, "authorised"), else_=working_days_words(left)), None),
        ("status", status, None),
        ("outcome", case({o.value: o.label for o in AssessmentOutcome}, value=a.outcome, else_=None), None),
        ("late_reason", a.late_reason, None)]
    source = (select(r.id).select_from(r).join(a, a.referral_id == r.id).join(kid, kid.id == r.child_id)
              .join(at_referral, at_referral.day == r.referral_date).join(at_due, at_due.day == a.due_date)
              .join(at_until, at_until.day == func.coalesce(a.authorised_on, today))
              .outerjoin(worker, worker.id == r.worker_id).outerjoin(team, team.id == r.team_id)
              .outerjoin(locality, locality.id == kid.locality_id)
              .where(r.closed_at.is_(None)))
    if per_assessment is None:
        return db.session.scalar(_records_json(fields, source, ("due_date", "referral_id")))
    source = (source.outerjoin(per_assessment, per_assessment.c.assessment_id == a.id)
              .where(among(a.id, [o.assessment_id for o in open_]), among(kid.id, {o.child_id for o in open_})))
    # One statement that sorts and aggregates every open case: with the default 4 MB its sorts
    # spilled to disk, and parallel workers each re-ran the discussions' grouping (bench/README.md).
    # SET LOCAL lasts to the end of the transaction, so both are put back straight after.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        return db.session.scalar(_records_json(fields, source, ("due_date", "referral_id")))
    finally:
        db.session.execute(text("SET LOCAL work_mem TO DEFAULT"))
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))


# ---------------------------------------------------------------- the trend

def trend(now: datetime, today: date) -> list[dict]:
    """Contacts received and decisions within the clock per London day, the last 30 days.

    One statement: each instant in the window is given its day's number by comparing it with
    the days' boundaries (instants the domain computes, so clock changes count right on both
    databases), and the database counts per day. The rows read are the window's, by index.
    """
    first = today - timedelta(days=29)
    ends = [shape.start_of_day(first + timedelta(days=i + 1)) for i in range(30)]
    start = shape.start_of_day(first)

    def day_of(column_):
        return case(*((column_ < end, i) for i, end in enumerate(ends)), else_=29)

    received_day = day_of(Contact.received_at).label("d")
    decided_day = day_of(Contact.decided_at).label("d")
    received = (select(literal("r").label("what"), received_day, func.count().label("n"), literal(0).label("w"))
                .where(Contact.received_at >= start, Contact.received_at <= now).group_by(received_day))
    decided = (select(literal("d").label("what"), decided_day, func.count().label("n"),
                      func.sum(case((Contact.decided_at <= Contact.decision_due_at, 1), else_=0)).label("w"))
               .where(Contact.decided_at >= start, Contact.decided_at <= now).group_by(decided_day))
    counts = {(what, day): (n, int(w or 0)) for what, day, n, w in db.session.execute(union_all(received, decided))}
    result = []
    for i in range(30):
        n, within = counts.get(("d", i), (0, 0))
        result.append({"date": (first + timedelta(days=i)).isoformat(), "contacts": counts.get(("r", i), (0, 0))[0],
                       "decided": n, "within_clock_pct": shape.rate(within, n)})
    return result
