"""The OpenAPI document says what the API really answers (findings of the schemathesis run)."""
import json

import pytest
from freezegun import freeze_time

from tests.support.report_council import NOW


@pytest.fixture
def document(app):
    from triage.extensions import api
    return api.spec.to_dict()


def test_x_pagination_is_documented_as_the_json_text_it_is(api_as, council, document):
    header = document["components"]["headers"]["PAGINATION"]
    assert header["schema"] == {"type": "string"}
    response = api_as("manager").get("/api/v1/children?name=test&page_size=2")
    assert response.status_code == 200
    served = json.loads(response.headers["X-Pagination"])  # a JSON object inside a string header
    assert served["total"] == 5 and served["total_pages"] == 3 and served["page"] == 1
    assert json.loads(header["example"]).keys() <= {"total", "total_pages", "first_page", "last_page", "page",
                                                    "previous_page", "next_page"}


def test_reading_a_contact_documents_the_staff_view_and_the_partner_view(api_as, council, document):
    schema = document["paths"]["/api/v1/contacts/{contact_id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert schema == {"anyOf": [{"$ref": "#/components/schemas/Contact"},
                                {"$ref": "#/components/schemas/PartnerContact"}]}
    views = document["components"]["schemas"]
    staff = api_as("manager").get(f"/api/v1/contacts/{council['c'].id}").json
    assert staff.keys() <= views["Contact"]["properties"].keys() and "rag" in staff
    with freeze_time(NOW):  # the police answered two days ago: still theirs to read
        partner = api_as("partner", "police").get(f"/api/v1/contacts/{council['c'].id}")
    assert partner.status_code == 200
    assert partner.json.keys() <= views["PartnerContact"]["properties"].keys() and "rag" not in partner.json


def test_a_childs_date_of_birth_on_a_contact_is_an_iso_date(api_as, council, document):
    child = api_as("manager").get(f"/api/v1/contacts/{council['a'].id}").json["children"][0]
    assert child["date_of_birth"] == "2015-01-01"  # not "Thu, 01 Jan 2015 00:00:00 GMT"
    documented = document["components"]["schemas"]["ContactChild"]["properties"]["date_of_birth"]
    assert documented["type"] == "string" and documented["format"] == "date"


