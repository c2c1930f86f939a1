"""Input a careless or hostile caller might send: a 4xx every time, never a 500."""
import pytest

HUGE = 10**20


@pytest.mark.parametrize("path", [
    f"/api/v1/children/{HUGE}", "/api/v1/children/3000000000", f"/api/v1/contacts/{HUGE}",
    f"/api/v1/referrals/{HUGE}", f"/api/v1/assessments/{HUGE}", f"/api/v1/meetings/{HUGE}",
    f"/api/v1/audit/children/{HUGE}", f"/api/v1/queue?team_id={HUGE}", f"/api/v1/queue?page={HUGE}",
    f"/api/v1/children?name=ab&page={HUGE}", f"/api/v1/audit/users/1?before_id={HUGE}",
    f"/api/v1/reports/morning?version={HUGE}",
])
def test_numbers_too_large_for_the_database_are_a_4xx(api_as, path):
    response = api_as("manager").get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("change", [
    {"concern": "bad \x00 byte"}, {"team_id": 999}, {"team_id": HUGE},
    {"received_at": "0001-01-01T00:00:00+00:00"}, {"received_at": "1900-01-01T00:00:00+00:00"},
    {"children": [{"child": {"first_name": "A\x00", "last_name": "B", "sex": "male", "date_of_birth": "2015-01-01"}}]},
    {"children": [{"child_id": HUGE}]},
])
def test_a_contact_with_an_unstorable_value_is_refused_and_nothing_is_written(api_as, change):
    from triage.extensions import db
    from triage.models import Contact

    body = {"channel": "phone", "source_code": "2A", "concern": "c", "consent": "given", "consent_by": "Mum",
            "children": [{"child": {"first_name": "A", "last_name": "B", "sex": "male",
                                    "date_of_birth": "2015-01-01"}}], **change}
    response = api_as("era").post("/api/v1/contacts", json=body)
    assert 400 <= response.status_code < 500, (change, response.status_code, response.json)
    assert db.session.query(Contact).count() == 0


def test_pages_answer_huge_ids_with_not_found(app, client, login, make_user):
    login(make_user("manager"))
    for path in (f"/cases/{HUGE}", f"/children/{HUGE}", f"/contacts/{HUGE}", f"/cases?page={HUGE}",
                 f"/notifications?page={HUGE}", f"/reports/morning?version={HUGE}"):
        assert 400 <= client.get(path).status_code < 500, path


def test_a_percent_sign_in_a_name_search_is_a_letter_not_a_wildcard(api_as):
    era = api_as("era")
    era.post("/api/v1/children", json={"first_name": "Lily", "last_name": "Hart", "sex": "female",
                                       "date_of_birth": "2018-05-04"})
    assert era.get("/api/v1/children?name=%25%25").json == []


def test_a_nul_character_is_refused_naming_the_field(api_as):
    response = api_as("era").post("/api/v1/children", json={"first_name": "A\x00", "last_name": "B", "sex": "male",
                                                           "date_of_birth": "2015-01-01"})
    assert response.status_code == 422 and "first_name" in response.json["errors"]
