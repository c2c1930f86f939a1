"""Nonsense in, a 4xx naming the field out, and nothing written."""
import pytest

from triage.extensions import db
from triage.models import Child


@pytest.fixture
def era(api_as):
    return api_as("era")


GOOD = {"first_name": "Lily", "last_name": "Hart", "sex": "female", "date_of_birth": "2018-05-04"}


@pytest.mark.parametrize("change, field", [
    ({"first_name": 5}, "first_name"),
    ({"first_name": ""}, "first_name"),
    ({"sex": "robot"}, "sex"),
    ({"date_of_birth": "31/02/2020"}, "date_of_birth"),
    ({"date_of_birth": "2020-02-31"}, "date_of_birth"),
    ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
    ({"nhs_number": "123"}, "nhs_number"),
    ({"nhs_number": "9434765918"}, "nhs_number"),
    ({"upn": "not-a-upn"}, "upn"),
    ({"locality_id": 999}, "locality_id"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
])
def test_a_bad_child_field_is_a_422_that_names_it_and_writes_nothing(era, change, field):
    response = era.post("/api/v1/children", json={**GOOD, **change})
    assert response.status_code == 422, response.json
    flat = str(response.json.get("errors", {}))
    assert field in flat
    assert db.session.query(Child).count() == 0


def test_a_missing_date_of_birth_and_expected_date_is_explained(era):
    body = {k: v for k, v in GOOD.items() if k != "date_of_birth"}
    response = era.post("/api/v1/children", json=body)
    assert response.status_code == 422
    assert "date_of_birth" in str(response.json["errors"])


def test_a_malformed_body_is_a_400(era):
    response = era.post("/api/v1/children", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("query, field", [("page=-1", "page"), ("page_size=100000", "page_size"),
                                          ("date_of_birth=yesterday", "date_of_birth")])
def test_bad_list_parameters_are_a_422_naming_them(era, query, field):
    response = era.get(f"/api/v1/children?name=lily&{query}")
    assert response.status_code == 422
    assert field in str(response.json["errors"])


def test_an_unknown_child_is_a_404(era):
    assert era.get("/api/v1/children/424242").status_code == 404


def test_a_second_child_with_the_same_nhs_number_is_a_conflict_even_when_confirmed(era):
    assert era.post("/api/v1/children", json={**GOOD, "nhs_number": "943 476 5919"}).status_code == 201
    again = era.post("/api/v1/children", json={**GOOD, "first_name": "Other", "nhs_number": "9434765919",
                                               "confirmed_new": True})
    assert again.status_code == 409
    assert db.session.query(Child).count() == 1


def test_a_lookalike_child_warns_first_and_is_created_when_confirmed(era):
    first = era.post("/api/v1/children", json=GOOD).json
    warned = era.post("/api/v1/children", json=GOOD)
    assert warned.status_code == 409
    assert f"record {first['id']}" in str(warned.json["errors"])
    confirmed = era.post("/api/v1/children", json={**GOOD, "confirmed_new": True})
    assert confirmed.status_code == 201


def test_editing_needs_the_version_and_a_stale_version_conflicts(era):
    child = era.post("/api/v1/children", json=GOOD).json
    assert era.patch(f"/api/v1/children/{child['id']}", json={"town": "Ayton"}).status_code == 422
    first = era.patch(f"/api/v1/children/{child['id']}", json={"town": "Ayton", "version": child["version"]})
    assert first.status_code == 200 and first.json["version"] == child["version"] + 1
    stale = era.patch(f"/api/v1/children/{child['id']}", json={"town": "Beeton", "version": child["version"]})
    assert stale.status_code == 409
    assert "version" in stale.json["message"]
    assert era.get(f"/api/v1/children/{child['id']}").json["town"] == "Ayton"


def test_search_finds_a_child_by_name_date_of_birth_nhs_number_and_id(era):
    child = era.post("/api/v1/children", json={**GOOD, "nhs_number": "4010232137"}).json
    for query in ("name=hart", "name=LILY%20har", "date_of_birth=2018-05-04",
                  "nhs_number=401%20023%202137", f"council_child_id={child['council_child_id']}"):
        found = era.get(f"/api/v1/children?{query}")
        assert found.status_code == 200, query
        assert [c["id"] for c in found.json] == [child["id"]], query
    assert era.get("/api/v1/children?name=nobody").json == []


def test_a_lookalike_is_found_whatever_the_case_spacing_or_accents_case_of_the_names(era):
    first = era.post("/api/v1/children", json={**GOOD, "first_name": "Émile", "last_name": "Hart-Jones"}).json
    warned = era.post("/api/v1/children", json={**GOOD, "first_name": " ÉMILE ", "last_name": "hart-jones"})
    assert warned.status_code == 409
    assert f"record {first['id']}" in str(warned.json["errors"])
    other = era.post("/api/v1/children", json={**GOOD, "first_name": "Emile", "last_name": "Hart-Jones"})
    assert other.status_code == 201  # without the accent it is another name
