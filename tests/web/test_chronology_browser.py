"""A manager follows a child's story in a real browser: the record, its chronology, a record in it."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import PASSWORD


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


@pytest.mark.browser
def test_a_manager_reads_a_childs_chronology_filters_it_and_opens_a_case_from_it(
        live_server, browser, make_user, actor_for):
    from playwright.sync_api import expect

    from triage.extensions import db
    from triage.models import ContactChild, Referral
    from triage.services import contacts

    manager = make_user("manager", username="mo.manager")
    era = actor_for(make_user("era"))
    contact, _ = contacts.record_contact(era, at(date(2026, 9, 1)), {
        "channel": "phone", "source_code": "3A", "concern": "GP worried about weight loss", "consent": "given",
        "consent_by": "Mother", "received_at": at(date(2026, 9, 1)), "children": [{"child": {
            "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
            "confirmed_new": True}]})
    contacts.record_decision(actor_for(manager), at(date(2026, 9, 1), 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    child_id = db.session.query(ContactChild).filter_by(contact_id=contact.id).one().child_id
    referral_id = db.session.query(Referral).filter_by(contact_id=contact.id).one().id
    contacts.record_contact(era, at(date(2026, 11, 2)), {
        "channel": "email", "source_code": "2A", "concern": "School worried about attendance", "consent": "given",
        "consent_by": "Mother", "received_at": at(date(2026, 11, 2)), "children": [{"child_id": child_id}]})

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("mo.manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        page.goto(f"{live_server}/children/{child_id}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ivy Moss")
        expect(page.get_by_role("heading", name="Chronology")).to_be_visible()
        latest = page.locator("table.triage-chronology tbody tr")
        expect(latest).to_have_count(4)  # two contacts, the referral and its assessment
        expect(latest.first).to_contain_text(f"Contact {contact.id + 1} received")  # newest first

        page.get_by_role("link", name="Full chronology").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Chronology: Ivy Moss")
        rows = page.locator("table.triage-chronology tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.first).to_contain_text(f"Contact {contact.id} received")  # oldest first

        page.get_by_label("Referrals").check()
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_text("1 event of the kinds chosen.")).to_be_visible()
        expect(rows).to_have_count(1)

        rows.first.get_by_role("link", name=f"Referral {referral_id}").click()
        expect(page).to_have_url(f"{live_server}/cases/{referral_id}")
    finally:
        page.close()
