"""No bad body returns a 500, signed in or not, on any route that takes one (pages and API)."""
import re

import pytest

from tests.conftest import csrf_token_from

BODIES = {
    "invalid utf-8 json": (b'{"concern": "\xff\xfe"}', "application/json"),
    "nan and infinity": (b'{"concern": NaN, "team_id": Infinity, "version": -Infinity}', "application/json"),
    "top-level array": (b"[1, 2, 3]", "application/json"),
    "top-level string": (b'"text"', "application/json"),
    "huge exponent": (b'{"version": 1e999999, "team_id": 123456789012345678901234567890}', "application/json"),
    "truncated": (b'{"concern": ', "application/json"),
    "too many digits": (b'{"version": ' + b"9" * 5000 + b"}", "application/json"),
    "lone surrogate key": (b'{"\\udc80": 1}', "application/json"),
    "deep": (b"[" * 600 + b"]" * 600, "application/json"),
    "garbage multipart": (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--x--",
                          "multipart/form-data; boundary=x"),
    "broken multipart": (b"no boundary here", "multipart/form-data"),
    "form with nul": (b"concern=%00&username=%00&csrf_token=%00", "application/x-www-form-urlencoded"),
    "json as text": (b'{"concern": "x"}', "text/plain"),
}


def _routes(app):
    """Every route that takes a body, with 1 for each id in its path."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "2026-11-27" if "day" in m.group(1) else "1",
                          rule.rule)
            found.append((method, path))
    return found


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", BODIES)
def test_no_body_makes_a_500_without_signing_in_with_a_token_or_with_a_session(app, client, api_as, login,
                                                                                make_user, kind):
    body, content_type = BODIES[kind]
    token = api_as("manager")
    login(make_user("manager"))
    csrf = csrf_token_from(client.get("/").get_data(as_text=True))
    anonymous = app.test_client()
    errors = []
    for method, path in _routes(app):
        for who, caller, headers in (("anonymous", anonymous, {}), ("token", token, {}),
                                     ("session", client, {"X-CSRFToken": csrf})):
            response = caller.open(path, method=method, data=body, content_type=content_type, headers=headers)
            if response.status_code >= 500:
                errors.append(f"{who} {method} {path}: {response.status_code}")
    assert not errors, errors
