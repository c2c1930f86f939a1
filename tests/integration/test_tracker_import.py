"""Importing the old spreadsheet: the samples, row by row, idempotent, nothing half-written."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time

from triage.extensions import db
from triage.models import Assessment, Child, Clock, Referral, Team
from triage.services import tracker_import
from triage.services.errors import Forbidden, Invalid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CSV, XLSX = FIXTURES / "front_door_tracker.csv", FIXTURES / "front_door_tracker.xlsx"
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def manager(make_user, actor_for):
    return actor_for(make_user("manager", username="fd.manager"))


def outcomes(report):
    return [(r.row_number, r.status, tuple(m for m in r.messages if "differs" not in m)) for r in report.rows]


def test_the_csv_and_the_workbook_give_the_same_result(app, manager):
    from_csv = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    from_xlsx = tracker_import.import_tracker(manager, NOW, XLSX.read_bytes(), XLSX.name, dry_run=True)
    assert outcomes(from_csv) == outcomes(from_xlsx)
    assert from_csv.summary == {"imported": 66, "unchanged": 0, "merged": 5, "rejected": 14}
    assert db.session.query(Referral).count() == 0 and db.session.query(Child).count() == 0
    assert db.session.query(Team).count() == 0  # a dry run leaves nothing behind


def test_every_rejected_row_says_why(app, manager):
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    rejected = {r.row_number: r.messages for r in report.rows if r.status == "rejected"}
    assert set(rejected) == {5, 9, 13, 22, 28, 34, 41, 42, 48, 57, 79, 82, 84, 85}
    assert all(messages for messages in rejected.values())
    assert any("child id" in m.lower() for m in rejected[13])
    assert any("future" in m.lower() or "after today" in m.lower() for m in rejected[9])


def test_importing_writes_referrals_and_assessments_on_the_service_clocks_and_twice_changes_nothing(app, manager):
    first = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert first.count("imported") == 66
    counts = (db.session.query(Referral).count(), db.session.query(Assessment).count(),
              db.session.query(Child).count(), db.session.query(Clock).count())
    assert counts[0] == 66 and counts[1] == 66
    again = tracker_import.import_tracker(manager, NOW, XLSX.read_bytes(), XLSX.name)
    assert again.summary == {"imported": 0, "unchanged": 66, "merged": 5, "rejected": 14}
    assert (db.session.query(Referral).count(), db.session.query(Assessment).count(),
            db.session.query(Child).count(), db.session.query(Clock).count()) == counts


def test_an_imported_row_is_checked_against_the_existing_child(app, manager, make_user, actor_for):
    from datetime import date

    from triage.services import children

    # Row 4 is Freddie Forster, 226285, born 02/11/2023; the service knows 226285 as born a day later.
    children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Freddie", "last_name": "Forster", "sex": "male", "date_of_birth": date(2023, 11, 3),
        "council_child_id": "226285"})
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    row = next(r for r in report.rows if r.row_number == 4)
    assert row.status == "rejected" and "different date of birth" in row.messages[0]
    assert "03/11/2023" not in row.messages[0]  # an importer may not be allowed to read child records
    assert db.session.query(Referral).join(Child).filter(Child.council_child_id == "226285").count() == 0


def test_a_late_completion_is_recorded_with_the_tracker_as_its_reason(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    late = db.session.query(Assessment).filter(Assessment.authorised_on > Assessment.due_date).all()
    assert late and all("imported from the tracker" in a.late_reason for a in late)


def test_a_file_that_is_not_a_tracker_is_refused_naming_the_file(app, manager):
    with pytest.raises(Invalid) as refused:
        tracker_import.import_tracker(manager, NOW, b"name,age\nA,3\n", "people.csv")
    assert "file" in refused.value.errors


def test_only_managers_and_administrators_import(app, make_user, actor_for):
    with pytest.raises(Forbidden):
        tracker_import.import_tracker(actor_for(make_user("practitioner")), NOW, CSV.read_bytes(), CSV.name)


@freeze_time(NOW)  # the command reads the wall clock; what is "future" in the sample depends on it
def test_the_command_line_import_reports_row_by_row_and_a_dry_run_writes_nothing(app):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["triage", "import-tracker", str(CSV), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "row    13  rejected" in dry.output and "Dry run, nothing written: 66 imported" in dry.output
    assert db.session.query(Referral).count() == 0
    done = runner.invoke(args=["triage", "import-tracker", str(XLSX)])
    assert done.exit_code == 0 and "Done: 66 imported" in done.output
    assert db.session.query(Referral).count() == 66
    missing = runner.invoke(args=["triage", "import-tracker", "/nonexistent.csv"])
    assert missing.exit_code != 0 and "does not exist" in missing.output


@freeze_time(NOW)
def test_the_upload_page_checks_then_imports(app, client, login, make_user):
    from tests.conftest import csrf_token_from

    login(make_user("manager"))
    page = client.get("/import/tracker")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    empty = client.post("/import/tracker", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a file" in empty.get_data(as_text=True)
    with open(CSV, "rb") as handle:
        checked = client.post("/import/tracker", data={"csrf_token": token, "dry_run": "y",
                                                       "file": (handle, "tracker.csv")},
                              content_type="multipart/form-data")
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "nothing has been written" in text and "66 imported" in text
    assert db.session.query(Referral).count() == 0
    bad = client.post("/import/tracker", data={"csrf_token": token, "file": (__import__("io").BytesIO(b"x,y\n1,2\n"), "x.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "tracker" in bad.get_data(as_text=True)


def test_only_managers_and_administrators_see_the_upload_page(app, client, login, make_user):
    login(make_user("practitioner"))
    assert client.get("/import/tracker").status_code == 403
