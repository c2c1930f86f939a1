"""The Children in Need census: the XML return, straight from the records, streamed.

Children are read a chunk at a time (their referrals, assessments, s47s and plans in three
set-based queries per chunk) and each chunk's XML is written as soon as it is made, so memory
stays flat as the council grows. Which child, episode and module goes
in, and how, is decided by triage.domain.census.

A merged duplicate is never in the census (its referrals moved to the record kept). A child whose
date of birth is approximate goes in with the estimated date, and is listed on the returns page
to confirm; one whose date of birth is not known goes in with none (nothing is invented), which
the census check reports as an error to complete before the return is sent.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import BinaryIO, NamedTuple
from xml.sax.saxutils import escape

from sqlalchemy import String, and_, distinct, or_, select, type_coerce
from sqlalchemy.orm import aliased

from triage.clock import LONDON
from triage.domain import census
from triage.domain.birth import BirthDateStatus
from triage.domain.codes import Ethnicity, census_sex, split_codes
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Assessment, Child, Referral, StrategyDiscussion
from triage.services import audit
from triage.services.actor import Actor
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work
from triage.settings import ReturnsSettings, returns_settings

RETURN_ROLES = (Role.PERFORMANCE, Role.MANAGER, Role.ADMIN)
CHUNK = 1000


@dataclass
class CensusIndex:
    """Which record each row of each census table came from, in the order written: the
    validator reports rows by position, and the page links each finding to its record."""

    children: int = 0
    episodes: int = 0
    child_ids: list[int] = field(default_factory=list)  # ChildIdentifiers / ChildCharacteristics rows
    la_child_ids: dict[str, int] = field(default_factory=dict)  # LAchildID -> child id
    disability_child_ids: list[int] = field(default_factory=list)
    cin_referral_ids: list[int] = field(default_factory=list)  # CINdetails rows
    assessment_referral_ids: list[int] = field(default_factory=list)
    s47_referral_ids: list[int] = field(default_factory=list)
    plan_referral_ids: list[int] = field(default_factory=list)
    birth_date_not_known: dict[int, str] = field(default_factory=dict)  # child id -> LAchildID


def in_scope(year: census.CensusYear, referral=Referral):
    """Referrals in the year, and those from before it still open on 1 April. (A closure with
    no closure date, from before migration 0012's fill or another path, counts by its time.)"""
    start_at = datetime.combine(year.start, time(0), tzinfo=LONDON)
    merged = select(Child.id).where(Child.merged_into_id.is_not(None))
    return and_(referral.referral_date <= year.end, referral.child_id.not_in(merged),
                or_(referral.referral_date >= year.start, referral.closed_on >= year.start,
                    and_(referral.closed_on.is_(None),
                         or_(referral.closed_at.is_(None), referral.closed_at >= start_at))))


def children_in_scope(year: census.CensusYear) -> list[int]:
    return list(db.session.scalars(select(distinct(Referral.child_id)).where(in_scope(year))
                                   .order_by(Referral.child_id)))


def write_census(actor: Actor, now: datetime, year_ending: int, out: BinaryIO, chunk: int = CHUNK) -> CensusIndex:
    """Write the census for the year ending 31 March `year_ending` to `out`; audited per child."""
    require(actor, RETURN_ROLES, "produce statutory returns")
    year = census.CensusYear(year_ending)
    settings = returns_settings()
    index = CensusIndex()
    with unit_of_work("return"):
        child_ids = children_in_scope(year)
        w = _Writer(out)
        w.start("Message")
        _header(w, year, settings, now)
        w.start("Children")
        for ids in census.chunks(child_ids, chunk):
            _write_chunk(w, ids, year, index)
            w.flush()
        w.end("Children")
        w.end("Message")
        w.flush()
        if index.child_ids:  # the children written (the return's own row below records an empty one)
            audit.record_shown(actor, now, "export", "child", ((child, child) for child in index.child_ids),
                               f"CIN census {year.year}")
        audit.record(actor, now, "export", "return", None,
                     detail=f"CIN census {year.year}: {index.children} children, {index.episodes} episodes")
    return index


class _Writer:
    """The census XML, kept as text until flushed: a chunk of children is one write. (The standard
    library's XMLGenerator made two million small writes for a council, half the census's time.)"""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.parts: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']

    def el(self, name: str, value) -> None:
        if value is None or value == "":
            return
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        self.parts.append(f"<{name}>{escape(str(value))}</{name}>")

    def start(self, name: str) -> None:
        self.parts.append(f"<{name}>")

    def end(self, name: str) -> None:
        self.parts.append(f"</{name}>")

    def flush(self) -> None:
        self.out.write("".join(self.parts).encode("utf-8"))
        self.parts.clear()


def _header(w: _Writer, year: census.CensusYear, settings: ReturnsSettings, now: datetime) -> None:
    w.start("Header")
    w.start("CollectionDetails")
    w.el("Collection", "CIN")
    w.el("Year", year.year)
    w.el("ReferenceDate", year.end)
    w.end("CollectionDetails")
    w.start("Source")
    w.el("SourceLevel", "L")
    w.el("LEA", settings.census_lea)
    w.el("SoftwareCode", settings.census_software_code)
    w.el("Release", settings.census_release)
    w.el("SerialNo", settings.census_serial_no)
    w.el("DateTime", now.astimezone(LONDON).replace(tzinfo=None, microsecond=0).isoformat())
    w.end("Source")
    w.end("Header")


class _ChildRow(NamedTuple):
    """A child's row, read by name at a tuple's speed (a database row's names are slow to look up)."""

    id: int
    council_child_id: str | None
    upn: str | None
    former_upn: str | None
    upn_unknown_reason: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None
    sex: str | None
    date_of_death: date | None
    ethnicity: str | None
    disabilities: str | None
    birth_date_status: str | None


CHILD_COLUMNS = tuple(getattr(Child, name) for name in _ChildRow._fields)


def _write_chunk(w: _Writer, ids: list[int], year: census.CensusYear, index: CensusIndex) -> None:
    # The chunk's children are read by the range of their (sorted) ids, kept to the census's
    # children in SQL: an IN list of a thousand ids cost more to build and parse than the rows,
    # and the other children in the range (their number grows with the years kept) never reach
    # Python.
    scoped = aliased(Referral)
    in_census = select(scoped.child_id).where(scoped.child_id.between(ids[0], ids[-1]), in_scope(year, scoped))
    referrals: dict[int, list[census.Referral]] = defaultdict(list)
    by_id: dict[int, census.Referral] = {}
    # Rows are unpacked by position: looking a row's columns up by name cost more than the rest.
    connection = db.session.connection()
    for (referral_id, child_id, referral_date, source_code, primary_need, nfa, closed_on, closed_at, closure_reason,
         started_on, authorised_on, factors) in connection.execute(
            # The code as stored, not as the enum: a code outside the list (an old import, a
            # hand edit) must reach the DfE's check and be reported, not stop the census.
            select(Referral.id, Referral.child_id, Referral.referral_date,
                   type_coerce(Referral.source_code, String).label("source_code"),
                   Referral.primary_need, Referral.nfa, Referral.closed_on, Referral.closed_at,
                   Referral.closure_reason,
                   Assessment.started_on, Assessment.authorised_on, Assessment.factors)
            .outerjoin(Assessment, Assessment.referral_id == Referral.id)
            .where(Referral.child_id.between(ids[0], ids[-1]), Referral.child_id.in_(in_census),
                   Referral.referral_date <= year.end)):
        closed_on = closed_on or (closed_at.astimezone(LONDON).date() if closed_at else None)
        referral = census.Referral(referral_id, referral_date, source_code, primary_need, nfa, closed_on,
                                   closure_reason)
        if started_on is not None:
            referral.assessment = census.Assessment(started_on, authorised_on, split_codes(factors))
        referrals[child_id].append(referral)
        by_id[referral_id] = referral
    plan_starts: dict[int, list] = defaultdict(list)
    for (referral_id, child_id, s47_started_on, icpc_due_date, icpc_held_on, icpc_not_needed_reason, s47_outcome_on,
         resulted_in_plan, plan_start_date, plan_end_date, plan_category) in connection.execute(
            select(StrategyDiscussion.referral_id, StrategyDiscussion.child_id, StrategyDiscussion.s47_started_on,
                   StrategyDiscussion.icpc_due_date, StrategyDiscussion.icpc_held_on,
                   StrategyDiscussion.icpc_not_needed_reason, StrategyDiscussion.s47_outcome_on,
                   StrategyDiscussion.resulted_in_plan, StrategyDiscussion.plan_start_date,
                   StrategyDiscussion.plan_end_date, StrategyDiscussion.plan_category)
            .where(StrategyDiscussion.child_id.between(ids[0], ids[-1]), StrategyDiscussion.child_id.in_(in_census),
                   StrategyDiscussion.s47_started_on.is_not(None))
            .order_by(StrategyDiscussion.child_id, StrategyDiscussion.s47_started_on, StrategyDiscussion.id)):
        referral = by_id.get(referral_id)
        if resulted_in_plan and plan_start_date is not None:
            previous = sum(1 for start in plan_starts[child_id] if start < plan_start_date)
            plan_starts[child_id].append(plan_start_date)
            if referral is not None:
                referral.plans.append(census.Plan(plan_start_date, plan_end_date, plan_category or "", previous))
        if referral is not None:
            not_required = (s47_outcome_on or s47_started_on) if (
                icpc_not_needed_reason and icpc_held_on is None) else None
            referral.section47s.append(census.Section47(s47_started_on, icpc_due_date, icpc_held_on, not_required))
    for row in connection.execute(select(*CHILD_COLUMNS).where(Child.id.between(ids[0], ids[-1]),
                                                               Child.id.in_(in_census)).order_by(Child.id)):
        child = _ChildRow._make(row)
        found = census.episodes(referrals.get(child.id, []), year)
        if not found:
            continue
        _write_child(w, child, found, year, index)


def _write_child(w: _Writer, child, found: list[census.Episode], year: census.CensusYear,
                 index: CensusIndex) -> None:
    la_id = child.council_child_id or f"T{child.id:07d}"
    # A child born after the census date (referred before birth) was unborn on that date: the
    # return says what was known then, an expected date, and never a birth in its future (8520).
    born = year.by_end(child.date_of_birth)
    born_later = child.date_of_birth is not None and born is None
    unborn = (child.date_of_birth is None and child.expected_date_of_birth is not None) or born_later
    index.children += 1
    index.child_ids.append(child.id)
    index.la_child_ids[la_id] = child.id
    if child.date_of_birth is None and child.birth_date_status == BirthDateStatus.NOT_KNOWN:
        index.birth_date_not_known[child.id] = la_id
    w.start("Child")
    w.start("ChildIdentifiers")
    w.el("LAchildID", la_id)
    w.el("UPN", child.upn)
    w.el("FormerUPN", child.former_upn)
    w.el("UPNunknown", None if child.upn else child.upn_unknown_reason)
    w.el("PersonBirthDate", born)
    w.el("ExpectedPersonBirthDate", (child.expected_date_of_birth or child.date_of_birth) if unborn else None)
    w.el("Sex", census_sex(child.sex, unborn))
    w.el("PersonDeathDate", year.by_end(child.date_of_death))
    w.end("ChildIdentifiers")
    w.start("ChildCharacteristics")
    w.el("Ethnicity", child.ethnicity if child.ethnicity in Ethnicity._value2member_map_ else "NOBT")
    disabilities = split_codes(child.disabilities)
    if disabilities:
        w.start("Disabilities")
        for code in disabilities:
            w.el("Disability", code)
            index.disability_child_ids.append(child.id)
        w.end("Disabilities")
    w.end("ChildCharacteristics")
    for episode in found:
        _write_episode(w, episode, year, index)
    w.end("Child")


def _write_episode(w: _Writer, e: census.Episode, year: census.CensusYear, index: CensusIndex) -> None:
    index.episodes += 1
    index.cin_referral_ids.append(e.referral_id)
    w.start("CINdetails")
    w.el("CINreferralDate", e.referral_date)
    w.el("ReferralSource", e.source)
    # A referral that went on to further action needs a primary need (8610): N0 says none was stated.
    w.el("PrimaryNeedCode", e.primary_need or (None if e.nfa else "N0"))
    w.el("CINclosureDate", e.closed_on)
    w.el("ReasonForClosure", e.closure_reason)
    for a in e.assessments:
        index.assessment_referral_ids.append(e.referral_id)
        w.start("Assessments")
        w.el("AssessmentActualStartDate", a.started_on)
        w.el("AssessmentAuthorisationDate", a.authorised_on)
        if a.factors:
            w.start("FactorsIdentifiedAtAssessment")
            for code in a.factors:
                w.el("AssessmentFactors", code)
            w.end("FactorsIdentifiedAtAssessment")
        w.end("Assessments")
    for s in e.section47s:
        s = census.s47_as_at(s, year)
        index.s47_referral_ids.append(e.referral_id)
        w.start("Section47")
        w.el("S47ActualStartDate", s.started_on)
        w.el("InitialCPCtarget", s.icpc_target)
        w.el("DateOfInitialCPC", s.icpc_on)
        w.el("ICPCnotRequired", s.not_required_on is not None)
        w.end("Section47")
    w.el("ReferralNFA", e.nfa)
    for p in e.plans:
        index.plan_referral_ids.append(e.referral_id)
        w.start("ChildProtectionPlans")
        w.el("CPPstartDate", p.start)
        w.el("CPPendDate", year.by_end(p.end))
        w.el("InitialCategoryOfAbuse", p.category)
        w.el("LatestCategoryOfAbuse", p.category)
        w.el("NumberOfPreviousCPP", p.previous)
        w.end("ChildProtectionPlans")
    w.end("CINdetails")


@dataclass(frozen=True)
class BirthDateToConfirm:
    child_id: int
    la_child_id: str
    status: BirthDateStatus
    date_of_birth: date | None  # the estimate sent, for an approximate one


def birth_dates_to_confirm(actor: Actor, now: datetime, year_ending: int) -> list[BirthDateToConfirm]:
    """The children in the census whose date of birth is approximate (the estimate is sent) or not
    known (to complete before sending), in id order; audited per child shown."""
    require(actor, RETURN_ROLES, "produce statutory returns")
    year = census.CensusYear(year_ending)
    in_census = select(Referral.child_id).where(in_scope(year))
    with unit_of_work("return", keep_loaded=True):
        rows = db.session.execute(
            select(Child.id, Child.council_child_id, Child.birth_date_status, Child.date_of_birth)
            .where(Child.id.in_(in_census), Child.birth_date_status != BirthDateStatus.KNOWN)
            .order_by(Child.id)).all()
        audit.record_shown(actor, now, "read", "child", [(r.id, r.id) for r in rows],
                           detail=f"CIN census {year.year}: date of birth to confirm")
    return [BirthDateToConfirm(r.id, r.council_child_id or f"T{r.id:07d}", BirthDateStatus(r.birth_date_status),
                               r.date_of_birth) for r in rows]
