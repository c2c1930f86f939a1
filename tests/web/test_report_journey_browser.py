"""From the morning report to a child's whole story in two clicks, in a real browser: a listed
case, then its child, whose page shows the chronology."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.browser
def test_from_the_morning_report_a_manager_reaches_each_listed_case_its_child_and_the_childs_story_in_two_clicks(
        live_server, browser, council, make_user):
    from playwright.sync_api import expect

    from triage.clock import utcnow
    from triage.services.report import build as morning_report

    morning_report.build_on_demand(council["manager"], utcnow())
    make_user("manager", username="mo.manager")
    referral = council["a_referral"]
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/reports/morning")
        listed = page.get_by_role("region", name="Allocated cases").locator('a[href^="/cases/"]')
        expect(listed).to_have_count(1)  # Ava's case is the only open allocated one
        names = listed.all_inner_texts()

        for index, name in enumerate(names):
            if index:
                page.goto(f"{live_server}/reports/morning")
            page.get_by_role("region", name="Allocated cases").locator('a[href^="/cases/"]').nth(index).click()
            expect(page).to_have_url(f"{live_server}/cases/{referral.id}")  # click one: the case
            expect(page.get_by_role("heading", level=1)).to_have_text(name)

            page.locator(".govuk-summary-list").get_by_role("link", name=name).click()  # click two: the child
            expect(page).to_have_url(f"{live_server}/children/{referral.child_id}")
            expect(page.get_by_role("heading", name="Chronology")).to_be_visible()
            story = page.locator("table.triage-chronology")
            expect(story.get_by_role("link", name=f"Referral {referral.id}").first).to_be_visible()
    finally:
        page.close()
