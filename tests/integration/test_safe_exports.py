"""A child named like a spreadsheet formula appears as plain text in every export (CSV, XLSX, DOCX)."""
import csv
import io
import zipfile
from datetime import UTC, date, datetime

from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import update

from tests.support.report_council import NOW
from triage.exports.safe_cells import FORMULA_STARTS
from triage.extensions import db
from triage.models import Child
from triage.services import contacts, meetings

HOSTILE = '=HYPERLINK("http://example.invalid","x")'


def _name_the_child(first_name: str, new_name: str) -> None:
    db.session.execute(update(Child).where(Child.first_name == first_name).values(first_name=new_name))
    db.session.commit()


def test_the_morning_report_csv_and_workbook_write_a_formula_named_child_as_text(
        app, client, login, make_user, council):
    from triage.services.report import build as morning_report
    from triage.services.report import exports as report_exports

    _name_the_child("Ava", HOSTILE)
    _name_the_child("Bea", "+Bea")
    morning_report.build_scheduled_report(NOW)
    login(make_user("manager"))

    seen_in_csv = []
    for section in report_exports.SECTIONS:
        response = client.get(f"/reports/morning.csv?date=2026-11-27&section={section}")
        assert response.status_code == 200
        cells = [c for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], section
        seen_in_csv += [c for c in cells if "HYPERLINK" in c or "Bea" in c]
    assert f"'{HOSTILE} Test" in seen_in_csv and "'+Bea Test" in seen_in_csv

    response = client.get("/reports/morning.xlsx?date=2026-11-27")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in hostile} == {f"{HOSTILE} Test"}
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))


def test_the_minutes_document_shows_a_formula_named_child_as_plain_text_with_no_field_codes(
        app, make_user, actor_for):
    from triage.services.meetings.document import minutes_document

    utc = UTC
    chair = actor_for(make_user("practitioner"))
    police = actor_for(make_user("partner", agency="police"))
    meeting = meetings.plan_meeting(chair, datetime(2026, 11, 26, 8, tzinfo=utc), "mash_daily", date(2026, 11, 27))
    contacts.record_contact(police, datetime(2026, 11, 26, 10, tzinfo=utc), {
        "channel": "police_notification", "source_code": "6", "consent": "not_required",
        "concern": "@SUM(1,1) incident", "police_incident_reference": "INC-0001", "dash_risk": "medium",
        "children": [{"child": {"first_name": HOSTILE, "last_name": "Example", "sex": "female",
                                "date_of_birth": date(2016, 1, 2)}, "confirmed_new": True}]})
    meetings.start_meeting(chair, datetime(2026, 11, 27, 9, 30, tzinfo=utc), meeting.id)
    with freeze_time(datetime(2026, 11, 27, 9, 40, tzinfo=utc)):
        record = meetings.minutes(chair, datetime(2026, 11, 27, 9, 40, tzinfo=utc), meeting.id)
        body = minutes_document(record, "Demo Borough Council")

    from docx import Document
    document = Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{HOSTILE} Example" in text and "@SUM(1,1) incident" in text
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "fldSimple" not in xml and "instrText" not in xml and "fldChar" not in xml


def test_the_statutory_returns_write_formula_like_names_as_text(app, client, login, make_user, council):
    """Annex A carries team and worker names (the child's name is in neither return): a team named
    like a formula is a text cell with Excel's quote prefix; the census names no one and its XML
    escapes whatever text it holds."""
    import xml.etree.ElementTree as ET

    import cin_validator.cin_validator  # noqa: F401  (pandas must load before freezegun patches datetime)

    from triage.models import Team, User

    _name_the_child("Ava", HOSTILE)
    db.session.execute(update(Team).where(Team.id == council["team"].id).values(name=HOSTILE))
    db.session.execute(update(User).where(User.username == "sw.north1").values(display_name="+Worker"))
    db.session.commit()
    with freeze_time(NOW):
        login(make_user("performance"))
        annex = client.get("/returns/annex-a.xlsx?as_of=2026-11-27")
        census = client.get("/returns/cin-census.xml?year=2027")

    assert annex.status_code == 200
    book = load_workbook(io.BytesIO(annex.data))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
    assert {c.value for c in hostile} == {HOSTILE, "+Worker"}
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    with zipfile.ZipFile(io.BytesIO(annex.data)) as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))

    assert census.status_code == 200
    root = ET.fromstring(census.data)  # well formed
    assert root.find("Children/Child") is not None and b"HYPERLINK" not in census.data
