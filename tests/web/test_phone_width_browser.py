"""At a phone's 375 px, the queue, the cases list and the morning report do not scroll sideways
as a whole: their wide tables scroll inside their own boxes."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

PHONE = {"width": 375, "height": 800}


@pytest.mark.browser
@pytest.mark.parametrize("path, table_in", [("/queue", "the queue"), ("/cases", "the cases list"),
                                            ("/reports/morning", "the morning report")])
def test_on_a_phone_the_page_never_scrolls_sideways(live_server, browser, council, make_user, path, table_in):
    from playwright.sync_api import expect

    from triage.clock import utcnow
    from triage.services.report import build as morning_report

    morning_report.build_on_demand(council["manager"], utcnow())
    make_user("manager", username="mo.manager")
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}{path}")
        expect(page.locator("table").first).to_be_visible()  # the page has its table, not an empty state
        width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= viewport, f"{table_in} is {width} px wide at {viewport} px"
        # ... because the table scrolls sideways in a box of its own
        assert page.locator("table").first.evaluate(
            "t => { for (let e = t.parentElement; e; e = e.parentElement) {"
            " if (getComputedStyle(e).overflowX === 'auto') return e !== document.documentElement; } return false; }")
    finally:
        page.close()
