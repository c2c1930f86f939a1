"""A child whose date of birth is not known: an approximate age or "not known" is accepted and flagged."""
from datetime import date

import pytest

from tests.conftest import csrf_token_from
from triage.domain.birth import BirthDateStatus, estimated_date_of_birth
from triage.extensions import db
from triage.models import Child
from triage.services import children
from triage.services.errors import Invalid

IVY = {"first_name": "Ivy", "last_name": "Moss", "sex": "female"}


def test_an_approximate_age_becomes_an_estimated_date_in_the_middle_of_that_year():
    assert estimated_date_of_birth(14, date(2026, 11, 27)) == date(2012, 5, 29)
    assert estimated_date_of_birth(3, date(2028, 2, 29)) == date(2024, 8, 30)  # from 28 Feb 2025: no 29th


def test_a_child_is_recorded_with_an_approximate_age_or_no_date_of_birth_and_flagged(app, staff, now):
    about_14 = children.create_child(staff["worker"], now, {**IVY, "approximate_age": 14}, confirmed_new=True)
    unknown = children.create_child(staff["worker"], now, {**IVY, "first_name": "Jo",
                                                           "birth_date_status": "not_known"}, confirmed_new=True)
    known = children.create_child(staff["worker"], now, {**IVY, "first_name": "Al", "date_of_birth": date(2015, 1, 2)},
                                  confirmed_new=True)

    assert (about_14.birth_date_status, about_14.date_of_birth) == (BirthDateStatus.APPROXIMATE, date(2012, 5, 29))
    assert (unknown.birth_date_status, unknown.date_of_birth, unknown.expected_date_of_birth) == (
        BirthDateStatus.NOT_KNOWN, None, None)
    assert [c.birth_date_to_complete for c in (about_14, unknown, known)] == [True, True, False]


def test_a_missing_or_contradictory_date_of_birth_is_refused_naming_the_field(app, staff, now):
    for fields, field in (({}, "date_of_birth"),
                          ({"birth_date_status": "approximate"}, "approximate_age"),
                          ({"approximate_age": 40}, "approximate_age"),
                          ({"approximate_age": 4, "date_of_birth": date(2020, 1, 1)}, "approximate_age"),
                          ({"birth_date_status": "not_known", "date_of_birth": date(2020, 1, 1)}, "birth_date_status"),
                          ({"birth_date_status": "guessed"}, "birth_date_status")):
        with pytest.raises(Invalid) as refused:
            children.create_child(staff["worker"], now, {**IVY, **fields}, confirmed_new=True)
        assert field in refused.value.errors, fields
    assert db.session.query(Child).count() == 0


def test_giving_the_date_of_birth_later_completes_the_record(app, staff, now):
    child = children.create_child(staff["worker"], now, {**IVY, "birth_date_status": "not_known"}, confirmed_new=True)

    unrelated = children.update_child(staff["worker"], now, child.id, {"town": "York"}, child.version)
    assert unrelated.birth_date_status == BirthDateStatus.NOT_KNOWN
    completed = children.update_child(staff["worker"], now, child.id, {"date_of_birth": date(2013, 4, 5)},
                                      unrelated.version)
    assert (completed.birth_date_status, completed.date_of_birth) == (BirthDateStatus.KNOWN, date(2013, 4, 5))


def test_the_api_and_the_intake_accept_an_approximate_age(app, staff, api_as):
    api = api_as("practitioner")

    made = api.post("/api/v1/children", json={**IVY, "approximate_age": 9, "confirmed_new": True})
    assert made.status_code == 201
    assert made.json["birth_date_status"] == "approximate" and made.json["date_of_birth"] is not None
    assert "approximate_age" not in made.json
    bad = api.post("/api/v1/children", json={**IVY, "approximate_age": -1})
    assert bad.status_code == 422 and "approximate_age" in bad.json["errors"]["json"]

    police = api_as("partner", "police")
    contact = police.post("/api/v1/contacts", headers={"Idempotency-Key": "unknown-dob-1"}, json={
        "channel": "police_notification", "source_code": "6", "concern": "Found alone at night",
        "police_incident_reference": "PPN-77", "consent": "not_required",
        "children": [{"child": {"first_name": "Sam", "last_name": "Doe", "sex": "unknown",
                                "birth_date_status": "not_known"}}]})
    assert contact.status_code == 201, contact.json
    assert db.session.query(Child).filter_by(first_name="Sam").one().birth_date_status == "not_known"


def test_the_child_pages_record_and_show_a_date_of_birth_to_complete(app, staff, client, login):
    from triage.models import User

    login(db.session.get(User, staff["worker"].user_id))
    token = csrf_token_from(client.get("/children/new").get_data(as_text=True))
    made = client.post("/children/new", data={"csrf_token": token, "first_name": "Ivy", "last_name": "Moss",
                                               "born": "approximate", "approximate_age": "14", "sex": "female"})
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    child = db.session.query(Child).one()
    assert child.birth_date_status == "approximate"

    page = client.get(f"/children/{child.id}").get_data(as_text=True)
    assert "Approximate: to confirm" in page and "The date of birth is an estimate." in page

    edit = client.get(f"/children/{child.id}/edit").get_data(as_text=True)
    assert 'value="approximate" checked' in edit
    unknown = client.post(f"/children/{child.id}/edit", data={
        "csrf_token": csrf_token_from(edit), "version": str(child.version), "first_name": "Ivy",
        "last_name": "Moss", "born": "unknown", "sex": "female"})
    assert unknown.status_code == 302
    assert "Not known: to complete" in client.get(f"/children/{child.id}").get_data(as_text=True)
