"""Uploading a police force's file of notifications: each row logged through the batch intake,
answered row by row, a second upload logging nothing twice, and every file problem a clear 400
with nothing written. On both databases."""
from __future__ import annotations

import csv
import html
import io
import logging
import re
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_token_from
from triage.domain.police_notices import HEADERS
from triage.extensions import db
from triage.models import AuditEvent, Child, Contact, ContactChild
from triage.services import contacts
from triage.services.errors import Forbidden

COLUMNS = ["notice_reference", "received", "concern", "dash_risk", "officer_name", "child_first_name",
           "child_last_name", "child_date_of_birth", "child_sex", "child_nhs_number"]
FIRST_NAMES = ["Ava", "Ben", "Cara", "Dev", "Ela", "Finn", "Gia", "Hal", "Ivy", "Jon"]


def night(broken: dict[int, tuple[str, str]] | None = None, count: int = 10) -> list[dict]:
    """A night's notifications, one child each; `broken` replaces a row's cell: {row index: (column, value)}."""
    rows = []
    for i in range(count):
        rows.append({"notice_reference": f"PPN-2611-{i:03d}", "received": f"26/11/2026 {i % 24:02d}:15",
                     "concern": "Domestic incident at the home; the child was present.", "dash_risk": "medium",
                     "officer_name": "PC Rowe", "child_first_name": FIRST_NAMES[i % 10], "child_last_name": f"Kerr{i}",
                     "child_date_of_birth": f"{(i % 27) + 1:02d}/03/2016", "child_sex": "F" if i % 2 else "M",
                     "child_nhs_number": ""})
    for index, (column, value) in (broken or {}).items():
        rows[index][column] = value
    return rows


def as_csv(rows: list[dict], columns: list[str] = COLUMNS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[row.get(c, "") for c in columns] for row in rows])
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, filename: str = "ppn-night.csv", token: str | None = None):
    if token is None:
        token = csrf_token_from(client.get("/contacts/upload").get_data(as_text=True))
    return client.post("/contacts/upload", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def counts(text: str) -> tuple[int, int, int]:
    block = re.search(r'id="upload-counts">(.*?)</ul>', text, re.S)[1]
    return tuple(int(n) for n in re.findall(r"<strong>(\d+)</strong>", block))


def result_rows(text: str) -> dict[int, str]:
    """Each result row's text by its row number."""
    table = text[text.index("Row by row"):]
    table = table[table.index("<tbody"):table.index("</tbody>")]
    found = {}
    for cells in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S):
        plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells)).strip()
        found[int(plain.split(" ")[0])] = plain
    return found


def written() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Contact.id))), db.session.scalar(select(func.count(Child.id))),
            db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity == "contact",
                                                                      AuditEvent.action == "create")))


@freeze_time(NOW)
def test_ten_rows_two_malformed_log_eight_and_a_second_upload_logs_nothing_new(app, client, login, make_user,
                                                                             caplog):
    caplog.set_level(logging.DEBUG)
    login(make_user("practitioner"))
    data = as_csv(night({3: ("child_date_of_birth", "31/02/2016"), 7: ("child_sex", "X")}))
    first = upload(client, data)
    text = first.get_data(as_text=True)
    assert first.status_code == 200, text[:2000]
    assert counts(text) == (8, 0, 2)
    rows = result_rows(text)
    assert sorted(rows) == list(range(2, 12))  # spreadsheet rows: the header is row 1
    assert "Not logged" in rows[5] and "child_date_of_birth" in rows[5] and "real date" in rows[5]
    assert "Not logged" in rows[9] and "child_sex" in rows[9]
    logged = [n for n in rows if n not in (5, 9)]
    assert all("Logged" in rows[n] and "Not logged" not in rows[n] for n in logged)
    assert written() == (8, 8, 8)  # contacts, children, and each contact's creation audited per child
    ids = {int(re.search(r"Contact (\d+)", rows[n])[1]) for n in logged}
    assert len(ids) == 8 and all(f'href="/contacts/{i}"' in text for i in ids)
    contact = db.session.scalar(select(Contact).where(Contact.police_incident_reference == "PPN-2611-000"))
    assert (contact.channel, contact.source_code, contact.referrer_name) == ("police_notification", "6", "PC Rowe")
    assert contact.received_at == datetime(2026, 11, 26, 0, 15, tzinfo=UTC)  # London in November is UTC
    # Nothing about the notices reaches the logs: no names, no concern, no reference.
    logged_text = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(s in logged_text for s in ("Kerr", "Domestic incident", "PPN-2611"))

    # The same file again, by another member of the Front Door: the notice references are the keys.
    login(make_user("manager"))
    again = upload(client, data)
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and counts(text) == (0, 8, 2)
    rows = result_rows(text)
    assert all("Already logged" in rows[n] for n in logged)
    assert {int(re.search(r"Contact (\d+)", rows[n])[1]) for n in logged} == ids
    assert written() == (8, 8, 8)

    # Corrected, the two rows are logged; a logged notice sent again with other details is refused.
    fixed = as_csv(night({0: ("concern", "Another incident entirely.")}))
    third = upload(client, fixed)
    text = third.get_data(as_text=True)
    assert counts(text) == (2, 7, 1)
    rows = result_rows(text)
    assert "Not logged" in rows[2] and "notice_reference" in rows[2] and "different details" in rows[2]
    assert written() == (10, 10, 10)


@freeze_time(NOW)
def test_rows_sharing_a_reference_are_one_notice_and_a_workbook_is_read_too(app, client, login, make_user):
    login(make_user("era"))
    book = Workbook()
    sheet = book.active
    sheet.append(["Notice reference", "Received", "Concern", "Child first name", "Child last name",
                  "Child date of birth", "Child sex", "Child NHS number", "Child approximate age"])
    sheet.append(["PPN-77", datetime(2026, 11, 26, 22, 5), "Missing overnight; found at 04:00.", "Lena", "Moss",
                  datetime(2012, 5, 1), "female", 9434765919, None])
    sheet.append(["PPN-77", None, None, "Theo", "Moss", "not known", "male", None, 4])
    sheet.append(["PPN-78", None, "Concern for a baby.", "Ada", "Moss", None, "F", None, None])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, out.getvalue(), "overnight.xlsx")
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text[:2000]
    assert counts(text) == (1, 0, 1)
    rows = result_rows(text)
    assert "Logged" in rows[2] and "Logged" in rows[3]
    assert "child_date_of_birth" in rows[4] and "Enter a date of birth" in rows[4]
    contact = db.session.scalar(select(Contact))
    assert contact.received_at == datetime(2026, 11, 26, 22, 5, tzinfo=UTC)
    children = db.session.scalars(select(Child).join(ContactChild, ContactChild.child_id == Child.id)
                                  .order_by(ContactChild.id)).all()
    assert [(c.first_name, c.nhs_number, c.birth_date_status) for c in children] == [
        ("Lena", "9434765919", "known"), ("Theo", None, "approximate")]


@freeze_time(NOW)
def test_a_windows_1252_file_and_a_byte_order_mark_are_read_as_the_force_wrote_them(app, client, login, make_user):
    login(make_user("practitioner"))
    rows = night(count=2)
    rows[0]["child_first_name"], rows[0]["child_last_name"] = "Siân", "O’Brien"
    windows = as_csv(rows, encoding="cp1252")
    assert b"\x92" in windows  # the curly apostrophe as Excel on a UK PC writes it
    assert counts(upload(client, windows).get_data(as_text=True)) == (2, 0, 0)
    assert db.session.scalar(select(Child).where(Child.first_name == "Siân")).last_name == "O’Brien"
    rows = night(count=3)[2:]
    marked = b"\xef\xbb\xbf" + as_csv(rows)
    assert counts(upload(client, marked).get_data(as_text=True)) == (1, 0, 0)
    assert written()[0] == 3


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"x" * (5 * 1024 * 1024 + 1), "big.csv", "larger than 5 MB"),
    (b"%PDF-1.4 a notice", "notices.pdf", "not a file type"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.csv", "does not look like a CSV file"),
    (b"", "empty.csv", "empty.csv is empty"),
    (b"\n\n", "blank.csv", "is empty"),
    (",".join(HEADERS).encode() + b"\n", "header-only.csv", "no notifications under its header row"),
    (as_csv(night(count=2), [c for c in COLUMNS if c != "child_sex"]), "no-sex.csv", "no 'child_sex' column"),
    (as_csv(night(count=2), [*COLUMNS, "Officer rank"]), "extra.csv", "'Officer rank' is not a column"),
    (as_csv(night(count=501)), "too-many.csv", "at most 500"),
])
@freeze_time(NOW)
def test_a_file_that_cannot_be_used_is_refused_whole_with_the_problem_named(app, client, login, make_user,
                                                                          data, filename, message):
    login(make_user("practitioner"))
    response = upload(client, data, filename)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert message in text and "There is a problem" in text and 'href="#file"' in text
    assert written() == (0, 0, 0)


@freeze_time(NOW)
def test_the_upload_needs_the_forms_csrf_token(app, client, login, make_user):
    login(make_user("practitioner"))
    assert upload(client, as_csv(night(count=1)), token="forged").status_code == 400
    response = client.post("/contacts/upload", data={"file": (io.BytesIO(as_csv(night(count=1))), "n.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and written() == (0, 0, 0)


@pytest.mark.parametrize("role", ["partner", "performance", "admin"])
def test_only_the_people_who_log_contacts_may_upload(app, client, login, make_user, role):
    login(make_user(role))
    assert client.get("/contacts/upload").status_code == 403
    assert client.get("/contacts/upload/template.csv").status_code == 403
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert upload(client, as_csv(night(count=1)), token=token).status_code == 403
    assert "/contacts/upload" not in client.get("/").get_data(as_text=True)
    assert written() == (0, 0, 0)


@pytest.mark.parametrize("role", ["era", "practitioner", "manager"])
def test_the_upload_is_linked_from_home_the_queue_and_the_intake_page(app, client, login, make_user, role):
    login(make_user(role))
    for page in ("/", "/queue", "/contacts/new"):
        assert 'href="/contacts/upload"' in client.get(page).get_data(as_text=True), page
    assert client.get("/contacts/upload").status_code == 200


def test_the_template_is_the_header_row_written_as_text(app, client, login, make_user):
    login(make_user("practitioner"))
    response = client.get("/contacts/upload/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text))) == [HEADERS]
    assert text.startswith('"notice_reference",')  # through the exports' formula-safe writer: text quoted
    # The template read back by the upload: every column known, no notifications yet.
    refused = upload(client, response.data, "police-notifications-template.csv")
    assert refused.status_code == 400 and "no notifications under its header row" in refused.get_data(as_text=True)


def test_the_batch_service_takes_an_upload_only_from_staff_and_a_feed_only_from_partners(
        app, make_user, actor_for, now):
    item = contacts.BatchItem("ppn:1", None, {"file": ["unreadable"]})
    with pytest.raises(Forbidden):
        contacts.receive_batch(actor_for(make_user("partner")), now, [item], uploaded=True)
    with pytest.raises(Forbidden):
        contacts.receive_batch(actor_for(make_user("practitioner")), now, [item])
    assert contacts.receive_batch(actor_for(make_user("practitioner")), now, [item], uploaded=True).refused == 1


@freeze_time(NOW)
def test_a_file_of_500_rows_is_taken_whole_five_malformed_refused_and_sent_again_it_logs_nothing(
        app, client, login, make_user):
    login(make_user("practitioner"))
    rows = night({i: ("child_sex", "X") for i in (3, 100, 200, 300, 499)}, count=500)
    data = as_csv(rows)
    assert counts(upload(client, data).get_data(as_text=True)) == (495, 0, 5)
    assert counts(upload(client, data).get_data(as_text=True)) == (0, 495, 5)
    assert written() == (495, 495, 495)
