"""`GET /api/v1/me/work`: the caller's work in numbers, the same as the home page's."""
from datetime import date

from freezegun import freeze_time

from tests.conftest import NOW
from tests.support.stories import allocated_referral
from triage.services import contacts, information_requests


def test_a_worker_reads_their_cases_queue_and_unread_counts(app, client, login, make_user, actor_for):
    _, worker, _ = allocated_referral(make_user, actor_for)
    with freeze_time(NOW):  # 27 Nov 2026: the assessment and both case discussions are past due
        login(worker)
        answer = client.get("/api/v1/me/work")

    assert answer.status_code == 200, answer.json
    work = answer.json
    assert work["role"] == "practitioner"
    assert work["cases"] == {"open_cases": 1, "due_this_week": 0, "breached": 3, "week_ends_on": "2026-11-29"}
    assert work["queue"] == {"awaiting_decision": 0, "breached": 0, "due_soon": 0}
    assert work["unread_notifications"] == 0
    assert work["team"] is None and work["requests_awaiting_agency"] is None and work["latest_report"] is None


def test_a_manager_in_no_team_sees_every_teams_breaches(app, client, login, make_user, actor_for):
    _, _, manager = allocated_referral(make_user, actor_for)
    with freeze_time(NOW):
        login(manager)
        team = client.get("/api/v1/me/work").json["team"]

    assert team == {"team_id": None, "breached": 3, "awaiting_allocation": 0}


def test_a_partner_system_reads_requests_awaiting_its_agency(app, api_as, make_user, actor_for):
    era, worker = actor_for(make_user("era")), actor_for(make_user("practitioner"))
    contact, _ = contacts.record_contact(era, NOW, {
        "channel": "phone", "source_code": "2A", "concern": "School worried", "consent": "given",
        "consent_by": "Father", "received_at": NOW, "children": [{"child": {
            "first_name": "Noor", "last_name": "Ali", "sex": "female", "date_of_birth": date(2016, 4, 4)},
            "confirmed_new": True}]})
    contacts.set_rag(worker, NOW, contact.id, "red", "Injury")
    information_requests.request_information(worker, NOW, contact.id, ["police", "health"], "What do you hold?")

    with freeze_time(NOW):
        police = api_as("partner", "police").get("/api/v1/me/work")

    assert police.status_code == 200
    assert police.json["requests_awaiting_agency"] == 1
    assert police.json["queue"] is None and police.json["cases"] is None
    assert police.json["unread_notifications"] is None  # a system has no notifications of its own


def test_work_needs_a_signed_in_caller(app, client):
    assert client.get("/api/v1/me/work").status_code == 401
