"""A child's story told through the services, for the tests of what reads it (chronology, merge)."""
from datetime import UTC, date, datetime, timedelta

from triage.extensions import db
from triage.models import ContactChild, InformationRequest, Meeting, MeetingItem, Referral, StrategyDiscussion
from triage.services import cases, contacts
from triage.services.reference import ensure_agencies, ensure_team


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


def contact_about(staff, day: date, child_id: int | None = None, decide: str | None = "assessment") -> int:
    named = {"child_id": child_id} if child_id else {"child": {
        "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2)},
        "confirmed_new": True}
    contact, _ = contacts.record_contact(staff["era"], at(day), {
        "channel": "phone", "source_code": "3A", "concern": "GP worried about weight loss", "consent": "given",
        "consent_by": "Mother", "received_at": at(day), "children": [named]})
    if decide:
        contacts.record_decision(staff["manager"], at(day, 11), contact.id,
                                 [{"outcome": decide, "rationale": "Needs looking at"}])
    return contact.id


def child_of(contact_id: int) -> int:
    return db.session.query(ContactChild).filter_by(contact_id=contact_id).one().child_id


def whole_story(staff) -> dict:
    """A child with a contact decided to an assessment, a strategy discussion, an s47, a conference,
    a meeting item, a partner answer and a closure; then a second, undecided contact."""
    first = contact_about(staff, date(2026, 9, 1))
    child_id = child_of(first)
    referral = db.session.query(Referral).filter_by(contact_id=first).one()
    agencies = {a.code: a for a in ensure_agencies()}
    police = next(iter(agencies.values()))
    db.session.add(StrategyDiscussion(
        referral_id=referral.id, child_id=child_id, held_on=date(2026, 9, 3), agencies_present="police,health",
        recorded_at=at(date(2026, 9, 3), 15), s47_started_on=date(2026, 9, 4), s47_outcome="substantiated_icpc",
        s47_outcome_on=date(2026, 9, 10), icpc_due_date=date(2026, 9, 24), icpc_held_on=date(2026, 9, 22),
        resulted_in_plan=True, plan_start_date=date(2026, 9, 22)))
    meeting = Meeting(type_code="daily_mash", series="daily_mash:all", meeting_date=date(2026, 9, 2),
                      chair_id=staff["manager"].user_id, state="closed", planned_start_at=at(date(2026, 9, 2), 9),
                      started_at=at(date(2026, 9, 2), 9), created_at=at(date(2026, 9, 1), 16))
    db.session.add(meeting)
    db.session.flush()
    db.session.add(MeetingItem(meeting_id=meeting.id, contact_id=first, position=1, source="added",
                               added_at=at(date(2026, 9, 1), 16), outcome="assessment",
                               agreed_at=at(date(2026, 9, 2), 9) + timedelta(minutes=20)))
    db.session.add(InformationRequest(
        contact_id=first, agency_id=police.id, question="What do you hold?", rag_at_request="amber",
        requested_at=at(date(2026, 9, 1), 12), due_at=at(date(2026, 9, 2), 12), state="answered",
        answer="Two call-outs", answered_at=at(date(2026, 9, 2), 8), answered_by="partner"))
    referral.closed_at, referral.closed_on, referral.closure_reason = at(date(2026, 10, 5)), date(2026, 10, 5), "RC8"
    db.session.commit()
    second = contact_about(staff, date(2026, 11, 2), child_id=child_id, decide=None)
    return {"child_id": child_id, "first": first, "second": second, "referral": referral.id,
            "meeting": meeting.id, "agency": police.name}


def allocated_referral(make_user, actor_for):
    """Noor Ali's assessment (referred 1 Sep 2026, due Tue 3 Nov 2026), allocated to a worker in
    their team whose manager hears of its clocks too: (referral, worker, manager)."""
    team = ensure_team("Assessment team North")
    manager, worker, era = make_user("manager"), make_user("practitioner"), make_user("era")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    day = date(2026, 9, 1)
    contact, _ = contacts.record_contact(actor_for(era), at(day), {
        "channel": "phone", "source_code": "2A", "concern": "School worried", "consent": "given",
        "consent_by": "Father", "received_at": at(day), "children": [{"child": {
            "first_name": "Noor", "last_name": "Ali", "sex": "female", "date_of_birth": date(2016, 4, 4)},
            "confirmed_new": True}]})
    contacts.record_decision(actor_for(manager), at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Assess"}])
    referral = db.session.query(Referral).filter_by(contact_id=contact.id).one()
    cases.allocate(actor_for(manager), at(day, 12), referral.id, cases.Allocation(team.id, worker.id))
    return referral, worker, manager
