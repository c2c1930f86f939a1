"""The meeting pages through the test client: planning, running without JavaScript, the
fragments the live page fetches, the minutes and the actions list."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import csrf_token_from
from triage.extensions import db
from triage.models import AuditEvent, ContactChild, Meeting, MeetingItem
from triage.services import contacts, meetings

UTC = UTC
THURSDAY, FRIDAY = date(2026, 11, 26), date(2026, 11, 27)
DURING = datetime(2026, 11, 27, 9, 40, tzinfo=UTC)


def at(day, hh, mm=0):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def notification(n: int) -> dict:
    return {"channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": f"Police attended incident {n}.", "police_incident_reference": f"INC-{n}",
            "children": [{"child": {"first_name": ["Ava", "Ben", "Cal"][n - 1], "last_name": "Page", "sex": "female",
                                    "date_of_birth": date(2014, 2, n)}, "confirmed_new": True}]}


@pytest.fixture
def setup(app, make_user, actor_for):
    users = {"chair": make_user("practitioner", "chair"), "manager": make_user("manager", "boss"),
             "police": make_user("partner", "police.rep", agency="police"),
             "absent": make_user("partner", "police.absent", agency="police")}
    chair, police = actor_for(users["chair"]), actor_for(users["police"])
    thursday = meetings.plan_meeting(chair, at(THURSDAY, 8), "mash_daily", THURSDAY)
    meetings.start_meeting(chair, at(THURSDAY, 9, 30), thursday.id)
    for n in (1, 2):
        contacts.record_contact(police, at(THURSDAY, 10 + n), notification(n))
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    return {"users": users, "friday": friday.id, "chair": chair}


def post_form(client, page_url: str, action: str, data: dict, **kwargs):
    token = csrf_token_from(text_of(client.get(page_url)))
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


def test_the_chair_plans_a_meeting_and_sees_its_agenda_build_itself(client, login, setup):
    with freeze_time(at(THURSDAY, 17, 30)):
        login(setup["users"]["chair"])
        index = client.get("/meetings")
        assert index.status_code == 200
        assert "Plan a meeting" in text_of(index)
        page = client.get(f"/meetings/{setup['friday']}")
        assert page.status_code == 200
        html = text_of(page)
        assert "Agenda: 2 items" in html and "Ava Page" in html and "Ben Page" in html
        assert "New since the last meeting" in html
        bad = post_form(client, "/meetings", "/meetings/plan", {
            "type": "mash_daily", "meeting_date-day": "31", "meeting_date-month": "2", "meeting_date-year": "2027"})
        assert bad.status_code == 400 and "must be a real date" in text_of(bad)
        dup = post_form(client, "/meetings", "/meetings/plan", {
            "type": "mash_daily", "meeting_date-day": "27", "meeting_date-month": "11", "meeting_date-year": "2026",
            "locality_id": ""})
        assert dup.status_code == 409 and "already planned" in text_of(dup)


def test_the_chair_takes_an_item_off_with_a_reason_and_a_missing_reason_is_shown_on_the_field(client, login, setup):
    friday = setup["friday"]
    with freeze_time(at(THURSDAY, 17, 30)):
        login(setup["users"]["chair"])
        first = meetings.agenda_preview(setup["chair"], at(THURSDAY, 17, 30), friday).lines[0].contact.id
        missing = post_form(client, f"/meetings/{friday}", f"/meetings/{friday}/agenda/{first}/remove",
                            {f"remove-{first}-reason": ""})
        assert missing.status_code == 400 and "Give the reason" in text_of(missing)
        removed = post_form(client, f"/meetings/{friday}", f"/meetings/{friday}/agenda/{first}/remove",
                            {f"remove-{first}-reason": "Strategy discussion already held"})
        assert removed.status_code == 302
        html = text_of(client.get(f"/meetings/{friday}"))
        assert "Agenda: 1 item" in html and "Strategy discussion already held" in html


def test_a_meeting_runs_without_javascript_and_the_minutes_print_and_download(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    with freeze_time(DURING):
        login(users["manager"])
        started = post_form(client, f"/meetings/{friday}", f"/meetings/{friday}/start", {})
        assert started.status_code == 302 and started.headers["Location"].endswith(f"/meetings/{friday}/live")
        attended = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/attendance", {
            "att-agency": "police", "att-user_id": str(users["police"].id), "att-name": "", "att-mode": "virtual"})
        assert attended.status_code == 302
        live = text_of(client.get(f"/meetings/{friday}/live"))
        assert "Core agencies not represented" in live and "data-meeting-live" in live
        item = db.session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == friday)
                                  .order_by(MeetingItem.position)).first()
        prefix = f"i{item.id}-outcome-"
        missing = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/items/{item.id}/outcome", {
            prefix + "version": str(item.version), prefix + "rag": "amber", prefix + "outcome": "",
            prefix + "lead_agency": "police", prefix + "rationale": ""})
        assert missing.status_code == 400
        assert "Choose the outcome" in text_of(missing) and "Write the rationale" in text_of(missing)
        agreed = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/items/{item.id}/outcome", {
            prefix + "version": str(item.version), prefix + "rag": "amber", prefix + "outcome": "early_help",
            prefix + "lead_agency": "early_help", prefix + "rationale": "Early help offer."})
        assert agreed.status_code == 302 and agreed.headers["Location"].endswith(f"#item-{item.id}")
        version = db.session.get(MeetingItem, item.id).version
        confirmed = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/items/{item.id}/confirm",
                              {f"i{item.id}-confirm-version": str(version)})
        assert confirmed.status_code == 302
        assert db.session.get(MeetingItem, item.id).state == "confirmed"
        action = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/items/{item.id}/actions", {
            f"i{item.id}-action-description": "Send the early help offer letter",
            f"i{item.id}-action-owner_agency": "early_help", f"i{item.id}-action-owner_name": "",
            f"i{item.id}-action-due_date-day": "1", f"i{item.id}-action-due_date-month": "12",
            f"i{item.id}-action-due_date-year": "2026"})
        assert action.status_code == 302
        closed = post_form(client, f"/meetings/{friday}/live", f"/meetings/{friday}/close", {})
        assert closed.headers["Location"].endswith(f"/meetings/{friday}/minutes")
        minutes = text_of(client.get(f"/meetings/{friday}/minutes"))
        assert "Minutes: Friday 27 November 2026" in minutes and "Early help offer." in minutes
        assert "Send the early help offer letter" in minutes and "Not reached" in minutes
        with client.get("/static/meetings.css") as stylesheet:
            assert "@media print" in text_of(stylesheet)
        document = client.get(f"/meetings/{friday}/minutes.docx")
        assert document.status_code == 200 and document.data[:2] == b"PK"
        assert "attachment" in document.headers["Content-Disposition"]
        assert "Send the early help offer letter" in text_of(client.get("/meetings/actions"))


def test_the_live_page_fragments_answer_a_fetch_with_the_panel_and_errors_in_it(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    meetings.start_meeting(setup["chair"], at(FRIDAY, 9, 30), friday)
    meetings.record_attendance(setup["chair"], at(FRIDAY, 9, 31), friday, "police", "virtual",
                               user_id=users["police"].id)
    item = db.session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == friday)).first()
    with freeze_time(DURING):
        login(users["police"])
        live = client.get(f"/meetings/{friday}/live")
        assert live.status_code == 200
        html = text_of(live)
        assert "Save my agency&#39;s information" in html or "Save my agency's information" in html
        assert "Record the agreed outcome" not in html  # partners do not agree outcomes
        assert "History: what the Front Door already knows" not in html
        token = csrf_token_from(html)
        empty = client.post(f"/meetings/{friday}/items/{item.id}/contribution", headers={"X-Requested-With": "fetch"},
                            data={"csrf_token": token, f"i{item.id}-info-text": ""})
        assert empty.status_code == 400
        assert text_of(empty).lstrip().startswith("<section") and "data-panel-errors" in text_of(empty)
        saved = client.post(f"/meetings/{friday}/items/{item.id}/contribution", headers={"X-Requested-With": "fetch"},
                            data={"csrf_token": token, f"i{item.id}-info-text": "One previous DA call-out."})
        assert saved.status_code == 200 and "One previous DA call-out." in text_of(saved)
        assert "Police history" in text_of(saved) and "Information saved" in text_of(saved)
        panel = client.get(f"/meetings/{friday}/items/{item.id}/panel")
        assert panel.status_code == 200 and f'data-item-panel="{item.id}"' in text_of(panel)
        nav = client.get(f"/meetings/{friday}/agenda-nav")
        assert nav.status_code == 200 and "Ava Page" in text_of(nav)


def test_a_partner_who_is_not_at_the_meeting_gets_404_on_every_meeting_page(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    meetings.start_meeting(setup["chair"], at(FRIDAY, 9, 30), friday)
    item = db.session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == friday)).first()
    with freeze_time(DURING):
        login(users["absent"])
        assert "not recorded as attending" in text_of(client.get("/meetings"))
        for path in ("", "/live", f"/items/{item.id}/panel", "/agenda-nav", "/minutes", "/minutes.docx"):
            assert client.get(f"/meetings/{friday}{path}").status_code == 404, path
        assert client.get("/meetings/actions").status_code == 403
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == users["absent"].id,
                                                        AuditEvent.child_id.is_not(None))).all()
    assert reads == []


def test_the_meeting_history_is_searchable_by_child_name(client, login, setup):
    meetings.start_meeting(setup["chair"], at(FRIDAY, 9, 30), setup["friday"])
    with freeze_time(DURING):
        login(setup["users"]["chair"])
        found = text_of(client.get("/meetings?child_name=ben&date_from-day=&date_from-month=&date_from-year="))
        assert "1 meeting" in found and f"/meetings/{setup['friday']}" in found
        none = text_of(client.get("/meetings?child_name=zebedee"))
        assert "No meeting matches" in none
        bad = client.get("/meetings?date_from-day=40&date_from-month=1&date_from-year=2026")
        assert bad.status_code == 400


def test_the_menu_links_to_the_meetings_for_partners_and_staff(client, login, setup):
    login(setup["users"]["police"])
    assert 'href="/meetings"' in text_of(client.get("/"))
    assert re.search(r"Triage meetings", text_of(client.get("/meetings")))
    assert db.session.get(Meeting, setup["friday"]) is not None


# ---------------------------------------------------------------- by name: adding items, attendance, duplicates, closing

def _phone_contact(actor, first, last, n):
    data = {"channel": "phone", "source_code": "2A", "concern": "Worried about home", "consent": "given",
            "consent_by": "Mother", "children": [{"child": {"first_name": first, "last_name": last, "sex": "male",
                                                            "date_of_birth": FRIDAY.replace(year=2015, day=n)},
                                                  "confirmed_new": True}]}
    return contacts.record_contact(actor, at(THURSDAY, 12, n), data)[0].id


def test_the_chair_adds_an_item_by_a_childs_name_choosing_when_several_match(client, login, setup, actor_for):
    friday, users = setup["friday"], setup["users"]
    era = actor_for(users["manager"])
    only = _phone_contact(era, "Zed", "Quill", 1)
    first, second = _phone_contact(era, "Max", "Orr", 2), _phone_contact(era, "Maxine", "Orr", 3)
    page = f"/meetings/{friday}"
    with freeze_time(at(THURSDAY, 17, 30)):
        login(users["chair"])
        assert 'name="add-child_name"' in text_of(client.get(page))
        nobody = post_form(client, page, f"{page}/agenda/add", {"add-child_name": "Nobody Here", "add-reason": "x"})
        assert nobody.status_code == 400 and "names a child called Nobody Here" in text_of(nobody)

        added = post_form(client, page, f"{page}/agenda/add", {"add-child_name": "zed quill", "add-reason": "Sibling"})
        assert added.status_code == 302
        assert db.session.scalar(select(MeetingItem.contact_id).where(MeetingItem.meeting_id == friday)) == only

        several = post_form(client, page, f"{page}/agenda/add", {"add-child_name": "Orr", "add-reason": "Same family"})
        html = text_of(several)
        assert several.status_code == 200 and "More than one contact names a child called" in html
        assert f'value="{first}"' in html and f'value="{second}"' in html and "Same family" in html
        chosen = post_form(client, page, f"{page}/agenda/add", {"add-child_name": "Orr", "add-contact_id": str(second),
                                                                "add-reason": "Same family"})
        assert chosen.status_code == 302
        on_agenda = set(db.session.scalars(select(MeetingItem.contact_id).where(MeetingItem.meeting_id == friday)))
        assert on_agenda == {only, second}
    audited = set(db.session.scalars(select(AuditEvent.child_id).where(
        AuditEvent.action == "search", AuditEvent.entity == "contact", AuditEvent.child_id.is_not(None))))
    shown = set(db.session.scalars(select(ContactChild.child_id).where(ContactChild.contact_id.in_(
        [only, first, second]))))
    assert audited == shown and len(shown) == 3  # each child the search showed, and no other


def test_the_attendance_list_tells_the_page_each_persons_agency(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    with freeze_time(at(THURSDAY, 17, 30)):
        login(users["chair"])
        html = text_of(client.get(f"/meetings/{friday}"))
    assert f'value="{users["police"].id}" data-agency="police"' in html
    assert f'value="{users["manager"].id}" data-agency="childrens_social_care"' in html
    assert 'data-person-select data-agency-field="att-agency"' in html


def test_planning_a_duplicate_links_to_the_meeting_already_planned(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    with freeze_time(at(THURSDAY, 17, 30)):
        login(users["chair"])
        again = post_form(client, "/meetings", "/meetings/plan", {
            "type": "mash_daily", "meeting_date-day": str(FRIDAY.day), "meeting_date-month": str(FRIDAY.month),
            "meeting_date-year": str(FRIDAY.year), "locality_id": ""})
    assert again.status_code == 409
    assert f'href="/meetings/{friday}">Go to the meeting already planned' in text_of(again)


def test_closing_a_meeting_asks_first(client, login, setup):
    friday, users = setup["friday"], setup["users"]
    with freeze_time(DURING):
        login(users["chair"])
        post_form(client, f"/meetings/{friday}", f"/meetings/{friday}/start", {})
        live = text_of(client.get(f"/meetings/{friday}/live"))
        assert f'href="/meetings/{friday}/close"' in live and f'action="/meetings/{friday}/close"' not in live
        ask = text_of(client.get(f"/meetings/{friday}/close"))
        assert "Close the meeting?" in ask and "2 items not yet discussed will carry over" in ask
        assert db.session.get(Meeting, friday).state == "open"  # asking changed nothing
        closed = post_form(client, f"/meetings/{friday}/close", f"/meetings/{friday}/close", {})
        assert closed.headers["Location"].endswith(f"/meetings/{friday}/minutes")
        assert db.session.get(Meeting, friday).state == "closed"
