"""Feedback to referrers through the pages: send from the contact, print a letter, edit the
council's wording, and name who a token acts for."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import NOW, csrf_token_from
from triage.extensions import db
from triage.models import ApiToken, Contact, FeedbackTemplate, ReferrerFeedback

LATER = NOW + timedelta(hours=1)
CONTACT = {
    "channel": "phone", "source_code": "5A", "referrer_name": "Ms Ada Greene",
    "referrer_contact_details": "ada.greene@hill-school.example", "concern": "Bruising on the arm.",
    "consent": "given", "consent_by": "Parent",
    "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                            "date_of_birth": "2017-03-02"}}],
}


@pytest.fixture(autouse=True)
def clock():
    with freeze_time(LATER) as frozen:
        yield frozen


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def contact_id(app, api_as) -> int:
    posted = api_as("era").post("/api/v1/contacts", json=CONTACT)
    assert posted.status_code == 201, posted.json
    return posted.json["id"]


def test_an_era_sends_a_letter_from_the_contact_and_gets_a_printable_page(app, client, login, make_user, contact_id):
    login(make_user("era"))
    shown = client.get(f"/contacts/{contact_id}")
    assert f'href="/contacts/{contact_id}/referrer-feedback"' in text_of(shown)
    page = client.get(f"/contacts/{contact_id}/referrer-feedback")
    html = text_of(page)
    assert page.status_code == 200 and 'value="ada.greene@hill-school.example"' in html
    assert "Nothing has been sent to the referrer yet." in html
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)

    sent = client.post(f"/contacts/{contact_id}/referrer-feedback",
                       data={"csrf_token": csrf_token_from(html), "kind": "acknowledgement",
                             "method": "letter", "email": "", "version": version})
    [row] = db.session.scalars(select(ReferrerFeedback)).all()
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/referrer-feedback/{row.id}")
    letter = text_of(client.get(sent.headers["Location"]))
    assert "data-print" in letter and f"reference {contact_id}" in letter and "Maya" not in letter
    assert db.session.get(Contact, contact_id).acknowledged_at == LATER

    again = client.post(f"/contacts/{contact_id}/referrer-feedback",
                        data={"csrf_token": csrf_token_from(html), "kind": "acknowledgement",
                              "method": "letter", "email": "", "version": version})
    assert again.status_code == 409 and "There is a problem" in text_of(again)


def test_decision_feedback_before_the_decision_is_refused_on_the_page(app, client, login, make_user, contact_id):
    login(make_user("practitioner"))
    html = text_of(client.get(f"/contacts/{contact_id}/referrer-feedback"))
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    refused = client.post(f"/contacts/{contact_id}/referrer-feedback",
                          data={"csrf_token": csrf_token_from(html), "kind": "decision", "method": "email",
                                "email": "", "version": version})
    assert refused.status_code == 409 and "once it is decided" in text_of(refused)
    missing = client.post(f"/contacts/{contact_id}/referrer-feedback",
                          data={"csrf_token": csrf_token_from(html), "version": version})
    assert missing.status_code == 400 and "Choose what to send" in text_of(missing)


def test_a_manager_edits_the_wording_and_a_placeholder_outside_the_policy_is_shown_on_the_field(
        app, client, login, make_user):
    login(make_user("manager"))
    html = text_of(client.get("/admin/feedback-wording"))
    assert "The service&#39;s default wording." in html or "The service's default wording." in html
    form = {"csrf_token": csrf_token_from(html), "acknowledgement-subject": "Got it: {contact_reference}",
            "acknowledgement-body": "About {child_name}", "acknowledgement-version": ""}
    bad = client.post("/admin/feedback-wording/acknowledgement", data=form)
    assert bad.status_code == 422 and "{child_name} is not a placeholder" in text_of(bad)
    good = client.post("/admin/feedback-wording/acknowledgement",
                       data={**form, "acknowledgement-body": "Dear {referrer_name}"})
    assert good.status_code == 302
    row = db.session.scalar(select(FeedbackTemplate))
    assert (row.kind, row.subject, row.body) == ("acknowledgement", "Got it: {contact_reference}", "Dear {referrer_name}\n")
    restored = client.post("/admin/feedback-wording/acknowledgement/default",
                           data={"csrf_token": csrf_token_from(html), "version": str(row.version)})
    assert restored.status_code == 302 and db.session.scalar(select(FeedbackTemplate)) is None


def test_an_era_cannot_edit_the_wording(app, client, login, make_user):
    login(make_user("era"))
    assert client.get("/admin/feedback-wording").status_code == 403


def test_an_administrator_names_who_a_token_acts_for(app, client, login, make_user, api_as):
    api_as("manager")
    owner = make_user("manager", username="owner")
    login(make_user("admin"))
    html = text_of(client.get("/admin/token-holders"))
    token_id = db.session.scalar(select(ApiToken.id))
    assert "Nobody named" in html
    wrong = client.post(f"/admin/token-holders/{token_id}", data={"csrf_token": csrf_token_from(html), "holder": "ghost"})
    assert wrong.status_code == 422 and "No active person with that username" in text_of(wrong)
    named = client.post(f"/admin/token-holders/{token_id}", data={"csrf_token": csrf_token_from(html), "holder": "owner"})
    assert named.status_code == 302
    assert db.session.get(ApiToken, token_id).holder_id == owner.id
    assert "(owner)" in text_of(client.get("/admin/token-holders"))


def test_a_token_names_its_holder_when_it_is_made_and_an_unknown_holder_is_shown_on_the_field(
        client, login, make_user):
    sergeant = make_user("partner", username="sergeant", agency="police")
    login(make_user("admin"))
    form = {"token-name": "Police feed", "token-role": "partner", "token-agency": "police"}

    unknown = client.post("/admin/tokens", data={**form, "token-holder": "ghost",
                                                 "token-csrf_token": csrf_token_from(text_of(client.get("/admin/users")))})
    assert unknown.status_code == 400
    assert '<a href="#token-holder">No active person with that username</a>' in text_of(unknown)
    assert db.session.scalar(select(ApiToken.id)) is None  # nothing half-made

    made = client.post("/admin/tokens", data={**form, "token-holder": " sergeant ",
                                              "token-csrf_token": csrf_token_from(text_of(client.get("/admin/users")))})
    assert made.status_code == 201
    assert db.session.scalar(select(ApiToken.holder_id)) == sergeant.id
    assert "(sergeant)" in text_of(client.get("/admin/token-holders"))
