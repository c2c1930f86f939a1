"""Uploading a force's file of police notifications in a real browser: the page and its results
pass axe-core at WCAG 2.2 AA, and each row's answer is there to read and follow."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.web.test_accessibility_browser import _violations
from triage.clock import to_london, utcnow

RESULTS_SCREENSHOT = "/tmp/triage-upload-results.png"


@pytest.mark.browser
def test_a_night_of_notifications_is_uploaded_and_answered_row_by_row(live_server, browser, make_user, tmp_path):
    from playwright.sync_api import expect

    make_user("practitioner", username="pat.practitioner")
    sent = to_london(utcnow()).strftime("%d/%m/%Y %H:%M")
    night = tmp_path / "overnight.csv"
    night.write_text(
        "notice_reference,received,concern,child_first_name,child_last_name,child_date_of_birth,child_sex\n"
        f"PPN-1,{sent},Domestic incident; the children were present.,Maya,Okafor,02/03/2017,F\n"
        f"PPN-1,,,Leo,Okafor,14/09/2020,M\n"
        f"PPN-2,{sent},Missing overnight.,Sam,Reid,31/02/2011,M\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("Username").fill("pat.practitioner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/queue")
    page.get_by_role("link", name="upload a force's file of police notifications").click()
    expect(page.get_by_role("heading", name="Upload police notifications")).to_be_visible()
    assert _violations(page) == []

    page.get_by_label("The force's file of notifications").set_input_files(str(night))
    page.get_by_role("button", name="Upload and log the notifications").click()
    expect(page.locator("#upload-counts")).to_be_visible()
    counts = page.locator("#upload-counts").inner_text()
    assert "1 notification logged" in counts and "1 not logged" in counts
    rows = page.get_by_role("table", name="Row by row").locator("tbody tr")
    assert rows.count() == 3
    assert "child_date_of_birth" in rows.nth(2).inner_text()
    page.screenshot(path=RESULTS_SCREENSHOT, full_page=True)
    assert _violations(page) == []
    rows.nth(0).get_by_role("link").click()
    expect(page.get_by_text("Leo Okafor").first).to_be_visible()
    assert "Maya Okafor" in page.content()
