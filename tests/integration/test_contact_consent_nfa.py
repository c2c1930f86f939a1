"""Sharing without consent after a refusal is a manager's approval, recorded with who, when and why;
no further action records where the family was signposted, from the council's list."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import NOW
from triage.extensions import db
from triage.models import AuditEvent, Contact
from triage.services import contacts
from triage.services.errors import Forbidden, Invalid

CHILD = {"first_name": "Nia", "last_name": "Shah", "sex": "female", "date_of_birth": date(2016, 6, 1)}
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def people(make_user, actor_for):
    return {role: actor_for(make_user(role)) for role in ("era", "practitioner", "manager")}


def record(people, consent="refused", children=None):
    data = {"channel": "phone", "source_code": "2A", "concern": "Bruising seen at school",
            "consent": consent, "consent_by": "Mother" if consent in ("given", "refused") else None,
            "children": children or [{"child": CHILD, "confirmed_new": True}], "received_at": NOW}
    contact, _ = contacts.record_contact(people["era"], NOW, data)
    return contact


def reloaded(contact_id: int) -> Contact:
    db.session.expire_all()
    return db.session.get(Contact, contact_id)


# ---------------------------------------------------------------- consent overridden

def test_a_practitioner_cannot_override_a_refusal_and_nothing_changes(app, people):
    contact = record(people)

    with pytest.raises(Forbidden, match="manager"):
        contacts.record_consent(people["practitioner"], LATER, contact.id, "not_required")

    assert reloaded(contact.id).consent == "refused" and reloaded(contact.id).consent_override_at is None


def test_a_manager_approves_sharing_without_consent_with_a_reason_recorded_with_who_and_when(app, people):
    contact = record(people)
    with pytest.raises(Invalid) as refused:
        contacts.record_consent(people["manager"], LATER, contact.id, "not_required")
    assert list(refused.value.errors) == ["override_reason"]
    db.session.rollback()

    command = contacts.ConsentCommand(consent="not_required", override_reason="  Risk of significant harm  ")
    contacts.record_consent(people["manager"], LATER, contact.id, command)

    approved = reloaded(contact.id)
    assert approved.consent == "not_required"
    assert (approved.consent_override_by_id, approved.consent_override_at) == (people["manager"].user_id, LATER)
    assert approved.consent_override_reason == "Risk of significant harm"
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.detail == "consent override approved", AuditEvent.entity_id == contact.id)) is not None


def test_sharing_without_consent_where_none_was_refused_needs_no_approval(app, people):
    contact = record(people, consent=None)

    contacts.record_consent(people["practitioner"], LATER, contact.id, "not_required")

    assert reloaded(contact.id).consent == "not_required" and reloaded(contact.id).consent_override_at is None


# ---------------------------------------------------------------- signposting with no further action

def test_no_further_action_records_the_signposting_given_from_the_councils_list(app, people):
    contact = record(people, consent="given")

    contacts.record_decision(people["manager"], LATER, contact.id, [{
        "outcome": "no_further_action", "rationale": "Below threshold",
        "signposting": ["family_hub", "school"]}])

    assert reloaded(contact.id).children[0].signposting == "family_hub,school"


@pytest.mark.parametrize("decision, field", [
    ({"outcome": "no_further_action", "signposting": ["the_moon"]}, "signposting"),
    ({"outcome": "early_help", "signposting": ["family_hub"]}, "signposting"),
    ({"outcome": "no_further_action", "signposting": ["school", "school"]}, "signposting"),
])
def test_signposting_off_the_list_or_with_another_outcome_is_refused_naming_the_field(app, people, decision, field):
    contact = record(people, consent="given")

    with pytest.raises(Invalid) as refused:
        contacts.record_decision(people["manager"], LATER, contact.id, [{**decision, "rationale": "x"}])

    assert list(refused.value.errors) == [field]
    db.session.rollback()
    assert reloaded(contact.id).state == "received"


def test_the_council_keeps_its_own_list(app, people):
    app.config["SIGNPOSTING"] = {"parenting_course": "Parenting course"}
    try:
        contact = record(people, consent="given")
        with pytest.raises(Invalid):
            contacts.record_decision(people["manager"], LATER, contact.id, [{
                "outcome": "no_further_action", "rationale": "x", "signposting": ["family_hub"]}])
        db.session.rollback()
        contacts.record_decision(people["manager"], LATER, contact.id, [{
            "outcome": "no_further_action", "rationale": "x", "signposting": ["parenting_course"]}])
    finally:
        del app.config["SIGNPOSTING"]
    assert reloaded(contact.id).children[0].signposting == "parenting_course"


def test_through_the_api_a_manager_overrides_consent_and_decides_with_signposting(app, api_as, people):
    contact = record(people)
    practitioner, manager = api_as("practitioner"), api_as("manager")
    with freeze_time(LATER):
        forbidden = practitioner.post(f"/api/v1/contacts/{contact.id}/consent", json={
            "version": contact.version, "consent": "not_required", "override_reason": "Harm"})
        approved = manager.post(f"/api/v1/contacts/{contact.id}/consent", json={
            "version": contact.version, "consent": "not_required", "override_reason": "Risk of significant harm"})
        decided = manager.post(f"/api/v1/contacts/{contact.id}/decision", json={
            "version": approved.json["version"], "decisions": [{
                "outcome": "no_further_action", "rationale": "Below threshold", "signposting": ["housing", "x"]}]})
        assert decided.status_code == 422 and list(decided.json["errors"]) == ["signposting"]
        decided = manager.post(f"/api/v1/contacts/{contact.id}/decision", json={
            "version": approved.json["version"], "decisions": [{
                "outcome": "no_further_action", "rationale": "Below threshold", "signposting": ["housing"]}]})

    assert forbidden.status_code == 403
    assert approved.status_code == 200, approved.json
    assert approved.json["consent_override_at"] == LATER.isoformat()
    assert approved.json["consent_override_reason"] == "Risk of significant harm"
    assert decided.status_code == 200, decided.json
    assert decided.json["children"][0]["signposting"] == ["housing"]
