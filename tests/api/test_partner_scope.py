"""A partner agency reads a contact while its request is open and for PARTNER_READ_DAYS (7 by
default) after the answer or withdrawal, then it is a 404; `?state=all` lists no more than that."""
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time

from triage.services import contacts, information_requests

ASKED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def staff(make_user, actor_for):
    return {role: actor_for(make_user(role)) for role in ("era", "practitioner")}


@pytest.fixture
def ask_health(staff):
    """A contact with a request to health, made at ASKED (+ minutes, to keep them apart)."""
    def make(minutes: int = 0):
        when = ASKED + timedelta(minutes=minutes)
        contact, _ = contacts.record_contact(staff["era"], when, {
            "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given",
            "consent_by": "Mother", "received_at": when, "children": [{"child": {
                "first_name": "Nia", "last_name": "Hale", "sex": "female", "date_of_birth": date(2016, 4, 4)},
                "confirmed_new": True}]})
        contacts.set_rag(staff["practitioner"], when, contact.id, "green", "Low")
        [request] = information_requests.request_information(staff["practitioner"], when, contact.id,
                                                             ["health"], "Known?")
        return contact, request
    return make


def status_at(client, when: datetime, url: str) -> int:
    with freeze_time(when):
        return client.get(url).status_code


def test_a_partner_reads_the_contact_until_seven_days_after_its_answer(api_as, ask_health):
    contact, request = ask_health()
    health = api_as("partner", "health")
    answered = ASKED + timedelta(days=1)
    with freeze_time(answered):
        assert health.post(f"/api/v1/information-requests/{request.id}/answer",
                           json={"answer": "Nothing held"}).status_code == 200
    for url in (f"/api/v1/contacts/{contact.id}", f"/api/v1/information-requests/{request.id}"):
        assert status_at(health, answered + timedelta(days=7), url) == 200, url
        assert status_at(health, answered + timedelta(days=7, seconds=1), url) == 404, url


def test_a_withdrawn_request_ends_the_partners_view_seven_days_later(api_as, ask_health, staff):
    contact, request = ask_health()
    withdrawn = ASKED + timedelta(hours=3)
    information_requests.withdraw_request(staff["practitioner"], withdrawn, request.id)
    health = api_as("partner", "health")
    assert status_at(health, withdrawn + timedelta(days=6), f"/api/v1/contacts/{contact.id}") == 200
    assert status_at(health, withdrawn + timedelta(days=8), f"/api/v1/contacts/{contact.id}") == 404
    assert status_at(health, withdrawn + timedelta(days=8), f"/api/v1/information-requests/{request.id}") == 404


def test_an_open_request_keeps_the_contact_readable_however_long_it_waits(api_as, ask_health):
    contact, _ = ask_health()
    assert status_at(api_as("partner", "health"), ASKED + timedelta(days=90), f"/api/v1/contacts/{contact.id}") == 200


def test_all_states_lists_only_what_is_still_in_the_agencys_scope(api_as, ask_health, staff):
    old_contact, old = ask_health()
    _, recent = ask_health(minutes=1)
    _, still_open = ask_health(minutes=2)
    information_requests.answer_request(staff["practitioner"], ASKED + timedelta(hours=1), old.id, "By phone")
    information_requests.answer_request(staff["practitioner"], ASKED + timedelta(days=10), recent.id, "By phone")
    with freeze_time(ASKED + timedelta(days=12)):
        listed = api_as("partner", "health").get("/api/v1/information-requests?state=all&page_size=100")
        answered = api_as("partner", "health").get("/api/v1/information-requests?state=answered")
        staff_view = api_as("practitioner").get("/api/v1/information-requests?state=all&page_size=100")
    assert sorted(r["id"] for r in listed.json) == sorted([recent.id, still_open.id])
    assert [r["id"] for r in answered.json] == [recent.id]
    assert len(staff_view.json) == 3  # Front Door staff still see the whole history


def test_the_period_is_a_setting(app, api_as, ask_health, staff):
    contact, request = ask_health()
    information_requests.answer_request(staff["practitioner"], ASKED, request.id, "By phone")
    app.config["PARTNER_READ_DAYS"] = 1
    try:
        assert status_at(api_as("partner", "health"), ASKED + timedelta(days=2), f"/api/v1/contacts/{contact.id}") == 404
    finally:
        app.config["PARTNER_READ_DAYS"] = 7
    assert status_at(api_as("partner", "health"), ASKED + timedelta(days=2), f"/api/v1/contacts/{contact.id}") == 200
