"""Ofsted's Annex A: lists 1, 3, 4 and 5 from the records, as the template has them."""
from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from triage.clock import LONDON
from triage.domain import annex_a as A
from triage.domain.roles import Role
from triage.extensions import db
from triage.generate import generate
from triage.models import AuditEvent, Child, Contact, ContactChild, Referral, User
from triage.services import annex_a
from triage.services.actor import Actor

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 26)
PERFORMANCE = Actor(role=Role.PERFORMANCE, label="perf", channel="cli")


def workbook(**kwargs):
    out = io.BytesIO()
    summary = annex_a.write_annex_a(PERFORMANCE, NOW, out, AS_OF, **kwargs)
    out.seek(0)
    return load_workbook(out), summary


def test_each_list_is_a_sheet_with_the_template_headers_and_real_date_cells(app):
    generate("tiny", 1.5, now=NOW, seed=4, workers=1)

    book, summary = workbook()

    assert book.sheetnames == ["List 1 Contacts", "List 3 Referrals", "List 4 Assessments",
                               "List 5 Section 47 and ICPCs"]
    for (title, headers), name in zip((A.LIST_1, A.LIST_3, A.LIST_4, A.LIST_5), book.sheetnames, strict=False):
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0] == headers
        assert len(rows) - 1 == summary.rows[title] > 0
    contact_row = next(book["List 1 Contacts"].iter_rows(min_row=2, max_row=2))
    assert isinstance(contact_row[5].value, datetime) and contact_row[5].number_format == "dd/mm/yyyy"
    assert contact_row[1].value in A.GENDER.values()
    assert contact_row[6].value.startswith(("a) 1A", "q) 6", "e) 2A")) or contact_row[6].value[1:3] == ") "


def test_a_contact_about_three_children_is_three_rows_and_the_window_is_six_months(app):
    generate("tiny", 1.5, now=NOW, seed=4, workers=1)
    start = A.months_before(AS_OF, 6)
    expected = 0
    for received_at, _ in db.session.execute(
            select(Contact.received_at, ContactChild.id).join(ContactChild, ContactChild.contact_id == Contact.id)):
        if start <= received_at.astimezone(LONDON).date() <= AS_OF:
            expected += 1

    book, summary = workbook()

    assert summary.rows[A.LIST_1[0]] == expected
    dates = [r[5].date() for r in book["List 1 Contacts"].iter_rows(min_row=2, values_only=True)]
    assert min(dates) >= start and max(dates) <= AS_OF


def test_the_number_of_referrals_in_the_last_12_months_is_counted_per_child_up_to_each_referral(app):
    generate("tiny", 1.5, now=NOW, seed=4, workers=1)
    referrals = db.session.execute(select(Referral.child_id, Referral.referral_date)).all()

    book, _ = workbook()

    rows = list(book["List 3 Referrals"].iter_rows(min_row=2, values_only=True))
    ids = {c: i for c, i in db.session.execute(select(Child.council_child_id, Child.id))}
    checked = Counter()
    for row in rows:
        child, on = ids[row[0]], row[5].date()
        expected = sum(1 for c, d in referrals if c == child and A.months_before(on, 12) < d <= on)
        assert row[8] == expected
        checked[expected > 1] += 1
    assert checked[True] > 0, "some children should have more than one referral in a year"


def test_text_that_looks_like_a_formula_is_written_as_text(app):
    generate("tiny", 1.0, now=NOW, seed=4, workers=1)
    worker_id = db.session.scalar(select(Referral.worker_id).where(Referral.worker_id.is_not(None))
                                  .where(Referral.referral_date >= A.months_before(AS_OF, 12)).limit(1))
    db.session.execute(update(User).where(User.id == worker_id)
                       .values(display_name='=HYPERLINK("http://example.invalid","x")'))
    db.session.commit()

    book, _ = workbook()

    cells = [row[10] for row in book["List 3 Referrals"].iter_rows(min_row=2)
             if row[10].value and str(row[10].value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_annex_a_is_audited_per_child_and_as_a_return(app):
    generate("tiny", 1.0, now=NOW, seed=4, workers=1)

    book, _ = workbook()

    audited = db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.action == "export",
                                                                   AuditEvent.entity == "child")).all()
    # Exactly the children in the workbook, each once, read back from its sheets.
    shown = {row[0] for sheet in book for row in sheet.iter_rows(min_row=2, values_only=True)}
    by_council_id = dict(db.session.execute(select(Child.council_child_id, Child.id)).all())
    assert shown and sorted(audited) == sorted(by_council_id[council_id] for council_id in shown)
    produced = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "return")).all()
    assert len(produced) == 1 and produced[0].detail.startswith("Annex A as of 2026-11-26")
    assert (produced[0].actor, produced[0].action, produced[0].at) == ("perf", "export", NOW)  # who, when


def test_an_empty_annex_a_is_audited_as_a_return_and_names_no_child(app):
    _, summary = workbook()

    assert summary.children == set()
    assert db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.entity == "child")).all() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "return")) == 1


def test_only_performance_officers_managers_and_administrators_produce_annex_a(app):
    from triage.services.errors import Forbidden

    for role in (Role.ERA, Role.PRACTITIONER, Role.PARTNER):
        with pytest.raises(Forbidden):
            annex_a.write_annex_a(Actor(role=role, label="someone"), NOW, io.BytesIO(), AS_OF)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.entity == "return")) is None

