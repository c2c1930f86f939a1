"""The out-of-hours handover through the API: what the EDT logged while the Front Door was closed
waits for the morning, which accepts it item by item (who, when, audited; a second accept is a
409); the morning report's counts."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from triage.extensions import db
from triage.models import ApiToken, AuditEvent, OutOfHoursHandover
from triage.services import out_of_hours, token_holders
from triage.services.calendar import working_day_calendar

FRIDAY_MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _contact(client, received: datetime, channel: str = "edt_handover", name: str = "Maya") -> int:
    body = {"channel": channel, "source_code": "9", "received_at": received.isoformat(),
            "referrer_name": "EDT social worker", "concern": "Police called EDT overnight.",
            "consent": "not_required",
            "children": [{"child": {"first_name": name, "last_name": "Okafor", "sex": "female",
                                    "date_of_birth": "2012-03-02"}}]}
    with freeze_time(received + timedelta(minutes=5)):
        posted = client.post("/api/v1/contacts", json=body)
    assert posted.status_code == 201, posted.json
    return posted.json["id"]


@pytest.fixture
def night(api_as):
    """Contacts across a Thursday night and a weekend; returns the client and the ids by name."""
    era = api_as("era")
    ids = {
        "thursday_night": _contact(era, datetime(2026, 11, 26, 22, 0, tzinfo=UTC), name="Ava"),
        "friday_dawn": _contact(era, datetime(2026, 11, 27, 6, 0, tzinfo=UTC), name="Ben"),
        "phone_at_night": _contact(era, datetime(2026, 11, 26, 23, 0, tzinfo=UTC), channel="phone", name="Cal"),
        "edt_in_hours": _contact(era, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), name="Dee"),
        "saturday": _contact(era, datetime(2026, 11, 28, 11, 0, tzinfo=UTC), name="Eve"),
    }
    return era, ids


def test_the_morning_list_holds_what_the_edt_logged_while_closed_oldest_first(app, night):
    era, ids = night
    with freeze_time(FRIDAY_MORNING):
        listed = era.get("/api/v1/out-of-hours/handover")
    assert listed.status_code == 200, listed.json
    assert [(i["contact_id"], i["handover_date"]) for i in listed.json] == [
        (ids["thursday_night"], "2026-11-27"), (ids["friday_dawn"], "2026-11-27")]
    assert listed.json[0]["children"][0]["name"] == "Ava Okafor" and listed.json[0]["accepted_at"] is None
    shown = db.session.scalars(select(AuditEvent.entity_id).where(AuditEvent.detail == "out-of-hours handover")).all()
    assert sorted(shown) == sorted([ids["thursday_night"], ids["friday_dawn"]])

    with freeze_time(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)):  # Monday: Saturday's is there too
        monday = era.get("/api/v1/out-of-hours/handover?date=2026-11-30").json
    assert [i["contact_id"] for i in monday] == [ids["saturday"]]


def test_accepting_records_who_and_when_and_a_second_accept_is_a_409(app, night, make_user, actor_for):
    era, ids = night
    worker = make_user("era", username="morning.era")
    token_id = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id)).first()
    token_holders.name_holder(actor_for(make_user("admin")), FRIDAY_MORNING, token_id, "morning.era")
    with freeze_time(FRIDAY_MORNING):
        [first, _] = era.get("/api/v1/out-of-hours/handover").json
    url = f"/api/v1/out-of-hours/handover/{first['contact_id']}/accept"
    with freeze_time(FRIDAY_MORNING + timedelta(minutes=10)):
        accepted = era.post(url, json={"version": first["version"]})
        again = era.post(url, json={"version": accepted.json["version"]})
        stale = era.post(url, json={"version": first["version"]})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["accepted_at"] == "2026-11-27T09:10:00+00:00"
    assert accepted.json["accepted_by"] == worker.display_name
    assert again.status_code == 409 and "already accepted" in again.json["message"]
    assert stale.status_code == 409
    item = db.session.scalar(select(OutOfHoursHandover).where(OutOfHoursHandover.contact_id == first["contact_id"]))
    assert item.accepted_by_token_id is not None
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "out_of_hours_handover")).all()
    assert [(a.action, a.entity_id) for a in audited] == [("update", item.id)]

    with freeze_time(FRIDAY_MORNING + timedelta(minutes=11)):
        waiting = era.get("/api/v1/out-of-hours/handover").json
        done = era.get("/api/v1/out-of-hours/handover?state=accepted").json
    assert [i["contact_id"] for i in waiting] == [ids["friday_dawn"]]
    assert [i["contact_id"] for i in done] == [first["contact_id"]]


def test_a_contact_the_front_door_saw_itself_cannot_be_accepted_from_the_list(app, night):
    era, ids = night
    with freeze_time(FRIDAY_MORNING):
        answer = era.post(f"/api/v1/out-of-hours/handover/{ids['edt_in_hours']}/accept", json={"version": 1})
    assert answer.status_code == 404


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/out-of-hours/handover?state=sleeping", None, "state"),
    ("/api/v1/out-of-hours/handover?date=yesterday", None, "date"),
    ("/api/v1/out-of-hours/handover/1/accept", {}, "version"),
    ("/api/v1/out-of-hours/handover/1/accept", {"version": "one"}, "version"),
])
def test_bad_requests_are_422s_naming_the_field(app, api_as, url, body, field):
    era = api_as("era")
    answer = era.get(url) if body is None else era.post(url, json=body)
    assert answer.status_code == 422 and field in json.dumps(answer.json["errors"])


def test_partners_and_performance_officers_have_no_handover_list(app, api_as):
    for role in ("partner", "performance"):
        assert api_as(role).get("/api/v1/out-of-hours/handover").status_code == 403


def test_the_list_is_paginated(app, api_as):
    era = api_as("era")
    for hour in range(3):
        _contact(era, datetime(2026, 11, 26, 19 + hour, 0, tzinfo=UTC), name=f"Child{hour}")
    with freeze_time(FRIDAY_MORNING):
        page = era.get("/api/v1/out-of-hours/handover?page=2&page_size=2")
    assert len(page.json) == 1 and json.loads(page.headers["X-Pagination"])["total"] == 3


def test_the_morning_report_counts_the_night_handed_over_accepted_and_still_waiting(app, night):
    era, ids = night
    hours = out_of_hours.Hours(time(8, 30), time(17, 0), working_day_calendar())
    with freeze_time(FRIDAY_MORNING):
        version = era.get("/api/v1/out-of-hours/handover").json[0]["version"]
        assert era.post(f"/api/v1/out-of-hours/handover/{ids['thursday_night']}/accept",
                        json={"version": version}).status_code == 200
    counts = out_of_hours.counts_for(date(2026, 11, 27), FRIDAY_MORNING + timedelta(hours=1), hours)
    assert counts == out_of_hours.HandoverCounts(handed_over=2, accepted=1, waiting=1)
    monday = out_of_hours.counts_for(date(2026, 11, 30), datetime(2026, 11, 30, 7, 0, tzinfo=UTC), hours)
    assert monday == out_of_hours.HandoverCounts(handed_over=1, accepted=0, waiting=2)
