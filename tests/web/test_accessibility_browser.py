"""axe-core over the key pages, as each role sees them, at WCAG 2.2 AA: any violation the
project's own templates cause fails the test.

axe-core comes from npm (package.json) and is served from node_modules by this app, so the page's
Content-Security-Policy lets it load like any of the service's own scripts. The demo council gives
every page something real to show.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from triage.clock import utcnow
from triage.demo import DEMO_PASSWORD, seed_demo
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Contact, Meeting, Referral, User
from triage.services.actor import Actor
from triage.services.report import build as morning_report

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _upstream_conditional_radios(rule: str, node: dict) -> bool:
    """GOV.UK Frontend's conditional radios: its own script gives each radio that reveals more
    questions aria-expanded, which ARIA does not allow on a radio. A known upstream issue, not
    ours; excused for exactly that rule and that attribute on those inputs, nothing else."""
    html, summary = node.get("html", ""), node.get("summary", "")
    disallowed = [line.strip() for line in summary.splitlines() if "not allowed" in line]
    return (rule == "aria-allowed-attr" and 'class="govuk-radios__input"' in html
            and 'aria-controls="conditional-' in html and bool(disallowed)
            and all("aria-expanded" in line for line in disallowed))


def _world(api_as):
    """Seed the demo council and pick one record of each kind to open."""
    seed_demo(utcnow(), children=15, echo=lambda _: None)
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    morning_report.build_on_demand(Actor(role=Role.MANAGER, label=manager.username, user_id=manager.id), utcnow())
    decided = db.session.scalar(select(Contact.id).where(Contact.state == "decided").order_by(Contact.id))
    referral = db.session.scalar(select(Referral).where(Referral.closed_at.is_(None)).order_by(Referral.id))
    meeting = db.session.scalar(select(Meeting.id).order_by(Meeting.id.desc()))
    # A contact screened and asked of the police, through the API, so the partner has a request to open.
    practitioner = api_as("practitioner")
    posted = practitioner.post("/api/v1/contacts", json={
        "channel": "phone", "source_code": "2A", "referrer_name": "Ms Hart", "concern": "Bruising on the arm.",
        "consent": "given", "consent_by": "Parent", "children": [{"child": {
            "first_name": "Zara", "last_name": "Quill", "sex": "female", "date_of_birth": "2016-04-05"}}]})
    assert posted.status_code == 201, posted.json
    rated = practitioner.post(f"/api/v1/contacts/{posted.json['id']}/rag",
                              json={"rag": "amber", "reason": "Injury", "version": posted.json["version"]})
    asked = practitioner.post(f"/api/v1/contacts/{posted.json['id']}/information-requests",
                              json={"agencies": ["police"], "question": "Any incidents at the address?",
                                    "version": rated.json["version"]})
    assert asked.status_code == 201, asked.json
    contact = posted.json["id"]
    return {"contact": contact, "decided": decided, "case": referral.id, "child": referral.child_id,
            "meeting": meeting, "request": asked.json[0]["id"]}


def _pages(ids: dict) -> dict[str, list[str]]:
    staff = ["/", "/queue", f"/contacts/{ids['contact']}", f"/contacts/{ids['decided']}",
             f"/contacts/{ids['contact']}/referrer-feedback", "/contacts/new", "/contacts/upload", "/children",
             f"/children/{ids['child']}", "/out-of-hours", "/account/password"]
    return {
        "era": staff,
        "practitioner": [*staff, "/cases", f"/cases/{ids['case']}", "/meetings", f"/meetings/{ids['meeting']}",
                         "/meetings/actions", "/notifications", "/requests", "/cases/caseload"],
        "manager": [*staff, "/cases", f"/cases/{ids['case']}", "/cases/due", "/reports/morning", "/meetings",
                    f"/meetings/{ids['meeting']}", "/notifications", "/returns", "/admin/token-approvals",
                    "/admin/feedback-wording", "/admin/token-holders", f"/children/{ids['child']}/audit",
                    "/import/tracker"],
        "partner.police": ["/", "/requests", f"/requests/{ids['request']}", "/meetings"],
        "performance": ["/", "/reports/morning", "/returns"],
        "admin": ["/", "/admin/users", "/admin/closure-days", "/admin/feedback-wording", "/admin/token-holders",
                  "/returns"],
    }


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _violations(page, signed_in: bool = True) -> list[dict]:
    if signed_in:
        page.add_script_tag(url="/vendor/axe-core/axe.min.js")
    else:  # the sign-in page: axe is served only to people signed in, so it comes from disk here
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300),
                                     summary: n.failureSummary || ""}))}));
    }""", WCAG_22_AA)


@pytest.mark.browser
def test_axe_finds_nothing_on_the_key_pages_for_any_role_but_the_upstream_conditional_radios(
        live_server, browser, api_as):
    ids = _world(api_as)
    found: list[str] = []
    context = browser.new_context(bypass_csp=True)  # only for loading axe into the sign-in page
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        found += [f"signed out /login: {v['id']} {v['help']}: {json.dumps(v['nodes'][:3])}"
                  for v in _violations(page, signed_in=False)]
    finally:
        context.close()
    checked = 0
    for username, urls in _pages(ids).items():
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        try:
            _sign_in(page, live_server, username)
            if checked == 0:  # the check itself works: an image with no text is found
                page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\\'/assets/x.png\\'>')")
                assert "image-alt" in [v["id"] for v in _violations(page)]
            for url in urls:
                response = page.goto(f"{live_server}{url}")
                if response is None or response.status != 200:
                    found.append(f"{username} {url}: HTTP {response and response.status}")
                    continue
                for violation in _violations(page):
                    nodes = [n for n in violation["nodes"] if not _upstream_conditional_radios(violation["id"], n)]
                    if nodes:
                        found.append(f"{username} {url}: {violation['id']} ({violation['impact']}) "
                                     f"{violation['help']}: " + json.dumps(nodes[:3]))
                checked += 1
        finally:
            context.close()
    assert checked >= 50
    assert found == [], "\n".join(found)


def test_axe_core_is_served_from_node_modules_to_people_signed_in_but_never_in_production(
        app, client, login, make_user, monkeypatch):
    assert client.get("/vendor/axe-core/axe.min.js").status_code == 302  # to sign in
    login(make_user("era"))
    served = client.get("/vendor/axe-core/axe.min.js")
    assert served.status_code == 200 and b"axe" in served.data[:2000]
    served.close()
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert client.get("/vendor/axe-core/axe.min.js").status_code == 404
