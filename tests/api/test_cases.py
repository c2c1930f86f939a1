"""Referrals, allocation, assessments, strategy discussions and clocks, through the API."""
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import event

from tests.conftest import NOW
from triage.extensions import db
from triage.models import Assessment, AuditEvent, Referral
from triage.services import cases, contacts
from triage.services.reference import ensure_team


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


def error_fields(response) -> set[str]:
    """Field names in a 422, whether webargs (errors.json.<field>) or a service (errors.<field>)."""
    errors = response.json.get("errors", {})
    return set(errors) | set(errors.get("json", {}))


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Assessment team North")
    other_team = ensure_team("Assessment team South")
    manager = make_user("manager")
    worker = make_user("practitioner")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    return {"manager": actor_for(manager), "worker": actor_for(worker), "era": actor_for(make_user("era")),
            "team": team, "other_team": other_team, "worker_user": worker, "manager_user": manager}


@pytest.fixture
def referral_on(staff):
    """A referral made by a decision on a contact received on `day` (services, at that time)."""
    counter = {"n": 0}

    def make(day: date, first_name: str | None = None) -> Referral:
        counter["n"] += 1
        contact, _ = contacts.record_contact(staff["era"], at(day), {
            "channel": "phone", "source_code": "3A", "concern": "GP worried about weight loss",
            "consent": "given", "consent_by": "Mother", "received_at": at(day), "children": [{"child": {
                "first_name": first_name or f"Ivy{counter['n']}", "last_name": "Moss", "sex": "female",
                "date_of_birth": date(2014, 2, 2)}, "confirmed_new": True}]})
        contacts.record_decision(staff["manager"], at(day, 11), contact.id,
                                 [{"outcome": "assessment", "rationale": "Needs assessing"}])
        return db.session.query(Referral).filter_by(contact_id=contact.id).one()

    return make


def assessment_of(referral: Referral) -> Assessment:
    return db.session.query(Assessment).filter_by(referral_id=referral.id).one()


# ---------------------------------------------------------------- referrals and allocation

def test_a_manager_lists_referrals_and_allocates_one_to_a_worker(api_as, staff, referral_on):
    manager = api_as("manager")
    late = referral_on(date(2026, 9, 1), "Ada")
    recent = referral_on(date(2026, 11, 2), "Bea")
    with freeze_time(NOW):
        listed = manager.get("/api/v1/referrals?status=open&page_size=50")
        assert listed.status_code == 200, listed.json
        rows = {row["id"]: row for row in listed.json}
        assert list(rows) == [recent.id, late.id]  # newest referral first
        assert rows[late.id]["child_name"] == "Ada Moss"
        assert rows[late.id]["assessment_due_date"] == "2026-11-03"
        assert rows[late.id]["working_days_left"] < 0 and rows[late.id]["status"] == "overdue"
        assert rows[late.id]["working_days_left_text"].endswith("working days overdue")
        assert rows[recent.id]["status"] == "not_allocated"
        assert rows[recent.id]["working_days_left_text"] == "26 working days left"

        allocated = manager.post(f"/api/v1/referrals/{recent.id}/allocate", json={
            "team_id": staff["team"].id, "worker_id": staff["worker"].user_id,
            "version": rows[recent.id]["version"]})
        assert allocated.status_code == 200, allocated.json
        assert allocated.json["worker_id"] == staff["worker"].user_id
        assert allocated.json["allocated_at"] == NOW.isoformat()

        mine = manager.get(f"/api/v1/referrals?worker_id={staff['worker'].user_id}").json
        assert [row["id"] for row in mine] == [recent.id]
        assert mine[0]["worker"] == staff["worker_user"].display_name and mine[0]["status"] == "not_started"
        waiting = manager.get("/api/v1/referrals?allocated=false").json
        assert [row["id"] for row in waiting] == [late.id]
        assert manager.get(f"/api/v1/referrals?team_id={staff['other_team'].id}").json == []
        assert manager.get("/api/v1/referrals?status=closed").json == []

        detail = manager.get(f"/api/v1/referrals/{recent.id}").json
    assert detail["child"]["name"] == "Bea Moss"
    assert detail["team"] == staff["team"].name and detail["worker"] == staff["worker_user"].display_name
    assert detail["assessment"]["due_date"] == "2027-01-07"
    assert detail["assessment"]["working_days_elapsed"] == 19
    assert [d["planned_on"] for d in detail["assessment"]["case_discussions"]] == ["2026-11-16", "2026-12-21"]
    assert detail["strategy_discussions"] == []
    assert {c["kind"] for c in detail["clocks"]} >= {"decision", "assessment", "case_discussion"}
    read = db.session.query(AuditEvent).filter_by(entity="referral", entity_id=recent.id, action="read").count()
    assert read == 1


def test_the_list_is_paginated(api_as, referral_on):
    for day in (2, 3, 4):
        referral_on(date(2026, 11, day))
    with freeze_time(NOW):
        first = api_as("practitioner").get("/api/v1/referrals?page=1&page_size=2")
    assert len(first.json) == 2
    assert '"total": 3' in first.headers["X-Pagination"]


@pytest.mark.parametrize("role", ["era", "practitioner", "partner", "performance"])
def test_only_a_manager_can_allocate(api_as, staff, referral_on, role):
    referral = referral_on(date(2026, 11, 2))
    response = api_as(role).post(f"/api/v1/referrals/{referral.id}/allocate", json={
        "team_id": staff["team"].id, "worker_id": staff["worker"].user_id, "version": referral.version})
    assert response.status_code == 403
    assert db.session.get(Referral, referral.id).worker_id is None


def test_an_era_cannot_read_cases(api_as, referral_on):
    referral = referral_on(date(2026, 11, 2))
    era = api_as("era")
    assert era.get("/api/v1/referrals").status_code == 403
    assert era.get(f"/api/v1/referrals/{referral.id}").status_code == 403


def test_allocating_with_a_stale_version_is_a_conflict(api_as, staff, referral_on):
    manager = api_as("manager")
    referral = referral_on(date(2026, 11, 2))
    version = referral.version
    body = {"team_id": staff["team"].id, "worker_id": staff["worker"].user_id, "version": version}
    assert manager.post(f"/api/v1/referrals/{referral.id}/allocate", json=body).status_code == 200
    again = manager.post(f"/api/v1/referrals/{referral.id}/allocate",
                         json={**body, "worker_id": staff["manager"].user_id})
    assert again.status_code == 409
    assert "reload" in again.json["message"]
    assert db.session.get(Referral, referral.id).worker_id == staff["worker"].user_id


@pytest.mark.parametrize("body, field", [
    ({"worker_id": None}, "team_id"),  # team_id missing
    ({"team_id": 9999}, "team_id"),
    ({"worker_id": 9999}, "worker_id"),
    ({"version": "one"}, "version"),
])
def test_a_bad_allocation_is_a_422_naming_the_field(api_as, staff, referral_on, body, field):
    referral = referral_on(date(2026, 11, 2))
    base = {"team_id": staff["team"].id, "worker_id": staff["worker"].user_id, "version": referral.version}
    if field == "team_id" and "team_id" not in body:
        base.pop("team_id")
    response = api_as("manager").post(f"/api/v1/referrals/{referral.id}/allocate", json={**base, **body})
    assert response.status_code == 422, response.json
    assert field in error_fields(response)


def test_an_unknown_referral_is_a_404(api_as):
    assert api_as("manager").get("/api/v1/referrals/4242").status_code == 404


# ---------------------------------------------------------------- the assessment

def test_a_worker_starts_sees_the_child_holds_a_discussion_and_a_manager_authorises(api_as, staff, referral_on):
    worker, manager = api_as("practitioner"), api_as("manager")
    referral = referral_on(date(2026, 11, 2))
    assessment_id = assessment_of(referral).id
    url = f"/api/v1/assessments/{assessment_id}"
    with freeze_time(NOW):
        read = worker.get(url).json
        assert (read["due_date"], read["clock_state"], read["late"]) == ("2027-01-07", "running", False)
        started = worker.post(f"{url}/start", json={"started_on": "2026-11-03", "version": read["version"]})
        assert started.status_code == 200, started.json
        assert started.json["started_on"] == "2026-11-03"
        seen = worker.post(f"{url}/child-seen", json={"child_seen_on": "2026-11-05",
                                                      "version": started.json["version"]})
        assert seen.status_code == 200, seen.json
        held = worker.post(f"{url}/case-discussions/1", json={
            "held_on": "2026-11-16", "note": "Plan agreed", "held_by_id": staff["manager"].user_id,
            "version": seen.json["version"]})
        assert held.status_code == 200, held.json
        first = held.json["case_discussions"][0]
        assert (first["held_on"], first["held_by"], first["note"]) == (
            "2026-11-16", staff["manager_user"].display_name, "Plan agreed")
        authorised = manager.post(f"{url}/authorise", json={
            "outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["3B", "4B"], "version": held.json["version"]})
    assert authorised.status_code == 200, authorised.json
    assert authorised.json["outcome"] == "child_in_need_plan"
    assert authorised.json["factors"] == ["3B", "4B"]
    assert authorised.json["authorised_at"] == NOW.isoformat()
    assert (authorised.json["clock_state"], authorised.json["late"], authorised.json["working_days_left"]) == (
        "met", False, None)


def test_a_practitioner_cannot_authorise(api_as, referral_on):
    referral = referral_on(date(2026, 11, 2))
    assessment = assessment_of(referral)
    response = api_as("practitioner").post(f"/api/v1/assessments/{assessment.id}/authorise", json={
        "outcome": "no_further_action", "primary_need": "N1", "factors": ["21"], "version": assessment.version})
    assert response.status_code == 403
    assert db.session.get(Assessment, assessment.id).authorised_at is None


@pytest.fixture
def started(staff, referral_on):
    """An assessment referred on 1 Sep 2026 (due 3 Nov: late by NOW), started the next day."""
    referral = referral_on(date(2026, 9, 1))
    assessment = assessment_of(referral)
    return cases.start_assessment(staff["worker"], at(date(2026, 9, 2)), assessment.id, cases.StartAssessment(date(2026, 9, 2)))


@pytest.mark.parametrize("path, body, field", [
    ("start", {"started_on": "2026-11-28"}, "started_on"),  # tomorrow
    ("start", {"started_on": "2026-08-31"}, "started_on"),  # before the referral
    ("start", {"started_on": "27/11/2026"}, "started_on"),
    ("start", {}, "started_on"),
    ("child-seen", {"child_seen_on": "2027-01-01"}, "child_seen_on"),
    ("case-discussions/1", {"held_on": "2026-12-01"}, "held_on"),
    ("case-discussions/7", {"held_on": "2026-11-20"}, "sequence"),
    ("case-discussions/1", {"held_on": "2026-11-20", "held_by_id": 4242}, "held_by_id"),
    ("authorise", {"outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["99Z"], "late_reason": "x"}, "factors"),
    ("authorise", {"outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["21"], "late_reason": "x"}, "factors"),
    ("authorise", {"outcome": "no_further_action", "primary_need": "N1", "factors": ["21", "3B"], "late_reason": "x"}, "factors"),
    ("authorise", {"outcome": "no_further_action", "primary_need": "N1", "factors": [], "late_reason": "x"}, "factors"),
    ("authorise", {"outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["3B"]}, "late_reason"),
    ("authorise", {"outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["3B"], "late_reason": "  "}, "late_reason"),
    ("authorise", {"outcome": "adopted", "primary_need": "N1", "factors": ["3B"], "late_reason": "x"}, "outcome"),
    ("authorise", {"outcome": "child_in_need_plan", "primary_need": "N1", "factors": ["3B"], "late_reason": "x",
                   "closure_reason": "RC99"}, "closure_reason"),
])
def test_bad_assessment_steps_are_422s_naming_the_field(api_as, started, path, body, field):
    with freeze_time(NOW):
        response = api_as("manager").post(f"/api/v1/assessments/{started.id}/{path}",
                                          json={**body, "version": started.version})
    assert response.status_code == 422, response.json
    assert field in error_fields(response), response.json
    assessment = db.session.get(Assessment, started.id)
    assert assessment.authorised_at is None and assessment.child_seen_on is None


def test_a_late_authorisation_with_a_reason_is_recorded_as_late(api_as, started):
    with freeze_time(NOW):
        response = api_as("manager").post(f"/api/v1/assessments/{started.id}/authorise", json={
            "outcome": "no_further_action", "primary_need": "N1", "factors": ["21"], "late_reason": "Waiting for the school",
            "version": started.version})
    assert response.status_code == 200, response.json
    assert (response.json["late"], response.json["clock_state"]) == (True, "breached")
    assert response.json["late_reason"] == "Waiting for the school"
    assert response.json["closure_reason"] == "RC8"
    assert db.session.get(Referral, started.referral_id).closed_at is not None


def test_a_stale_assessment_version_is_a_conflict(api_as, started):
    manager = api_as("manager")
    url = f"/api/v1/assessments/{started.id}"
    stale = started.version
    with freeze_time(NOW):
        assert manager.post(f"{url}/child-seen", json={"child_seen_on": "2026-09-03", "version": stale}).status_code == 200
        again = manager.post(f"{url}/start", json={"started_on": "2026-09-04", "version": stale})
        authorised = manager.post(f"{url}/authorise", json={
            "outcome": "no_further_action", "primary_need": "N1", "factors": ["21"], "late_reason": "x", "version": stale})
    assert again.status_code == 409 and "reload" in again.json["message"]
    assert authorised.status_code == 409
    assert db.session.get(Assessment, started.id).started_on == date(2026, 9, 2)


def test_an_authorised_assessment_cannot_be_authorised_again(api_as, started):
    manager = api_as("manager")
    body = {"outcome": "no_further_action", "primary_need": "N1", "factors": ["21"], "late_reason": "x"}
    with freeze_time(NOW):
        first = manager.post(f"/api/v1/assessments/{started.id}/authorise", json={**body, "version": started.version})
        second = manager.post(f"/api/v1/assessments/{started.id}/authorise",
                              json={**body, "version": first.json["version"]})
    assert second.status_code == 409
    assert "already authorised" in second.json["message"]


# ---------------------------------------------------------------- strategy discussions, s47, ICPC

def test_a_strategy_discussion_starts_an_s47_and_the_conference_clock(api_as, referral_on):
    worker = api_as("practitioner")
    referral = referral_on(date(2026, 11, 2))
    with freeze_time(NOW):
        made = worker.post(f"/api/v1/referrals/{referral.id}/strategy-discussions", json={
            "held_on": "2026-11-05", "agencies": ["police", "health"], "s47_started": True})
        assert made.status_code == 201, made.json
        assert made.json["icpc_due_date"] == "2026-11-26"  # 15 working days after Thu 5 Nov
        discussion_id = made.json["id"]
        url = f"/api/v1/strategy-discussions/{discussion_id}"
        clocks = {c["kind"]: c for c in worker.get(f"/api/v1/referrals/{referral.id}/clocks").json}
        assert clocks["icpc"]["state"] == "breached"  # due yesterday, not yet held
        assert clocks["icpc"]["time_left"] == "1 working day overdue"
        assert clocks["icpc"]["referral_id"] == referral.id

        outcome = worker.post(f"{url}/s47-outcome", json={"outcome": "substantiated_icpc", "on": "2026-11-20",
                                                          "version": made.json["version"]})
        assert outcome.status_code == 200, outcome.json
        neither = worker.post(f"{url}/icpc", json={"version": outcome.json["version"]})
        assert neither.status_code == 422 and "held_on" in error_fields(neither)
        held = worker.post(f"{url}/icpc", json={"held_on": "2026-11-26", "version": outcome.json["version"]})
        assert held.status_code == 200, held.json
        assert held.json["icpc_held_on"] == "2026-11-26"
        stale = worker.post(f"{url}/icpc", json={"not_needed_reason": "x", "version": outcome.json["version"]})
        assert stale.status_code == 409
        detail = worker.get(f"/api/v1/referrals/{referral.id}").json
    [shown] = detail["strategy_discussions"]
    assert shown["agencies"] == ["police", "health"] and shown["s47_outcome"] == "substantiated_icpc"
    icpc = next(c for c in detail["clocks"] if c["kind"] == "icpc")
    assert (icpc["state"], icpc["time_left"]) == ("met", None)


@pytest.mark.parametrize("body, field", [
    ({"held_on": "2026-11-28", "agencies": ["police"], "s47_started": True}, "held_on"),
    ({"held_on": "2026-11-05", "agencies": [], "s47_started": True}, "agencies"),
    ({"held_on": "2026-11-05", "agencies": ["police"]}, "s47_started"),
])
def test_a_bad_strategy_discussion_is_a_422_naming_the_field(api_as, referral_on, body, field):
    referral = referral_on(date(2026, 11, 2))
    with freeze_time(NOW):
        response = api_as("practitioner").post(f"/api/v1/referrals/{referral.id}/strategy-discussions", json=body)
    assert response.status_code == 422
    assert field in error_fields(response)


def test_an_s47_outcome_without_an_s47_is_a_conflict(api_as, referral_on):
    worker = api_as("practitioner")
    referral = referral_on(date(2026, 11, 2))
    with freeze_time(NOW):
        made = worker.post(f"/api/v1/referrals/{referral.id}/strategy-discussions", json={
            "held_on": "2026-11-05", "agencies": ["police"], "s47_started": False}).json
        response = worker.post(f"/api/v1/strategy-discussions/{made['id']}/s47-outcome", json={
            "outcome": "not_substantiated", "on": "2026-11-06", "version": made["version"]})
    assert response.status_code == 409


# ---------------------------------------------------------------- clocks, oversight, caseload

def test_the_clocks_on_a_case_say_their_state_and_time_left_in_words(api_as, staff, referral_on):
    referral = referral_on(date(2026, 11, 2))
    with freeze_time(NOW):
        clocks = api_as("practitioner").get(f"/api/v1/referrals/{referral.id}/clocks").json
    by_label = {c["label"]: c for c in clocks}
    assert by_label["Assessment"]["due_date"] == "2027-01-07"
    assert by_label["Assessment"]["due_at"] == "2027-01-07T23:59:59+00:00"
    assert (by_label["Assessment"]["state"], by_label["Assessment"]["time_left"]) == ("running", "26 working days left")
    assert by_label["Case discussion 1"]["state"] == "breached"  # planned for 16 Nov, not held
    assert by_label["Case discussion 1"]["time_left"] == "9 working days overdue"
    assert by_label["Decision on the contact"]["state"] == "met"
    assert [c["due_at"] for c in clocks] == sorted(c["due_at"] for c in clocks)


def test_the_manager_sees_everything_due_soon_or_breached_soonest_first(api_as, staff, referral_on, now):
    north = referral_on(date(2026, 9, 1), "Ada")
    south = referral_on(date(2026, 10, 20), "Bea")  # due 22 Dec 2026: case discussion 1 breached
    cases.allocate(staff["manager"], now, north.id, cases.Allocation(staff["team"].id, staff["worker"].user_id))
    cases.allocate(staff["manager"], now, south.id, cases.Allocation(staff["other_team"].id, None))
    manager = api_as("manager")
    with freeze_time(NOW):
        everything = manager.get("/api/v1/clocks/due?page_size=100")
        assert everything.status_code == 200, everything.json
        due = everything.json
        assert [c["due_at"] for c in due] == sorted(c["due_at"] for c in due)
        assert {c["state"] for c in due} <= {"due_soon", "breached"}
        north_only = manager.get(f"/api/v1/clocks/due?team_id={staff['team'].id}").json
        assert api_as("practitioner").get("/api/v1/clocks/due").status_code == 403
    assessment_clock = next(c for c in north_only if c["kind"] == "assessment")
    assert assessment_clock["referral_id"] == north.id and assessment_clock["who"] == "Ada Moss"
    assert assessment_clock["owner"] == staff["worker_user"].display_name
    assert assessment_clock["team"] == staff["team"].name
    assert assessment_clock["time_left"].endswith("working days overdue")
    assert {c["team_id"] for c in north_only} == {staff["team"].id}
    assert {c["referral_id"] for c in due if c["referral_id"]} == {north.id, south.id}


def test_caseload_counts_open_assessments_by_worker_and_team(api_as, staff, referral_on, now):
    for day in (2, 3):
        referral = referral_on(date(2026, 11, day))
        cases.allocate(staff["manager"], now, referral.id, cases.Allocation(staff["team"].id, staff["worker"].user_id))
    referral_on(date(2026, 11, 4))
    with freeze_time(NOW):
        everyone = api_as("performance").get("/api/v1/caseload").json
        worker_only = api_as("manager").get(f"/api/v1/caseload?worker_id={staff['worker'].user_id}").json
    assert {(r["worker"], r["team"], r["open_assessments"]) for r in everyone} == {
        (staff["worker_user"].display_name, staff["team"].name, 2), (None, None, 1)}
    assert [r["open_assessments"] for r in worker_only] == [2]
    assert api_as("era").get("/api/v1/caseload").status_code == 403


# ---------------------------------------------------------------- a fixed number of queries

def _count_queries(client, url) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.json
    return len(statements), len(response.json)


def test_the_referrals_list_runs_the_same_number_of_queries_for_3_rows_as_for_30(api_as, staff, referral_on, now):
    manager = api_as("manager")
    url = "/api/v1/referrals?page_size=100"

    def add(n, start):
        for i in range(n):
            referral = referral_on(date(2026, 10, 1 + (start + i) % 28))
            if i % 2:
                in_team = i % 4 == 1  # the worker is in the first team only
                cases.allocate(staff["manager"], now, referral.id, cases.Allocation(
                    (staff["team"] if in_team else staff["other_team"]).id, staff["worker"].user_id if in_team else None))

    with freeze_time(NOW):
        add(3, 0)
        manager.get(url)  # first use of the token records when it was last used
        few, rows_few = _count_queries(manager, url)
        add(27, 3)
        many, rows_many = _count_queries(manager, url)
    assert (rows_few, rows_many) == (3, 30)
    assert few == many, (few, many)


def test_the_counts_by_status_agree_with_the_statuses_of_the_listed_rows(api_as, staff, referral_on, now):
    """Every day from 45 working days back to today: overdue, due soon (the warning days before
    the due date) and on track all occur, each counted as its row says."""
    for day in (date(2026, 9, 1), date(2026, 9, 28), date(2026, 10, 1), date(2026, 10, 20), date(2026, 11, 20)):
        referral = referral_on(day)
        if day.day == 1:
            cases.allocate(staff["manager"], now, referral.id,
                           cases.Allocation(staff["team"].id, staff["worker"].user_id))
    manager = api_as("manager")
    with freeze_time(NOW):
        rows = manager.get("/api/v1/referrals?page_size=100").json
        counts = manager.get("/api/v1/referrals/counts").json
        open_only = manager.get("/api/v1/referrals/counts?status=closed").json
    by_row: dict[str, int] = {}
    for row in rows:
        by_row[row["status"]] = by_row.get(row["status"], 0) + 1
    assert {k: v for k, v in counts.items() if v} == by_row
    assert {"overdue", "due_soon"} <= set(by_row) and sum(counts.values()) == 5
    assert sum(open_only.values()) == 0
    assert api_as("era").get("/api/v1/referrals/counts").status_code == 403
