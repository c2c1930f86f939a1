"""Moving a case to another team and worker: the reason kept, the clocks kept and handed over,
both teams' managers told, audited, and a stale version refused."""
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.api.test_cases import at, error_fields
from tests.conftest import NOW
from triage.extensions import db
from triage.models import AuditEvent, CaseTransfer, Clock, Notification, Referral
from triage.services import cases, contacts
from triage.services.errors import Conflict, Forbidden, Invalid
from triage.services.reference import ensure_team


@pytest.fixture
def teams(make_user, actor_for):
    north, south = ensure_team("Assessment team North"), ensure_team("Assessment team South")
    db.session.commit()
    people = {
        "front_door": make_user("manager"),
        "north_manager": make_user("manager", team=north.name),
        "south_manager": make_user("manager", team=south.name),
        "north_worker": make_user("practitioner", team=north.name),
        "south_worker": make_user("practitioner", team=south.name),
        "era": make_user("era"),
    }
    people["south_worker"].manager_id = people["south_manager"].id
    db.session.commit()
    return {"north": north, "south": south, "people": people,
            "as": {name: actor_for(user) for name, user in people.items()}}


@pytest.fixture
def allocated(teams):
    """A referral of 2 November 2026 allocated to the north team's worker."""
    day = date(2026, 11, 2)
    contact, _ = contacts.record_contact(teams["as"]["era"], at(day), {
        "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given",
        "consent_by": "Mother", "received_at": at(day), "children": [{"child": {
            "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
            "confirmed_new": True}]})
    contacts.record_decision(teams["as"]["front_door"], at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    referral = db.session.scalar(select(Referral).where(Referral.contact_id == contact.id))
    return cases.allocate(teams["as"]["front_door"], at(day, 12), referral.id,
                          cases.Allocation(teams["north"].id, teams["people"]["north_worker"].id))


def _case_clocks(referral_id: int) -> dict[str, tuple]:
    referral = db.session.get(Referral, referral_id)
    return {f"{c.kind}:{c.subject_id}": (c.due_at, c.owner_id, c.team_id)
            for c in db.session.scalars(select(Clock).where(Clock.child_id == referral.child_id))}


def test_a_manager_transfers_a_case_and_its_clocks_keep_their_dates_but_change_hands(api_as, teams, allocated):
    before = _case_clocks(allocated.id)
    south_worker = teams["people"]["south_worker"]
    with freeze_time(NOW):
        moved = api_as("manager").post(f"/api/v1/referrals/{allocated.id}/transfer", json={
            "team_id": teams["south"].id, "worker_id": south_worker.id,
            "reason": "Family moved to the south of the county", "version": allocated.version})
        assert moved.status_code == 200, moved.json
        assert (moved.json["team_id"], moved.json["worker_id"]) == (teams["south"].id, south_worker.id)
        detail = api_as("manager").get(f"/api/v1/referrals/{allocated.id}").json

    after = _case_clocks(allocated.id)
    assert before.keys() == after.keys() and len(after) == 3  # the assessment and two case discussions
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert {(owner, team) for _, owner, team in after.values()} == {(south_worker.id, teams["south"].id)}
    [transfer] = detail["transfers"]
    assert (transfer["from_team"], transfer["to_team"], transfer["reason"]) == (
        "Assessment team North", "Assessment team South", "Family moved to the south of the county")
    assert detail["assessment"]["worker_id"] == south_worker.id


def test_both_teams_managers_and_the_new_worker_are_told_and_the_move_is_audited(app, teams, allocated):
    people = teams["people"]
    cases.transfer(teams["as"]["front_door"], NOW, allocated.id, cases.Transfer(
        teams["south"].id, people["south_worker"].id, "Moved house", allocated.version))

    told = {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.link.is_not(None)))}
    assert set(told) == {people["north_manager"].id, people["south_manager"].id, people["south_worker"].id}
    message = told[people["north_manager"].id].message
    assert message == f"Case {allocated.id} was transferred from Assessment team North to Assessment team South"
    assert "Ivy" not in message and told[people["south_worker"].id].link == f"/cases/{allocated.id}"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transfer"))
    assert (event.entity, event.entity_id, event.child_id) == ("referral", allocated.id, allocated.child_id)


def test_a_stale_version_is_a_409_and_nothing_moves(api_as, teams, allocated):
    body = {"team_id": teams["south"].id, "worker_id": None, "reason": "Moved", "version": allocated.version - 1}
    with freeze_time(NOW):
        stale = api_as("manager").post(f"/api/v1/referrals/{allocated.id}/transfer", json=body)
    assert stale.status_code == 409 and "Someone else changed this referral" in stale.json["message"]
    assert db.session.get(Referral, allocated.id).team_id == teams["north"].id
    assert db.session.scalar(select(CaseTransfer.id)) is None


@pytest.mark.parametrize("change, field", [
    ({"reason": "  "}, "reason"),
    ({"reason": None}, "reason"),
    ({"team_id": None}, "team_id"),
    ({"team_id": 9999}, "team_id"),
    ({"same_team": True}, "team_id"),
    ({"worker": "north_worker"}, "worker_id"),  # a worker who is not in the team it moves to
    ({"version": "two"}, "version"),
])
def test_a_bad_transfer_is_a_422_naming_the_field(api_as, teams, allocated, change, field):
    change = dict(change)  # the parameter is shared by both databases' runs: never change it in place
    body = {"team_id": teams["south"].id, "worker_id": teams["people"]["south_worker"].id, "reason": "Moved",
            "version": allocated.version}
    if change.pop("same_team", False):
        body["team_id"], body["worker_id"] = teams["north"].id, None
    if "worker" in change:
        body["worker_id"] = teams["people"][change.pop("worker")].id
    body.update(change)
    with freeze_time(NOW):
        response = api_as("manager").post(f"/api/v1/referrals/{allocated.id}/transfer", json=body)
    assert response.status_code == 422, response.json
    assert field in error_fields(response)
    assert db.session.get(Referral, allocated.id).team_id == teams["north"].id


def test_only_a_manager_transfers_and_a_closed_case_does_not_move(app, teams, allocated):
    command = cases.Transfer(teams["south"].id, None, "Moved", allocated.version)
    with pytest.raises(Forbidden):
        cases.transfer(teams["as"]["north_worker"], NOW, allocated.id, command)
    with pytest.raises(Invalid) as refused:
        cases.transfer(teams["as"]["front_door"], NOW, allocated.id, cases.Transfer(None, None, None))
    assert set(refused.value.errors) == {"team_id", "reason"}
    closed = cases.close_case(teams["as"]["front_door"], NOW, allocated.id,
                              cases.Closure(date(2026, 11, 20), "RC5", open_work_reason="Moved away"))
    with pytest.raises(Conflict, match="closed"):
        cases.transfer(teams["as"]["front_door"], NOW, allocated.id,
                       cases.Transfer(teams["south"].id, None, "Moved", closed.version))
