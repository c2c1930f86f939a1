"""The CIN census: built from the records, streamed, and passed by the DfE's own rules."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from triage.demo import seed_demo
from triage.domain.roles import Role
from triage.extensions import db
from triage.generate import generate
from triage.models import AuditEvent, Child, Referral
from triage.services import cin_census
from triage.services.actor import Actor
from triage.services.census_check import check_census, errors_that_matter
from triage.services.errors import Forbidden

PERFORMANCE = Actor(role=Role.PERFORMANCE, label="perf", user_id=None, channel="cli")


def build(now: datetime, year: int) -> tuple[bytes, cin_census.CensusIndex]:
    out = io.BytesIO()
    index = cin_census.write_census(PERFORMANCE, now, year, out)
    return out.getvalue(), index


def findings_for(xml: bytes, year: int, index=None, as_of: date | None = None):
    return check_census(io.BytesIO(xml), year, index, as_of)


def describe(findings) -> str:
    rules = sorted({f.rule for f in findings})
    return "\n".join([f"rules: {', '.join(rules)}"] + [
        f"{f.rule} {f.la_child_id} {f.table}.{f.field}={f.value}: {f.description[:90]}"
        for f in sorted(findings, key=lambda f: f.rule != rules[0])[:30]])


def test_the_demo_councils_census_passes_the_dfe_rules(app, now):
    seed_demo(now, children=120, echo=lambda *_: None)

    xml, index = build(now, 2027)

    assert index.children > 10 and index.episodes >= index.children
    root = ET.fromstring(xml)
    assert root.findtext("Header/CollectionDetails/Year") == "2027"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2027-03-31"
    assert root.findtext("Header/Source/LEA") == app.config["CENSUS_LEA"]
    assert len(root.findall("Children/Child")) == index.children
    problems = errors_that_matter(findings_for(xml, 2027, index, now.date()))
    assert problems == [], describe(problems)


GENERATED_AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def late_work(year: int) -> set[tuple[str, int]]:
    """(rule, referral id) for work the DfE's rules count as late on 31 March (or today, for the
    year in progress): open assessments past 45 working days, s47s without a conference after 15,
    counting the start day as day 1 as the validator does."""
    from triage.domain.calendar import WorkingDayCalendar
    from triage.models import Assessment, StrategyDiscussion
    from triage.services.calendar import bank_holidays

    calendar = WorkingDayCalendar(bank_holidays=bank_holidays(), closure_days=())
    cut = min(date(year, 3, 31), GENERATED_AT.date())
    late = set()
    for referral_id, started, done in db.session.execute(
            select(Assessment.referral_id, Assessment.started_on, Assessment.authorised_on)
            .where(Assessment.started_on.is_not(None))):
        if (done is None or done > cut) and cut > calendar.add_working_days(started, 44):
            late.add(("8670Q", referral_id))
    for referral_id, started, held, decided, not_needed in db.session.execute(
            select(StrategyDiscussion.referral_id, StrategyDiscussion.s47_started_on, StrategyDiscussion.icpc_held_on,
                   StrategyDiscussion.s47_outcome_on, StrategyDiscussion.icpc_not_needed_reason)
            .where(StrategyDiscussion.s47_started_on.is_not(None))):
        ended = held or (decided if not_needed else None)
        if (ended is None or ended > cut) and cut > calendar.add_working_days(started, 14):
            late.add(("8675Q", referral_id))
    return late


def assessed_last_year(year: int) -> set[int]:
    from triage.models import Assessment

    return set(db.session.scalars(select(Assessment.referral_id).where(Assessment.authorised_on < date(year - 1, 4, 1))))


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_generated_councils_census_passes_the_dfe_rules(app, year):
    generate("tiny", 2.0, now=GENERATED_AT, seed=5, workers=1)

    xml, index = build(GENERATED_AT, year)

    assert index.children > 100
    problems = errors_that_matter(findings_for(xml, year, index, GENERATED_AT.date()))
    # The generated council has late work, as every council does: the timeliness queries must
    # name exactly that work (the council gives the DfE its reasons), and nothing else may fire.
    timeliness = [f for f in problems if f.rule in ("8670Q", "8675Q")]
    assert {(f.rule, f.referral_id) for f in timeliness} <= late_work(year)
    # An s47 whose conference falls in this year after an assessment finished in the last one:
    # the assessment was in last year's census, so the DfE asks (2991Q) and the council explains.
    carried = [f for f in problems if f.rule == "2991Q"]
    assert {f.referral_id for f in carried} <= assessed_last_year(year)
    others = [f for f in problems if f not in timeliness and f not in carried]
    assert others == [], describe(others)


def _first(query):
    found = db.session.execute(query.limit(1)).first()
    assert found is not None, "the generated council should have such a record"
    return found


def test_the_dfe_rules_catch_each_mistake_planted_in_the_records(app):
    """Records the pages would refuse, as an old system or a careless import might have left them."""
    from triage.models import Assessment, StrategyDiscussion

    generate("tiny", 1.0, now=GENERATED_AT, seed=11, workers=1)
    year = census_scope = 2027
    start = date(year - 1, 4, 1)
    in_year = Referral.referral_date >= start
    planted: dict[str, tuple[str, int]] = {}  # rule -> (table it names, child id)

    child_a, = _first(select(Referral.child_id).where(in_year).order_by(Referral.id))
    db.session.execute(update(Child).where(Child.id == child_a).values(council_child_id="BAD-ID!"))
    planted["1580"] = ("ChildIdentifiers", child_a)

    child_b, = _first(select(Referral.child_id).where(in_year, Referral.child_id != child_a).order_by(Referral.id.desc()))
    db.session.execute(update(Child).where(Child.id == child_b).values(disabilities="NONE,AUT", upn="Z001123456789",
                                                                       upn_unknown_reason=None))
    planted["8790"] = ("Disabilities", child_b)
    planted["1510"] = ("ChildIdentifiers", child_b)

    referral_c, child_c = _first(select(Assessment.referral_id, Assessment.child_id)
                                 .join(Referral, Referral.id == Assessment.referral_id)
                                 .where(Assessment.authorised_on >= start, Referral.child_id.not_in([child_a, child_b]))
                                 .order_by(Assessment.id))
    # (The validator's factor rules 8945Q and 8898 cannot read factors from an XML file, so the
    # service's own refusal of 18A/19A and of repeats is what guards those: test_codes.py.)
    # The service refuses an unknown source code on write, so an old system's row is planted in SQL.
    db.session.execute(text("UPDATE referral SET source_code = 'ZZ', primary_need = 'NX' WHERE id = :id"),
                       {"id": referral_c})
    planted["8866"] = ("CINdetails", child_c)
    planted["8650"] = ("CINdetails", child_c)
    referral_g, child_g, authorised_g = _first(select(Assessment.referral_id, Assessment.child_id,
                                                      Assessment.authorised_on)
                                 .join(Referral, Referral.id == Assessment.referral_id)
                                 .where(Assessment.authorised_on >= start,
                                        Referral.child_id.not_in([child_a, child_b, child_c]))
                                 .order_by(Assessment.id.desc()))
    db.session.execute(update(Assessment).where(Assessment.referral_id == referral_g)
                       .values(started_on=authorised_g + timedelta(days=2)))
    planted["8608"] = ("Assessments", child_g)

    discussion_d, child_d, held = _first(select(StrategyDiscussion.id, StrategyDiscussion.child_id,
                                                StrategyDiscussion.icpc_held_on)
                                         .where(StrategyDiscussion.icpc_held_on >= start,
                                                StrategyDiscussion.child_id.not_in([child_a, child_b, child_c, child_g]))
                                         .order_by(StrategyDiscussion.id))
    saturday = held + timedelta(days=(5 - held.weekday()) % 7 or 7)
    if saturday > GENERATED_AT.date():
        saturday -= timedelta(days=7)
    db.session.execute(update(StrategyDiscussion).where(StrategyDiscussion.id == discussion_d)
                       .values(icpc_held_on=saturday, plan_start_date=saturday))
    planted["8875"] = ("Section47", child_d)

    referral_e, child_e, referral_date = _first(
        select(Referral.id, Referral.child_id, Referral.referral_date)
        .where(in_year, Referral.closed_on.is_not(None),
               Referral.child_id.not_in([child_a, child_b, child_c, child_d, child_g])).order_by(Referral.id))
    db.session.execute(update(Referral).where(Referral.id == referral_e)
                       .values(closed_on=referral_date - timedelta(days=3)))
    planted["8630"] = ("CINdetails", child_e)

    child_f, born = _first(select(Child.id, Child.date_of_birth).join(Referral, Referral.child_id == Child.id)
                           .where(in_year, Child.date_of_birth.is_not(None),
                                  Child.id.not_in([child_a, child_b, child_c, child_d, child_e, child_g])).order_by(Child.id))
    db.session.execute(update(Child).where(Child.id == child_f).values(date_of_death=born - timedelta(days=10)))
    planted["8535Q"] = ("ChildIdentifiers", child_f)
    db.session.commit()

    xml, index = build(GENERATED_AT, census_scope)
    found = findings_for(xml, year, index, GENERATED_AT.date())

    for rule, (_table, child_id) in planted.items():
        hits = [f for f in found if f.rule == rule]
        assert hits, f"rule {rule} did not fire"
        assert child_id in {f.child_id for f in hits}, f"rule {rule} did not name child {child_id}"
    # The page links each finding to its record: a case-level finding names the referral too.
    assert any(f.referral_id == referral_e for f in found if f.rule == "8630")


def test_only_performance_officers_managers_and_administrators_produce_returns(app):
    for role in (Role.ERA, Role.PRACTITIONER, Role.PARTNER):
        with pytest.raises(Forbidden):
            cin_census.write_census(Actor(role=role, label="someone"), GENERATED_AT, 2027, io.BytesIO())


def test_a_census_is_audited_once_per_child_in_it_and_once_as_a_return(app):
    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    _, index = build(GENERATED_AT, 2027)

    per_child = db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.action == "export",
                                                                     AuditEvent.entity == "child")).all()
    assert sorted(per_child) == sorted(index.child_ids)
    produced = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "return")).all()
    assert len(produced) == 1 and produced[0].actor == "perf" and "CIN census 2027" in produced[0].detail
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + len(per_child) + 1


class CountingWrites(io.BytesIO):
    def __init__(self):
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data):
        self.sizes.append(len(data))
        return super().write(data)


def test_the_census_is_written_as_it_is_read_not_built_whole(app):
    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    out = CountingWrites()

    index = cin_census.write_census(PERFORMANCE, GENERATED_AT, 2027, out, chunk=25)

    # A write per chunk of 25 children, none anywhere near the size of the file.
    assert index.children > 100
    assert len(out.sizes) >= index.children // 25
    assert max(out.sizes) < len(out.getvalue()) / 4


def test_the_commands_write_the_census_and_annex_a_files(app, tmp_path):
    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    runner = app.test_cli_runner()
    census_file, annex_file = tmp_path / "cin.xml", tmp_path / "annex.xlsx"

    census = runner.invoke(args=["triage", "returns", "cin-census", "--year", "2026", "--output", str(census_file)])
    annex = runner.invoke(args=["triage", "returns", "annex-a", "--as-of", "2026-11-26", "--output", str(annex_file)])

    assert census.exit_code == 0, census.output
    assert "CIN census 2026:" in census.output
    assert ET.parse(census_file).getroot().findtext("Header/CollectionDetails/Year") == "2026"
    assert annex.exit_code == 0, annex.output
    assert annex_file.stat().st_size > 1000
    actors = set(db.session.scalars(select(AuditEvent.actor).where(AuditEvent.entity == "return")))
    assert actors == {"cli:returns"}


def test_checked_before_31_march_an_unborn_child_due_before_then_is_not_queried_yet(app):
    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    child_id, = _first(select(Referral.child_id).where(Referral.referral_date >= date(2026, 4, 1))
                       .order_by(Referral.id))
    db.session.execute(update(Child).where(Child.id == child_id).values(
        date_of_birth=None, expected_date_of_birth=date(2027, 1, 15)))
    db.session.commit()
    xml, index = build(GENERATED_AT, 2027)

    on_31_march = [f for f in findings_for(xml, 2027, index) if f.rule == "8530Q"]
    today = [f for f in findings_for(xml, 2027, index, GENERATED_AT.date()) if f.rule == "8530Q"]

    assert child_id in {f.child_id for f in on_31_march}
    assert child_id not in {f.child_id for f in today}


def test_reading_the_census_a_slice_of_children_at_a_time_gives_the_validators_own_tables(app):
    import warnings

    import pandas as pd
    from cin_validator.cin_validator import convert_data

    from triage.services.census_check import read_census

    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    xml, index = build(GENERATED_AT, 2027)
    root = ET.fromstring(xml)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole, sliced = convert_data(root), read_census(root, chunk=7)

    assert index.children > 7 * 3
    assert set(whole) == set(sliced)
    for name in whole:
        pd.testing.assert_frame_equal(whole[name].reset_index(drop=True), sliced[name].reset_index(drop=True),
                                      check_dtype=False)


def test_a_child_born_after_the_census_date_goes_in_as_unborn_then(app):
    """Referred before birth and born after 31 March: on the census date the child was unborn, so
    the return gives the expected date and sex U, not a birth in its future (rule 8520)."""
    generate("tiny", 1.0, now=GENERATED_AT, seed=2, workers=1)
    child_id, = _first(select(Referral.child_id).where(Referral.referral_date >= date(2026, 1, 5),
                                                        Referral.referral_date <= date(2026, 3, 31))
                       .order_by(Referral.id))
    db.session.execute(update(Child).where(Child.id == child_id).values(
        date_of_birth=date(2026, 5, 20), expected_date_of_birth=None))
    db.session.commit()

    xml, index = build(GENERATED_AT, 2026)

    la_id = next(la for la, pk in index.la_child_ids.items() if pk == child_id)
    child = next(c for c in ET.fromstring(xml).findall("Children/Child")
                 if c.findtext("ChildIdentifiers/LAchildID") == la_id)
    assert child.findtext("ChildIdentifiers/PersonBirthDate") is None
    assert child.findtext("ChildIdentifiers/ExpectedPersonBirthDate") == "2026-05-20"
    assert child.findtext("ChildIdentifiers/Sex") == "U"
    assert [f.rule for f in errors_that_matter(findings_for(xml, 2026, index, GENERATED_AT.date()))
            if f.child_id == child_id] == []
