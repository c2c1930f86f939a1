"""A contact about a child with an open case: screening shows the case, and the decision can add the
contact to it (no second referral, the allocated worker told) instead of starting another."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.conftest import NOW
from triage.extensions import db
from triage.models import AuditEvent, Notification, Referral
from triage.services import contacts
from triage.services.errors import Invalid

CHILD = {"first_name": "Nia", "last_name": "Shah", "sex": "female", "date_of_birth": date(2016, 6, 1)}


@pytest.fixture
def people(make_user, actor_for):
    users = {role: make_user(role) for role in ("era", "practitioner", "manager")}
    return {role: actor_for(user) for role, user in users.items()} | {"worker": users["practitioner"]}


def record(people, when, children):
    data = {"channel": "phone", "source_code": "2A", "concern": "Bruising seen at school",
            "consent": "given", "consent_by": "Mother", "children": children, "received_at": when}
    contact, _ = contacts.record_contact(people["era"], when, data)
    return contact


def open_case(people):
    """A first contact decided for an assessment: the child's open case."""
    first = record(people, NOW - timedelta(days=3), [{"child": CHILD, "confirmed_new": True}])
    contacts.record_decision(people["manager"], NOW - timedelta(days=3, hours=-1), first.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    referral = db.session.scalar(select(Referral).where(Referral.contact_id == first.id))
    return first.children[0].child_id, referral


def referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def test_a_second_contact_joins_the_open_case_without_a_second_referral_and_the_worker_is_told(app, people):
    child_id, case = open_case(people)
    case.worker_id = people["worker"].id  # allocated to the worker
    db.session.commit()
    second = record(people, NOW, [{"child_id": child_id}])

    assert [r.id for r in contacts.open_cases(second).values()] == [case.id]
    decided = contacts.record_decision(people["manager"], NOW + timedelta(hours=1), second.id,
                                       [{"outcome": "add_to_open_case", "rationale": "Same concern, open case"}])

    assert decided.children[0].case_referral_id == case.id
    assert referrals() == 1
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == people["worker"].id)).all()
    assert f"Contact {second.id}" in notice.message and notice.link == f"/contacts/{second.id}"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "referral", AuditEvent.entity_id == case.id, AuditEvent.action == "update")) == 1


def test_a_child_without_an_open_case_cannot_be_added_to_one_and_nothing_is_written(app, people):
    contact = record(people, NOW, [{"child": CHILD, "confirmed_new": True}])

    with pytest.raises(Invalid) as refused:
        contacts.record_decision(people["manager"], NOW + timedelta(hours=1), contact.id,
                                 [{"outcome": "add_to_open_case", "rationale": "x"}])

    assert list(refused.value.errors) == ["outcome"]
    db.session.rollback()
    assert contacts.load(contact.id).state == "received" and referrals() == 0


def test_a_closed_case_is_not_open_and_a_case_the_contact_made_is_not_its_own_history(app, people):
    child_id, case = open_case(people)
    case.closed_at = NOW - timedelta(days=1)
    db.session.commit()
    second = record(people, NOW, [{"child_id": child_id}])

    assert contacts.open_cases(second) == {}
    first_contact = db.session.get(Referral, case.id).contact
    assert contacts.open_cases(first_contact) == {}


def test_the_api_lists_the_open_cases_and_decides_to_join_one_naming_the_field_when_it_cannot(app, api_as, people):
    child_id, case = open_case(people)
    second = record(people, NOW, [{"child_id": child_id}])
    other = record(people, NOW, [{"child": {**CHILD, "first_name": "Ola"}, "confirmed_new": True}])
    manager = api_as("manager")
    with freeze_time(NOW + timedelta(hours=1)):
        listed = manager.get(f"/api/v1/contacts/{second.id}/open-cases")
        refused = manager.post(f"/api/v1/contacts/{other.id}/decision", json={
            "version": other.version, "decisions": [{"outcome": "add_to_open_case", "rationale": "x"}]})
        joined = manager.post(f"/api/v1/contacts/{second.id}/decision", json={
            "version": second.version, "decisions": [{"outcome": "add_to_open_case", "rationale": "Open case"}]})

    assert listed.status_code == 200 and [r["id"] for r in listed.json] == [case.id]
    assert refused.status_code == 422 and "outcome" in refused.json["errors"]
    assert joined.status_code == 200, joined.json
    assert joined.json["children"][0]["case_referral_id"] == case.id
    assert referrals() == 1
