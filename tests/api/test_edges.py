"""The edges hold under hostile bodies, signed in or not: 413, 400 or 422, never a 500."""
import pytest

from triage.security import json_nesting_exceeds

DEEP = b"[" * 600 + b"]" * 600
DEEPER_OBJECTS = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


@pytest.mark.parametrize("body", [DEEP, DEEPER_OBJECTS, b"[" * 100_000], ids=["600 arrays", "50,000 objects",
                                                                             "unclosed"])
@pytest.mark.parametrize("path", ["/login", "/nowhere/at/all", "/api/v1/contacts", "/api/v1/nowhere"])
def test_deeply_nested_json_is_a_400_naming_the_nesting_without_signing_in(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400, (path, response.status_code)
    assert "nested more than 32 levels" in response.get_data(as_text=True)


def test_deeply_nested_json_from_a_signed_in_partner_system_is_a_400_in_json(api_as):
    response = api_as("era").post("/api/v1/contacts", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json["message"].startswith("The JSON body is nested more than 32 levels deep")


def test_json_nested_within_the_limit_reaches_validation(api_as):
    body = b'{"concern": ' + b"[" * 30 + b"]" * 30 + b"}"
    response = api_as("era").post("/api/v1/contacts", data=body, content_type="application/json")
    assert response.status_code == 422 and "concern" in response.json["errors"]["json"]


def test_a_body_over_the_size_limit_is_a_413_page_before_it_is_read(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data={"username": "x" * (limit + 1), "password": "p"})
    assert response.status_code == 413
    assert "The request is too large: the service accepts at most 8 MB" in response.get_data(as_text=True)


def test_a_body_over_the_size_limit_is_a_413_in_json_for_the_api(api_as, app):
    body = b'{"concern": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    response = api_as("era").post("/api/v1/contacts", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["message"].startswith("The request is too large") and response.json["code"] == 413


def test_the_size_limit_is_a_setting(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post("/api/v1/contacts", data=b"[" + b"1," * 600 + b"1]", content_type="application/json")
    assert response.status_code == 413 and "at most 0.000954 MB (1000 bytes)" in response.json["message"]


@pytest.mark.parametrize("body", [b'{"version": ' + b"9" * 5000 + b"}", b'{"concern": "\xff"}', b'{"a": }'])
def test_a_body_that_is_not_json_is_a_400_saying_so(api_as, body):
    response = api_as("era").post("/api/v1/contacts", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["message"] == "The body is not valid JSON"


def test_a_page_given_a_json_array_is_a_400_not_a_500(client, login, make_user):
    from tests.conftest import csrf_token_from

    login(make_user("manager"))
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/login", data=b"[1, 2]", content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "not a JSON array" in response.get_data(as_text=True)


def test_a_lone_surrogate_is_refused_naming_the_field(api_as):
    body = b'{"first_name": "\\ud800", "last_name": "B", "sex": "male", "date_of_birth": "2015-01-01"}'
    response = api_as("era").post("/api/v1/children", data=body, content_type="application/json")
    assert response.status_code == 422 and "first_name" in response.json["errors"]


@pytest.mark.parametrize("path, allowed", [("/api/v1/children", {"GET", "POST"}), ("/healthz", {"GET"})])
def test_a_method_not_allowed_says_which_are(api_as, path, allowed):
    response = api_as("era").delete(path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("body, limit, exceeds", [
    (b"[]", 1, False), (b"[[]]", 1, True), (b"[[]]", 2, False), (b'{"a": {"b": [1, {"c": 2}]}}', 4, False),
    (b'{"a": {"b": [1, {"c": 2}]}}', 3, True), (b'["[[[[[[", "]]}\\"[["]', 1, False),
    (b"[[]", 5, True), (b"]", 5, True), (b'"just text"', 1, False), (b"", 1, False),
])
def test_json_nesting_is_measured_on_the_raw_bytes_ignoring_brackets_in_strings(body, limit, exceeds):
    assert json_nesting_exceeds(body, limit) is exceeds
