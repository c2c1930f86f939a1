"""The list of past reports never loads a report's content, so it costs the same however many
mornings are kept."""
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time

from tests.support.report_council import NOW
from tests.support.statements import recorded_statements, statements_for
from triage.extensions import db
from triage.models import MorningReport
from triage.services.report.reading import LISTED

LISTED_NAMES = {column.key for column in LISTED}


def _store_mornings(count: int, start: int = 0) -> None:
    """Past mornings with a bulky content, as a council keeps one every working day."""
    bulky = {"allocated_cases": [{"child": "x" * 200, "n": i} for i in range(200)], "trend": []}
    for i in range(start, start + count):
        built = datetime(2026, 11, 26, 7, tzinfo=UTC) - timedelta(days=i)
        db.session.add(MorningReport(report_date=built.date(), version=1, built_at=built,
                                     trigger="scheduled", built_by="scheduler", content=bulky))
    db.session.commit()


@pytest.fixture
def built(council):
    from triage.services.report import build as morning_report
    return morning_report.build_scheduled_report(NOW)


def _content_columns() -> set[str]:
    return {c.name for c in MorningReport.__table__.columns} - LISTED_NAMES


def test_the_history_api_reads_no_report_content(api_as, built):
    _store_mornings(3)
    manager = api_as("manager")
    with recorded_statements() as statements:
        response = manager.get("/api/v1/reports/morning/history")
    assert response.status_code == 200 and len(response.json) == 4
    assert response.json[0] == {"report_date": "2026-11-27", "version": 1, "built_at": "2026-11-27T09:30:00+00:00",
                                "trigger": "scheduled"}
    read = [s for s in statements if "FROM morning_report" in s]
    assert read, "the history must come from the morning_report table"
    for statement in read:
        for column in _content_columns():
            assert f"morning_report.{column}" not in statement, statement


def test_the_report_page_and_history_send_the_same_statements_for_1_or_30_stored_mornings(
        app, client, login, make_user, api_as, built):
    manager = api_as("manager")
    with freeze_time(NOW):
        login(make_user("manager"))
        manager.get("/api/v1/reports/morning/history")  # first use of the token records when it was used
        page_one, _ = statements_for(client, "/reports/morning?date=2026-11-27")
        history_one, listed = statements_for(manager, "/api/v1/reports/morning/history")
        _store_mornings(29)
        page_many, page = statements_for(client, "/reports/morning?date=2026-11-27")
        history_many, listed_many = statements_for(manager, "/api/v1/reports/morning/history")
    assert (len(listed.json), len(listed_many.json)) == (1, 30)
    assert "2 November 2026, version 1" in page.get_data(as_text=True)  # the history lists the 29th past morning
    assert (page_one, history_one) == (page_many, history_many)


def test_a_listed_report_still_opens_whole(api_as, built):
    _store_mornings(2)
    manager = api_as("manager")
    past = manager.get("/api/v1/reports/morning/history").json[1]
    assert past["report_date"] == "2026-11-26"
    opened = manager.get(f"/api/v1/reports/morning?date={past['report_date']}&version=1")
    assert opened.status_code == 200 and opened.json["content"]["allocated_cases"][0]["n"] == 0
    assert db.session.get(MorningReport, 1).report_date == date(2026, 11, 27)
