"""The returns and the newer states of a child record: merged duplicates (tombstones) and dates of
birth that are approximate or not known, on both databases."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from triage.domain import annex_a as A
from triage.domain.birth import BirthDateStatus
from triage.domain.roles import Role
from triage.extensions import db
from triage.generate import generate
from triage.models import AuditEvent, Child, Referral
from triage.services import annex_a, cin_census
from triage.services.actor import Actor
from triage.services.census_check import check_census, errors_that_matter

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
YEAR = 2027
PERFORMANCE = Actor(role=Role.PERFORMANCE, label="perf", channel="cli")


def census() -> tuple[ET.Element, cin_census.CensusIndex, list]:
    out = io.BytesIO()
    index = cin_census.write_census(PERFORMANCE, NOW, YEAR, out)
    findings = check_census(io.BytesIO(out.getvalue()), YEAR, index, NOW.date())
    return ET.fromstring(out.getvalue()), index, findings


def child_xml(root: ET.Element, la_id: str) -> ET.Element | None:
    return next((c for c in root.findall("Children/Child")
                 if c.findtext("ChildIdentifiers/LAchildID") == la_id), None)


def planted() -> dict[str, int]:
    """Three children with referrals this year and an assessment: one left a tombstone with its
    rows (as a row recorded against it before the merge, by an older importer), one with an
    approximate date of birth, one whose date of birth is not known."""
    generate("tiny", 1.0, now=NOW, seed=5, workers=1)
    ids = list(db.session.scalars(select(Referral.child_id).where(Referral.referral_date >= date(2026, 4, 1))
                                  .group_by(Referral.child_id).order_by(Referral.child_id).limit(4)))
    tomb, kept, approximate, not_known = ids
    db.session.execute(update(Child).where(Child.id == tomb).values(merged_into_id=kept, merged_at=NOW))
    db.session.execute(update(Child).where(Child.id == approximate).values(
        birth_date_status=BirthDateStatus.APPROXIMATE, date_of_birth=date(2012, 5, 27)))
    db.session.execute(update(Child).where(Child.id == not_known).values(
        birth_date_status=BirthDateStatus.NOT_KNOWN, date_of_birth=None))
    db.session.commit()
    return {"tomb": tomb, "kept": kept, "approximate": approximate, "not_known": not_known}


def la_id(child_id: int) -> str:
    return db.session.get(Child, child_id).council_child_id or f"T{child_id:07d}"


def test_the_census_leaves_out_tombstones_sends_an_estimate_and_stops_on_a_date_not_known(app):
    made = planted()

    root, index, findings = census()

    assert made["tomb"] not in index.la_child_ids.values() and child_xml(root, la_id(made["tomb"])) is None
    assert made["kept"] in index.la_child_ids.values()
    exported = set(db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.action == "export")))
    assert made["tomb"] not in exported and made["kept"] in exported
    # Approximate: the estimate is sent, and the page lists it to confirm.
    sent = child_xml(root, la_id(made["approximate"]))
    assert sent.findtext("ChildIdentifiers/PersonBirthDate") == "2012-05-27"
    # Not known: no date is sent, and the check stops on it as an error for that child and field.
    missing = child_xml(root, la_id(made["not_known"]))
    assert missing is not None and missing.find("ChildIdentifiers/PersonBirthDate") is None
    errors = [f for f in errors_that_matter(findings) if not f.is_query]
    assert [(f.rule, f.child_id, f.table, f.field) for f in errors] == [
        ("8525Q", made["not_known"], "ChildIdentifiers", "PersonBirthDate")], errors
    assert "not known" in errors[0].description
    listed = cin_census.birth_dates_to_confirm(PERFORMANCE, NOW, YEAR)
    mine = (made["approximate"], made["not_known"])
    assert [(c.child_id, c.status, c.date_of_birth) for c in listed if c.child_id in mine] == sorted([
        (made["approximate"], BirthDateStatus.APPROXIMATE, date(2012, 5, 27)),
        (made["not_known"], BirthDateStatus.NOT_KNOWN, None)])
    # The generator's own approximate dates of birth are listed too, each with its estimate sent.
    others = [c for c in listed if c.child_id not in mine]
    assert all(c.status == BirthDateStatus.APPROXIMATE and c.date_of_birth is not None for c in others)
    assert {c.child_id for c in others} == set(db.session.scalars(select(Child.id).where(
        Child.id.in_(index.child_ids), Child.id.not_in(mine), Child.birth_date_status != BirthDateStatus.KNOWN)))
    shown = db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.detail.like("%to confirm"))).all()
    assert sorted(shown) == sorted(c.child_id for c in listed)


def test_annex_a_leaves_out_tombstones_and_says_a_date_of_birth_is_not_known(app):
    made = planted()

    out = io.BytesIO()
    summary = annex_a.write_annex_a(PERFORMANCE, NOW, out, NOW.date())
    out.seek(0)
    book = load_workbook(out)

    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(min_row=2, values_only=True)]
    by_child = {}
    for row in rows:
        by_child.setdefault(row[0], []).append(row)
    assert la_id(made["tomb"]) not in by_child and made["tomb"] not in summary.children
    assert la_id(made["kept"]) in by_child
    assert {(r[3], r[4]) for r in by_child[la_id(made["not_known"])]} == {(A.NOT_KNOWN, A.NOT_KNOWN)}
    approximate = by_child[la_id(made["approximate"])]
    assert {r[3] for r in approximate} == {datetime(2012, 5, 27)}
    assert all(isinstance(r[4], int) for r in approximate)
