"""A manager opens this morning's report in a real browser, filters it by team and downloads the workbook."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.browser
def test_a_manager_opens_this_mornings_report_filters_by_team_and_downloads_the_workbook(
        live_server, browser, council, make_user, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from triage.clock import utcnow
    from triage.services.reference import ensure_team
    from triage.services.report import build as morning_report

    ensure_team("14+ team")
    morning_report.build_on_demand(council["manager"], utcnow())
    make_user("manager", username="mo.manager")
    page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Morning report").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Morning report")
        cases = page.locator("#allocated-cases + p + div table")
        expect(cases).to_contain_text("Ava Test")

        page.get_by_label("Team").select_option(label="14+ team")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.get_by_text("No open allocated cases.")).to_be_visible()
        page.get_by_label("Team").select_option(label="Front Door assessment North")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("#allocated-cases + p + div table")).to_contain_text("Ava Test")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download the Excel workbook").click()
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)
        page.screenshot(path="/tmp/triage-report.png", full_page=True)
    finally:
        page.close()
    book = load_workbook(saved)
    assert "Allocated cases" in book.sheetnames
    assert [c.value for c in book["Allocated cases"]["B"]][1:] == ["Ava Test"]


@pytest.mark.browser
def test_on_a_phone_the_report_scrolls_only_inside_its_tables_and_a_row_leads_to_the_case(
        live_server, browser, council, make_user):
    from playwright.sync_api import expect

    from triage.clock import utcnow
    from triage.services.report import build as morning_report

    morning_report.build_on_demand(council["manager"], utcnow())
    make_user("manager", username="mo.manager")
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/reports/morning")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Morning report")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        cases = page.get_by_role("region", name="Allocated cases")
        assert cases.evaluate("e => e.scrollWidth > e.clientWidth")  # the wide table scrolls in its box
        cases.get_by_role("link", name="Ava Test").click()
        expect(page).to_have_url(f"{live_server}/cases/{council['a_referral'].id}")
    finally:
        page.close()


@pytest.mark.browser
def test_printed_the_report_keeps_its_tables_whole_and_drops_the_controls(live_server, browser, council, make_user,
                                                                          app):
    from triage.clock import utcnow
    from triage.services.report import build as morning_report

    morning_report.build_on_demand(council["manager"], utcnow())
    make_user("manager", username="mo.manager")
    app.config["REPORT_PAGE_SIZE"] = 1  # two needs-action pages and more, so there is paging to leave out
    page = browser.new_page(viewport={"width": 794, "height": 1123})
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/reports/morning")
        assert page.get_by_role("navigation", name="Pagination").count() >= 1
        page.emulate_media(media="print")
        assert not page.get_by_role("button", name="Apply filters").is_visible()
        assert not page.get_by_role("link", name="Download the Excel workbook").is_visible()
        assert all(not nav.is_visible() for nav in page.get_by_role("navigation", name="Pagination").all())
        regions = page.locator(".triage-table-scroll")
        assert regions.count() >= 5
        assert set(regions.evaluate_all("all => all.map(e => getComputedStyle(e).overflowX)")) == {"visible"}
    finally:
        page.close()
        app.config.pop("REPORT_PAGE_SIZE")
