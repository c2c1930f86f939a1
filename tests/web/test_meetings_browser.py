"""A short triage meeting, end to end in a real browser: the chair and a police representative,
each in their own browser context, two items, no page reloads on the partner's side."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from triage.clock import local_date, utcnow
from triage.extensions import db
from triage.models import Clock, Contact
from triage.services import contacts, meetings

SCREENSHOT = "/tmp/triage-meeting-chair.png"
PARTNER_SCREENSHOT = "/tmp/triage-meeting-partner.png"
ITEM_SCREENSHOT = "/tmp/triage-meeting-chair-item.png"
WAIT = 15_000  # ms: several polls


def notification(first_name: str, n: int) -> dict:
    return {"channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": f"Police called to a domestic incident; {first_name} was in the house.",
            "police_incident_reference": f"INC-B{n}", "dash_risk": "medium",
            "children": [{"child": {"first_name": first_name, "last_name": "Browser", "sex": "female",
                                    "date_of_birth": date(2016, 5, n)}, "confirmed_new": True}]}


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_a_chair_and_a_police_representative_run_a_two_item_meeting_live(live_server, browser, make_user, actor_for):
    from playwright.sync_api import expect

    chair_user = make_user("manager", "chair.manager")
    police_user = make_user("partner", "pc.jones", agency="police")
    chair, police = actor_for(chair_user), actor_for(police_user)
    now = utcnow()
    yesterday = meetings.plan_meeting(chair, now - timedelta(days=1), "mash_daily", local_date(now - timedelta(days=1)))
    meetings.start_meeting(chair, now - timedelta(days=1), yesterday.id)
    first, _ = contacts.record_contact(police, now - timedelta(hours=3), notification("Amara", 1))
    second, _ = contacts.record_contact(police, now - timedelta(hours=2), notification("Bella", 2))
    contacts.set_rag(chair, now - timedelta(hours=1), second.id, "red", "Weapon mentioned")
    today = meetings.plan_meeting(chair, now, "mash_daily", local_date(now))
    meeting_url = f"{live_server}/meetings/{today.id}"

    chair_context = browser.new_context(viewport={"width": 1200, "height": 1000})
    partner_context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        desk = chair_context.new_page()
        sign_in(desk, live_server, "chair.manager")
        desk.goto(meeting_url)
        expect(desk.get_by_role("heading", name="Agenda: 2 items")).to_be_visible()
        rows = desk.locator("table tbody tr")
        expect(rows.nth(0)).to_contain_text("Bella Browser")  # red first
        expect(rows.nth(1)).to_contain_text("Amara Browser")

        desk.get_by_text("Record someone attending").click()
        desk.get_by_label("Agency", exact=True).select_option("police")
        desk.get_by_label("Person", exact=True).select_option(str(police_user.id))
        desk.get_by_label("Virtual").check()
        desk.get_by_role("button", name="Record attendance").click()
        expect(desk.locator("#attendance-list")).to_contain_text("Police")
        desk.get_by_role("button", name="Start the meeting and freeze the agenda").click()
        expect(desk).to_have_url(re.compile(rf"/meetings/{today.id}/live#item-\d+$"))
        items = desk.evaluate("[...document.querySelectorAll('[data-item-panel]')].map(p => p.dataset.itemPanel)")
        assert len(items) == 2
        bella, amara = items
        expect(desk.locator("[data-position]")).to_have_text("Item 1 of 2")

        # The partner opens the meeting from their own screen and follows the chair.
        seat = partner_context.new_page()
        sign_in(seat, live_server, "pc.jones")
        seat.goto(f"{live_server}/meetings")
        seat.get_by_role("link", name="Daily MASH triage").click()
        expect(seat.locator(f'[data-item-panel="{bella}"]')).to_be_visible()
        expect(seat.locator(f'[data-item-panel="{amara}"]')).to_be_hidden()
        seat.evaluate("window.__sameDocument = true")

        # The chair steps on with the keyboard; the partner's screen follows.
        desk.locator("body").press("j")
        expect(desk.locator("[data-position]")).to_have_text("Item 2 of 2")
        expect(desk.locator(f'[data-item-panel="{amara}"]')).to_be_focused()
        expect(seat.locator(f'[data-item-panel="{amara}"]')).to_be_visible(timeout=WAIT)

        # The partner adds what the police hold; the chair sees it without reloading.
        panel = seat.locator(f'[data-item-panel="{amara}"]')
        panel.get_by_label("Add or update what your agency holds").fill("One previous domestic call-out, 2025.")
        panel.get_by_role("button", name="Save my agency's information").click()
        expect(panel.get_by_text("Information saved")).to_be_visible()
        expect(desk.locator(f'[data-item-panel="{amara}"] [data-agency="police"]')).to_contain_text(
            "One previous domestic call-out", timeout=WAIT)

        desk.screenshot(path=ITEM_SCREENSHOT, full_page=True)

        # The chair records what the meeting agreed and confirms it as the decision.
        for item_id, outcome, lead, rationale in ((amara, "early_help", "early_help", "Family accepts early help."),
                                                  (bella, "assessment", "childrens_social_care", "Weapon: assess.")):
            if desk.locator(f'[data-item-panel="{item_id}"]').is_hidden():
                desk.locator("body").press("k")
            box = desk.locator(f'[data-item-panel="{item_id}"]')
            expect(box).to_be_visible()
            box.get_by_label("Amber").check()
            box.get_by_label("Outcome").select_option(outcome)
            box.get_by_label("Lead agency").select_option(lead)
            box.get_by_label("Rationale").fill(rationale)
            box.get_by_role("button", name="Record the agreed outcome").click()
            box = desk.locator(f'[data-item-panel="{item_id}"]')
            expect(box.get_by_text("Outcome agreed")).to_be_visible()
            box.get_by_role("button", name="Confirm as the decision").click()
            expect(desk.locator(f'[data-item-panel="{item_id}"]').get_by_text(
                "Decision confirmed: the decision clock has stopped")).to_be_visible()

        expect(seat.locator(f'[data-nav-item="{amara}"] [data-item-state]')).to_have_text("Decided", timeout=WAIT)
        expect(seat.locator(f'[data-nav-item="{bella}"] [data-item-state]')).to_have_text("Decided", timeout=WAIT)
        expect(seat.locator(f'[data-item-panel="{bella}"]')).to_be_visible(timeout=WAIT)  # followed the chair back
        assert seat.evaluate("window.__sameDocument === true"), "the partner's page reloaded"
        assert "Record the agreed outcome" not in seat.content()

        desk.evaluate("document.fonts.ready")
        desk.screenshot(path=SCREENSHOT, full_page=False)
        seat.screenshot(path=PARTNER_SCREENSHOT, full_page=False)

        desk.get_by_role("button", name="Close the meeting").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Close the meeting?")  # asked first
        desk.get_by_role("button", name="Yes, close the meeting").click()
        expect(desk.get_by_role("heading", level=1)).to_contain_text("Minutes:")
        expect(desk.locator("main")).to_contain_text("One previous domestic call-out, 2025.")
        expect(seat.locator("[data-meeting-banner]")).to_contain_text("The meeting has closed", timeout=WAIT)
    finally:
        chair_context.close()
        partner_context.close()

    db.session.expire_all()
    for contact_id in (first.id, second.id):
        assert db.session.get(Contact, contact_id).state == "decided"
        clock = db.session.scalar(select(Clock).where(Clock.kind == "decision", Clock.contact_id == contact_id))
        assert clock.stopped_at is not None and clock.state == "met"
