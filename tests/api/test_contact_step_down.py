"""Step-down straight from a contact: a manager's decision to step down to early help hands each
child it names over to the named early help team, on the handover's own clock, with no case."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.api.test_cases import error_fields
from tests.conftest import NOW
from tests.integration.test_meetings import THURSDAY, people, start_thursday  # noqa: F401 (a fixture)
from tests.integration.test_meetings import at as meeting_at
from triage.domain.contact_states import ContactState
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import Agency, AuditEvent, Child, Clock, Contact, Notification, Referral, StepDown
from triage.services import cases, child_merge, chronology, contacts, meetings
from triage.services.errors import Conflict, Invalid
from triage.services.reference import ensure_team
from triage.services.report import build

DUE = date(2026, 12, 4)  # NOW is a Friday: five working days later
CHILDREN = [{"child": {"first_name": "Ada", "last_name": "Hill", "sex": "female", "date_of_birth": date(2015, 3, 1)},
             "confirmed_new": True},
            {"child": {"first_name": "Ben", "last_name": "Hill", "sex": "male", "date_of_birth": date(2018, 7, 9)},
             "confirmed_new": True}]


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Front Door North")
    db.session.commit()
    head, manager = make_user("manager"), make_user("manager")
    manager.manager_id = head.id
    db.session.commit()
    return {"manager": actor_for(manager), "manager_user": manager, "head": head, "team": team,
            "era": actor_for(make_user("era"))}


def a_contact(staff, children=CHILDREN) -> Contact:
    received = NOW - timedelta(hours=1)
    contact, _ = contacts.record_contact(staff["era"], received, {
        "channel": "phone", "source_code": "2A", "concern": "School worried about attendance", "consent": "given",
        "consent_by": "Mother", "received_at": received, "children": children, "team_id": staff["team"].id})
    return contact


def second_team() -> Agency:
    team = Agency(code="early_help_north", name="Early help North", kind="early_help")
    db.session.add(team)
    db.session.commit()
    return team


def decide(api_as, contact, **body):
    with freeze_time(NOW):
        return api_as("manager").post(f"/api/v1/contacts/{contact.id}/decision", json={
            "decisions": [{"outcome": "early_help", "rationale": "Needs support below threshold"}],
            "version": db.session.get(Contact, contact.id).version, **body})


def handovers() -> list[StepDown]:
    db.session.expire_all()
    return list(db.session.scalars(select(StepDown).order_by(StepDown.id)))


def test_the_decision_hands_each_child_over_on_its_own_clock_owned_by_the_deciding_manager(app, staff):
    contact = a_contact(staff)
    contacts.record_decision(staff["manager"], NOW, contact.id,
                             [{"outcome": "early_help", "rationale": "Family hub can help"}])

    made = handovers()
    assert [(h.contact_id, h.referral_id, h.child_id, h.state, h.due_date, h.agency.code) for h in made] == [
        (contact.id, None, link.child_id, StepDownState.WAITING, DUE, "early_help") for link in contact.children]
    assert {h.handed_over_by_id for h in made} == {staff["manager_user"].id}
    timers = db.session.scalars(select(Clock).where(Clock.kind == "step_down").order_by(Clock.id)).all()
    assert [(c.subject_id, c.contact_id, c.child_id, c.owner_id, c.team_id, c.due_date) for c in timers] == [
        (h.id, contact.id, h.child_id, staff["manager_user"].id, staff["team"].id, DUE) for h in made]
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "step_down",
                                                          AuditEvent.action == "create")).all()
    assert sorted((e.entity_id, e.child_id) for e in created) == [(h.id, h.child_id) for h in made]
    assert db.session.scalar(select(func.count(Referral.id))) == 0  # no case: early help holds the family


def test_only_the_children_stepping_down_are_handed_over(app, staff):
    contact = a_contact(staff)
    ada, ben = (link.child_id for link in contact.children)
    contacts.record_decision(staff["manager"], NOW, contact.id, [
        {"child_id": ada, "outcome": "early_help", "rationale": "Family hub"},
        {"child_id": ben, "outcome": "assessment", "rationale": "Needs assessing"}])
    assert [(h.child_id, h.contact_id) for h in handovers()] == [(ada, contact.id)]
    assert db.session.scalar(select(Referral.child_id)) == ben


def test_a_decision_is_made_once_so_a_replay_hands_nobody_over_twice(app, api_as, staff):
    contact = a_contact(staff)
    first = decide(api_as, contact)
    replay = decide(api_as, contact)  # the version it now reads: refused for the state, not the version
    stale = decide(api_as, contact, version=1)
    assert first.status_code == 200, first.json
    assert replay.status_code == 409 and "decided" in replay.json["message"]
    assert stale.status_code == 409
    assert len(handovers()) == 2
    with pytest.raises(Conflict):
        contacts.record_decision(staff["manager"], NOW, contact.id,
                                 [{"outcome": "early_help", "rationale": "Again"}])
    assert len(handovers()) == 2


def test_among_several_teams_the_decision_names_one_or_is_a_422_that_writes_nothing(app, api_as, staff):
    north = second_team()
    contact = a_contact(staff)
    unnamed = decide(api_as, contact)
    unknown = decide(api_as, contact, early_help_team="police")  # an agency, but not early help
    assert unnamed.status_code == 422 and error_fields(unnamed) == {"early_help_team"}
    assert unknown.status_code == 422 and error_fields(unknown) == {"early_help_team"}
    assert handovers() == [] and db.session.get(Contact, contact.id).state != ContactState.DECIDED

    done = decide(api_as, contact, early_help_team="early_help_north")
    assert done.status_code == 200, done.json
    assert {h.agency_id for h in handovers()} == {north.id}


def test_a_team_named_without_a_step_down_is_moot(app, api_as, staff):
    second_team()
    contact = a_contact(staff)
    with freeze_time(NOW):
        done = api_as("manager").post(f"/api/v1/contacts/{contact.id}/decision", json={
            "decisions": [{"outcome": "information_advice", "rationale": "Advice given"}],
            "version": contact.version})
    assert done.status_code == 200, done.json
    assert handovers() == []


def test_each_early_help_team_sees_only_its_own_handovers_which_name_the_contact(app, api_as, staff):
    second_team()
    contact = a_contact(staff)
    assert decide(api_as, contact, early_help_team="early_help_north").status_code == 200
    made = handovers()
    with freeze_time(NOW):
        north = api_as("partner", "early_help_north").get("/api/v1/step-downs")
        county = api_as("partner", "early_help")
        theirs, opened = county.get("/api/v1/step-downs"), county.get(f"/api/v1/step-downs/{made[0].id}")
        everyone = api_as("manager").get("/api/v1/step-downs").json
    assert [(r["id"], r["contact_id"], r["referral_id"], r["team"]) for r in north.json] == [
        (h.id, contact.id, None, "early_help_north") for h in made]
    assert theirs.json == [] and opened.status_code == 404
    assert [r["id"] for r in everyone] == [h.id for h in made]


def test_answering_tells_the_manager_who_decided_and_their_manager_and_checks_the_version(app, api_as, staff):
    contact = a_contact(staff)
    contacts.record_decision(staff["manager"], NOW, contact.id, [{"outcome": "early_help", "rationale": "Hub"}])
    first, second = handovers()
    team = api_as("partner", "early_help")
    with freeze_time(NOW + timedelta(days=3)):
        stale = team.post(f"/api/v1/step-downs/{first.id}/answer", json={"accepted": True,
                                                                          "version": first.version + 1})
        no_reason = team.post(f"/api/v1/step-downs/{second.id}/answer", json={"accepted": False,
                                                                               "version": second.version})
        accepted = team.post(f"/api/v1/step-downs/{first.id}/answer", json={"accepted": True,
                                                                             "version": first.version})
        returned = team.post(f"/api/v1/step-downs/{second.id}/answer", json={
            "accepted": False, "reason": "Already open to the family support service", "version": second.version})
    assert stale.status_code == 409
    assert no_reason.status_code == 422 and "reason" in error_fields(no_reason)
    assert (accepted.status_code, accepted.json["state"], accepted.json["contact_id"]) == (200, "accepted", contact.id)
    assert returned.status_code == 200 and returned.json["state"] == "returned"

    told = db.session.scalars(select(Notification).where(Notification.link == f"/requests/step-downs/{first.id}"))
    assert sorted((n.user_id, n.message) for n in told) == sorted(
        (person, f"Handover {first.id} to early help (contact {contact.id}) was accepted")
        for person in (staff["manager_user"].id, staff["head"].id))
    assert db.session.scalar(select(func.count(Clock.id)).where(Clock.kind == "step_down",
                                                                Clock.stopped_at.is_(None))) == 0


def test_the_morning_report_counts_handovers_from_contacts_with_those_from_cases(app, staff):
    contact = a_contact(staff)
    contacts.record_decision(staff["manager"], NOW - timedelta(minutes=30), contact.id,
                             [{"outcome": "early_help", "rationale": "Hub"}])
    first, _ = handovers()
    cases.answer_step_down(staff["manager"], NOW - timedelta(minutes=10), first.id,
                           cases.StepDownAnswer(accepted=True, reason=None, version=first.version))
    lone = a_contact(staff, CHILDREN[:1])
    contacts.record_decision(staff["manager"], NOW - timedelta(minutes=5), lone.id,
                             [{"outcome": "early_help", "rationale": "Hub"}])

    counts = build.build_content(NOW)["handovers"]["step_downs"]
    assert (counts["waiting"], counts["accepted"], counts["returned"]) == (2, 1, 0)


def test_the_childs_chronology_shows_the_handover_and_its_answer(app, api_as, staff):
    contact = a_contact(staff, CHILDREN[:1])
    contacts.record_decision(staff["manager"], NOW, contact.id, [{"outcome": "early_help", "rationale": "Hub"}])
    [handover] = handovers()
    _, page = chronology.read_chronology(staff["manager"], NOW, handover.child_id,
                                         frozenset({chronology.EventKind.STEP_DOWN}))
    assert [(e.title, e.detail, e.record, e.record_id) for e in page.items] == [
        ("Handed over to Early help", f"Handover {handover.id} from contact {contact.id}; answer due 04/12/2026",
         "contact", contact.id)]
    cases.answer_step_down(staff["manager"], NOW + timedelta(days=1), handover.id,
                           cases.StepDownAnswer(accepted=False, reason="Known to the hub", version=handover.version))
    with freeze_time(NOW + timedelta(days=1)):
        listed = api_as("manager").get(f"/api/v1/children/{handover.child_id}/chronology?kind=step_down").json
    assert [e["detail"] for e in listed] == [
        f"Handover {handover.id} from contact {contact.id}; Returned by early help 28/11/2026"]


def test_a_handover_needs_exactly_one_of_a_case_or_a_contact(app, staff):
    contact = a_contact(staff, CHILDREN[:1])
    contacts.record_decision(staff["manager"], NOW, contact.id, [{"outcome": "early_help", "rationale": "Hub"}])
    [handover] = handovers()
    referral = Referral(child_id=handover.child_id, referral_date=date(2026, 11, 27), outcome="assessment",
                        is_re_referral=False, created_at=NOW)
    db.session.add(referral)
    db.session.flush()
    handover.referral_id = referral.id  # both
    with pytest.raises(Exception, match="(?i)check|one_source"):
        db.session.commit()
    db.session.rollback()
    handover = db.session.get(StepDown, handover.id)
    handover.contact_id = None  # neither
    with pytest.raises(Exception, match="(?i)check|one_source"):
        db.session.commit()
    db.session.rollback()


def test_a_meeting_confirming_early_help_hands_over_to_the_early_help_team_it_agreed_as_lead(people):  # noqa: F811
    north = second_team()
    meeting = start_thursday(people, 2)
    item = meetings.items_for(people["chair"], meeting_at(THURSDAY, 9, 31), meeting.id)[0]
    meetings.agree_outcome(people["chair"], meeting_at(THURSDAY, 9, 45), item.id, "green", "early_help",
                           "early_help_north", "Family hub in the North.")
    meetings.confirm_outcome(people["manager"], meeting_at(THURSDAY, 10), item.id)
    made = handovers()
    assert made and {(h.contact_id, h.agency_id) for h in made} == {(item.contact_id, north.id)}


def test_the_service_names_the_field_for_the_page_to_show(app, staff):
    second_team()
    contact = a_contact(staff, CHILDREN[:1])
    with pytest.raises(Invalid) as refused:
        contacts.record_decision(staff["manager"], NOW, contact.id, [{"outcome": "early_help", "rationale": "Hub"}])
    assert set(refused.value.errors) == {"early_help_team"}


def test_a_merge_moves_the_handover_to_the_record_kept_and_undoing_it_moves_it_back(app, staff, make_user, actor_for):
    kept = a_contact(staff, CHILDREN[:1]).children[0].child_id
    duplicate = a_contact(staff, CHILDREN[1:]).children[0]
    contacts.record_decision(staff["manager"], NOW, duplicate.contact_id,
                             [{"outcome": "early_help", "rationale": "Hub"}])
    [handover] = handovers()
    record = child_merge.merge(staff["manager"], NOW, kept, duplicate.child_id,
                               db.session.get(Child, kept).version)
    assert db.session.get(StepDown, handover.id).child_id == kept
    _, page = chronology.read_chronology(staff["manager"], NOW, kept, frozenset({chronology.EventKind.STEP_DOWN}))
    assert [e.child_id for e in page.items] == [kept]

    child_merge.undo(actor_for(make_user("admin")), NOW + timedelta(days=1), record.id)
    assert [h.child_id for h in handovers()] == [duplicate.child_id]
