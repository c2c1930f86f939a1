"""Notifications: the sweep tells the allocated worker when a clock on their case is breached."""
from datetime import UTC, date, datetime

from tests.conftest import NOW, csrf_token_from
from tests.support.stories import allocated_referral
from triage.extensions import db
from triage.models import Notification
from triage.services import cases
from triage.services.sweep import sweep_clocks


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


def test_the_allocated_worker_is_notified_of_a_breach_after_the_sweep_and_can_mark_it_read(
        app, client, login, make_user, actor_for):
    referral, worker, manager = allocated_referral(make_user, actor_for)
    login(worker)
    assert client.get("/api/v1/notifications").json == []

    sweep_clocks(NOW)  # 27 Nov 2026: the assessment and both case discussions are past due
    listed = client.get("/api/v1/notifications?unread=true")
    assert listed.status_code == 200
    messages = [n["message"] for n in listed.json]
    assessment_id = cases.get_case(actor_for(worker), NOW, referral.id).assessment.assessment.id
    assert f"assessment clock breached on assessment {assessment_id}" in messages
    assert len(messages) == 3  # the assessment and its two case discussions
    assert all(n["read_at"] is None for n in listed.json)
    assert listed.json[0]["created_at"] == NOW.isoformat()

    token = csrf_token_from(client.get("/").get_data(as_text=True))
    chosen = listed.json[0]["id"]
    read = client.post(f"/api/v1/notifications/{chosen}/read", headers={"X-CSRFToken": token})
    assert read.status_code == 200, read.json
    assert read.json["read_at"] is not None and read.json["read_at"].endswith("+00:00")
    unread = client.get("/api/v1/notifications?unread=true").json
    assert chosen not in [n["id"] for n in unread] and len(unread) == 2
    assert len(client.get("/api/v1/notifications").json) == 3

    # The same breaches went to the worker's manager, whose notifications are theirs alone; as a
    # Front Door manager they also hear of the contact's unowned acknowledgement clock breaching.
    everything = db.session.query(Notification).filter_by(user_id=manager.id).all()
    managers = [n for n in everything if not n.message.startswith("acknowledgement")]
    assert len(managers) == 3 and len(everything) == 4
    refused = client.post(f"/api/v1/notifications/{managers[0].id}/read", headers={"X-CSRFToken": token})
    assert refused.status_code == 404
    assert db.session.get(Notification, managers[0].id).read_at is None


def test_marking_read_with_a_session_cookie_needs_the_csrf_token(app, client, login, make_user, actor_for):
    _, worker, _ = allocated_referral(make_user, actor_for)
    sweep_clocks(NOW)
    login(worker)
    chosen = client.get("/api/v1/notifications").json[0]["id"]
    assert client.post(f"/api/v1/notifications/{chosen}/read").status_code == 400
    assert db.session.get(Notification, chosen).read_at is None


def test_a_token_has_no_notifications(api_as):
    response = api_as("practitioner").get("/api/v1/notifications")
    assert response.status_code == 200 and response.json == []
