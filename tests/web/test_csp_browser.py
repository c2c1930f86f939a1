"""In a real browser the strict Content-Security-Policy blocks nothing the service itself needs:
the layout's inline scripts run under their nonce, the live meeting's script runs, the print
links work without inline handlers, and Swagger UI starts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.test_meetings_browser import notification, sign_in
from triage.clock import local_date, utcnow
from triage.services import contacts, meetings
from triage.services.report import build as morning_report

WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    e => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


@pytest.mark.browser
def test_pages_run_under_the_csp_without_a_single_violation(live_server, browser, make_user, actor_for):
    from playwright.sync_api import expect

    manager = actor_for(make_user("manager", "csp.manager"))
    police = actor_for(make_user("partner", "csp.police", agency="police"))
    now = utcnow()
    contacts.record_contact(police, now - timedelta(hours=2), notification("Cora", 3))
    today = meetings.plan_meeting(manager, now - timedelta(hours=1), "mash_daily", local_date(now))
    meetings.start_meeting(manager, now, today.id)
    morning_report.build_on_demand(manager, now)

    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, live_server, "csp.manager")
        with page.expect_request(lambda r: r.url.endswith(f"/meetings/{today.id}/state"), timeout=15_000):
            page.goto(f"{live_server}/meetings/{today.id}/live")  # meetings.js polls the state
        expect(page.locator("body")).to_have_class(lambda_has("js-enabled"))  # the nonce'd inline script
        violations = page.evaluate("window.__violations")

        for path in (f"/meetings/{today.id}/minutes", f"/reports/morning?date={local_date(now).isoformat()}"):
            page.goto(f"{live_server}{path}")
            page.evaluate("window.print = () => { window.__printed = true; }")
            page.locator("[data-print]").first.click()
            assert page.evaluate("window.__printed === true"), path
            assert page.evaluate("location.hash") == ""  # the link's href="#" was not followed
            violations += page.evaluate("window.__violations")

        page.goto(f"{live_server}/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Front Door triage API", timeout=15_000)
        violations += page.evaluate("window.__violations")
    finally:
        context.close()
    assert violations == []
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def lambda_has(name: str):
    import re
    return re.compile(rf"(^|\s){name}(\s|$)")


