"""Reading the morning report: API, CSV, workbook, access, bad input."""
import csv
import io
from datetime import datetime

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.support.report_council import NOW
from triage.extensions import db
from triage.models import AuditEvent


@pytest.fixture
def built(council):
    from triage.services.report import build as morning_report
    return morning_report.build_scheduled_report(NOW)


def test_the_api_returns_a_mornings_report_and_audits_the_read(api_as, built):
    with freeze_time(NOW):
        response = api_as("manager").get("/api/v1/reports/morning?date=2026-11-27")
    assert response.status_code == 200
    assert response.json["version"] == 1 and response.json["content"]["allocated_cases"][0]["child"] == "Ava Test"
    from triage.services.report.audit import children_shown
    rows = db.session.query(AuditEvent).filter_by(entity="morning_report", action="read").all()
    shown = children_shown(response.json["content"])
    assert len(shown) >= 3 and sorted(r.child_id for r in rows) == sorted(shown)  # one row per child shown


@pytest.mark.parametrize("role, status", [("performance", 200), ("manager", 200), ("practitioner", 403),
                                          ("partner", 403), ("era", 403)])
def test_only_managers_and_performance_officers_read_it(api_as, built, role, status):
    assert api_as(role).get("/api/v1/reports/morning?date=2026-11-27").status_code == status


@pytest.mark.parametrize("query, field", [("date=27/11/2026", "date"), ("date=2026-02-30", "date"),
                                          ("version=x", "version"), ("team_id=abc", "team_id")])
def test_bad_report_parameters_are_422s_naming_the_field(api_as, built, query, field):
    response = api_as("manager").get(f"/api/v1/reports/morning?{query}")
    assert response.status_code == 422 and field in str(response.json["errors"])


def test_a_morning_without_a_report_is_a_404_and_building_on_demand_adds_a_version(api_as, built):
    manager = api_as("manager")
    assert manager.get("/api/v1/reports/morning?date=2026-11-20").status_code == 404
    with freeze_time(NOW):
        made = manager.post("/api/v1/reports/morning")
    assert made.status_code == 201 and made.json["version"] == 2
    assert [r["version"] for r in manager.get("/api/v1/reports/morning/history").json] == [2, 1]


def test_the_workbook_opens_with_real_dates_frozen_headers_and_rag_in_text(app, client, login, make_user, built):
    login(make_user("manager"))
    response = client.get("/reports/morning.xlsx?date=2026-11-27")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"Summary", "Needs action today", "Awaiting decision", "Allocated cases", "Caseload"} <= set(book.sheetnames)
    cases = book["Allocated cases"]
    assert cases.freeze_panes == "A2"
    header = [c.value for c in cases[1]]
    row = {h: c.value for h, c in zip(header, cases[2], strict=False)}
    assert row["Referral date"] == datetime(2026, 11, 26) and row["Due date"] == datetime(2027, 2, 2)
    assert cases.cell(row=2, column=header.index("Due date") + 1).number_format == "dd/mm/yyyy"
    awaiting = book["Awaiting decision"]
    rag = [c.value for c in awaiting["D"]][1:]
    assert rag == ["Red", "Amber"]
    assert awaiting["D2"].fill.fgColor.rgb.endswith("F4B6B6")


def test_the_csv_round_trips_to_the_same_rows(app, client, login, make_user, built):
    from triage.services.report import exports as report_exports

    login(make_user("manager"))
    response = client.get("/reports/morning.csv?date=2026-11-27&section=allocated_cases")
    assert response.status_code == 200
    parsed = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    headers, rows = report_exports.section_rows(built.content, "allocated_cases", "http://localhost/")
    assert parsed[0] == headers
    assert parsed[1:] == [[str(v) for v in row] for row in rows]
    assert client.get("/reports/morning.csv?date=2026-11-27&section=nonsense").status_code == 422


def test_the_page_filters_by_team(app, client, login, make_user, built, council):
    login(make_user("manager"))
    whole = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
    assert "Ava Test" in whole and "<svg" in whole
    other = client.get(f"/reports/morning?date=2026-11-27&team_id={council['team'].id + 99}").get_data(as_text=True)
    assert "Ava Test" not in other and "No open allocated cases" in other


def test_a_performance_officer_sees_every_figure_but_children_by_id_not_name(app, api_as, built, client, login,
                                                                              make_user):
    report = api_as("performance").get("/api/v1/reports/morning?date=2026-11-27").json["content"]
    assert report["names_withheld"] is True
    assert report["allocated_cases"][0]["child"].startswith("T")  # the council's child id
    assert "Test" not in str(report["awaiting_decision"]) + str(report["allocated_cases"])
    assert report["measures"] == built.content["measures"]
    login(make_user("performance"))
    workbook = client.get("/reports/morning.xlsx?date=2026-11-27")
    book = load_workbook(io.BytesIO(workbook.data))
    assert "Ava Test" not in [c.value for c in book["Allocated cases"]["B"]]
