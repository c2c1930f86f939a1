"""The Statutory returns page: downloads, the DfE's findings, measures beside England."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import cin_validator.cin_validator  # noqa: F401  (pandas must load before freezegun patches datetime)
import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select, update

from triage.demo import seed_demo
from triage.extensions import db
from triage.models import AuditEvent, Child, Referral
from triage.services import census_check


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def demo(app, now):
    seed_demo(now, children=80, echo=lambda *_: None)


@pytest.mark.parametrize("role", ["era", "practitioner", "partner"])
def test_only_performance_officers_managers_and_administrators_reach_the_returns(client, login, make_user, role):
    login(make_user(role))

    assert client.get("/returns").status_code == 403
    assert client.get("/returns/cin-census.xml?year=2027").status_code == 403
    assert client.get("/returns/annex-a.xlsx").status_code == 403


def test_the_demo_councils_census_shows_no_findings_and_downloads_with_its_header(client, login, make_user, demo,
                                                                                   now):
    officer = make_user("performance")
    with freeze_time(now):
        login(officer)
        page = client.get("/returns?year=2027&check=1")
        download = client.get("/returns/cin-census.xml?year=2027")

    assert page.status_code == 200, text_of(page)
    assert 'id="census-clean"' in text_of(page) and "0 errors" in text_of(page)
    assert "Beside England" in text_of(page) and "22.6%" in text_of(page)
    assert download.status_code == 200 and download.mimetype == "application/xml"
    assert 'filename="cin-census-2027.xml"' in download.headers["Content-Disposition"]
    root = ET.fromstring(download.data)
    assert root.findtext("Header/Source/LEA") == "001" and root.find("Children/Child") is not None
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "return")).all()
    assert len(exports) == 2 and {e.user_id for e in exports} == {officer.id}


def test_done_when_an_officer_on_the_make_run_demo_gets_both_returns_from_the_page_and_no_findings(
        app, client, login, make_user, now):
    """What the returns must do, as a user would do it: the demo council `make run` seeds (its default
    size), the page's own links and forms with their defaults (the current year, today's date)."""
    import re
    from html import unescape

    from triage.demo import DEFAULT_CHILDREN

    seed_demo(now, children=DEFAULT_CHILDREN, echo=lambda *_: None)
    with freeze_time(now):
        login(make_user("performance"))
        page = text_of(client.get("/returns"))
        census_link = unescape(re.search(r'href="([^"]+)" id="download-census"', page).group(1))
        year = re.search(r'id="year" name="year" [^>]*value="(\d+)"', page).group(1)
        checked = text_of(client.get(f"/returns?year={year}&check=1"))
        census = client.get(census_link)
        as_of = re.search(r'id="as_of" name="as_of" type="text" value="([^"]+)"', page).group(1)
        annex = client.get(f"/returns/annex-a.xlsx?as_of={as_of}&contact_months=6&months=12")

    assert year == "2027" and census_link == "/returns/cin-census.xml?year=2027"  # 27 Nov 2026: the 2026-27 year
    assert 'id="census-clean"' in checked and "<strong>0 errors</strong>" in checked
    assert census.status_code == 200 and ET.fromstring(census.data).findtext("Header/CollectionDetails/Year") == year
    # The file downloaded is the file checked: the DfE's rules find nothing in it either.
    found = census_check.errors_that_matter(census_check.check_census(io.BytesIO(census.data), 2027, None,
                                                                      now.date()))
    assert found == [], [(f.rule, f.la_child_id, f.field) for f in found]
    assert annex.status_code == 200
    book = load_workbook(io.BytesIO(annex.data))
    rows = {sheet.title: sheet.max_row - 1 for sheet in book}
    assert len(rows) == 4 and all(n > 0 for n in rows.values()), rows


def test_a_finding_links_to_the_record_to_fix(client, login, make_user, demo, now):
    child_id, la_id = db.session.execute(select(Child.id, Child.council_child_id)
                                         .join(Referral, Referral.child_id == Child.id)
                                         .order_by(Referral.id).limit(1)).one()
    db.session.execute(update(Child).where(Child.id == child_id).values(disabilities="NONE,AUT"))
    db.session.commit()
    with freeze_time(now):
        login(make_user("manager"))
        page = text_of(client.get("/returns?year=2027&check=1"))

    assert "1 error" in page and "8790" in page
    assert f'href="/children/{child_id}">{la_id}</a>' in page


def test_dates_of_birth_to_confirm_are_listed_and_one_not_known_is_an_error_linking_to_the_child(
        client, login, make_user, demo, now):
    first, second = db.session.execute(select(Child.id, Child.council_child_id).join(Referral, Referral.child_id == Child.id)
                                       .where(Referral.referral_date >= date(2026, 4, 1))
                                       .group_by(Child.id, Child.council_child_id).order_by(Child.id).limit(2)).all()
    db.session.execute(update(Child).where(Child.id == first.id).values(birth_date_status="approximate"))
    db.session.execute(update(Child).where(Child.id == second.id).values(birth_date_status="not_known",
                                                                          date_of_birth=None))
    db.session.commit()
    with freeze_time(now):
        login(make_user("performance"))
        plain = text_of(client.get("/returns?year=2027"))
        checked = text_of(client.get("/returns?year=2027&check=1"))

    listed = plain.split('id="birth-dates-to-confirm"')[1].split("</ul>")[0]
    assert f'href="/children/{first.id}">{first.council_child_id}</a>' in listed and "To confirm" in listed
    assert f'href="/children/{second.id}">{second.council_child_id}</a>' in listed and "To complete" in listed
    assert "<strong>1 error</strong>" in checked and "8525Q" in checked and "PersonBirthDate" in checked
    assert 'id="census-clean"' not in checked


def test_without_the_validator_the_page_says_how_to_install_it(client, login, make_user, monkeypatch, now):
    monkeypatch.setattr(census_check, "validator_available", lambda: False)
    with freeze_time(now):
        login(make_user("admin"))
        page = text_of(client.get("/returns?check=1"))

    assert 'id="validator-missing"' in page and "pip install csc-validator-be-cin" in page


def test_annex_a_downloads_as_a_workbook_with_the_windows_asked_for(client, login, make_user, demo, now):
    with freeze_time(now):
        login(make_user("performance"))
        response = client.get("/returns/annex-a.xlsx?as_of=2026-11-26&contact_months=1&months=3")
        bad = client.get("/returns/annex-a.xlsx?as_of=2099-01-01")

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    dates = [row[5] for row in book["List 1 Contacts"].iter_rows(min_row=2, values_only=True)]
    assert dates and min(dates).date().isoformat() >= "2026-10-26"
    assert bad.status_code in (400, 422)


def test_a_workbook_from_the_page_is_audited_with_who_produced_it_and_when(client, login, make_user, demo, now):
    manager = make_user("manager")
    with freeze_time(now):
        login(manager)
        assert client.get("/returns/annex-a.xlsx?as_of=2026-11-26").status_code == 200

    (produced,) = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "return")).all()
    assert (produced.user_id, produced.role, produced.channel) == (manager.id, "manager", "page")
    assert produced.at == now and produced.detail.startswith("Annex A as of 2026-11-26")


def test_the_morning_report_shows_the_councils_measures_beside_englands(client, login, make_user, actor_for, demo,
                                                                         now):
    from triage.services.report import build as morning_report

    manager = make_user("manager")
    with freeze_time(now):
        morning_report.build_on_demand(actor_for(manager), now)
        login(manager)
        page = text_of(client.get("/reports/morning"))

    assert 'id="national-measures"' in page
    assert "Assessments authorised within 45 working days" in page and "85.7%" in page
    assert "counts the start day as day 1" in page
