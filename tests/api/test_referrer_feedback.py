"""Feedback to referrers through the API: an acknowledgement and the decision, by email through
the outbox or as a letter; each send kept on the contact; the acknowledgement clock met by the
send; the council's own wording; and a token's decisions signed by the person it acts for."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from triage.domain.clocks import ClockKind
from triage.extensions import db
from triage.models import ApiToken, AuditEvent, Clock, Contact, ContactChild, Notification, ReferrerFeedback
from triage.services.notify import send_pending_email

RECEIVED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # a Friday
CONTACT = {
    "channel": "phone", "source_code": "5A",
    "referrer_name": "Ms Ada Greene", "referrer_role": "Teacher", "referrer_agency": "Hill School",
    "referrer_contact_details": "01234 567890 or ada.greene@hill-school.example",
    "concern": "Bruising seen on the arm; the child said a parent did it.",
    "consent": "given", "consent_by": "Parent",
    "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                            "date_of_birth": "2017-03-02"}}],
}


@pytest.fixture
def staff(api_as):
    return api_as("era"), api_as("manager")


def _contact(client, body=None) -> dict:
    with freeze_time(RECEIVED):
        posted = client.post("/api/v1/contacts", json=body or CONTACT)
    assert posted.status_code == 201, posted.json
    return posted.json


def _version(client, contact_id: int) -> int:
    return client.get(f"/api/v1/contacts/{contact_id}").json["version"]


def test_an_emailed_acknowledgement_goes_out_through_the_outbox_and_meets_the_acknowledgement_clock(
        app, staff, mail_server, smtp_to):
    era, _ = staff
    contact = _contact(era)
    with freeze_time(RECEIVED + timedelta(hours=2)):
        sent = era.post(f"/api/v1/contacts/{contact['id']}/referrer-feedback",
                        json={"kind": "acknowledgement", "method": "email", "version": contact["version"]})
    assert sent.status_code == 201, sent.json
    assert sent.json["recipient"] == "ada.greene@hill-school.example"  # found in the contact details
    assert sent.json["delivery"] == "Waiting to be emailed"
    assert f"reference {contact['id']}" in sent.json["body"] and "Ms Ada Greene" in sent.json["body"]
    for private in ("Maya", "Okafor", "Bruising", "parent did it"):
        assert private not in sent.json["body"] + sent.json["subject"]

    clock = db.session.scalar(select(Clock).where(Clock.kind == ClockKind.ACKNOWLEDGEMENT.value,
                                                  Clock.contact_id == contact["id"]))
    stored = db.session.get(Contact, contact["id"])
    assert clock.state == "met" and clock.stopped_at == RECEIVED + timedelta(hours=2)
    assert stored.acknowledged_at == RECEIVED + timedelta(hours=2)
    outbox = db.session.get(Notification, db.session.get(ReferrerFeedback, sent.json["id"]).notification_id)
    assert outbox.user_id is None and outbox.email_to == "ada.greene@hill-school.example"

    smtp_to(mail_server.port)
    assert send_pending_email(RECEIVED + timedelta(hours=2, minutes=1)).sent == 1
    [(_, recipients)] = mail_server.messages
    assert recipients == ("ada.greene@hill-school.example",)
    assert f"We have received your contact (reference {contact['id']})".encode() in mail_server.bodies[0]
    listed = era.get(f"/api/v1/contacts/{contact['id']}/referrer-feedback").json
    assert [(s["kind"], s["delivery"]) for s in listed] == [("acknowledgement", "Emailed")]


def test_each_send_is_audited_per_child_and_moves_the_contact_on_so_a_double_send_is_a_409(app, staff):
    era, _ = staff
    contact = _contact(era)
    url = f"/api/v1/contacts/{contact['id']}/referrer-feedback"
    body = {"kind": "acknowledgement", "method": "letter", "version": contact["version"]}
    first, second = era.post(url, json=body), era.post(url, json=body)
    assert first.status_code == 201 and first.json["recipient"] is None
    assert first.json["delivery"] == "Letter to print"
    assert second.status_code == 409 and "version" in second.json["errors"]
    assert db.session.scalar(select(db.func.count()).select_from(ReferrerFeedback)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 0  # a letter needs no email
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "referrer_feedback",
                                                          AuditEvent.action == "create")).all()
    assert [(a.entity_id, a.child_id is not None) for a in audited] == [(first.json["id"], True)]


def test_decision_feedback_waits_for_the_decision_and_says_the_outcome_by_initials_only(app, staff):
    era, manager = staff
    contact = _contact(era)
    url = f"/api/v1/contacts/{contact['id']}/referrer-feedback"
    early = era.post(url, json={"kind": "decision", "method": "email", "version": contact["version"]})
    assert early.status_code == 409 and "once it is decided" in early.json["message"]

    with freeze_time(RECEIVED + timedelta(hours=3)):
        decided = manager.post(f"/api/v1/contacts/{contact['id']}/decision", json={
            "version": _version(manager, contact["id"]),
            "decisions": [{"outcome": "early_help", "rationale": "Support from the school's family worker."}]})
    assert decided.status_code == 200, decided.json
    sent = era.post(url, json={"kind": "decision", "method": "email", "email": "office@hill-school.example",
                               "version": decided.json["version"]})
    assert sent.status_code == 201, sent.json
    assert sent.json["recipient"] == "office@hill-school.example"
    assert "- Child MO: Step down to early help" in sent.json["body"]
    assert "Maya" not in sent.json["body"] and "family worker" not in sent.json["body"]
    assert db.session.get(Contact, contact["id"]).feedback_at is not None


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "thanks", "method": "email"}, "kind"),
    ({"kind": "acknowledgement", "method": "pigeon"}, "method"),
    ({"kind": "acknowledgement", "method": "email", "email": "not an address"}, "email"),
    ({"kind": "acknowledgement"}, "method"),
])
def test_bad_sends_are_422s_naming_the_field(app, staff, body, field):
    era, _ = staff
    contact = _contact(era)
    answer = era.post(f"/api/v1/contacts/{contact['id']}/referrer-feedback",
                      json={"version": contact["version"], **body})
    assert answer.status_code == 422 and field in json.dumps(answer.json["errors"])


def test_an_email_needs_an_address_when_the_referrer_left_none(app, staff):
    era, _ = staff
    contact = _contact(era, {**CONTACT, "referrer_contact_details": "01234 567890"})
    answer = era.post(f"/api/v1/contacts/{contact['id']}/referrer-feedback",
                      json={"kind": "acknowledgement", "method": "email", "version": contact["version"]})
    assert answer.status_code == 422 and "email" in answer.json["errors"]
    assert db.session.get(Contact, contact["id"]).acknowledged_at is None  # nothing half-written


def test_a_council_changes_the_wording_with_allowed_placeholders_only_and_the_next_send_uses_it(app, staff):
    era, manager = staff
    listed = manager.get("/api/v1/feedback-wording").json
    assert [(w["kind"], w["customised"], w["version"]) for w in listed] == [
        ("acknowledgement", False, None), ("decision", False, None)]
    assert "outcomes" not in listed[0]["placeholders"] and "outcomes" in listed[1]["placeholders"]

    url = "/api/v1/feedback-wording/acknowledgement"
    leaky = manager.put(url, json={"subject": "Contact {contact_reference}",
                                   "body": "About {child_name}: {concern}", "version": None})
    assert leaky.status_code == 422 and "{child_name}" in leaky.json["errors"]["body"][0]
    assert manager.put(url, json={"subject": "Hi {referrer_name!r}", "body": "x", "version": None}).status_code == 422
    assert era.put(url, json={"subject": "s", "body": "b", "version": None}).status_code == 403

    saved = manager.put(url, json={"subject": "Received: {contact_reference}",
                                   "body": "Hello {referrer_name}, we have it ({received_date}).", "version": None})
    assert saved.status_code == 200 and saved.json["customised"] and saved.json["version"] == 1
    stale = manager.put(url, json={"subject": "x", "body": "y", "version": None})
    assert stale.status_code == 409

    contact = _contact(era)
    sent = era.post(f"/api/v1/contacts/{contact['id']}/referrer-feedback",
                    json={"kind": "acknowledgement", "method": "letter", "version": contact["version"]})
    assert sent.json["subject"] == f"Received: {contact['id']}"
    assert sent.json["body"].strip() == "Hello Ms Ada Greene, we have it (27 November 2026)."


def test_a_tokens_decision_and_feedback_are_signed_by_the_person_it_acts_for(app, staff, api_as, make_user):
    era, _ = staff
    holder = make_user("manager", username="casesystem.owner")
    admin = api_as("admin")
    case_system = api_as("manager")
    token_id = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()
    named = admin.put(f"/api/v1/tokens/{token_id}/holder", json={"holder": "casesystem.owner"})
    assert named.status_code == 200 and named.json["holder_id"] == holder.id
    assert admin.put(f"/api/v1/tokens/{token_id}/holder", json={"holder": "nobody"}).status_code == 422

    contact = _contact(era)
    with freeze_time(RECEIVED + timedelta(hours=1)):
        decided = case_system.post(f"/api/v1/contacts/{contact['id']}/decision", json={
            "version": _version(case_system, contact["id"]),
            "decisions": [{"outcome": "no_further_action", "rationale": "Explained by a fall at school."}]})
    assert decided.status_code == 200, decided.json
    link = db.session.scalar(select(ContactChild).where(ContactChild.contact_id == contact["id"]))
    assert link.decided_by_id == holder.id
    sent = case_system.post(f"/api/v1/contacts/{contact['id']}/referrer-feedback",
                            json={"kind": "decision", "method": "letter", "version": decided.json["version"]})
    assert sent.status_code == 201 and (sent.json["sent_by_id"], sent.json["sent_by_token_id"]) == (holder.id, token_id)


def test_what_was_sent_is_listed_newest_first_a_page_at_a_time_to_front_door_staff_only(app, staff, api_as):
    era, _ = staff
    contact = _contact(era)
    url = f"/api/v1/contacts/{contact['id']}/referrer-feedback"
    version = contact["version"]
    for _ in range(3):
        sent = era.post(url, json={"kind": "acknowledgement", "method": "letter", "version": version})
        assert sent.status_code == 201
        version = _version(era, contact["id"])
    page = era.get(url + "?page=1&page_size=2")
    assert page.status_code == 200 and len(page.json) == 2
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert page.json[0]["id"] > page.json[1]["id"]
    assert api_as("partner", "health").get(url).status_code == 403
