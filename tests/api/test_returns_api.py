"""The returns' data through the API: field-level 422s against the DfE code lists, and closure."""
from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from tests.api.test_cases import error_fields
from tests.integration.test_assessments import referral_on
from triage.extensions import db
from triage.services.reference import ensure_team


def test_a_child_with_codes_outside_the_dfe_lists_is_a_422_naming_each_field(api_as):
    response = api_as("practitioner").post("/api/v1/children", json={
        "first_name": "Mia", "last_name": "Stone", "sex": "X", "date_of_birth": "2015-01-01",
        "ethnicity": "Martian", "disabilities": ["NONE", "WINGS"], "upn_unknown_reason": "UN8",
        "council_child_id": "AB-12"})

    assert response.status_code == 422
    assert {"sex", "ethnicity", "disabilities", "upn_unknown_reason", "council_child_id"} <= error_fields(response)


def test_a_child_recorded_with_census_codes_reads_back_with_them(api_as):
    made = api_as("practitioner").post("/api/v1/children", json={
        "first_name": "Mia", "last_name": "Stone", "sex": "F", "date_of_birth": "2015-01-01",
        "ethnicity": "BAFR", "disabilities": ["AUT", "COMM"], "upn_unknown_reason": "UN2",
        "confirmed_new": True})

    assert made.status_code == 201, made.json
    assert (made.json["sex"], made.json["ethnicity"], made.json["disabilities"], made.json["upn_unknown_reason"]) == (
        "female", "BAFR", ["AUT", "COMM"], "UN2")


def test_a_manager_closes_a_case_through_the_api_and_a_bad_reason_is_a_422(api_as, make_user, actor_for):
    ensure_team("Front Door assessment North")
    staff = {"manager": actor_for(make_user("manager")), "era": actor_for(make_user("era"))}
    db.session.commit()
    referral = referral_on(staff, date(2026, 11, 2))
    manager = api_as("manager")
    with freeze_time("2026-11-27 10:00:00"):
        bad = manager.post(f"/api/v1/referrals/{referral.id}/close", json={
            "closed_on": "2026-11-20", "reason": "RC10", "version": referral.version})
        practitioner = api_as("practitioner").post(f"/api/v1/referrals/{referral.id}/close", json={
            "closed_on": "2026-11-20", "reason": "RC7", "version": referral.version})
        closed = manager.post(f"/api/v1/referrals/{referral.id}/close", json={
            "closed_on": "2026-11-20", "reason": "RC7", "nfa": True, "version": referral.version})

    assert bad.status_code == 422 and "reason" in error_fields(bad)
    assert practitioner.status_code == 403
    assert closed.status_code == 200, closed.json
    assert (closed.json["closed_on"], closed.json["closure_reason"], closed.json["nfa"]) == ("2026-11-20", "RC7", True)


def test_the_primary_need_is_recorded_through_the_api_against_the_n0_to_n9_list(api_as, make_user, actor_for):
    ensure_team("Front Door assessment North")
    staff = {"manager": actor_for(make_user("manager")), "era": actor_for(make_user("era"))}
    db.session.commit()
    referral = referral_on(staff, date(2026, 11, 2))
    worker = api_as("practitioner")

    bad = worker.post(f"/api/v1/referrals/{referral.id}/details", json={"primary_need": "N10",
                                                                        "version": referral.version})
    done = worker.post(f"/api/v1/referrals/{referral.id}/details", json={"primary_need": "N4",
                                                                         "version": referral.version})

    assert bad.status_code == 422 and "primary_need" in error_fields(bad)
    assert done.status_code == 200 and done.json["primary_need"] == "N4"


def test_a_partner_feed_may_send_the_ethnicity_label_and_it_is_stored_as_the_code(api_as):
    made = api_as("practitioner").post("/api/v1/children", json={
        "first_name": "Ola", "last_name": "Adeyemi", "sex": "M", "date_of_birth": "2014-05-05",
        "ethnicity": "Black or Black British: African", "confirmed_new": True})

    assert made.status_code == 201, made.json
    assert made.json["ethnicity"] == "BAFR"
