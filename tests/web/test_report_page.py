"""The report page shows the case list a page at a time, with counts per team."""
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from tests.support.report_council import NOW
from triage.services import contacts
from triage.services.reference import ensure_team
from triage.services.report import build as morning_report


@pytest.fixture
def five_cases(app, make_user, actor_for):
    ensure_team("Front Door assessment North")
    era, manager = actor_for(make_user("era")), actor_for(make_user("manager"))
    for n in range(5):
        at = datetime(2026, 11, 2 + n, 10, tzinfo=UTC)
        made, _ = contacts.record_contact(era, at, {
            "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given", "consent_by": "Mother",
            "received_at": at, "children": [{"child": {"first_name": f"Kid{n}", "last_name": "Paged", "sex": "male",
                                                       "date_of_birth": date(2015, 1, 1)}, "confirmed_new": True}]})
        contacts.record_decision(manager, at.replace(hour=11), made.id, [{"outcome": "assessment", "rationale": "r"}])
    return morning_report.build_scheduled_report(NOW)


def cases_section(html: str) -> str:
    return html[html.index('id="allocated-cases"'):html.index('id="strategy"')]


def test_the_case_list_is_paged_with_a_count_and_links(app, client, login, make_user, five_cases):
    app.config["REPORT_PAGE_SIZE"] = 2
    try:
        with freeze_time(NOW):
            login(make_user("manager"))
            first = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
            last = client.get("/reports/morning?date=2026-11-27&page=3").get_data(as_text=True)
            beyond = client.get("/reports/morning?date=2026-11-27&page=99").get_data(as_text=True)
            bad = client.get("/reports/morning?date=2026-11-27&page=two")
    finally:
        app.config.pop("REPORT_PAGE_SIZE")
    first, last, beyond = cases_section(first), cases_section(last), cases_section(beyond)
    assert "Allocated cases (5)" in first and "Showing 1 to 2 of 5" in first
    assert [f"Kid{n} Paged" in first for n in range(5)] == [True, True, False, False, False]
    assert "page=2" in first and 'aria-current="page"' in first
    assert "Showing 5 to 5 of 5" in last and "Kid4 Paged" in last and "Kid0 Paged" not in last
    assert "Showing 5 to 5 of 5" in beyond  # past the end: the last page
    assert bad.status_code == 422  # a page that is not a number is refused, naming the field


def test_the_csv_download_streams_every_case(app, client, login, make_user, five_cases):
    with freeze_time(NOW):
        login(make_user("manager"))
        response = client.get("/reports/morning.csv?date=2026-11-27&section=allocated_cases")
    assert response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 6 and sum("Paged" in line for line in lines) == 5


def test_the_workbook_download_streams(app, client, login, make_user, five_cases):
    import io

    from openpyxl import load_workbook

    with freeze_time(NOW):
        login(make_user("manager"))
        response = client.get("/reports/morning.xlsx?date=2026-11-27")
    assert response.is_streamed
    sheet = load_workbook(io.BytesIO(response.get_data()))["Allocated cases"]
    assert sum("Paged" in str(c.value) for c in sheet["B"]) == 5 and sheet.freeze_panes == "A2"


def test_the_api_sends_the_stored_text_as_it_is(app, api_as, five_cases):
    with freeze_time(NOW):
        response = api_as("manager").get("/api/v1/reports/morning?date=2026-11-27")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert body.endswith(',"content":' + five_cases.body + "}")
    assert response.json["version"] == 1 and len(response.json["content"]["allocated_cases"]) == 5


def test_the_page_shows_the_handover_counts(app, client, login, make_user, five_cases):
    with freeze_time(NOW):
        login(make_user("manager"))
        html = client.get("/reports/morning?date=2026-11-27").get_data(as_text=True)
    shown = html[html.index('id="handovers"'):]
    assert "Step-downs to early help: 0 waiting; in the last 7 days 0 accepted, 0 returned" in shown
    assert "0 handed over, 0 accepted; 0 still waiting" in shown
