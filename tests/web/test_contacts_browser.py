"""A police notification from the feed to a manager's decision, through the pages in a real browser
(Debian's Chromium through Playwright, against the app on a live server)."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from triage.clock import utcnow
from triage.extensions import db
from triage.models import Contact, Referral

QUEUE_SCREENSHOT = "/tmp/triage-queue.png"
CONTACT_SCREENSHOT = "/tmp/triage-contact.png"
DECIDED_SCREENSHOT = "/tmp/triage-contact-decided.png"
REQUEST_SCREENSHOT = "/tmp/triage-request.png"

NOTIFICATION = {
    "channel": "police_notification", "source_code": "6",
    "referrer_name": "PC 1234 Patel", "referrer_role": "Officer", "referrer_agency": "Police",
    "concern": "Domestic abuse incident at the home; both children present and upset.",
    "police_incident_reference": "INC-2026-0001", "dash_risk": "medium", "operation_encompass_informed": True,
    "consent": "not_required",
    "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                            "date_of_birth": "2017-03-02", "nhs_number": "9434765919",
                            "address_line_1": "4 Mill Lane", "postcode": "WR1 2AB"}},
                 {"child": {"first_name": "Leo", "last_name": "Okafor", "sex": "male",
                            "date_of_birth": "2020-09-14", "address_line_1": "4 Mill Lane", "postcode": "WR1 2AB"}}],
}


def post_notification(base_url: str, secret: str) -> dict:
    """What the police feed does: one POST with a bearer token and an Idempotency-Key."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/contacts", data=json.dumps(NOTIFICATION).encode(), method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                 "Idempotency-Key": "ppn-2026-0001"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.load(response)


@pytest.mark.browser
def test_a_police_notification_is_rated_shared_answered_and_decided_through_the_pages(
        live_server, browser, make_user):
    from playwright.sync_api import expect

    from triage.services import people

    make_user("practitioner", username="pat.practitioner")
    make_user("partner", username="hana.health", agency="health")
    make_user("manager", username="mo.manager")
    _, secret = people.create_token(utcnow(), "Police notification feed", "partner", "police")
    contact_id = post_notification(live_server, secret)["id"]

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(10_000)

    def sign_in(username: str) -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()

    def menu(item: str) -> None:
        page.get_by_role("navigation", name="Menu").get_by_role("link", name=item, exact=True).click()

    def sign_out() -> None:
        page.get_by_role("button", name=re.compile("Sign out")).click()
        expect(page.get_by_text("You have signed out")).to_be_visible()

    try:
        # A practitioner finds it in the queue, rates it amber and asks health what it holds.
        sign_in("pat.practitioner")
        menu("Queue")
        expect(page.get_by_role("heading", level=1)).to_have_text("Contacts awaiting decision")
        row = page.locator("tbody tr", has_text="Maya Okafor, Leo Okafor")
        expect(row).to_have_count(1)
        expect(row.locator(".govuk-tag", has_text="Not yet rated")).to_be_visible()
        expect(row.locator(".govuk-tag", has_text="On time")).to_be_visible()
        expect(row).to_contain_text("23 hours")
        row.get_by_role("link").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Maya Okafor and Leo Okafor")
        expect(page.locator("#cannot-ask")).to_contain_text("Set a RAG rating first")
        page.get_by_label("Amber: significant concern, not immediate").check()
        page.get_by_label("Reason for this rating").fill("Children present at a domestic abuse incident")
        page.get_by_role("button", name="Save the rating").click()
        expect(page.get_by_text("RAG rating saved")).to_be_visible()

        page.get_by_label("Health", exact=True).check()
        page.get_by_label("What do you need to know?").fill("Are the children known to health visiting or school nursing?")
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_text("Information requested")).to_be_visible()
        card = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name="Health"))
        expect(card.locator(".govuk-tag", has_text="Awaiting answer")).to_be_visible()
        page.screenshot(path=CONTACT_SCREENSHOT, full_page=True)

        menu("Queue")
        row = page.locator("tbody tr", has_text="Maya Okafor, Leo Okafor")
        expect(row.locator(".govuk-tag", has_text="Amber")).to_be_visible()
        expect(row).to_contain_text("Health")
        page.screenshot(path=QUEUE_SCREENSHOT, full_page=True)
        sign_out()

        # The health representative answers from the partner inbox.
        sign_in("hana.health")
        menu("Information requests")
        page.get_by_role("link", name=re.compile("Maya Okafor, Leo Okafor")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What does Health hold about these children?")
        expect(page.get_by_text("943 476 5919")).to_be_visible()
        page.get_by_label("What does your agency hold?").fill("Both known to health visiting; Leo missed his 2-year review.")
        page.screenshot(path=REQUEST_SCREENSHOT, full_page=True)
        page.get_by_role("button", name="Send the answer").click()
        expect(page.get_by_text("Your answer has been sent to the Front Door")).to_be_visible()
        expect(page.get_by_role("heading", name="Answer from Health")).to_be_visible()
        sign_out()

        # A manager reads the answer, marked as health's, and decides for both children.
        sign_in("mo.manager")
        menu("Queue")
        page.locator("tbody tr", has_text="Maya Okafor, Leo Okafor").get_by_role("link").click()
        expect(page.get_by_text("From Health", exact=True)).to_be_visible()
        expect(page.get_by_text("Ready for decision", exact=True)).to_be_visible()
        for_all = page.locator("#conditional-decide-apply_to")
        for_all.get_by_label("Child and family assessment (section 17)").check()
        for_all.get_by_label("Rationale", exact=True).fill("Repeat domestic abuse with young children: assess.")
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text("Decision recorded")).to_be_visible()
        expect(page.locator("p.triage-tags .govuk-tag", has_text=re.compile("^Decided$"))).to_be_visible()
        expect(page.locator("p.triage-tags .govuk-tag", has_text=re.compile("^In time$"))).to_be_visible()
        expect(page.get_by_role("table", name="Referrals made")).to_contain_text("Leo Okafor")
        page.screenshot(path=DECIDED_SCREENSHOT, full_page=True)

        menu("Queue")
        expect(page.get_by_text("No contact is waiting for a decision.")).to_be_visible()
    finally:
        page.close()

    db.session.expire_all()
    contact = db.session.get(Contact, contact_id)
    assert contact.state == "decided" and contact.rag == "amber"
    assert contact.requests[0].answer.startswith("Both known to health visiting")
    referrals = list(db.session.scalars(select(Referral).where(Referral.contact_id == contact_id)))
    assert len(referrals) == 2 and {r.outcome for r in referrals} == {"assessment"}
