"""The triage meeting through /api/v1/meetings: people signed in to the pages (session cookie
plus the X-CSRFToken header, as the meeting screens call it) and partner systems (bearer tokens)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token_from
from triage.extensions import db
from triage.models import AuditEvent, Clock, MeetingItem
from triage.services import contacts, meetings

UTC = UTC
THURSDAY, FRIDAY = date(2026, 11, 26), date(2026, 11, 27)
DURING = datetime(2026, 11, 27, 9, 40, tzinfo=UTC)  # Friday's meeting is under way


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


class Session:
    """A person signed in through the login page, calling the API as the meeting screens do."""

    def __init__(self, app, user):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        signed_in = self.client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                     "csrf_token": csrf_token_from(page)})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        self.csrf = csrf_token_from(self.client.get("/").get_data(as_text=True))

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def _send(self, verb, url, **kwargs):
        headers = {"X-CSRFToken": self.csrf, **kwargs.pop("headers", {})}
        return getattr(self.client, verb)(url, headers=headers, **kwargs)

    def post(self, url, **kwargs):
        return self._send("post", url, **kwargs)

    def patch(self, url, **kwargs):
        return self._send("patch", url, **kwargs)

    def put(self, url, **kwargs):
        return self._send("put", url, **kwargs)


def notification(n: int) -> dict:
    return {"channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": f"Domestic abuse incident {n}.", "police_incident_reference": f"INC-{n}",
            "children": [{"child": {"first_name": f"Kid{n}", "last_name": "Api", "sex": "male",
                                    "date_of_birth": date(2015, 3, n)}, "confirmed_new": True}]}


@pytest.fixture
def world(app, make_user, actor_for):
    """Thursday's meeting started at 09:30; three notifications since; Friday's meeting planned."""
    users = {"chair": make_user("practitioner", "chair"), "manager": make_user("manager", "boss"),
             "police": make_user("partner", "police.rep", agency="police"),
             "absent": make_user("partner", "police.absent", agency="police"),
             "health": make_user("partner", "health.rep", agency="health")}
    chair, police = actor_for(users["chair"]), actor_for(users["police"])
    thursday = meetings.plan_meeting(chair, at(THURSDAY, 8), "mash_daily", THURSDAY)
    meetings.start_meeting(chair, at(THURSDAY, 9, 30), thursday.id)
    made = [contacts.record_contact(police, at(THURSDAY, 10 + n), notification(n))[0] for n in (1, 2, 3)]
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    return {"users": users, "friday": friday.id, "thursday": thursday.id, "contacts": [c.id for c in made]}


def test_a_meeting_runs_end_to_end_over_the_api_and_the_confirmed_outcome_stops_the_clock(app, world):
    users, friday = world["users"], world["friday"]
    with freeze_time(DURING):
        chair, manager = Session(app, users["chair"]), Session(app, users["manager"])
        police = Session(app, users["police"])
        agenda = chair.get(f"/api/v1/meetings/{friday}/agenda")
        assert agenda.status_code == 200, agenda.json
        assert [line["contact"]["id"] for line in agenda.json["lines"]] == world["contacts"]
        assert agenda.json["lines"][0]["source"] == "channel"

        started = chair.post(f"/api/v1/meetings/{friday}/start", json={})
        assert started.status_code == 200, started.json
        assert started.json["state"] == "open"
        assert chair.post(f"/api/v1/meetings/{friday}/attendance", json={
            "agency": "police", "mode": "virtual", "user_id": users["police"].id}).status_code == 201
        assert chair.post(f"/api/v1/meetings/{friday}/attendance", json={
            "agency": "health", "mode": "in_person", "name": "Dr A. Visiting"}).status_code == 201

        state = police.get(f"/api/v1/meetings/{friday}/state")
        assert state.status_code == 200 and state.headers["ETag"]
        assert "Kid1" not in str(state.json) and "concern" not in str(state.json)  # no child details
        assert state.json["absent_core_agencies"] == ["childrens_social_care", "education", "early_help"]
        unchanged = police.get(f"/api/v1/meetings/{friday}/state", headers={"If-None-Match": state.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.get_data() == b""

        items = police.get(f"/api/v1/meetings/{friday}/items").json
        first = items[0]
        assert first["children"][0]["name"] == "Kid1 Api" and first["time_left"].endswith("left")
        said = police.post(f"/api/v1/meetings/{friday}/items/{first['id']}/contributions",
                           json={"text": "Two previous call-outs."})
        assert said.status_code == 200, said.json
        assert (said.json["agency"], said.json["heading"]) == ("police", "Police history")
        changed = police.get(f"/api/v1/meetings/{friday}/state", headers={"If-None-Match": state.headers["ETag"]})
        assert changed.status_code == 200 and changed.json["items"][0]["agencies"] == ["police"]

        moved = chair.put(f"/api/v1/meetings/{friday}/current", json={"item_id": items[1]["id"]})
        assert moved.status_code == 200 and moved.json["current_item_id"] == items[1]["id"]

        agreed = chair.post(f"/api/v1/meetings/{friday}/items/{first['id']}/outcome", json={
            "rag": "amber", "outcome": "early_help", "lead_agency": "early_help",
            "rationale": "Family agrees to early help.", "version": first["version"]})
        assert agreed.status_code == 200, agreed.json
        action = chair.post(f"/api/v1/meetings/{friday}/items/{first['id']}/actions", json={
            "description": "Allocate an early help worker", "due_date": "2026-12-01", "owner_agency": "early_help"})
        assert action.status_code == 201 and action.json["owner"] == "Early help"
        confirmed = manager.post(f"/api/v1/meetings/{friday}/items/{first['id']}/confirmation", json={})
        assert confirmed.status_code == 200, confirmed.json
        assert confirmed.json["state"] == "confirmed" and confirmed.json["contact"]["state"] == "decided"

        assert chair.post(f"/api/v1/meetings/{friday}/close", json={}).status_code == 200
        minutes = police.get(f"/api/v1/meetings/{friday}/minutes")
        assert minutes.status_code == 200 and minutes.json["draft"] is False
        assert [i["state"] for i in minutes.json["items"]] == ["confirmed", "not_reached", "not_reached"]
        document = chair.get(f"/api/v1/meetings/{friday}/minutes.docx")
        assert document.status_code == 200
        assert document.headers["Content-Type"].startswith("application/vnd.openxmlformats")

    clock = db.session.scalar(select(Clock).where(Clock.kind == "decision",
                                                  Clock.contact_id == world["contacts"][0]))
    assert (clock.state, clock.stopped_at) == ("met", DURING)
    from docx import Document
    text = "\n".join(p.text for p in Document(BytesIO(document.get_data())).paragraphs)
    assert "Daily MASH triage" in text and "Two previous call-outs." in text and "OFFICIAL-SENSITIVE" in text
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(exports) == 3  # one per child on the agenda
    assert {e.detail for e in exports} == {f"minutes of meeting {friday} docx"}  # the format, like every download
    assert all(e.child_id is not None for e in exports)


def test_a_police_representative_not_at_the_meeting_gets_404_for_everything_in_it(app, world, api_as):
    users, friday = world["users"], world["friday"]
    with freeze_time(DURING):
        chair, absent = Session(app, users["chair"]), Session(app, users["absent"])
        chair.post(f"/api/v1/meetings/{friday}/start", json={})
        item_id = chair.get(f"/api/v1/meetings/{friday}/items").json[0]["id"]
        feed = api_as("partner", "police")  # a police system's token is nobody at the meeting
        for who in (absent, feed):
            for path in ("", "/state", "/items", f"/items/{item_id}", "/minutes", "/minutes.docx"):
                assert who.get(f"/api/v1/meetings/{friday}{path}").status_code == 404, path
            assert who.post(f"/api/v1/meetings/{friday}/items/{item_id}/contributions",
                            json={"text": "x"}).status_code == 404
        assert absent.get("/api/v1/meetings").json == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.user_id == users["absent"].id,
                                                      AuditEvent.action == "read")) is None


def test_a_page_session_must_send_the_csrf_header(app, world):
    with freeze_time(DURING):
        chair = Session(app, world["users"]["chair"])
        refused = chair.client.post(f"/api/v1/meetings/{world['friday']}/start", json={})
        assert refused.status_code == 400
        assert chair.post(f"/api/v1/meetings/{world['friday']}/start", json={}).status_code == 200


@pytest.mark.parametrize("path, message", [
    ("close", "This meeting is planned; it cannot be closed from there"),
    ("start-twice", "This meeting is in progress; it cannot be started from there"),
    ("cancel-open", "This meeting is in progress; it cannot be cancelled from there"),
])
def test_invalid_state_transitions_are_409_naming_the_state(app, world, path, message):
    friday = world["friday"]
    with freeze_time(DURING):
        chair = Session(app, world["users"]["chair"])
        if path == "close":
            response = chair.post(f"/api/v1/meetings/{friday}/close", json={})
        else:
            chair.post(f"/api/v1/meetings/{friday}/start", json={})
            response = (chair.post(f"/api/v1/meetings/{friday}/start", json={}) if path == "start-twice" else
                        chair.post(f"/api/v1/meetings/{friday}/cancel", json={"reason": "No quorum"}))
    assert response.status_code == 409
    assert response.json["message"] == message


@pytest.mark.parametrize("target, body, field", [
    ("plan", {"type": "nonsense", "meeting_date": "2026-12-01"}, "type"),
    ("plan", {"type": "mash_daily", "meeting_date": "soon"}, "meeting_date"),
    ("plan", {"type": "mash_daily", "meeting_date": "2026-02-31"}, "meeting_date"),
    ("plan", {"type": "mash_daily", "meeting_date": "2020-01-01"}, "meeting_date"),
    ("plan", {"type": "mash_daily", "meeting_date": "2026-12-01", "locality_id": 1}, "locality_id"),
    ("plan", {"type": "mash_daily", "meeting_date": "2026-12-01", "colour": "blue"}, "colour"),
    ("attendance", {"agency": "police", "mode": "teleport", "name": "X"}, "mode"),
    ("attendance", {"agency": "martians", "mode": "virtual", "name": "X"}, "agency"),
    ("attendance", {"agency": "police", "mode": "virtual"}, "name"),
    ("outcome", {"rag": "purple", "outcome": "assessment", "lead_agency": "police", "rationale": "r"}, "rag"),
    ("outcome", {"rag": "red", "outcome": "lock_them_up", "lead_agency": "police", "rationale": "r"}, "outcome"),
    ("outcome", {"rag": "red", "outcome": "assessment", "lead_agency": "nobody", "rationale": "r"}, "lead_agency"),
    ("outcome", {"rag": "red", "outcome": "assessment", "lead_agency": "police", "rationale": ""}, "rationale"),
    ("action", {"description": "Do it", "owner_agency": "police"}, "due_date"),
    ("action", {"description": "Do it", "due_date": "2026-11-01", "owner_agency": "police"}, "due_date"),
    ("action", {"description": "Do it", "due_date": "2026-12-01"}, "owner_agency"),
    ("add", {"contact_id": 999999, "reason": "Because"}, "contact_id"),
    ("add", {"contact_id": 1, "reason": ""}, "reason"),
    ("current", {"item_id": "first"}, "item_id"),
])
def test_nonsense_input_is_a_422_naming_the_field_and_changes_nothing(app, world, target, body, field):
    friday = world["friday"]
    with freeze_time(DURING):
        chair = Session(app, world["users"]["chair"])
        chair.post(f"/api/v1/meetings/{friday}/start", json={})
        item = chair.get(f"/api/v1/meetings/{friday}/items").json[0]
        before = db.session.get(MeetingItem, item["id"]).version
        url = {"plan": "/api/v1/meetings", "attendance": f"/api/v1/meetings/{friday}/attendance",
               "outcome": f"/api/v1/meetings/{friday}/items/{item['id']}/outcome",
               "action": f"/api/v1/meetings/{friday}/items/{item['id']}/actions",
               "add": f"/api/v1/meetings/{friday}/agenda/additions",
               "current": f"/api/v1/meetings/{friday}/current"}[target]
        if target == "outcome":
            body = {**body, "version": item["version"]}
        response = (chair.put if target == "current" else chair.post)(url, json=body)
    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"])
    assert db.session.get(MeetingItem, item["id"]).version == before


def test_a_second_chair_edit_with_a_stale_version_is_a_409(app, world):
    friday = world["friday"]
    with freeze_time(DURING):
        chair, manager = Session(app, world["users"]["chair"]), Session(app, world["users"]["manager"])
        meeting = chair.get(f"/api/v1/meetings/{friday}").json
        assert chair.patch(f"/api/v1/meetings/{friday}", json={
            "version": meeting["version"], "notes": "Room 2"}).status_code == 200
        stale = manager.patch(f"/api/v1/meetings/{friday}", json={"version": meeting["version"], "notes": "Room 3"})
        assert stale.status_code == 409 and "version" in stale.json["message"]

        chair.post(f"/api/v1/meetings/{friday}/start", json={})
        item = chair.get(f"/api/v1/meetings/{friday}/items").json[0]
        body = {"rag": "green", "outcome": "no_further_action", "lead_agency": "childrens_social_care",
                "rationale": "Nothing further.", "version": item["version"]}
        assert chair.post(f"/api/v1/meetings/{friday}/items/{item['id']}/outcome", json=body).status_code == 200
        second = manager.post(f"/api/v1/meetings/{friday}/items/{item['id']}/outcome",
                              json={**body, "outcome": "assessment"})
    assert second.status_code == 409
    assert "Someone else changed this item" in second.json["message"]
    assert db.session.get(MeetingItem, item["id"]).outcome == "no_further_action"


def test_lists_are_paginated_and_history_is_searchable_by_date_and_child(app, world):
    with freeze_time(DURING):
        chair = Session(app, world["users"]["chair"])
        chair.post(f"/api/v1/meetings/{world['friday']}/start", json={})
        page = chair.get("/api/v1/meetings?page_size=1")
        assert page.status_code == 200 and len(page.json) == 1
        assert '"total": 2' in page.headers["X-Pagination"]
        assert [m["id"] for m in chair.get("/api/v1/meetings?date_to=2026-11-26").json] == [world["thursday"]]
        by_name = chair.get("/api/v1/meetings?child_name=kid2").json
        assert [m["id"] for m in by_name] == [world["friday"]]
        assert chair.get("/api/v1/meetings?date_from=2026-11-28&date_to=2026-11-01").status_code == 422
        types = chair.get("/api/v1/meetings/types").json
        assert {t["code"] for t in types} == {"mash_daily", "emotional_health_weekly", "team_14_plus"}


def test_the_meeting_routes_are_described_in_the_openapi_document(api_as):
    paths = api_as("practitioner").get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/meetings", "/api/v1/meetings/{meeting_id}/state",
            "/api/v1/meetings/{meeting_id}/items/{item_id}/outcome"} <= set(paths)


def test_a_meeting_shows_the_decision_clock_with_the_councils_warning_as_the_queue_does(app, world, actor_for):
    """A council warning 12 hours ahead: 8 hours before its due, a contact is due soon on the
    queue, on the meeting's items (API) and on the chair's panel alike; with the usual 4 hours it
    is running on all three."""
    users, friday, last = world["users"], world["friday"], world["contacts"][2]  # due Friday 13:00
    early = at(FRIDAY, 5)
    meetings.start_meeting(actor_for(users["chair"]), early, friday)

    def clocks_seen() -> set[str]:
        with freeze_time(early):
            chair = Session(app, users["chair"])
            items = chair.get(f"/api/v1/meetings/{friday}/items").get_json()
            item = next(i for i in items if i["contact"]["id"] == last)
            queued = next(q for q in chair.get("/api/v1/queue?page_size=100").get_json() if q["id"] == last)
            panel = chair.get(f"/meetings/{friday}/items/{item['id']}/panel").get_data(as_text=True)
            on_panel = "due_soon" if "triage-clock--due_soon" in panel else \
                "running" if "triage-clock--running" in panel else "neither"
            return {item["clock_state"], queued["clock_state"], on_panel}

    app.config["DECISION_WARN_HOURS"] = 12
    try:
        assert clocks_seen() == {"due_soon"}
    finally:
        app.config["DECISION_WARN_HOURS"] = 4
    assert clocks_seen() == {"running"}


def test_a_contact_to_add_is_found_by_a_childs_name(app, world):
    users, friday = world["users"], world["friday"]
    with freeze_time(at(THURSDAY, 17, 30)):
        chair, police = Session(app, users["chair"]), Session(app, users["police"])
        url = f"/api/v1/meetings/{friday}/agenda/candidates"
        found = chair.get(url, query_string={"child_name": "kid2 api"})
        assert found.status_code == 200
        assert [c["contact_id"] for c in found.get_json()] == [world["contacts"][1]]
        assert found.get_json()[0]["children"][0]["name"] == "Kid2 Api"
        short = chair.get(url, query_string={"child_name": "k"})
        assert short.status_code == 422 and "child_name" in short.get_json()["errors"]["query"]
        assert police.get(url, query_string={"child_name": "kid2"}).status_code == 403
        added = chair.post(f"/api/v1/meetings/{friday}/agenda/additions",
                           json={"contact_id": world["contacts"][1], "reason": "Asked for by name"})
        assert added.status_code == 201
        assert chair.get(url, query_string={"child_name": "kid2"}).get_json() == []  # on the agenda now
