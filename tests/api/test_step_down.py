"""Step-down to early help: the early help outcome hands the family over to an early help team,
which accepts it or returns it with a reason on the handover's own working-day clock."""
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.api.test_cases import error_fields
from tests.integration.test_assessments import at, referral_on
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import Assessment, AuditEvent, Clock, Notification, StepDown
from triage.services import cases
from triage.services.reference import ensure_team

AUTHORISED = date(2026, 11, 20)  # a Friday: the answer is due 5 working days later, Friday 27th


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Front Door assessment North")
    db.session.commit()
    manager = make_user("manager")
    worker = make_user("practitioner", team=team.name)
    worker.manager_id = manager.id
    db.session.commit()
    return {"manager": actor_for(manager), "worker": actor_for(worker), "era": actor_for(make_user("era")),
            "team": team, "worker_user": worker, "manager_user": manager}


@pytest.fixture
def started(staff):
    """An allocated referral of 2 November 2026 whose assessment has started."""
    referral = referral_on(staff, date(2026, 11, 2))
    cases.allocate(staff["manager"], at(date(2026, 11, 2), 12), referral.id,
                   cases.Allocation(staff["team"].id, staff["worker_user"].id))
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    cases.start_assessment(staff["worker"], at(date(2026, 11, 3)), assessment.id,
                           cases.StartAssessment(date(2026, 11, 3)))
    return assessment


def _authorise_early_help(api_as, assessment, **extra):
    with freeze_time(at(AUTHORISED)):
        return api_as("manager").post(f"/api/v1/assessments/{assessment.id}/authorise", json={
            "outcome": "early_help", "factors": ["3A"], "primary_need": "N1",
            "version": db.session.get(Assessment, assessment.id).version, **extra})


def test_the_early_help_outcome_hands_the_family_over_to_the_early_help_team_on_its_own_clock(api_as, started):
    done = _authorise_early_help(api_as, started)
    assert done.status_code == 200, done.json

    [handover] = db.session.scalars(select(StepDown))
    assert (handover.state, handover.child_id, handover.due_date) == (
        StepDownState.WAITING, started.child_id, date(2026, 11, 27))
    clock = db.session.scalar(select(Clock).where(Clock.kind == "step_down", Clock.subject_id == handover.id))
    assert (clock.due_date, clock.stopped_at, clock.owner_id) == (date(2026, 11, 27), None, started.worker_id)
    with freeze_time(at(AUTHORISED, 12)):
        inbox = api_as("partner", "early_help").get("/api/v1/step-downs")
        police = api_as("partner", "police")
        assert police.get("/api/v1/step-downs").json == []
        assert police.get(f"/api/v1/step-downs/{handover.id}").status_code == 404  # not theirs to see
        case = api_as("manager").get(f"/api/v1/referrals/{started.referral_id}").json
    assert inbox.status_code == 200
    [row] = inbox.json
    assert (row["id"], row["team"], row["state"], row["due_date"]) == (handover.id, "early_help", "waiting",
                                                                        "2026-11-27")
    assert row["child"]["name"] == "Ivy Moss" and "X-Pagination" in inbox.headers
    assert case["closure_reason"] == "RC9"  # the episode closes as early help after assessment, as before


def test_early_help_accepts_the_family_and_the_worker_and_their_manager_are_told(api_as, started, staff):
    _authorise_early_help(api_as, started)
    handover = db.session.scalar(select(StepDown))
    with freeze_time(at(date(2026, 11, 24))):
        accepted = api_as("partner", "early_help").post(f"/api/v1/step-downs/{handover.id}/answer", json={
            "accepted": True, "version": handover.version})
        again = api_as("partner", "early_help").post(f"/api/v1/step-downs/{handover.id}/answer", json={
            "accepted": False, "reason": "Changed our mind"})
    assert accepted.status_code == 200, accepted.json
    assert (accepted.json["state"], accepted.json["answered_by"]) == ("accepted", "token:partner system")
    assert again.status_code == 409 and "already accepted" in again.json["message"]
    clock = db.session.scalar(select(Clock).where(Clock.kind == "step_down"))
    assert clock.state == "met"
    told = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.link == f"/requests/step-downs/{handover.id}"))}
    assert told == {staff["worker_user"].id, staff["manager_user"].id}
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "step_down"))]
    assert actions.count("create") == 1 and actions.count("update") == 1


def test_returning_needs_a_reason_and_a_stale_version_is_a_409(api_as, started):
    _authorise_early_help(api_as, started)
    handover = db.session.scalar(select(StepDown))
    team = api_as("partner", "early_help")
    url = f"/api/v1/step-downs/{handover.id}/answer"
    with freeze_time(at(date(2026, 11, 24))):
        no_reason = team.post(url, json={"accepted": False, "version": handover.version})
        missing = team.post(url, json={"reason": "x", "version": handover.version})
        stale = team.post(url, json={"accepted": False, "reason": "Not for us", "version": handover.version + 1})
        returned = team.post(url, json={"accepted": False, "reason": "Already known to the family support service",
                                        "version": handover.version})
    assert no_reason.status_code == 422 and "reason" in error_fields(no_reason)
    assert missing.status_code == 422 and "accepted" in error_fields(missing)
    assert stale.status_code == 409
    assert returned.status_code == 200 and returned.json["state"] == "returned"
    assert returned.json["answer_reason"] == "Already known to the family support service"


def test_the_council_sets_the_working_days_and_an_unknown_team_is_a_422(app, api_as, started, monkeypatch):
    monkeypatch.setitem(app.config, "STEP_DOWN_WORKING_DAYS", 2)  # the app outlives this test
    unknown = _authorise_early_help(api_as, started, early_help_team="nobody")
    assert unknown.status_code == 422 and "early_help_team" in error_fields(unknown)
    assert db.session.get(Assessment, started.id).authorised_at is None
    done = _authorise_early_help(api_as, started, early_help_team="early_help")
    assert done.status_code == 200, done.json
    assert db.session.scalar(select(StepDown.due_date)) == date(2026, 11, 24)  # Friday + 2 working days


def test_other_outcomes_hand_nothing_over(api_as, started):
    with freeze_time(at(AUTHORISED)):
        done = api_as("manager").post(f"/api/v1/assessments/{started.id}/authorise", json={
            "outcome": "child_in_need_plan", "factors": ["3A"], "primary_need": "N1", "version": started.version})
    assert done.status_code == 200, done.json
    assert db.session.scalar(select(StepDown.id)) is None
