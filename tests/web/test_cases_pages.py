"""The case pages: the list, a case with its forms, caseloads, the due-and-breached view and
notifications; and in a real browser, a manager allocating, a worker recording a case
discussion, and the manager authorising late and being made to say why."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, csrf_token_from
from triage.clock import local_date, utcnow
from triage.extensions import db
from triage.models import Assessment, AuditEvent, CaseDiscussion, Notification, Referral, StrategyDiscussion
from triage.services import cases, contacts
from triage.services.reference import ensure_team
from triage.services.sweep import sweep_clocks

SCREENSHOT = "/tmp/triage-case.png"
LATE_SCREENSHOT = "/tmp/triage-case-late-reason.png"
FORM_SCREENSHOT = "/tmp/triage-case-authorise-form.png"


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Assessment team North")
    manager = make_user("manager", username="mo.manager")
    worker = make_user("practitioner", username="wes.worker")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    return {"team": team, "manager": manager, "worker": worker, "era": make_user("era"),
            "as": actor_for}


@pytest.fixture
def referral(staff):
    """Make a referral whose contact was received `days_ago` (decided an hour after, on time)."""

    def make(days_ago: int = 100, first_name: str = "Ivy", last_name: str = "Moss") -> Referral:
        received = utcnow() - timedelta(days=days_ago)
        contact, _ = contacts.record_contact(staff["as"](staff["era"]), received, {
            "channel": "phone", "source_code": "3A", "concern": "GP worried about weight loss",
            "consent": "given", "consent_by": "Mother", "received_at": received, "children": [{"child": {
                "first_name": first_name, "last_name": last_name, "sex": "female",
                "date_of_birth": local_date(received) - timedelta(days=9 * 365)}, "confirmed_new": True}]})
        contacts.record_decision(staff["as"](staff["manager"]), received + timedelta(hours=1), contact.id,
                                 [{"outcome": "assessment", "rationale": "Needs assessing"}])
        return db.session.query(Referral).filter_by(contact_id=contact.id).one()

    return make


def assessment_of(referral: Referral) -> Assessment:
    db.session.expire_all()
    return db.session.query(Assessment).filter_by(referral_id=referral.id).one()


def date_fields(prefix: str, day) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def post_form(client, url: str, page_url: str, data: dict):
    token = csrf_token_from(text_of(client.get(page_url)))
    return client.post(url, data={"csrf_token": token, **data})


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("path", ["/cases", "/cases/1", "/cases/due", "/cases/caseload", "/notifications"])
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role, path", [("era", "/cases"), ("partner", "/cases"), ("era", "/cases/due"),
                                        ("practitioner", "/cases/due"), ("admin", "/cases/caseload")])
def test_roles_without_access_get_403(client, login, make_user, role, path):
    login(make_user(role))
    assert client.get(path).status_code == 403


def test_the_menu_links_to_cases_due_and_notifications_for_a_manager(client, login, staff):
    login(staff["manager"])
    page = text_of(client.get("/"))
    assert 'href="/cases"' in page and 'href="/cases/due"' in page and 'href="/notifications"' in page


# ---------------------------------------------------------------- the cases list

def test_the_cases_list_shows_each_referral_with_working_days_left_and_a_status(client, login, staff, referral):
    late = referral(100, "Ada")
    recent = referral(3, "Bea")
    cases.allocate(staff["as"](staff["manager"]), utcnow(), recent.id, cases.Allocation(staff["team"].id, staff["worker"].id))
    login(staff["worker"])

    page = text_of(client.get("/cases"))

    assert "2 referrals" in page
    assert page.index("Bea Moss") < page.index("Ada Moss")  # newest referral first
    # Counts by status over the whole list: Ada overdue, Bea allocated and not yet started.
    assert ">1 overdue</strong>" in page and ">1 not started</strong>" in page and "due soon</strong>" not in page
    assert f'href="/cases/{late.id}">Ada Moss</a>' in page
    assert re.search(r"\d+ working days overdue", page)
    assert re.search(r'govuk-tag--red">Overdue<', page)
    assert re.search(r"\d+ working days left", page)
    assert staff["worker"].display_name in page and "Assessment team North" in page
    mine = text_of(client.get("/cases?worker_id=me"))
    assert "Bea Moss" in mine and "Ada Moss" not in mine
    waiting = text_of(client.get("/cases?allocated=no"))
    assert "Ada Moss" in waiting and "Bea Moss" not in waiting
    assert "0 referrals" in text_of(client.get("/cases?status=closed"))
    listed = db.session.query(AuditEvent).filter_by(action="list", entity="referral").order_by(AuditEvent.id).all()
    # One row per child shown: both (newest first), then Bea, then Ada, then none (the empty list is
    # still on record).
    assert [r.child_id for r in listed] == [recent.child_id, late.child_id, recent.child_id, late.child_id, None]


# ---------------------------------------------------------------- a case

def _allocate(staff, made) -> None:
    cases.allocate(staff["as"](staff["manager"]), utcnow(), made.id,
                   cases.Allocation(staff["team"].id, staff["worker"].id))


def _start(staff, made) -> None:
    cases.start_assessment(staff["as"](staff["worker"]), utcnow(), assessment_of(made).id,
                           cases.StartAssessment(made.referral_date + timedelta(days=1)))


def test_a_case_page_shows_the_assessment_its_discussions_and_clocks(client, login, staff, referral):
    made = referral(100)
    assessment = assessment_of(made)
    login(staff["worker"])
    unallocated = text_of(client.get(f"/cases/{made.id}"))
    # Nothing moves on a case before someone holds it: no forms at all for the practitioner.
    assert 'class="triage-action"' not in unallocated and "What you can do" not in unallocated
    _allocate(staff, made)

    response = client.get(f"/cases/{made.id}")

    page = text_of(response)
    assert response.status_code == 200
    assert "<h1 class=\"govuk-heading-l\">Ivy Moss</h1>" in page
    assert assessment.due_date.strftime("%-d %B %Y") in page
    assert "The 45th working day after the referral date" in page
    assert re.search(r"\d+ working days elapsed", page)
    assert "Case discussion 1" in page and "Case discussion 2" in page
    assert "Clocks on this case" in page and "Decision on the contact" in page
    assert "Breached" in page and "Met" in page
    # A practitioner can start the assessment and record a strategy discussion, but neither allocate
    # nor authorise; the steps after the start come once it has started.
    assert 'id="start"' in page and 'id="strategy"' in page
    assert 'id="allocate"' not in page and 'id="authorise"' not in page and 'id="discussion"' not in page
    _start(staff, made)
    started = text_of(client.get(f"/cases/{made.id}"))
    assert 'id="discussion"' in started and 'id="seen"' in started and 'id="start"' not in started
    assert db.session.query(AuditEvent).filter_by(action="read", entity="referral", entity_id=made.id).count() == 3


def test_a_manager_allocates_and_a_stale_version_is_refused_with_a_409(client, login, staff, referral):
    made = referral(10)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    version = str(made.version)
    data = {"allocate-team_id": str(staff["team"].id), "allocate-worker_id": str(staff["worker"].id),
            "allocate-version": version}

    done = post_form(client, f"{url}/allocate", url, data)
    assert done.status_code == 302 and done.headers["Location"] == f"{url}#summary"  # back where it shows
    assert "Case allocated" in text_of(client.get(url))
    assert db.session.get(Referral, made.id).worker_id == staff["worker"].id

    stale = post_form(client, f"{url}/allocate", url, {**data, "allocate-worker_id": str(staff["manager"].id)})
    assert stale.status_code == 409
    page = text_of(stale)
    assert "Someone else changed this referral" in page and "Your entries are still in the form" in page
    assert db.session.get(Referral, made.id).worker_id == staff["worker"].id


def test_allocating_without_a_team_names_the_field(client, login, staff, referral):
    made = referral(10)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    response = post_form(client, f"{url}/allocate", url, {"allocate-team_id": "", "allocate-worker_id": "",
                                                           "allocate-version": str(made.version)})
    assert response.status_code == 400
    assert '<a href="#allocate-team_id">Choose the team the case is allocated to</a>' in text_of(response)


def test_a_practitioner_cannot_post_an_allocation_or_an_authorisation(client, login, staff, referral):
    made = referral(10)
    assessment = assessment_of(made)
    login(staff["worker"])
    url = f"/cases/{made.id}"
    assert post_form(client, f"{url}/allocate", url, {"allocate-team_id": str(staff["team"].id)}).status_code == 403
    response = post_form(client, f"{url}/assessment/{assessment.id}/authorise", url, {
        "authorise-outcome": "no_further_action", "authorise-primary_need": "N1", "authorise-factors": "21",
        "authorise-version": str(assessment.version)})
    assert response.status_code == 403
    assert assessment_of(made).authorised_at is None


def test_a_case_discussion_in_the_future_is_refused_and_one_today_is_recorded(client, login, staff, referral):
    made = referral(30)
    _allocate(staff, made)
    _start(staff, made)
    assessment = assessment_of(made)
    login(staff["worker"])
    url = f"/cases/{made.id}"
    action = f"{url}/assessment/{assessment.id}/case-discussion"
    today = local_date(utcnow())
    data = {"discussion-sequence": "1", "discussion-held_by_id": "", "discussion-note": "Plan agreed",
            "discussion-version": str(assessment.version)}

    refused = post_form(client, action, url, {**data, **date_fields("discussion-held_on", today + timedelta(days=2))})
    assert refused.status_code == 400
    assert '<a href="#discussion-held_on-day">The date cannot be in the future</a>' in text_of(refused)
    assert ">Plan agreed</textarea>" in text_of(refused)  # what was typed is kept

    done = post_form(client, action, url, {**data, **date_fields("discussion-held_on", today)})
    assert done.status_code == 302 and done.headers["Location"] == f"{url}#case-discussions"
    held = db.session.query(CaseDiscussion).filter_by(assessment_id=assessment.id, sequence=1).one()
    assert (held.held_on, held.held_by_id, held.note) == (today, staff["worker"].id, "Plan agreed")


def test_the_late_reason_is_asked_for_only_when_the_assessment_is_late(client, login, staff, referral):
    on_time, late = referral(10, "Ada"), referral(100, "Bea")
    for made in (on_time, late):
        _allocate(staff, made)
        _start(staff, made)
    login(staff["manager"])
    assert 'name="authorise-late_reason"' not in text_of(client.get(f"/cases/{on_time.id}"))
    page = text_of(client.get(f"/cases/{late.id}"))
    assert 'name="authorise-late_reason"' in page
    assert "You must say why it is late" in page


def test_authorising_late_without_a_reason_names_the_late_reason_with_every_other_problem(
        client, login, staff, referral):
    made = referral(100)
    assessment = assessment_of(made)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    action = f"{url}/assessment/{assessment.id}/authorise"

    response = post_form(client, action, url, {"authorise-version": str(assessment.version),
                                                "authorise-late_reason": " "})

    page = text_of(response)
    assert response.status_code == 400
    due = assessment.due_date.strftime("%-d %B %Y")
    assert f'<a href="#authorise-late_reason">This assessment was due on {due}: say why it is late</a>' in page
    assert '<a href="#authorise-outcome">Choose the outcome of the assessment</a>' in page
    assert '<a href="#authorise-factors">' in page
    assert assessment_of(made).authorised_at is None


def test_a_manager_authorises_late_with_a_reason(client, login, staff, referral):
    made = referral(100)
    assessment = assessment_of(made)
    cases.start_assessment(staff["as"](staff["worker"]), utcnow(), assessment.id, cases.StartAssessment(made.referral_date + timedelta(days=1)))
    assessment = assessment_of(made)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    action = f"{url}/assessment/{assessment.id}/authorise"
    data = {"authorise-version": str(assessment.version), "authorise-outcome": "child_in_need_plan",
            "authorise-primary_need": "N1", "authorise-factors": ["3B", "21"], "authorise-closure_reason": "",
            "authorise-late_reason": "Waiting for the paediatric report"}

    refused = post_form(client, action, url, data)
    assert refused.status_code == 400
    assert "21 &#39;No factors identified&#39; cannot be recorded with other factors" in text_of(refused)

    done = post_form(client, action, url, {**data, "authorise-factors": ["3B", "4B"]})
    assert done.status_code == 302
    page = text_of(client.get(url))
    assert "Assessment authorised" in page and "Waiting for the paediatric report" in page
    assert "3B: Domestic abuse: concerns about the parent or carer" in page
    assert 'govuk-tag--green">Authorised<' in page
    authorised = assessment_of(made)
    assert (authorised.outcome, authorised.factors, authorised.authorised_by_id) == (
        "child_in_need_plan", "3B,4B", staff["manager"].id)


def test_a_strategy_discussion_then_its_s47_outcome_and_conference(client, login, staff, referral):
    made = referral(20)
    login(staff["worker"])
    url = f"/cases/{made.id}"
    today = local_date(utcnow())
    started = post_form(client, f"{url}/strategy-discussions", url, {
        **date_fields("strategy-held_on", today), "strategy-agencies": ["police", "health"],
        "strategy-s47_started": "yes"})
    assert started.status_code == 302, text_of(started)
    discussion = db.session.query(StrategyDiscussion).filter_by(referral_id=made.id).one()
    page = text_of(client.get(url))
    assert "Initial child protection conference, due" in page and "Police, Health" in page

    missing = post_form(client, f"{url}/strategy-discussions/{discussion.id}/icpc", url, {
        f"icpc-{discussion.id}-held": "held", f"icpc-{discussion.id}-version": str(discussion.version)})
    assert missing.status_code == 400
    assert f'<a href="#icpc-{discussion.id}-held_on-day">Enter the date of the conference</a>' in text_of(missing)

    outcome = post_form(client, f"{url}/strategy-discussions/{discussion.id}/s47-outcome", url, {
        f"s47-{discussion.id}-outcome": "not_substantiated", **date_fields(f"s47-{discussion.id}-on", today),
        f"s47-{discussion.id}-version": str(discussion.version)})
    assert outcome.status_code == 302
    db.session.expire_all()
    discussion = db.session.get(StrategyDiscussion, discussion.id)
    assert discussion.s47_outcome == "not_substantiated"
    assert discussion.icpc_not_needed_reason == "Concerns not substantiated"
    page = text_of(client.get(url))
    assert "No conference needed" in page and f'id="icpc-{discussion.id}"' not in page


# ---------------------------------------------------------------- caseload, oversight, notifications

def test_the_caseload_page_counts_open_assessments_by_team_and_worker(client, login, staff, referral):
    for days in (5, 6):
        made = referral(days, f"Child{days}")
        cases.allocate(staff["as"](staff["manager"]), utcnow(), made.id, cases.Allocation(staff["team"].id, staff["worker"].id))
    referral(7, "Waiting")
    login(staff["manager"])
    page = text_of(client.get("/cases/caseload"))
    assert "Open assessments (not yet authorised): 3 in all" in page
    assert "Assessment team North: 2 open" in page
    assert "Not allocated to a worker" in page
    assert f'worker_id={staff["worker"].id}' in page


def test_the_manager_sees_breached_clocks_first_with_tags_and_links(client, login, staff, referral):
    late = referral(100, "Ada")
    referral(40, "Bea")
    cases.allocate(staff["as"](staff["manager"]), utcnow(), late.id, cases.Allocation(staff["team"].id, staff["worker"].id))
    login(staff["manager"])

    page = text_of(client.get("/cases/due"))

    assert "clocks due soon or breached" in page
    assert f'href="/cases/{late.id}">Assessment' in page
    assert 'govuk-tag--red">Breached<' in page
    north = text_of(client.get(f"/cases/due?team_id={staff['team'].id}"))
    assert "Ada Moss" in north and "Bea Moss" not in north


def test_notifications_after_a_sweep_link_to_the_case_and_can_be_marked_read(client, login, staff, referral):
    made = referral(100)
    cases.allocate(staff["as"](staff["manager"]), utcnow(), made.id, cases.Allocation(staff["team"].id, staff["worker"].id))
    sweep_clocks(utcnow())
    login(staff["worker"])

    page = text_of(client.get("/notifications?show=unread"))
    assert "3 unread notifications" in page
    assert "Assessment: breached" in page and "Case discussion 1: breached" in page
    first, second, _ = db.session.query(Notification).filter_by(user_id=staff["worker"].id).order_by(Notification.id)
    assert f'href="/notifications/{first.id}"' in page and f'href="/notifications/{second.id}"' in page

    done = post_form(client, f"/notifications/{first.id}/read", "/notifications", {"show": "unread"})
    assert done.status_code == 302 and done.headers["Location"] == "/notifications?show=unread"
    assert "2 unread notifications" in text_of(client.get("/notifications?show=unread"))
    assert "3 notifications" in text_of(client.get("/notifications"))
    opened = client.get(f"/notifications/{second.id}")  # opening one reads it and leads to its case
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{made.id}"
    assert "1 unread notification" in text_of(client.get("/notifications?show=unread"))
    others = db.session.query(Notification).filter_by(user_id=staff["manager"].id).first()
    assert post_form(client, f"/notifications/{others.id}/read", "/notifications", {}).status_code == 404


# ---------------------------------------------------------------- in a real browser

def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _fill_date(section, day) -> None:
    section.get_by_label("Day").fill(str(day.day))
    section.get_by_label("Month").fill(str(day.month))
    section.get_by_label("Year").fill(str(day.year))


@pytest.mark.browser
def test_a_manager_allocates_the_worker_records_a_case_discussion_and_the_manager_authorises_late_giving_a_reason(
        live_server, browser, staff, referral):
    from playwright.sync_api import expect

    made = referral(100, "Ivy", "Moss")  # 100 days ago: well past its 45 working days
    due = assessment_of(made).due_date.strftime("%-d %B %Y")
    today = local_date(utcnow())

    manager_view = browser.new_context(viewport={"width": 1200, "height": 1000})
    worker_view = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        # The manager finds the case in the list and allocates it.
        manager = manager_view.new_page()
        _sign_in(manager, live_server, "mo.manager")
        manager.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases").click()
        expect(manager.get_by_role("heading", level=1)).to_have_text("Cases")
        row = manager.get_by_role("row").filter(has_text="Ivy Moss")
        expect(row.get_by_text("Not allocated")).to_have_count(2)
        expect(row.get_by_text("Overdue", exact=True)).to_be_visible()
        row.get_by_role("link", name="Ivy Moss").click()
        expect(manager.get_by_role("heading", level=1)).to_have_text("Ivy Moss")
        allocate = manager.locator("#allocate")
        allocate.get_by_label("Team").select_option(label="Assessment team North")
        allocate.get_by_label("Worker").select_option(value=str(staff["worker"].id))
        allocate.get_by_role("button", name="Allocate").click()
        expect(manager.get_by_text("Case allocated")).to_be_visible()
        worker_row = manager.locator(".govuk-summary-list__row", has_text="Worker")
        expect(worker_row).to_contain_text(staff["worker"].display_name)

        # The worker sees it among their cases, records the start and case discussion 1.
        worker = worker_view.new_page()
        _sign_in(worker, live_server, "wes.worker")
        worker.goto(f"{live_server}/cases?worker_id=me")
        worker.get_by_role("link", name="Ivy Moss").click()
        start = worker.locator("#start")
        _fill_date(start, made.referral_date + timedelta(days=1))
        start.get_by_role("button", name="Save the start date").click()
        expect(worker.get_by_text("Start of the assessment recorded")).to_be_visible()
        discussion = worker.locator("#discussion")
        expect(discussion.get_by_label(re.compile(r"^Case discussion 1, planned for"))).to_be_checked()
        _fill_date(discussion, today)
        discussion.get_by_label("Note (optional)").fill("Agreed to ask the paediatrician for a report")
        discussion.get_by_role("button", name="Record the case discussion").click()
        expect(worker.get_by_text("Case discussion recorded")).to_be_visible()
        held = worker.get_by_role("table", name="Case discussions").get_by_role("row").filter(has_text="Case discussion 1")
        expect(held).to_contain_text(today.strftime("%-d %B %Y"))
        expect(held).to_contain_text(staff["worker"].display_name)
        expect(worker.locator("#authorise")).to_have_count(0)  # a worker cannot authorise

        # The manager authorises; it is late, so the page will not take it without a reason.
        manager.reload()
        authorise = manager.locator("#authorise")
        expect(authorise.get_by_text("You must say why it is late")).to_be_visible()
        authorise.get_by_label("Child in need plan").check()
        authorise.get_by_label("Primary need").select_option("N1")
        authorise.get_by_label("Domestic abuse: Concerns about the parent or carer").check()
        authorise.get_by_label("Mental health: Concerns about the parent or carer").check()
        authorise.get_by_role("button", name="Authorise the assessment").click()

        summary = manager.locator(".govuk-error-summary")
        expect(summary).to_be_focused()
        late_error = f"This assessment was due on {due}: say why it is late"
        expect(summary.get_by_role("link", name=late_error)).to_be_visible()
        late_reason = manager.get_by_label("Why is the assessment late?")
        expect(late_reason).to_have_value("")
        expect(manager.locator("#authorise-late_reason-error")).to_contain_text(late_error)
        expect(manager.get_by_label("Child in need plan")).to_be_checked()  # nothing chosen was lost
        expect(manager.get_by_label("Primary need")).to_have_value("N1")
        expect(manager.get_by_label("Domestic abuse: Concerns about the parent or carer")).to_be_checked()
        manager.screenshot(path=LATE_SCREENSHOT)  # the top of the page: the error summary
        authorise.screenshot(path=FORM_SCREENSHOT)
        summary.get_by_role("link", name=late_error).click()
        expect(late_reason).to_be_focused()
        late_reason.fill("The paediatric report took six weeks to arrive")
        manager.get_by_role("button", name="Authorise the assessment").click()

        expect(manager.get_by_text("Assessment authorised")).to_be_visible()
        expect(manager.locator(".govuk-error-summary")).to_have_count(0)
        expect(manager.get_by_role("heading", level=1)).to_have_text("Ivy Moss")
        expect(manager.locator("p .govuk-tag").first).to_have_text("Authorised")
        why = manager.locator(".govuk-summary-list__row", has_text="Why it was late")
        expect(why).to_contain_text("The paediatric report took six weeks to arrive")
        expect(manager.locator(".govuk-summary-list__row", has_text="Authorised")).to_contain_text("(late)")
        expect(manager.locator("#authorise")).to_have_count(0)
        manager.evaluate("document.fonts.ready")
        manager.screenshot(path=SCREENSHOT, full_page=True)
    finally:
        manager_view.close()
        worker_view.close()

    authorised = assessment_of(made)
    assert authorised.late_reason == "The paediatric report took six weeks to arrive"
    assert authorised.factors == "3B,4B" and authorised.outcome == "child_in_need_plan"


def test_every_form_on_a_managers_case_page_has_its_own_ids(client, login, staff, referral):
    made = referral(60)
    _allocate(staff, made)
    _start(staff, made)
    cases.record_strategy_discussion(staff["as"](staff["worker"]), utcnow(), made.id, cases.StrategyDiscussionHeld(local_date(utcnow()), ["police"], True))
    login(staff["manager"])
    page = text_of(client.get(f"/cases/{made.id}"))
    for section in ("allocate", "seen", "discussion", "authorise", "strategy", "transfer", "close"):
        assert f'id="{section}"' in page
    assert re.search(r'id="s47-\d+"', page) and re.search(r'id="icpc-\d+"', page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert anchor in ids, anchor


def test_a_manager_closes_a_case_from_its_page_and_its_clocks_stop(client, login, staff, referral):
    made = referral(days_ago=10)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    today = local_date(utcnow())
    page = text_of(client.get(url))
    assert 'id="close-title"' in page

    refused = post_form(client, f"{url}/close", url, {"close-version": str(made.version), "close-reason": "",
                                                     **date_fields("close-closed_on", today)})
    assert refused.status_code == 400 and 'href="#close-reason"' in text_of(refused)

    done = post_form(client, f"{url}/close", url, {"close-version": str(made.version), "close-reason": "RC5",
                                                  **date_fields("close-closed_on", today)})
    assert done.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, made.id)
    assert (closed.closure_reason, closed.closed_on) == ("RC5", today)
    assert 'id="close-title"' not in text_of(client.get(url))


def test_a_conference_and_the_plan_it_made_are_recorded_from_the_case_page(client, login, staff, referral):
    made = referral(days_ago=20)
    worker = staff["as"](staff["worker"])
    held = local_date(utcnow()) - timedelta(days=15)
    discussion = cases.record_strategy_discussion(worker, utcnow(), made.id, cases.StrategyDiscussionHeld(held, ["police"], True))
    icpc_day = held + timedelta(days=7)
    while icpc_day.weekday() >= 5:
        icpc_day += timedelta(days=1)
    cases.record_icpc(worker, utcnow(), discussion.id, cases.Conference(held_on=icpc_day))
    db.session.expire_all()
    version = discussion.version
    login(staff["worker"])
    url = f"/cases/{made.id}"
    key = f"plan-{discussion.id}"

    refused = post_form(client, f"{url}/strategy-discussions/{discussion.id}/plan", url, {
        f"{key}-version": str(version), f"{key}-plan": "yes", f"{key}-plan_category": ""})
    assert refused.status_code == 400 and f'href="#{key}-plan_category"' in text_of(refused)

    done = post_form(client, f"{url}/strategy-discussions/{discussion.id}/plan", url, {
        f"{key}-version": str(version), f"{key}-plan": "yes", f"{key}-plan_category": "EMO"})
    assert done.status_code == 302, text_of(done)
    assert f"Yes, EMO, from {icpc_day.day}" in text_of(client.get(url))


def test_a_manager_transfers_a_case_from_its_page_and_a_worker_from_another_team_is_refused(
        client, login, staff, referral, make_user):
    made = referral(10)
    cases.allocate(staff["as"](staff["manager"]), utcnow(), made.id,
                   cases.Allocation(staff["team"].id, staff["worker"].id))
    south = ensure_team("Assessment team South")
    db.session.commit()
    newcomer = make_user("practitioner", username="sam.south", team=south.name)
    login(staff["manager"])
    url = f"/cases/{made.id}"
    page = text_of(client.get(url))
    assert "Transfer to another team" in page
    version = str(db.session.get(Referral, made.id).version)
    data = {"transfer-team_id": str(south.id), "transfer-worker_id": str(staff["worker"].id),
            "transfer-reason": "Family moved south", "transfer-version": version}

    wrong = post_form(client, f"{url}/transfer", url, data)
    assert wrong.status_code == 400
    assert "Choose a worker in the chosen team" in text_of(wrong)

    done = post_form(client, f"{url}/transfer", url, {**data, "transfer-worker_id": str(newcomer.id)})
    assert done.status_code == 302 and done.headers["Location"] == f"{url}#transfers"
    page = text_of(client.get(url))
    assert "Case transferred" in page and "Family moved south" in page and "Assessment team South" in page
    assert db.session.get(Referral, made.id).worker_id == newcomer.id


def test_a_case_links_to_its_child_and_the_decision_links_to_the_case(client, login, staff, referral):
    made = referral(10)
    login(staff["manager"])
    case_page = text_of(client.get(f"/cases/{made.id}"))
    assert f'<a class="govuk-link" href="/children/{made.child_id}">Ivy Moss</a>' in case_page
    contact_page = text_of(client.get(f"/contacts/{made.contact_id}"))
    assert f'href="/cases/{made.id}">Ivy Moss</a>' in contact_page
