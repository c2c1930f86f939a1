"""The layout in a real browser: the manager's menu on one line on a desktop, the header search's
quick find, and at phone width only a wide table scrolls sideways, never the page."""
from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import PASSWORD
from tests.web.conftest import VALID_NHS


def _sign_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_the_managers_menu_fits_one_line_and_the_header_search_finds_a_child(
        live_server, browser, make_user, make_child):
    from playwright.sync_api import expect

    make_user("manager", username="mo.manager")
    child = make_child("Ava", "Gibson", date(2016, 3, 2), nhs_number=VALID_NHS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        _sign_in(page, live_server, "mo.manager")
        tops = page.eval_on_selector_all(".govuk-service-navigation__item",
                                         "items => items.map(i => Math.round(i.getBoundingClientRect().top))")
        assert len(tops) >= 7 and len(set(tops)) == 1, tops

        page.get_by_role("search").get_by_label("Search by name, child id, NHS number, contact or referral number") \
            .fill("943 476 5919")
        page.get_by_role("search").get_by_role("button", name="Find a record").click()
        expect(page).to_have_url(f"{live_server}/children/{child.id}")
    finally:
        page.close()


@pytest.mark.browser
def test_at_phone_width_a_wide_table_scrolls_in_its_box_and_the_page_does_not(
        live_server, browser, make_user, make_child):
    make_user("era", username="ellen.era")
    for n in range(3):
        make_child("Bartholomew-Alexander", f"Fitzwilliam-Montgomery{n}", date(2015, 1, 1 + n))
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        _sign_in(page, live_server, "ellen.era")
        page.goto(f"{live_server}/search?q=Bartholomew")
        widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
            box: document.querySelector('.app-table-scroll').clientWidth,
            table: document.querySelector('.app-table-scroll table').scrollWidth})""")
        assert widths["page"] <= 375, widths
        assert widths["table"] > widths["box"], widths  # the table is wider than the phone: its box scrolls
    finally:
        page.close()
