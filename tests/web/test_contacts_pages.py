"""Contacts, the queue and partner requests through the pages, with the Flask test client."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_token_from
from triage.extensions import db
from triage.models import Child, Clock, Contact, InformationRequest, Referral

LATER = NOW + timedelta(hours=1)  # the pages' "now": a Friday, 10:30 London time (GMT)


@pytest.fixture(autouse=True)
def clock():
    with freeze_time(LATER) as frozen:
        yield frozen


def text_of(response) -> str:
    return response.get_data(as_text=True)


def token(client, url: str = "/") -> str:
    return csrf_token_from(text_of(client.get(url)))


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def contact_form(csrf: str, **overrides) -> dict:
    """A complete 'log a contact' form for one new child, as a browser would send it."""
    data = {
        "csrf_token": csrf, "submission_key": "k1", "child_rows": "1", "action": "save",
        "received_date-day": "27", "received_date-month": "11", "received_date-year": "2026",
        "received_time": "09:15", "channel": "phone", "source_code": "2A",
        "referrer_name": "Ms Hart", "referrer_role": "Designated safeguarding lead",
        "referrer_agency": "Wren Primary", "referrer_contact_details": "01234 567890",
        "child-0-mode": "new", "child-0-first_name": "Maya", "child-0-last_name": "Okafor",
        "child-0-date_of_birth-day": "2", "child-0-date_of_birth-month": "3", "child-0-date_of_birth-year": "2017",
        "child-0-sex": "female", "child-0-nhs_number": "943 476 5919", "child-0-address_line_1": "4 Mill Lane",
        "child-0-postcode": "wr1 2ab", "child-0-locality_id": "",
        "concern": "Came to school with bruising to her arm.", "consent": "given",
        "consent_given_by": "Grace Okafor, mother", "team_id": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


NOTIFICATION = {
    "channel": "police_notification", "source_code": "6", "referrer_name": "PC 1234 Patel",
    "concern": "Domestic abuse incident at the home; children present.",
    "police_incident_reference": "INC-2026-0001", "dash_risk": "medium", "consent": "not_required",
}


@pytest.fixture
def record(make_user, actor_for, make_child):
    """Record a contact through the service (received before the pages' now)."""
    from triage.services import contacts

    recorder = {}

    def make(children=None, received_at=NOW, **changes):
        if "user" not in recorder:
            recorder["user"] = make_user("era", username="intake")
        if children is None:
            children = [make_child("Maya", "Okafor", date(2017, 3, 2), nhs_number="9434765919")]
        data = {**NOTIFICATION, "received_at": received_at,
                "children": [{"child_id": c.id} for c in children], **changes}
        contact, _ = contacts.record_contact(actor_for(recorder["user"]), received_at, data)
        return contact

    return make


def action(client, contact_id: int, path: str, prefix: str, version: int, **fields):
    data = {f"{prefix}-csrf_token": token(client), f"{prefix}-version": str(version)}
    for key, value in fields.items():
        data[f"{prefix}-{key}"] = value
    return client.post(f"/contacts/{contact_id}/{path}", data=data)


def current(contact_id: int) -> Contact:
    db.session.expire_all()
    return db.session.get(Contact, contact_id)


# Access ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/contacts/new", "/queue", "/contacts/1", "/requests", "/requests/1"])
def test_a_signed_out_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in response.headers["Location"]


@pytest.mark.parametrize("role, path", [
    ("performance", "/queue"),
    ("partner", "/queue"),
    ("partner", "/contacts/new"),
    ("admin", "/contacts/new"),
    ("partner", "/contacts/1"),
    ("performance", "/contacts/1"),
    ("era", "/requests"),
    ("admin", "/requests/1"),
])
def test_a_role_without_access_gets_403(client, login, make_user, role, path):
    login(make_user(role))

    response = client.get(path)

    assert response.status_code == 403
    assert "Your role does not give access to this" in text_of(response)


def test_a_partner_cannot_post_a_contact_through_the_page(client, login, make_user):
    login(make_user("partner", agency="police"))

    response = client.post("/contacts/new", data=contact_form(token(client)))

    assert response.status_code == 403
    assert count(Contact) == 0


def test_an_era_sees_no_decide_form_and_cannot_post_a_decision(client, login, make_user, record):
    contact = record()
    login(make_user("era"))

    page = text_of(client.get(f"/contacts/{contact.id}"))

    assert "Only a Front Door manager can decide this contact" in page
    assert f'action="/contacts/{contact.id}/decision"' not in page
    assert f'action="/contacts/{contact.id}/rag"' not in page  # screening is for practitioners
    assert f'action="/contacts/{contact.id}/acknowledgement"' in page  # but ERAs acknowledge referrers
    response = action(client, contact.id, "decision", "decide", contact.version, outcome="no_further_action",
                      rationale="Nothing to do")
    assert response.status_code == 403
    assert current(contact.id).state == "received"


def test_a_practitioner_sees_the_recommend_form_but_not_the_decide_form(client, login, make_user, record,
                                                                       actor_for):
    from triage.services import contacts

    contact = record()
    practitioner = make_user("practitioner")
    login(practitioner)
    received = text_of(client.get(f"/contacts/{contact.id}"))
    assert "Start screening, or give a RAG rating, before recommending an outcome" in received
    contact = contacts.start_screening(actor_for(practitioner), LATER, contact.id)

    page = text_of(client.get(f"/contacts/{contact.id}"))

    assert f'action="/contacts/{contact.id}/recommendation"' in page
    assert f'action="/contacts/{contact.id}/decision"' not in page
    assert action(client, contact.id, "decision", "decide", contact.version, outcome="early_help",
                  rationale="x").status_code == 403


def test_a_missing_contact_is_a_404_page(client, login, make_user):
    login(make_user("practitioner"))

    response = client.get("/contacts/4040")

    assert response.status_code == 404
    assert "No contact 4040" in text_of(response)


# Logging a contact: bad input -----------------------------------------------------------------

def test_the_new_contact_form_defaults_to_now_in_london(client, login, make_user):
    login(make_user("era"))

    page = text_of(client.get("/contacts/new"))

    assert input_value(page, "received_date-day") == "27" and input_value(page, "received_date-year") == "2026"
    assert input_value(page, "received_time") == "10:30"
    assert "the first (British Summer Time) is used" in page  # the hint explains the doubled hour
    assert 'data-aria-controls="conditional-channel-4"' in page  # police fields revealed by the channel


@pytest.mark.parametrize("overrides, anchor, message", [
    ({"received_time": "11:45"}, "received_time", "Time received must be now or in the past"),
    ({"received_date-day": "28"}, "received_date-day", "Date received must be today or in the past"),
    ({"received_time": "25:00"}, "received_time", "Time received must be a real time"),
    ({"received_time": "half nine"}, "received_time", "Time received must be a time on the 24-hour clock"),
    ({"received_date-day": "", "received_date-month": "", "received_date-year": ""}, "received_date-day",
     "Enter the date the contact was received"),
    ({"concern": "  "}, "concern", "Describe what the concern is"),
    ({"channel": "police_notification"}, "police_incident_reference",
     "Enter the police incident reference for a police notification"),
    ({"channel": None}, "channel", "Select how the contact came in"),
    ({"source_code": ""}, "source_code", "Choose the referral source"),
    ({"consent": None}, "consent", "Select the consent position"),
    ({"consent_given_by": ""}, "consent_given_by", "Say who gave consent"),
    ({"consent": "not_sought"}, "consent_not_sought_reason", "Select why consent was not sought"),
    ({"child-0-first_name": ""}, "child-0-first_name", "Enter the child&#39;s first name"),
    ({"child-0-date_of_birth-day": "31", "child-0-date_of_birth-month": "2"}, "child-0-date_of_birth-day",
     "Date of birth must be a real date"),
    ({"child-0-nhs_number": "9434765918"}, "child-0-nhs_number", "NHS number check digit does not match"),
    ({"child-0-mode": None}, "child-0-mode", "Select whether this child is already recorded"),
    ({"child-0-mode": "existing"}, "child-0-search_name", "Find the child, then choose their record"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(client, login, make_user,
                                                                  overrides, anchor, message):
    login(make_user("era"))

    response = client.post("/contacts/new", data=contact_form(token(client, "/contacts/new"), **overrides))

    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert re.search(rf'<a href="#{re.escape(anchor)}">{re.escape(message)}', page), page[:3000]
    assert f'id="{anchor.removesuffix("-day")}-error"' in page
    assert count(Contact) == 0 and count(Child) == 0 and count(Clock) == 0


def test_a_time_that_did_not_happen_when_the_clocks_went_forward_is_refused_on_the_time(
        client, login, make_user):
    login(make_user("era"))

    response = client.post("/contacts/new", data=contact_form(
        token(client, "/contacts/new"), **{"received_date-day": "29", "received_date-month": "3",
                                           "received_date-year": "2026", "received_time": "01:30"}))

    assert response.status_code == 400
    page = text_of(response)
    assert ('<a href="#received_time">Time received cannot be 01:30 on 29 March 2026: the clocks went '
            'forward an hour at 01:00 that night') in page
    assert input_value(page, "received_time") == "01:30"  # what was typed stays in the box
    assert count(Contact) == 0


def test_a_time_in_the_doubled_hour_takes_the_first_and_says_so(client, login, make_user):
    login(make_user("era"))

    response = client.post("/contacts/new", data=contact_form(
        token(client, "/contacts/new"), **{"received_date-day": "25", "received_date-month": "10",
                                           "received_date-year": "2026", "received_time": "1:30"}),
                           follow_redirects=True)

    assert response.status_code == 200
    contact = db.session.scalar(select(Contact))
    assert contact.received_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert "happened twice when the clocks went back: the first, 01:30 British Summer Time, was used" in \
        text_of(response)


def test_a_back_dated_police_notification_is_logged_with_its_clock_and_new_children(client, login, make_user):
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), channel="police_notification", source_code="6",
                        police_incident_reference="INC-77", dash_risk="high", operation_encompass="yes",
                        consent="not_required", put_forward="y", **{
                            "received_date-day": "26", "received_time": "23:10", "child_rows": "2",
                            "child-1-mode": "new", "child-1-first_name": "Leo", "child-1-last_name": "Okafor",
                            "child-1-date_of_birth-day": "14", "child-1-date_of_birth-month": "9",
                            "child-1-date_of_birth-year": "2020", "child-1-sex": "male"})

    response = client.post("/contacts/new", data=form)

    assert response.status_code == 302, text_of(response)
    contact = db.session.scalar(select(Contact))
    assert response.headers["Location"] == f"/contacts/{contact.id}"
    assert contact.received_at == datetime(2026, 11, 26, 23, 10, tzinfo=UTC)
    assert contact.decision_due_at == datetime(2026, 11, 27, 23, 10, tzinfo=UTC)
    assert (contact.police_incident_reference, contact.dash_risk, contact.operation_encompass_informed) == \
        ("INC-77", "high", True)
    assert contact.put_forward_to_meeting is True and contact.consent_by is None  # hidden reveal ignored
    assert [link.child.full_name for link in contact.children] == ["Maya Okafor", "Leo Okafor"]
    assert contact.children[0].child.nhs_number == "9434765919"
    assert contact.children[0].child.postcode == "WR1 2AB"


def test_submitting_the_same_form_twice_logs_one_contact(client, login, make_user):
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"))

    first = client.post("/contacts/new", data=form)
    second = client.post("/contacts/new", data=form, follow_redirects=True)

    assert first.status_code == 302
    assert "was already logged as contact" in text_of(second)
    assert count(Contact) == 1


# Logging a contact: the children ------------------------------------------------------------------

def test_an_existing_child_is_found_by_search_and_chosen(client, login, make_user, make_child):
    child = make_child("Amira", "Hussain", nhs_number="9434765919")
    make_child("Amira", "Jones")
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), **{
        "child-0-mode": "existing", "child-0-search_name": "hussain", "action": "search-0"})

    searched = client.post("/contacts/new", data=form)

    page = text_of(searched)
    assert searched.status_code == 200
    assert "There is a problem" not in page
    assert "1 child found" in page
    assert f'name="child-0-existing_id" type="radio" value="{child.id}"' in page
    assert "Amira Hussain, born 1 June 2015, NHS number 943 476 5919" in page
    assert "Amira Jones" not in page
    assert 'value="Came to school with bruising to her arm."' not in page  # a textarea keeps its text
    assert "Came to school with bruising to her arm.</textarea>" in page
    assert count(Contact) == 0

    saved = client.post("/contacts/new", data={**form, "action": "save", "child-0-existing_id": str(child.id)})

    assert saved.status_code == 302, text_of(saved)
    contact = db.session.scalar(select(Contact))
    assert [link.child_id for link in contact.children] == [child.id]
    assert count(Child) == 2  # no new record


def test_a_search_that_finds_nobody_says_so(client, login, make_user):
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), **{
        "child-0-mode": "existing", "child-0-search_name": "nobody", "action": "search-0"})

    response = client.post("/contacts/new", data=form)

    assert response.status_code == 200
    assert "No child matches" in text_of(response)


def test_a_new_child_like_an_existing_one_shows_the_match_then_is_confirmed_as_different(
        client, login, make_user, make_child):
    existing = make_child("Maya", "Okafor", date(2017, 3, 2))
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), **{"child-0-nhs_number": ""})

    warned = client.post("/contacts/new", data=form)

    page = text_of(warned)
    assert warned.status_code == 409
    assert "This child may already be recorded" in page
    assert f'value="{existing.id}"' in page and "No, this is a different child" in page
    assert '<a href="#child-0-use_match">This child may already be recorded' in page
    assert count(Contact) == 0
    match_ids = input_value(page, "child-0-match_ids")

    confirmed = client.post("/contacts/new", data={**form, "child-0-use_match": "new",
                                                   "child-0-match_ids": match_ids})

    assert confirmed.status_code == 302, text_of(confirmed)
    assert count(Child) == 2


def test_choosing_the_matching_record_links_the_existing_child(client, login, make_user, make_child):
    existing = make_child("Maya", "Okafor", date(2017, 3, 2))
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), **{"child-0-nhs_number": ""})

    response = client.post("/contacts/new", data={**form, "child-0-use_match": str(existing.id),
                                                  "child-0-match_ids": str(existing.id)})

    assert response.status_code == 302
    assert [link.child_id for link in db.session.scalar(select(Contact)).children] == [existing.id]
    assert count(Child) == 1


def test_a_child_with_a_known_nhs_number_cannot_be_added_as_different(client, login, make_user, make_child):
    existing = make_child("Maya", "Okafor", date(2017, 3, 2), nhs_number="9434765919")
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), **{
        "child-0-first_name": "Maia", "child-0-use_match": "new", "child-0-match_ids": str(existing.id)})

    response = client.post("/contacts/new", data=form)

    assert response.status_code == 409
    page = text_of(response)
    assert "A child with this NHS number is already recorded" in page
    assert "No, this is a different child" not in page
    assert count(Contact) == 0


def test_adding_and_removing_child_rows_keeps_what_was_typed(client, login, make_user):
    login(make_user("era"))
    form = contact_form(token(client, "/contacts/new"), action="add-child")

    added = text_of(client.post("/contacts/new", data=form))

    assert 'name="child_rows" value="2"' in added
    assert "Is child 2 already recorded?" in added
    assert input_value(added, "child-0-first_name") == "Maya"

    removed = text_of(client.post("/contacts/new", data={
        **form, "child_rows": "2", "action": "remove-0", "child-1-mode": "new", "child-1-first_name": "Leo"}))

    assert 'name="child_rows" value="1"' in removed
    assert input_value(removed, "child-0-first_name") == "Leo"
    assert count(Contact) == 0


# The queue ------------------------------------------------------------------------------------

def test_the_queue_lists_contacts_breached_first_with_tags_that_say_so(client, login, make_user, make_child,
                                                                       record, actor_for):
    from triage.services import contacts

    late = record(children=[make_child("Late", "Child")], received_at=NOW - timedelta(hours=30))
    soon = record(children=[make_child("Soon", "Child")], received_at=NOW - timedelta(hours=21))
    fresh = record(children=[make_child("Fresh", "Child")], received_at=NOW)
    contacts.set_rag(actor_for(make_user("practitioner")), NOW, fresh.id, "amber", "Reason")
    login(make_user("era"))

    page = text_of(client.get("/queue"))

    assert "3 contacts awaiting decision" in page
    assert page.index("Late Child") < page.index("Soon Child") < page.index("Fresh Child")
    rows = page.split('<tr class="govuk-table__row">')[2:]
    assert ">Overdue<" in rows[0] and "Overdue by 7 hours" in rows[0]
    assert ">Due soon<" in rows[1] and "2 hours left" in rows[1]
    assert ">On time<" in rows[2] and "23 hours left" in rows[2] and ">Amber<" in rows[2]
    assert ">Not yet rated<" in rows[0]
    assert f'href="/contacts/{late.id}"' in rows[0] and f'href="/contacts/{soon.id}"' in rows[1]


def test_the_queue_filters_by_rag_and_by_the_agency_awaited(client, login, make_user, make_child, record,
                                                            actor_for):
    from triage.services import contacts, information_requests

    practitioner = actor_for(make_user("practitioner"))
    rated = record(children=[make_child("Rose", "Ashby")])
    unrated = record(children=[make_child("Una", "Bell")])
    rated = contacts.set_rag(practitioner, NOW, rated.id, "red", "Serious")
    information_requests.request_information(practitioner, NOW, rated.id, ["health"], "Known?")
    login(make_user("manager"))

    not_rated = text_of(client.get("/queue?rag=none"))
    awaiting = text_of(client.get("/queue?agency=health"))
    bad = client.get("/queue?rag=purple")

    assert f'href="/contacts/{unrated.id}"' in not_rated and f'href="/contacts/{rated.id}"' not in not_rated
    assert f'href="/contacts/{rated.id}"' in awaiting and f'href="/contacts/{unrated.id}"' not in awaiting
    assert "Health</td>" in awaiting  # the agency awaited
    assert bad.status_code == 400 and '<a href="#rag">Choose a RAG rating from the list</a>' in text_of(bad)


def test_the_queue_is_paginated(client, login, make_user, make_child, record):
    for n in range(27):
        record(children=[make_child("Child", f"Pager{n:02d}")], received_at=NOW - timedelta(minutes=n))
    login(make_user("practitioner"))

    first = text_of(client.get("/queue"))
    second = text_of(client.get("/queue?page=2"))

    assert "27 contacts awaiting decision" in first
    assert "Pager26" in first and "Pager00" not in first  # the oldest is due first
    assert 'rel="next"' in first
    assert "Pager00" in second and "Pager01" in second and "Pager26" not in second


# The contact page -----------------------------------------------------------------------------

def test_the_contact_page_surfaces_the_childs_history(client, login, make_user, make_child, record, actor_for):
    from triage.services import contacts

    child = make_child("Maya", "Okafor", date(2017, 3, 2))
    earlier = record(children=[child], received_at=NOW - timedelta(days=60))
    contacts.record_decision(actor_for(make_user("manager")), NOW - timedelta(days=60) + timedelta(hours=2),
                             earlier.id, [{"outcome": "assessment", "rationale": "Assess"}])
    contact = record(children=[child])
    login(make_user("practitioner"))

    page = text_of(client.get(f"/contacts/{contact.id}"))

    assert f'href="/contacts/{earlier.id}">Contact {earlier.id}</a>' in page
    assert "Open case" in page
    assert "a referral from this contact would be a re-referral" in page
    assert "Police incident reference" in page and "INC-2026-0001" in page
    assert "Consent not required (significant harm)" in page


def test_a_stale_version_is_a_409_that_says_so_and_keeps_the_typed_text(client, login, make_user, record,
                                                                         actor_for):
    from triage.services import contacts

    contact = record()
    login(make_user("practitioner"))
    version = contact.version  # what the practitioner's page holds
    client.get(f"/contacts/{contact.id}")
    contacts.set_rag(actor_for(make_user("manager")), LATER, contact.id, "green", "Meanwhile")

    response = action(client, contact.id, "rag", "rag", version, rag="red",
                      reason="Children present at a violent incident")

    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else changed this contact while you were working on it" in page
    assert "Children present at a violent incident</textarea>" in page
    assert 'value="red" checked' in page
    assert "Meanwhile" in page  # the page shows the contact as it is now
    assert current(contact.id).rag == "green"


def test_asking_partners_without_consent_is_refused_and_the_page_says_why(client, login, make_user, record,
                                                                          actor_for):
    from triage.services import contacts

    contact = record(consent="refused", consent_by="Mother")
    login(make_user("practitioner"))
    before = text_of(client.get(f"/contacts/{contact.id}"))
    assert "You cannot ask partner agencies yet. Set a RAG rating first" in before

    contact = contacts.set_rag(actor_for(make_user("practitioner")), LATER, contact.id, "green", "Low level")
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert "You cannot ask partner agencies yet. Consent was refused" in page
    assert f'action="/contacts/{contact.id}/information-requests"' not in page

    response = client.post(f"/contacts/{contact.id}/information-requests", data={
        "ask-csrf_token": token(client), "ask-version": str(contact.version), "ask-agencies": "health",
        "ask-question": "Known to you?"})

    assert response.status_code == 409
    assert '<a href="#ask-agencies">Consent was refused' in text_of(response)
    assert count(InformationRequest) == 0


def test_a_late_decision_asks_for_the_reason(client, login, make_user, record):
    contact = record(received_at=NOW - timedelta(days=2))
    login(make_user("manager"))
    assert "The decision clock ran out" in text_of(client.get(f"/contacts/{contact.id}"))

    refused = action(client, contact.id, "decision", "decide", contact.version, outcome="no_further_action",
                     rationale="Nothing more")

    assert refused.status_code == 400
    assert '<a href="#decide-delay_reason">Say why the decision is late</a>' in text_of(refused)
    decided = action(client, contact.id, "decision", "decide", contact.version, outcome="no_further_action",
                     rationale="Nothing more", delay_reason="Waiting for police checks")
    assert decided.status_code == 302
    assert current(contact.id).children[0].within_clock is False


def test_a_manager_decides_differently_for_each_child(client, login, make_user, make_child, record):
    maya, leo = make_child("Maya", "Okafor"), make_child("Leo", "Okafor", date(2020, 9, 14))
    contact = record(children=[maya, leo])
    login(make_user("manager"))

    missing = action(client, contact.id, "decision", "decide", contact.version, apply_to="each",
                     **{f"outcome_{maya.id}": "assessment", f"rationale_{maya.id}": "Assess"})
    assert missing.status_code == 400
    assert f'<a href="#decide-outcome_{leo.id}">Select the outcome for Leo Okafor</a>' in text_of(missing)

    decided = action(client, contact.id, "decision", "decide", contact.version, apply_to="each", **{
        f"outcome_{maya.id}": "assessment", f"rationale_{maya.id}": "Assess her needs",
        f"outcome_{leo.id}": "early_help", f"rationale_{leo.id}": "Family support"})

    assert decided.status_code == 302
    outcomes = {link.child_id: link.outcome for link in current(contact.id).children}
    assert outcomes == {maya.id: "assessment", leo.id: "early_help"}
    assert [r.child_id for r in db.session.scalars(select(Referral))] == [maya.id]


def test_a_decision_without_an_outcome_or_rationale_names_both(client, login, make_user, record):
    contact = record()
    login(make_user("manager"))

    response = action(client, contact.id, "decision", "decide", contact.version, rationale=" ")

    page = text_of(response)
    assert response.status_code == 400
    assert '<a href="#decide-outcome">Select the outcome</a>' in page
    assert '<a href="#decide-rationale">Write the rationale: it is always required</a>' in page
    assert current(contact.id).state == "received"


# Partner requests -----------------------------------------------------------------------------

def test_a_partner_sees_only_their_agencys_requests(client, login, make_user, make_child, record, actor_for):
    from triage.services import contacts, information_requests

    practitioner = actor_for(make_user("practitioner"))
    contact = contacts.set_rag(practitioner, NOW, record().id, "amber", "Concern")
    asked = information_requests.request_information(practitioner, NOW, contact.id, ["health", "education"],
                                                     "What do you hold?")
    to_health, to_education = sorted(asked, key=lambda r: r.agency.code != "health")
    login(make_user("partner", agency="health"))

    inbox = text_of(client.get("/requests"))

    assert f'href="/requests/{to_health.id}"' in inbox
    assert f'href="/requests/{to_education.id}"' not in inbox
    assert "1 request, soonest due first" in inbox
    assert client.get(f"/requests/{to_education.id}").status_code == 404
    stolen = client.post(f"/requests/{to_education.id}", data={
        "csrf_token": token(client), "version": "1", "answer": "Nothing held"})
    assert stolen.status_code == 404
    db.session.expire_all()
    assert db.session.get(InformationRequest, to_education.id).state == "open"
    assert client.get("/requests?agency=education").status_code == 200  # the filter is ignored for partners
    assert f'href="/requests/{to_education.id}"' not in text_of(client.get("/requests?agency=education"))


def test_staff_see_every_agencys_requests_and_can_filter(client, login, make_user, record, actor_for):
    from triage.services import contacts, information_requests

    practitioner = actor_for(make_user("practitioner"))
    contact = contacts.set_rag(practitioner, NOW, record().id, "red", "Serious")
    asked = information_requests.request_information(practitioner, NOW, contact.id, ["health", "police"],
                                                     "Anything?")
    to_health, to_police = sorted(asked, key=lambda r: r.agency.code != "health")
    login(make_user("manager"))

    everything = text_of(client.get("/requests"))
    health_only = text_of(client.get("/requests?state=open&agency=health"))

    assert f'href="/requests/{to_health.id}"' in everything and f'href="/requests/{to_police.id}"' in everything
    assert ">On time<" in everything  # red: due 4 hours after 09:30; at 10:30 three hours are left
    assert f'href="/requests/{to_police.id}"' not in health_only


def test_the_request_page_shows_what_the_partner_needs_and_the_answer_as_theirs(
        client, login, make_user, make_child, record, actor_for):
    from triage.services import contacts, information_requests

    child = make_child("Maya", "Okafor", date(2017, 3, 2), nhs_number="9434765919", address_line_1="4 Mill Lane",
                       postcode="WR1 2AB", upn="A123456789012")
    practitioner = actor_for(make_user("practitioner"))
    contact = contacts.set_rag(practitioner, NOW, record(children=[child]).id, "amber", "Concern")
    req, = information_requests.request_information(practitioner, NOW, contact.id, ["health"], "Health visiting?")
    login(make_user("partner", agency="health"))

    page = text_of(client.get(f"/requests/{req.id}"))

    for expected in ("Maya Okafor", "2 March 2017", "4 Mill Lane", "WR1 2AB", "943 476 5919", "Health visiting?",
                     "28 Nov 2026, 09:30", "Domestic abuse incident at the home"):
        assert expected in page
    assert "PC 1234 Patel" not in page  # the referrer is the Front Door's business

    empty = client.post(f"/requests/{req.id}", data={"csrf_token": token(client), "version": str(req.version),
                                                     "answer": ""})
    assert empty.status_code == 400 and '<a href="#answer">Enter the answer' in text_of(empty)

    answered = client.post(f"/requests/{req.id}", data={
        "csrf_token": token(client), "version": str(req.version), "answer": "Known to health visiting."},
        follow_redirects=True)

    page = text_of(answered)
    assert "Your answer has been sent to the Front Door" in page
    assert "Answer from Health" in page and "Known to health visiting." in page
    assert "<textarea" not in page
    db.session.expire_all()
    assert db.session.get(InformationRequest, req.id).answering_agency_id == req.agency_id
    assert current(contact.id).state == "ready_for_decision"


def test_an_answer_to_a_request_changed_meanwhile_is_a_409_that_keeps_the_text(
        client, login, make_user, record, actor_for):
    from triage.services import contacts, information_requests

    practitioner = actor_for(make_user("practitioner"))
    contact = contacts.set_rag(practitioner, NOW, record().id, "amber", "Concern")
    req, = information_requests.request_information(practitioner, NOW, contact.id, ["health"], "Known?")
    login(make_user("partner", agency="health"))
    version = req.version
    information_requests.answer_request(actor_for(make_user("partner", agency="health")), LATER, req.id,
                                        "A colleague answered first")

    response = client.post(f"/requests/{req.id}", data={"csrf_token": token(client), "version": str(version),
                                                        "answer": "My own answer"})

    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else changed this request while you were writing" in page
    assert "A colleague answered first" in page and "My own answer" in page


# The whole journey through the pages -----------------------------------------------------------

def test_a_contact_goes_from_the_form_to_a_decision_through_the_pages(client, login, make_user):
    era, practitioner = make_user("era"), make_user("practitioner")
    health, manager = make_user("partner", agency="health"), make_user("manager")

    login(era)
    logged = client.post("/contacts/new", data=contact_form(token(client, "/contacts/new")))
    assert logged.status_code == 302, text_of(logged)
    contact_id = int(logged.headers["Location"].rsplit("/", 1)[1])
    contact = current(contact_id)
    assert contact.received_at == datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
    assert contact.consent_by == "Grace Okafor, mother" and contact.consent_at == LATER
    ack = action(client, contact_id, "acknowledgement", "ack", contact.version)
    assert ack.status_code == 302 and current(contact_id).acknowledged_at == LATER
    client.post("/logout", data={"csrf_token": token(client)})

    login(practitioner)
    assert f'href="/contacts/{contact_id}"' in text_of(client.get("/queue"))
    version = current(contact_id).version
    assert action(client, contact_id, "screening", "screen", version).status_code == 302
    rated = action(client, contact_id, "rag", "rag", current(contact_id).version, rag="green",
                   reason="Single bruise, explanation given")
    assert rated.status_code == 302
    missing = action(client, contact_id, "information-requests", "ask", current(contact_id).version,
                     question="Known?")
    assert missing.status_code == 400
    assert '<a href="#ask-agencies">Choose at least one agency</a>' in text_of(missing)
    asked = action(client, contact_id, "information-requests", "ask", current(contact_id).version,
                   agencies="health", question="Is the family known to health visiting?")
    assert asked.status_code == 302
    forward = action(client, contact_id, "put-forward", "forward", current(contact_id).version, put_forward="yes")
    assert forward.status_code == 302 and current(contact_id).put_forward_to_meeting is True
    page = text_of(client.get(f"/contacts/{contact_id}"))
    assert "Awaiting answer" in page and "Single bruise, explanation given" in page
    client.post("/logout", data={"csrf_token": token(client)})

    login(health)
    request_id = current(contact_id).requests[0].id
    assert f'href="/requests/{request_id}"' in text_of(client.get("/requests"))
    answered = client.post(f"/requests/{request_id}", data={
        "csrf_token": token(client), "version": "1", "answer": "Seen at 2-year review; no concerns."})
    assert answered.status_code == 302
    client.post("/logout", data={"csrf_token": token(client)})

    login(practitioner)
    recommended = action(client, contact_id, "recommendation", "recommend", current(contact_id).version,
                         outcome="early_help", rationale="Below threshold; family would accept support")
    assert recommended.status_code == 302
    client.post("/logout", data={"csrf_token": token(client)})

    login(manager)
    page = text_of(client.get(f"/contacts/{contact_id}"))
    assert "From Health</strong>" in page and "Seen at 2-year review; no concerns." in page
    assert 'name="decide-outcome" type="radio" value="early_help" checked' in page  # the recommendation
    decided = action(client, contact_id, "decision", "decide", current(contact_id).version,
                     outcome="assessment", rationale="Pattern of bruising needs an assessment")
    assert decided.status_code == 302
    assert current(contact_id).state == "decided"
    referral = db.session.scalar(select(Referral).where(Referral.contact_id == contact_id))
    assert referral.referral_date == date(2026, 11, 27)
    fed_back = action(client, contact_id, "feedback", "feedback", current(contact_id).version,
                      note="Told Ms Hart an assessment will follow")
    assert fed_back.status_code == 302
    page = text_of(client.get(f"/contacts/{contact_id}"))
    assert "Decided" in page and "Child and family assessment (section 17)" in page
    assert "Referrals made" in page and "Told Ms Hart an assessment will follow" in page
    assert f'action="/contacts/{contact_id}/decision"' not in page
    assert f'href="/contacts/{contact_id}"' not in text_of(client.get("/queue"))


def test_a_practitioner_records_consent_on_the_contact_page_and_nonsense_is_refused(app, client, login, make_user):
    from triage.clock import utcnow  # tokens expire: made at the time requests are checked
    from triage.services import people

    _, secret = people.create_token(utcnow(), "feed", "partner", "police")
    feed = app.test_client()
    made = feed.post("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"}, json={
        "channel": "police_notification", "source_code": "6", "concern": "DA incident",
        "police_incident_reference": "INC-9", "children": [{"child": {
            "first_name": "Zed", "last_name": "Quinn", "sex": "male", "date_of_birth": "2016-01-01"}}]}).json
    login(make_user("practitioner"))
    page = client.get(f"/contacts/{made['id']}")
    assert "Update the consent record" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    bad = client.post(f"/contacts/{made['id']}/consent", data={
        "csrf_token": token, "consent-version": made["version"], "consent-consent": "not_sought"})
    assert bad.status_code == 400 and "Say why consent was not sought" in bad.get_data(as_text=True)
    good = client.post(f"/contacts/{made['id']}/consent", data={
        "csrf_token": token, "consent-version": made["version"], "consent-consent": "given",
        "consent-consent_by": "Father"})
    assert good.status_code == 302
    assert db.session.get(Contact, made["id"]).consent == "given"


# A child with an open case -------------------------------------------------------------------

def test_a_contact_about_a_child_with_an_open_case_can_be_added_to_it_from_the_page(
        client, login, make_user, actor_for, record, make_child):
    from triage.services import contacts

    manager, worker = make_user("manager"), make_user("practitioner", username="worker")
    child = make_child("Maya", "Okafor", date(2017, 3, 2))
    first = record([child], received_at=NOW - timedelta(days=2))
    contacts.record_decision(actor_for(manager), NOW - timedelta(days=2) + timedelta(hours=1), first.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    case = db.session.scalar(select(Referral).where(Referral.contact_id == first.id))
    case.worker_id = worker.id
    db.session.commit()
    second, unrelated = record([child]), record([make_child("Ola", "Bell", date(2018, 1, 5))])
    login(manager)

    page = text_of(client.get(f"/contacts/{second.id}"))
    assert f'href="/cases/{case.id}"' in page and 'value="add_to_open_case"' in page
    assert 'value="add_to_open_case"' not in text_of(client.get(f"/contacts/{unrelated.id}"))

    response = action(client, second.id, "decision", "decide", second.version, outcome="add_to_open_case",
                      rationale="The same worry: the worker already knows the family")

    assert response.status_code == 302
    assert "Added to the open case" in text_of(client.get(f"/contacts/{second.id}"))
    assert current(second.id).children[0].case_referral_id == case.id
    assert count(Referral) == 1


# Consent overridden, and signposting with no further action ----------------------------------

def test_only_a_manager_can_override_a_refusal_on_the_page_and_the_approval_is_shown(
        client, login, make_user, record):
    contact = record(consent="refused", consent_by="Mother")
    login(make_user("practitioner"))
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert "needs a Front Door manager's approval" in page and "consent-override_reason" not in page

    login(make_user("manager"))
    assert 'name="consent-override_reason"' in text_of(client.get(f"/contacts/{contact.id}"))
    refused = action(client, contact.id, "consent", "consent", contact.version, consent="not_required")
    assert refused.status_code == 400
    assert '<a href="#consent-override_reason">Say why sharing without consent is justified' in text_of(refused)

    approved = action(client, contact.id, "consent", "consent", contact.version, consent="not_required",
                      override_reason="Risk of significant harm to the children")
    assert approved.status_code == 302
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert "Sharing without consent approved by" in page and "Risk of significant harm to the children" in page


def test_no_further_action_records_the_signposting_chosen_on_the_page(client, login, make_user, record):
    contact = record(consent="given", consent_by="Mother")
    login(make_user("manager"))
    assert 'name="decide-signposting" type="checkbox" value="family_hub"' in text_of(client.get(f"/contacts/{contact.id}"))

    response = client.post(f"/contacts/{contact.id}/decision", data={
        "decide-csrf_token": token(client), "decide-version": str(contact.version),
        "decide-outcome": "no_further_action", "decide-rationale": "Below the threshold",
        "decide-signposting": ["family_hub", "school"]})

    assert response.status_code == 302
    assert "Signposted to" in text_of(client.get(f"/contacts/{contact.id}"))
    assert current(contact.id).children[0].signposting == "family_hub,school"


# The next step, and the queue's counts -------------------------------------------------------

def test_the_contact_page_offers_only_the_steps_its_state_allows_and_returns_to_the_section_saved(
        client, login, make_user, record, actor_for):
    from triage.services import contacts

    contact = record()
    login(make_user("practitioner"))
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert f'action="/contacts/{contact.id}/screening"' in page
    assert f'action="/contacts/{contact.id}/feedback"' not in page

    saved = action(client, contact.id, "rag", "rag", contact.version, rag="amber", reason="Repeated incidents")
    assert saved.status_code == 302 and saved.headers["Location"] == f"/contacts/{contact.id}#rag"
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert f'action="/contacts/{contact.id}/screening"' not in page  # screening has begun

    contacts.record_decision(actor_for(make_user("manager")), LATER, contact.id,
                             [{"outcome": "early_help", "rationale": "Family hub"}])
    page = text_of(client.get(f"/contacts/{contact.id}"))
    for step in ("rag", "consent", "information-requests", "put-forward", "recommendation", "decision"):
        assert f'action="/contacts/{contact.id}/{step}"' not in page, step
    assert f'action="/contacts/{contact.id}/feedback"' in page


def test_the_queue_counts_its_contacts_by_decision_clock(client, login, make_user, record, api_as, make_child):
    child = make_child("Maya", "Okafor", date(2017, 3, 2))
    record([child], received_at=NOW - timedelta(days=2))  # overdue
    record([child], received_at=NOW - timedelta(hours=22))  # due an hour after the pages' now
    record([child], received_at=NOW)  # 23 hours left
    record([child], received_at=NOW - timedelta(minutes=5))
    login(make_user("practitioner"))

    page = text_of(client.get("/queue"))

    assert "Overdue: 1" in page and "Due soon: 1" in page and "On time: 2" in page
    counts = api_as("practitioner").get("/api/v1/queue/counts")
    assert counts.status_code == 200 and counts.json == {"breached": 1, "due_soon": 1, "running": 2}
    assert api_as("practitioner").get("/api/v1/queue/counts?rag=red").json == {
        "breached": 0, "due_soon": 0, "running": 0}
