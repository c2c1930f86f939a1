"""The header badge, in a real browser: a practitioner sees how many notifications are unread on
every page, and opening one reads it, so the count goes down."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.browser
def test_the_header_badge_counts_unread_notifications_and_opening_one_reads_it(live_server, browser, make_user):
    from playwright.sync_api import expect

    from triage.clock import utcnow
    from triage.extensions import db
    from triage.models import Notification

    worker = make_user("practitioner", username="pat.worker")
    for n in range(2):
        db.session.add(Notification(user_id=worker.id, created_at=utcnow(), message=f"Reminder {n + 1}",
                                    link="/cases"))
    db.session.commit()
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Username").fill("pat.worker")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        badge = page.locator("header .app-badge")
        expect(badge).to_have_text("2")
        page.goto(f"{live_server}/cases")  # every staff page carries it
        expect(badge).to_have_text("2")

        page.locator("header").get_by_role("link", name="Notifications").click()
        page.locator("main").get_by_role("link", name="Reminder 1").first.click()
        expect(badge).to_have_text("1")
    finally:
        page.close()
