"""A real browser (Debian's Chromium through Playwright) against the app on a live server."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

SCREENSHOT = "/tmp/triage-child.png"


@pytest.mark.browser
def test_a_practitioner_signs_in_finds_a_child_by_name_and_opens_the_record(
        live_server, browser, make_user, make_child):
    from playwright.sync_api import expect

    make_user("practitioner", username="pat.practitioner")
    make_child("Amira", "Hussain", nhs_number="9434765919")
    make_child("Amira", "Jones")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto(f"{live_server}/children")
        expect(page).to_have_url(f"{live_server}/login?next=/children")  # signed out: sent to sign in
        page.get_by_label("Username").fill("pat.practitioner")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
        page.get_by_label("Name", exact=True).fill("hussain")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
        expect(page.get_by_role("link", name="Amira Jones")).to_have_count(0)
        page.get_by_role("link", name="Amira Hussain").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Amira Hussain")
        nhs_row = page.locator(".govuk-summary-list__row", has_text="NHS number")
        expect(nhs_row.locator(".govuk-summary-list__value")).to_have_text("943 476 5919")
        expect(page.get_by_role("link", name="Edit")).to_be_visible()

        # GOV.UK Frontend's stylesheet and font really loaded (served from node_modules at /assets/)
        page.evaluate("document.fonts.ready")
        assert "GDS Transport" in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert page.evaluate("document.fonts.check('700 32px \"GDS Transport\"')")
        assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
        header_colour = page.evaluate(
            "getComputedStyle(document.querySelector('.govuk-generic-header')).backgroundColor")
        assert header_colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the blue header bar is styled
        page.screenshot(path=SCREENSHOT, full_page=True)
    finally:
        page.close()
