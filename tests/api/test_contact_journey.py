"""A police notification from intake to a manager's decision, through the API."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from triage.extensions import db
from triage.models import AuditEvent, Contact, Referral

LONDON = ZoneInfo("Europe/London")

NOTIFICATION = {
    "channel": "police_notification", "source_code": "6",
    "referrer_name": "PC 1234 Patel", "referrer_role": "Officer", "referrer_agency": "Police",
    "concern": "Domestic abuse incident at the home; children present.",
    "police_incident_reference": "INC-2026-0001", "dash_risk": "medium",
    "operation_encompass_informed": True,
    "consent": "not_required",
    "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                            "date_of_birth": "2017-03-02", "nhs_number": "9434765919"}},
                 {"child": {"first_name": "Leo", "last_name": "Okafor", "sex": "male",
                            "date_of_birth": "2020-09-14"}}],
}


def test_a_police_notification_goes_from_the_feed_to_a_decision_and_a_referral(api_as, app):
    police, practitioner, health, manager = (api_as("partner", "police"), api_as("practitioner"),
                                             api_as("partner", "health"), api_as("manager"))
    received = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with freeze_time(received):
        posted = police.post("/api/v1/contacts", json=NOTIFICATION, headers={"Idempotency-Key": "n-1"})
    assert posted.status_code == 201, posted.json
    contact_id = posted.json["id"]
    assert posted.json["decision_due_at"] == "2026-11-28T08:00:00+00:00"

    with freeze_time(received + timedelta(minutes=30)):
        queue = practitioner.get("/api/v1/queue").json
        assert [item["id"] for item in queue] == [contact_id]
        assert queue[0]["time_left"] == "23 hours 30 minutes left"
        assert queue[0]["clock_state"] == "running"
        version = queue[0]["version"]

        rated = practitioner.post(f"/api/v1/contacts/{contact_id}/rag",
                                  json={"rag": "amber", "reason": "Children present at DA incident",
                                        "version": version})
        assert rated.status_code == 200 and rated.json["state"] == "screening"
        asked = practitioner.post(f"/api/v1/contacts/{contact_id}/information-requests",
                                  json={"agencies": ["health"], "question": "Health involvement?",
                                        "version": rated.json["version"]})
        assert asked.status_code == 201
        assert asked.json[0]["due_at"] == "2026-11-28T08:30:00+00:00"  # amber: 24 hours
        request_id = asked.json[0]["id"]

    with freeze_time(received + timedelta(hours=2)):
        inbox = health.get("/api/v1/information-requests").json
        assert [r["id"] for r in inbox] == [request_id]
        assert inbox[0]["contact"]["children"][0]["name"] == "Maya Okafor"
        answered = health.post(f"/api/v1/information-requests/{request_id}/answer",
                               json={"answer": "Known to health visiting; no concerns recorded."})
        assert answered.status_code == 200
        assert answered.json["returned_in_time"] is True

    with freeze_time(received + timedelta(hours=3)):
        contact = manager.get(f"/api/v1/contacts/{contact_id}").json
        assert contact["state"] == "ready_for_decision"
        assert contact["requests"][0]["answer"].startswith("Known to health")
        decided = manager.post(f"/api/v1/contacts/{contact_id}/decision", json={
            "version": contact["version"],
            "decisions": [{"outcome": "assessment", "rationale": "Cumulative DA concerns; assess."}]})
    assert decided.status_code == 200, decided.json
    assert decided.json["state"] == "decided"
    assert all(c["outcome"] == "assessment" and c["within_clock"] for c in decided.json["children"])

    referrals = db.session.query(Referral).filter_by(contact_id=contact_id).all()
    assert len(referrals) == 2
    assert {r.referral_date.isoformat() for r in referrals} == {"2026-11-27"}
    assert not any(r.is_re_referral for r in referrals)
    assert manager.get("/api/v1/queue").json == []


def test_a_retried_post_with_the_same_key_creates_one_contact(api_as):
    police = api_as("partner", "police")
    first = police.post("/api/v1/contacts", json=NOTIFICATION, headers={"Idempotency-Key": "abc"})
    second = police.post("/api/v1/contacts", json=NOTIFICATION, headers={"Idempotency-Key": "abc"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    assert db.session.query(Contact).count() == 1


def test_the_same_partner_reference_is_the_same_contact(api_as):
    police = api_as("partner", "police")
    body = {**NOTIFICATION, "partner_reference": "PPN-77"}
    ids = {police.post("/api/v1/contacts", json=body).json["id"] for _ in range(3)}
    assert len(ids) == 1
    assert db.session.query(Contact).count() == 1


def test_a_key_reused_for_a_different_contact_is_a_conflict(api_as):
    police = api_as("partner", "police")
    police.post("/api/v1/contacts", json=NOTIFICATION, headers={"Idempotency-Key": "k"})
    other = {**NOTIFICATION, "concern": "Something else entirely"}
    response = police.post("/api/v1/contacts", json=other, headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json["errors"]


def test_an_era_cannot_decide(api_as):
    era = api_as("era")
    contact = era.post("/api/v1/contacts", json={**NOTIFICATION, "children": [
        {"child": {"first_name": "Ann", "last_name": "Lee", "sex": "female", "date_of_birth": "2015-01-01"}}]}).json
    response = era.post(f"/api/v1/contacts/{contact['id']}/decision", json={
        "version": contact["version"], "decisions": [{"outcome": "no_further_action", "rationale": "x"}]})
    assert response.status_code == 403
    assert db.session.get(Contact, contact["id"]).state == "received"


def test_a_partner_cannot_see_a_contact_that_asked_nothing_of_its_agency(api_as):
    police, practitioner = api_as("partner", "police"), api_as("practitioner")
    education = api_as("partner", "education")
    contact = police.post("/api/v1/contacts", json=NOTIFICATION).json
    assert education.get(f"/api/v1/contacts/{contact['id']}").status_code == 404
    assert education.get("/api/v1/information-requests").json == []
    rated = practitioner.post(f"/api/v1/contacts/{contact['id']}/rag",
                              json={"rag": "red", "reason": "r", "version": contact["version"]}).json
    practitioner.post(f"/api/v1/contacts/{contact['id']}/information-requests",
                      json={"agencies": ["health"], "question": "q", "version": rated["version"]})
    assert education.get(f"/api/v1/contacts/{contact['id']}").status_code == 404
    health = api_as("partner", "health")
    seen = health.get(f"/api/v1/contacts/{contact['id']}")
    assert seen.status_code == 200
    assert "requests" not in seen.json and "referrer_name" not in seen.json
    request_id = health.get("/api/v1/information-requests").json[0]["id"]
    assert education.get(f"/api/v1/information-requests/{request_id}").status_code == 404
    assert education.post(f"/api/v1/information-requests/{request_id}/answer",
                          json={"answer": "nothing"}).status_code == 404


def test_two_managers_deciding_at_once_one_wins_and_the_other_gets_409(api_as):
    practitioner = api_as("practitioner")
    first_manager, second_manager = api_as("manager"), api_as("manager")
    contact = practitioner.post("/api/v1/contacts", json=NOTIFICATION).json
    body = {"version": contact["version"],
            "decisions": [{"outcome": "early_help", "rationale": "Step down to early help."}]}
    assert first_manager.post(f"/api/v1/contacts/{contact['id']}/decision", json=body).status_code == 200
    second = second_manager.post(f"/api/v1/contacts/{contact['id']}/decision", json=body)
    assert second.status_code == 409
    assert "version" in second.json["message"]
    body["version"] += 1
    again = second_manager.post(f"/api/v1/contacts/{contact['id']}/decision", json={
        **body, "version": db.session.get(Contact, contact["id"]).version})
    assert again.status_code == 409
    assert "decided" in again.json["message"]


def test_requests_are_refused_without_consent_below_significant_harm(api_as):
    practitioner = api_as("practitioner")
    contact = practitioner.post("/api/v1/contacts", json={**NOTIFICATION, "consent": "refused",
                                                           "consent_by": "Mother"}).json
    rated = practitioner.post(f"/api/v1/contacts/{contact['id']}/rag",
                              json={"rag": "green", "reason": "Low level", "version": contact["version"]}).json
    refused = practitioner.post(f"/api/v1/contacts/{contact['id']}/information-requests",
                                json={"agencies": ["health"], "question": "q", "version": rated["version"]})
    assert refused.status_code == 409
    assert "Consent was refused" in refused.json["message"]
    assert db.session.get(Contact, contact["id"]).requests == []


@pytest.mark.parametrize("change, field", [
    ({"channel": "pigeon"}, "channel"), ({"source_code": "99"}, "source_code"),
    ({"received_at": "2999-01-01T10:00:00+00:00"}, "received_at"),
    ({"received_at": "2026-01-01T10:00:00"}, "received_at"),
    ({"children": []}, "children"), ({"concern": ""}, "concern"),
    ({"police_incident_reference": ""}, "police_incident_reference"),
    ({"consent": "not_sought"}, "consent_not_sought_reason"),
    ({"children": [{"child_id": 4040}]}, "children.0.child_id"),
    ({"children": [{"child": {"first_name": "A"}}]}, "children"),
])
def test_a_bad_contact_is_refused_with_the_field_named_and_nothing_written(api_as, change, field):
    from triage.models import Child, Clock

    response = api_as("era").post("/api/v1/contacts", json={**NOTIFICATION, **change})
    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"])
    assert db.session.query(Contact).count() == 0
    assert db.session.query(Child).count() == 0
    assert db.session.query(Clock).count() == 0


def test_a_late_decision_needs_a_reason_and_is_recorded_as_outside_the_clock(api_as):
    practitioner, manager = api_as("practitioner"), api_as("manager")
    with freeze_time("2026-11-20T09:00:00Z"):
        contact = practitioner.post("/api/v1/contacts", json=NOTIFICATION).json
    body = {"version": contact["version"], "decisions": [{"outcome": "no_further_action", "rationale": "None"}]}
    with freeze_time("2026-11-22T09:00:00Z"):
        refused = manager.post(f"/api/v1/contacts/{contact['id']}/decision", json=body)
        assert refused.status_code == 422 and "delay_reason" in refused.json["errors"]
        decided = manager.post(f"/api/v1/contacts/{contact['id']}/decision",
                               json={**body, "delay_reason": "Awaiting police disclosure"})
    assert decided.status_code == 200
    assert decided.json["children"][0]["within_clock"] is False
    from triage.models import Clock
    clock = db.session.query(Clock).filter_by(kind="decision").one()
    assert clock.state == "breached" and clock.breached_at == clock.due_at


def test_reading_a_contact_is_audited_for_each_child(api_as):
    practitioner = api_as("practitioner")
    contact = practitioner.post("/api/v1/contacts", json=NOTIFICATION).json
    practitioner.get(f"/api/v1/contacts/{contact['id']}")
    reads = db.session.query(AuditEvent).filter_by(entity="contact", action="read").all()
    assert sorted(e.child_id for e in reads) == sorted(contact["child_ids"])


def test_consent_recorded_after_intake_lets_partners_be_asked(api_as):
    police, practitioner = api_as("partner", "police"), api_as("practitioner")
    contact = police.post("/api/v1/contacts", json={**NOTIFICATION, "consent": None}).json
    rated = practitioner.post(f"/api/v1/contacts/{contact['id']}/rag",
                              json={"rag": "amber", "reason": "r", "version": contact["version"]}).json
    refused = practitioner.post(f"/api/v1/contacts/{contact['id']}/information-requests",
                                json={"agencies": ["health"], "question": "q", "version": rated["version"]})
    assert refused.status_code == 409 and "Consent has not been recorded" in refused.json["message"]
    bad = practitioner.post(f"/api/v1/contacts/{contact['id']}/consent",
                            json={"consent": "not_sought", "version": rated["version"]})
    assert bad.status_code == 422 and "consent_not_sought_reason" in bad.json["errors"]
    given = practitioner.post(f"/api/v1/contacts/{contact['id']}/consent",
                              json={"consent": "given", "consent_by": "Mother", "version": rated["version"]})
    assert given.status_code == 200 and given.json["consent"] == "given"
    asked = practitioner.post(f"/api/v1/contacts/{contact['id']}/information-requests",
                              json={"agencies": ["health"], "question": "q", "version": given.json["version"]})
    assert asked.status_code == 201


def test_a_decided_contacts_own_referral_is_not_counted_as_the_childs_history(app, api_as):
    from triage.services import contacts as service

    practitioner, manager = api_as("practitioner"), api_as("manager")
    contact = practitioner.post("/api/v1/contacts", json=NOTIFICATION).json
    manager.post(f"/api/v1/contacts/{contact['id']}/decision", json={
        "version": contact["version"], "decisions": [{"outcome": "assessment", "rationale": "Assess"}]})
    history = service.history_for(db.session.get(Contact, contact["id"]))
    assert all(h.open_referrals == [] and h.referrals_last_12_months == [] for h in history)
