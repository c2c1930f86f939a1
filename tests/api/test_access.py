"""Who may reach what: sign-in everywhere but login and /healthz, and each role checked."""
from datetime import UTC

import pytest

from triage.models import AuditEvent


def test_health_needs_no_sign_in_and_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", [
    "/api/v1/me", "/api/v1/children?name=ab", "/api/v1/children/1", "/api/v1/openapi.json",
    "/api/v1/reference/agencies", "/api/v1/reference/closure-days", "/api/v1/audit/children/1",
])
def test_the_api_answers_401_without_credentials(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization" in response.json["message"]


@pytest.mark.parametrize("path", ["/", "/api/v1/docs"])
def test_pages_redirect_to_sign_in_without_a_session(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_wrong_or_revoked_token_is_not_accepted(app, api_as, now):
    from triage.models import ApiToken
    from triage.services import people

    assert api_as("era").get("/api/v1/me").status_code == 200
    stranger = type(api_as("era"))(app, "tri_not-a-real-token")
    assert stranger.get("/api/v1/me").status_code == 401
    client = api_as("manager")
    token = app.extensions["sqlalchemy"].session.scalars(
        __import__("sqlalchemy").select(ApiToken).where(ApiToken.role == "manager")).one()
    people.revoke_token(now, token.id)
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_that_reads_children_gets_401_until_a_manager_approves_it(app, make_user, actor_for):
    from tests.conftest import ApiClient
    from triage.clock import utcnow
    from triage.services import people

    creator = make_user("admin")
    token, secret = people.create_token(utcnow(), "Manager dashboard", "manager", None, created_by_id=creator.id)
    client = ApiClient(app, secret)
    assert client.get("/api/v1/children?name=ab").status_code == 401

    people.approve_token(actor_for(make_user("manager")), utcnow(), token.id)

    assert client.get("/api/v1/children?name=ab").status_code == 200


def test_an_expired_token_gets_401(app):
    from datetime import datetime, timedelta

    from freezegun import freeze_time

    from tests.conftest import ApiClient
    from triage.services import people

    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with freeze_time(start) as clock:
        _, secret = people.create_token(start, "Police feed", "partner", "police",
                                        expires_at=start + timedelta(days=1))
        client = ApiClient(app, secret)
        assert client.get("/api/v1/me").status_code == 200
        clock.move_to(start + timedelta(days=1))
        response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role, expected", [
    ("era", 422), ("practitioner", 422), ("manager", 422),  # allowed in; no criteria given
    ("partner", 403), ("performance", 403), ("admin", 403),
])
def test_only_front_door_staff_can_search_child_records(api_as, role, expected):
    assert api_as(role).get("/api/v1/children").status_code == expected


@pytest.mark.parametrize("role, expected", [("manager", 200), ("admin", 200),
                                            ("practitioner", 403), ("partner", 403), ("era", 403)])
def test_only_managers_and_administrators_read_the_audit_trail(api_as, role, expected):
    assert api_as(role).get("/api/v1/audit/children/1").status_code == expected
    assert api_as(role).get("/api/v1/audit/users/1").status_code == expected


@pytest.mark.parametrize("role, expected", [("admin", 201), ("manager", 403), ("era", 403)])
def test_only_administrators_add_closure_days(api_as, role, expected):
    response = api_as(role).post("/api/v1/reference/closure-days",
                                 json={"day": "2026-12-24", "reason": "Council closure"})
    assert response.status_code == expected


def test_an_administrator_removes_a_closure_day_and_an_unknown_day_is_404(api_as):
    admin = api_as("admin")
    admin.post("/api/v1/reference/closure-days", json={"day": "2026-12-29", "reason": "Closure"})
    assert admin.delete("/api/v1/reference/closure-days/2026-12-29").status_code == 200
    assert admin.delete("/api/v1/reference/closure-days/2026-12-29").status_code == 404
    assert admin.delete("/api/v1/reference/closure-days/2026-02-31").status_code == 404
    assert admin.get("/api/v1/reference/closure-days").json == []


def test_a_page_session_calling_the_api_must_send_the_csrf_token(app, client, login, make_user):
    from tests.conftest import csrf_token_from

    login(make_user("era"))
    body = {"first_name": "Ada", "last_name": "Stone", "sex": "female", "date_of_birth": "2019-04-01"}
    refused = client.post("/api/v1/children", json=body)
    assert refused.status_code == 400
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    accepted = client.post("/api/v1/children", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_reading_a_child_through_the_api_leaves_an_audit_row(app, api_as, make_user, actor_for, now):
    from triage.extensions import db
    from triage.services import children

    child = children.create_child(actor_for(make_user("era")), now, {
        "first_name": "Sam", "last_name": "Kerr", "sex": "male", "date_of_birth": now.date()})
    before = db.session.query(AuditEvent).filter_by(action="read").count()
    response = api_as("practitioner").get(f"/api/v1/children/{child.id}")
    assert response.status_code == 200 and response.json["last_name"] == "Kerr"
    event = db.session.query(AuditEvent).filter_by(action="read").one()
    assert before == 0
    assert (event.entity, event.child_id, event.channel, event.role) == ("child", child.id, "api", "practitioner")
    assert event.token_id is not None and event.actor == "token:practitioner system"


def test_the_openapi_description_is_served_to_signed_in_callers(api_as):
    spec = api_as("era").get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Front Door triage API"
    assert "/api/v1/children" in spec["paths"]


def test_an_idle_session_expires_after_the_configured_time(app, client, login, make_user):
    from datetime import datetime, timedelta

    from freezegun import freeze_time

    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with freeze_time(start) as clock:
        login(make_user("era"))
        assert client.get("/").status_code == 200
        clock.move_to(start + timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity refreshes the idle timer
        clock.move_to(start + timedelta(minutes=29 + 31))
        response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_api_session_call_after_the_idle_timeout_is_a_401(app, client, login, make_user):
    from datetime import datetime, timedelta

    from freezegun import freeze_time

    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with freeze_time(start) as clock:
        login(make_user("era"))
        clock.move_to(start + timedelta(hours=1))
        assert client.get("/api/v1/me").status_code == 401


# Reachable without signing in: the login page, the health check, and the static files the login
# page needs to look right (GOV.UK Frontend's CSS, fonts and images; the service's own CSS).
PUBLIC = {"web.auth.login", "health.healthz", "static", "web.assets.govuk"}


def test_every_route_but_the_public_ones_refuses_anyone_not_signed_in(app, client):
    import re

    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
        path = re.sub(r"<isodate:[a-z_]+>", "2026-01-01", path)
        path = re.sub(r"<path:[a-z_]+>", "x", path)
        path = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            expected = 401 if path.startswith("/api/") and not path.startswith("/api/v1/docs") else 302
            assert response.status_code == expected, (method, path, response.status_code)
            checked += 1
    assert checked > 40


def test_a_partner_system_that_keeps_cookies_is_still_known_by_its_bearer_token(app, api_as):
    # A partner's HTTP client that keeps cookies holds the anonymous session the login page
    # gave it (its CSRF token). Flask-Login's "strong" session protection used to see that
    # session, find no matching identifier, and answer 401 before the bearer token was read.
    partner = api_as("partner", "police")
    partner.get("/login")  # an anonymous session cookie, as a browser-like client would keep
    assert partner._client.get_cookie("session") is not None
    assert partner.get("/api/v1/me").status_code == 200
    assert partner.get("/api/v1/me", headers={"User-Agent": "another agent"}).status_code == 200


def test_a_bearer_token_wins_over_a_staff_session_cookie_on_the_same_request(app, client, login, make_user):
    from tests.conftest import working_token

    login(make_user("manager"))
    assert client.get("/api/v1/me").json["role"] == "manager"
    partner = client.get("/api/v1/me", headers={"Authorization": f"Bearer {working_token('partner', 'police')}"})
    assert partner.status_code == 200 and partner.json["role"] == "partner"
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer tri_not-a-real-token"})
    assert wrong.status_code == 401  # a credential that was sent and refused is never replaced by the cookie
