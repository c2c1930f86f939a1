"""Every row of the morning report links to its record, on the page and in the downloads, and its
wide tables scroll inside their own box on a phone."""
import csv
import io
import re

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.support.report_council import NOW
from triage.services.report import build


@pytest.fixture
def built(council):
    return build.build_scheduled_report(NOW)


def section(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"'):html.index(f'id="{end}"')]


def test_each_row_on_the_page_links_to_its_contact_or_case_and_each_child_to_their_chronology(
        council, built, client, login, make_user):
    with freeze_time(NOW):
        login(make_user("manager"))
        html = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
    c, b, a = council["c"].id, council["b"].id, council["a_referral"]
    action = section(html, "needs-action", "awaiting-decision")
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', action, re.S)[1:]
    assert len(rows) == len(built.content["needs_action"]) == 5
    assert all(f'href="/contacts/{c}"' in row or f'href="/contacts/{b}"' in row for row in rows)
    assert f'href="/children/{built.content["needs_action"][0]["children"][0]["child_id"]}/chronology"' in action
    awaiting = section(html, "awaiting-decision", "allocated-cases")
    assert f'href="/contacts/{c}">Contact {c}</a>' in awaiting and f'href="/contacts/{b}">Contact {b}</a>' in awaiting
    cases = section(html, "allocated-cases", "strategy")
    assert f'href="/cases/{a.id}">Ava Test</a>' in cases
    assert f'href="/children/{a.child_id}/chronology"' in cases


def test_a_case_clock_due_today_links_to_its_case(council, client, login, make_user):
    from triage.extensions import db
    from triage.models import Clock

    # The allocated case's assessment clock, made due now: its row names the case, not a contact.
    clock = db.session.query(Clock).filter_by(subject="assessment", stopped_at=None).one()
    clock.due_at = NOW
    db.session.commit()
    report = build.build_scheduled_report(NOW)
    [row] = [r for r in report.content["needs_action"] if r["subject"] == "assessment"]
    assert row["referral_id"] == council["a_referral"].id
    with freeze_time(NOW):
        login(make_user("manager"))
        html = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
    assert f'href="/cases/{council["a_referral"].id}">Assessment (assessment {row["subject_id"]})</a>' in html


def test_the_workbook_and_csv_rows_carry_the_records_address_as_plain_text(council, built, client, login,
                                                                          make_user):
    login(make_user("manager"))
    book = load_workbook(io.BytesIO(client.get("/reports/morning.xlsx?date=2026-11-27").data))
    cases = book["Allocated cases"]
    header = [cell.value for cell in cases[1]]
    record = cases.cell(row=2, column=header.index("Record") + 1)
    assert record.value == f"http://localhost/cases/{council['a_referral'].id}" and record.data_type == "s"
    assert record.hyperlink is None
    awaiting = book["Awaiting decision"]
    header = [cell.value for cell in awaiting[1]]
    assert [row[header.index("Record")].value for row in awaiting.iter_rows(min_row=2)] == [
        f"http://localhost/contacts/{council['c'].id}", f"http://localhost/contacts/{council['b'].id}"]
    text = client.get("/reports/morning.csv?date=2026-11-27&section=strategy").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text)))[-1] == "Record"


def test_every_table_in_the_report_sits_in_its_own_scrolling_region(council, built, client, login, make_user):
    with freeze_time(NOW):
        login(make_user("manager"))
        html = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
    report = html[html.index('id="needs-action"'):html.index('id="since"')]
    tables = report.count("<table ")
    wrapped = re.findall(r'<div class="triage-table-scroll" role="region" aria-labelledby="([a-z-]+)" tabindex="0">\s*<table ',
                         report)
    assert tables >= 5 and len(wrapped) == tables
    assert {"needs-action", "awaiting-decision", "allocated-cases", "measures"} <= set(wrapped)
