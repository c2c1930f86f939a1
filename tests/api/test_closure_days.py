"""A closure day moves the running working-day clocks that count across it."""
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import NOW
from triage.extensions import db
from triage.models import Assessment, AuditEvent, CaseDiscussion, Clock, Referral
from triage.services import cases, contacts
from triage.services.reference import ensure_team
from triage.services.report import build as morning_report

CLOSED = date(2026, 12, 10)  # a Thursday inside the windows below, after NOW (Fri 27 Nov 2026)


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def staff(make_user, actor_for):
    team = ensure_team("Assessment team North")
    manager, worker = make_user("manager"), make_user("practitioner")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    return {"manager": actor_for(manager), "worker": actor_for(worker), "era": actor_for(make_user("era")),
            "team": team}


def referral_on(staff, day: date, name: str) -> Referral:
    contact, _ = contacts.record_contact(staff["era"], at(day), {
        "channel": "phone", "source_code": "3A", "concern": "GP worried", "consent": "given",
        "consent_by": "Mother", "received_at": at(day), "children": [{"child": {
            "first_name": name, "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
            "confirmed_new": True}]})
    contacts.record_decision(staff["manager"], at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Needs assessing"}])
    return db.session.query(Referral).filter_by(contact_id=contact.id).one()


def clock_of(kind: str, subject_id: int) -> Clock:
    return db.session.scalar(select(Clock).where(Clock.kind == kind, Clock.subject_id == subject_id))


def test_a_closure_day_in_a_running_assessment_moves_it_a_working_day_and_the_api_lists_it(api_as, staff):
    referral = referral_on(staff, date(2026, 11, 2), "Ivy")  # due Thu 7 Jan 2027; discussions 16 Nov, 21 Dec
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    second = assessment.case_discussions[1]
    with freeze_time(NOW):
        before = api_as("manager").get(f"/api/v1/referrals/{referral.id}/clocks").json
        response = api_as("admin").post("/api/v1/reference/closure-days",
                                        json={"day": CLOSED.isoformat(), "reason": "Office move"})

    assert response.status_code == 201, response.json
    moved = {(m["kind"], m["subject_id"]): (m["due_before"], m["due_after"]) for m in response.json["moved_clocks"]}
    assert moved == {("assessment", assessment.id): ("2027-01-07", "2027-01-08"),
                     ("case_discussion", second.id): ("2026-12-21", "2026-12-22")}
    assert response.json["note"] == "2 running clocks moved"
    db.session.expire_all()
    assert assessment.due_date == date(2027, 1, 8) and second.planned_on == date(2026, 12, 22)
    clock = clock_of("assessment", assessment.id)
    assert (clock.due_date, clock.due_at) == (date(2027, 1, 8), datetime(2027, 1, 8, 23, 59, 59, tzinfo=UTC))
    # Warned from the 5th working day before: 7, 6, 5, 4 Jan, then Thu 31 Dec (1 Jan is a bank holiday).
    assert clock.warn_at == datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
    assert clock_of("case_discussion", assessment.case_discussions[0].id).due_date == date(2026, 11, 16)
    audited = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.entity == "clock")).all()
    assert sorted(audited) == [
        f"assessment assessment {assessment.id} due 2027-01-07 -> 2027-01-08: closure day 2026-12-10 added",
        f"case_discussion case_discussion {second.id} due 2026-12-21 -> 2026-12-22: closure day 2026-12-10 added"]

    # The report, the case and the API agree: one working day more to go, so the same days left.
    with freeze_time(NOW):
        after = {c["label"]: c for c in api_as("manager").get(f"/api/v1/referrals/{referral.id}/clocks").json}
        built = morning_report.build_content(NOW)
    assert {c["label"]: c["time_left"] for c in before}["Assessment"] == "26 working days left"
    assert (after["Assessment"]["due_date"], after["Assessment"]["time_left"]) == ("2027-01-08", "26 working days left")
    [case] = built["allocated_cases"]
    assert (case["due_date"], case["working_days_left"], case["time_left"]) == ("2027-01-08", 26, "26 working days left")
    assert case["case_discussions"][1]["planned_on"] == "2026-12-22"

    with freeze_time(NOW):  # removed before the day: a day already past would move nothing
        removed = api_as("admin").delete(f"/api/v1/reference/closure-days/{CLOSED.isoformat()}")
    assert removed.status_code == 200
    assert {(m["kind"], m["due_after"]) for m in removed.json["moved_clocks"]} == {
        ("assessment", "2027-01-07"), ("case_discussion", "2026-12-21")}
    db.session.expire_all()
    assert assessment.due_date == date(2027, 1, 7)


def test_a_later_referral_for_the_same_date_is_due_on_the_same_day_as_the_moved_one(app, staff, actor_for,
                                                                                    make_user, now):
    first = referral_on(staff, date(2026, 11, 2), "Ivy")
    from triage.services import calendar
    calendar.add_closure_day(actor_for(make_user("admin")), now, CLOSED, "Office move")
    later = referral_on(staff, date(2026, 11, 2), "Ada")
    due = dict(db.session.execute(select(Assessment.referral_id, Assessment.due_date)).all())
    assert due[first.id] == due[later.id] == date(2027, 1, 8)


def test_stopped_clocks_keep_their_dates_and_a_past_closure_day_moves_nothing(api_as, staff, actor_for,
                                                                             make_user):
    authorised = referral_on(staff, date(2026, 11, 2), "Ivy")
    assessment = db.session.query(Assessment).filter_by(referral_id=authorised.id).one()
    cases.start_assessment(staff["worker"], at(date(2026, 11, 3)), assessment.id, cases.StartAssessment(date(2026, 11, 3)))
    cases.authorise(staff["manager"], at(date(2026, 11, 20)), assessment.id, cases.Authorisation("no_further_action", ["21"], primary_need="N1"))
    with freeze_time(NOW):
        answer = api_as("admin").post("/api/v1/reference/closure-days",
                                      json={"day": CLOSED.isoformat(), "reason": "Office move"}).json
        past = api_as("admin").post("/api/v1/reference/closure-days",
                                    json={"day": "2026-11-25", "reason": "Flood"}).json
    assert answer["moved_clocks"] == [] and answer["note"] == "No running clock counts across this day: none moved"
    assert past["moved_clocks"] == [] and past["note"] == "25 November 2026 is already past: no running clock moved"
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).due_date == date(2027, 1, 7)
    assert clock_of("assessment", assessment.id).due_date == date(2027, 1, 7)


def test_a_24_hour_decision_clock_keeps_its_hours_but_the_acknowledgement_moves(app, staff, actor_for, make_user):
    made, _ = contacts.record_contact(staff["era"], at(date(2026, 12, 9), 15), {
        "channel": "phone", "source_code": "3A", "concern": "GP worried", "consent": "given",
        "consent_by": "Mother", "received_at": at(date(2026, 12, 9), 15), "children": [{"child": {
            "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
            "confirmed_new": True}]})
    from triage.services import calendar
    change = calendar.add_closure_day(actor_for(make_user("admin")), NOW, CLOSED, "Office move")
    assert [(m.kind, m.due_before, m.due_after) for m in change.moved_clocks] == [
        ("acknowledgement", date(2026, 12, 10), date(2026, 12, 11))]
    assert clock_of("decision", made.id).due_at == datetime(2026, 12, 10, 15, tzinfo=UTC)


def test_the_page_and_the_cli_say_which_clocks_moved(app, client, login, make_user, staff):
    from tests.conftest import csrf_token_from

    referral = referral_on(staff, date(2026, 11, 2), "Ivy")
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    with freeze_time(NOW):
        login(make_user("admin"))
        token = csrf_token_from(client.get("/admin/closure-days").get_data(as_text=True))
        page = client.post("/admin/closure-days", data={
            "csrf_token": token, "day-day": "10", "day-month": "12", "day-year": "2026", "reason": "Office move"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "10 December 2026 added as a closure day" in text and "2 running clocks moved" in text
    assert f"Assessment {assessment.id}" in text and "Thu 7 Jan 2027" in text and "Fri 8 Jan 2027" in text

    # The case page agrees: the new due date, and the same working days left as before.
    with freeze_time(NOW):
        login(make_user("manager"))
        case = client.get(f"/cases/{referral.id}").get_data(as_text=True)
    assert "Friday 8 January 2027" in case and "26 working days left" in case

    with freeze_time(NOW):
        result = app.test_cli_runner().invoke(args=["triage", "closure-day", "remove", "2026-12-10"])
    assert result.exit_code == 0, result.output
    assert "2026-12-10 is no longer a closure day" in result.output
    assert f"assessment       assessment {assessment.id}: due 2027-01-08 -> 2027-01-07" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(CaseDiscussion.planned_on).where(CaseDiscussion.sequence == 2)) == date(2026, 12, 21)
