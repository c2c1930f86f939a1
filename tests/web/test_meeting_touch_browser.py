"""On a phone or tablet the chair's page shows no keyboard hints; with a mouse and keys it does.
The attendance form offers only the chosen agency's people."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.test_meetings_browser import notification, sign_in
from triage.clock import local_date, utcnow
from triage.services import contacts, meetings


@pytest.fixture
def open_meeting(make_user, actor_for):
    chair = actor_for(make_user("manager", "chair.touch"))
    police = actor_for(make_user("partner", "pc.touch", agency="police"))
    now = utcnow()
    contacts.record_contact(police, now - timedelta(hours=2), notification("Amara", 1))
    today = meetings.plan_meeting(chair, now - timedelta(minutes=5), "mash_daily", local_date(now))
    return today.id, chair, now


@pytest.mark.browser
def test_key_hints_show_with_a_keyboard_and_not_on_a_touch_screen(live_server, browser, open_meeting):
    from playwright.sync_api import expect

    meeting_id, chair, now = open_meeting
    meetings.start_meeting(chair, now, meeting_id)
    for options, visible in (({"viewport": {"width": 1200, "height": 900}}, True),
                             ({"viewport": {"width": 400, "height": 800}, "has_touch": True, "is_mobile": True}, False)):
        context = browser.new_context(**options)
        try:
            page = context.new_page()
            sign_in(page, live_server, "chair.touch")
            page.goto(f"{live_server}/meetings/{meeting_id}/live")
            expect(page.locator("[data-stepper]")).to_be_visible()
            hints = page.locator("[data-key-hints]")
            (expect(hints).to_be_visible if visible else expect(hints).to_be_hidden)()
        finally:
            context.close()


@pytest.mark.browser
def test_the_attendance_person_list_narrows_to_the_agency_chosen(live_server, browser, open_meeting):
    meeting_id, _, _ = open_meeting
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, live_server, "chair.touch")
        page.goto(f"{live_server}/meetings/{meeting_id}")
        page.get_by_text("Record someone attending").click()
        page.locator("#att-agency").select_option("police")
        offered = page.locator("#att-user_id option:not([hidden])").all_inner_texts()
        assert any("Police" in o for o in offered) and not any("Front Door manager" in o for o in offered)
        page.locator("#att-agency").select_option("childrens_social_care")
        offered = page.locator("#att-user_id option:not([hidden])").all_inner_texts()
        assert any("Front Door manager" in o for o in offered) and not any("(Police)" in o for o in offered)
    finally:
        context.close()
