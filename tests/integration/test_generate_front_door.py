"""The generator makes the Front Door's newer records, consistent with the history and the present
it generates: step-downs, transfers, merged duplicates, feedback to referrers, out-of-hours
handovers, dates of birth not known, pathways' meetings, consent overrides, signposting,
contacts added to open cases and legal holds."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from triage.clock import local_date
from triage.domain.birth import BirthDateStatus
from triage.domain.opening_hours import handover_day
from triage.domain.pathways import age_on, concern_categories
from triage.domain.step_down import answer_due
from triage.extensions import db
from triage.generate import generate
from triage.models import (
    Agency,
    ApiToken,
    Assessment,
    CaseTransfer,
    Child,
    ChildMerge,
    Clock,
    Contact,
    ContactChild,
    Meeting,
    MeetingItem,
    Notification,
    OutOfHoursHandover,
    PathwayRule,
    Referral,
    ReferrerFeedback,
    RetentionHold,
    StepDown,
    User,
)
from triage.services.calendar import working_day_calendar
from triage.settings import contact_settings, front_door_settings, meeting_settings, step_down_settings

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture
def tiny(app):
    return generate("tiny", 1.0, now=NOW, seed=3, workers=1)


def _clock(subject: str, subject_id: int) -> Clock:
    return db.session.scalar(select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id))


def test_step_downs_follow_an_early_help_decision_on_their_own_clock(app, tiny):
    settings, calendar = step_down_settings(), working_day_calendar()
    handovers = db.session.scalars(select(StepDown)).all()
    assert {s.state for s in handovers} >= {"accepted", "returned"}
    from_cases, from_contacts = [], []
    for handover in handovers:
        assert db.session.get(Agency, handover.agency_id).kind == "early_help"
        if handover.referral_id is None:  # straight from a contact's decision, where the service does that
            link = db.session.scalar(select(ContactChild).where(ContactChild.contact_id == handover.contact_id,
                                                               ContactChild.child_id == handover.child_id))
            assert link.outcome == "early_help" and link.decided_at == handover.handed_over_at
            from_contacts.append(link.id)
        else:
            assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == handover.referral_id))
            assert assessment.outcome == "early_help" and assessment.authorised_at == handover.handed_over_at
            assert handover.child_id == assessment.child_id
            from_cases.append(handover.referral_id)
        handed_on = local_date(handover.handed_over_at)
        assert handover.due_date == answer_due(handed_on, calendar, settings.working_days)
        clock = _clock("step_down", handover.id)
        assert clock.kind == "step_down" and clock.due_date == handover.due_date
        assert clock.child_id == handover.child_id
        if handover.state == "waiting":
            assert handover.answered_at is None and clock.stopped_at is None
        else:
            assert handover.answered_at <= NOW and clock.stopped_at == handover.answered_at
            assert clock.state == ("met" if clock.stopped_at <= clock.due_at else "breached")
        assert (handover.answer_reason is not None) == (handover.state == "returned")
    # Every family stepped down after an assessment was handed over, once.
    early_help = db.session.scalars(select(Assessment.referral_id).where(
        Assessment.outcome == "early_help", Assessment.authorised_at.is_not(None))).all()
    assert sorted(from_cases) == sorted(early_help) and early_help
    # And every child a contact's decision stepped down.
    decided = db.session.scalars(select(ContactChild.id).where(ContactChild.outcome == "early_help")).all()
    assert sorted(from_contacts) == sorted(decided) and decided
    teams = db.session.scalars(select(Agency.code).where(Agency.kind == "early_help")).all()
    assert len(teams) >= 2


def test_transfers_add_to_open_case_and_legal_holds_agree_with_the_cases(app, tiny):
    transfers = db.session.scalars(select(CaseTransfer).order_by(CaseTransfer.transferred_at)).all()
    assert transfers
    for moved in transfers:
        referral = db.session.get(Referral, moved.referral_id)
        assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
        assert moved.to_team_id != moved.from_team_id and moved.reason
        assert (referral.team_id, referral.worker_id) == (moved.to_team_id, moved.to_worker_id)
        assert referral.allocated_at == moved.transferred_at <= NOW
        assert assessment.authorised_at is None or moved.transferred_at < assessment.authorised_at
        assert db.session.get(User, moved.to_worker_id).team_id == moved.to_team_id
        clock = _clock("assessment", assessment.id)
        assert (clock.team_id, clock.owner_id) == (moved.to_team_id, moved.to_worker_id)

    joined = db.session.execute(select(ContactChild, Contact.received_at).join(Contact)
                                .where(ContactChild.outcome == "add_to_open_case")).all()
    assert joined
    for link, received in joined:
        case = db.session.get(Referral, link.case_referral_id)
        assert case.child_id == link.child_id and case.referral_date <= local_date(received)
        assert case.created_at <= link.decided_at and (case.closed_at is None or case.closed_at > link.decided_at)
        assert db.session.scalar(select(func.count()).select_from(Referral)
                                 .where(Referral.contact_child_id == link.id)) == 0

    holds = db.session.scalars(select(RetentionHold)).all()
    assert holds
    for hold in holds:
        assert db.session.get(Child, hold.child_id).merged_into_id is None
        assert db.session.get(User, hold.placed_by_id).username == hold.placed_by
        assert hold.placed_at <= NOW and (hold.lifted_at is None or hold.lift_reason)
    standing = [h.child_id for h in holds if h.lifted_at is None]
    assert len(standing) == len(set(standing))
    assert all(t.holder_id is not None for t in db.session.scalars(select(ApiToken)))


def test_feedback_handovers_consent_signposting_birth_dates_and_merges(app, tiny):
    sends = db.session.execute(select(ReferrerFeedback, Contact).join(Contact)).all()
    assert {(s.kind, s.method) for s, _ in sends} == {("acknowledgement", "email"), ("acknowledgement", "letter"),
                                                       ("decision", "email"), ("decision", "letter")}
    for sent, contact in sends:
        assert contact.referrer_contact_details and sent.sent_at <= NOW
        assert f"reference {contact.id}" in sent.subject
        if sent.method == "email":
            assert sent.recipient in contact.referrer_contact_details
            outbox = db.session.get(Notification, sent.notification_id)
            assert outbox.email_to == sent.recipient and outbox.emailed_at is not None
        else:
            assert sent.recipient is None and sent.notification_id is None
        if sent.kind == "acknowledgement":
            assert sent.sent_at == contact.acknowledged_at
        else:
            assert contact.state == "decided" and sent.sent_at == contact.feedback_at
            assert contact.feedback_note == f"Decision fed back by {sent.method}"
    assert db.session.scalar(select(func.count()).select_from(ReferrerFeedback).join(Contact)
                             .where(Contact.referrer_contact_details.is_(None))) == 0

    hours, calendar = front_door_settings(), working_day_calendar()
    edt = db.session.scalars(select(Contact).where(Contact.channel == "edt_handover")).all()
    listed = {h.contact_id: h for h in db.session.scalars(select(OutOfHoursHandover))}
    assert listed
    for contact in edt:
        day = handover_day(contact.received_at, calendar, hours.opens, hours.closes)
        assert (contact.id in listed) == (day is not None)
        if day is not None:
            item = listed[contact.id]
            assert item.handover_date == day and item.received_at == contact.received_at
            assert item.accepted_at is None or local_date(item.accepted_at) == day and item.accepted_at <= NOW

    overridden = db.session.scalars(select(Contact).where(Contact.consent_override_at.is_not(None))).all()
    assert overridden
    for contact in overridden:
        assert contact.consent != "refused" and contact.consent_override_reason
        assert db.session.get(User, contact.consent_override_by_id).role == "manager"
    signposting = set(contact_settings().signposting)
    for outcome, given in db.session.execute(select(ContactChild.outcome, ContactChild.signposting)
                                             .where(ContactChild.outcome.is_not(None))):
        assert (given is not None) == (outcome == "no_further_action")
        assert given is None or set(given.split(",")) <= signposting

    statuses = dict(db.session.execute(select(Child.birth_date_status, func.count()).group_by(
        Child.birth_date_status)).all())
    assert statuses.get("approximate") and statuses.get("not_known")
    assert statuses["approximate"] + statuses["not_known"] < 0.05 * sum(statuses.values())
    not_known = db.session.scalars(select(Child.id).where(Child.birth_date_status == BirthDateStatus.NOT_KNOWN)).all()
    assert db.session.scalar(select(func.count()).select_from(Referral).where(Referral.child_id.in_(not_known))) == 0
    assert db.session.scalar(select(func.count()).select_from(Child).where(
        Child.birth_date_status == BirthDateStatus.NOT_KNOWN, Child.date_of_birth.is_not(None))) == 0

    merges = db.session.scalars(select(ChildMerge)).all()
    assert merges
    for merge in merges:
        tomb, kept = db.session.get(Child, merge.duplicate_id), db.session.get(Child, merge.kept_id)
        assert tomb.merged_into_id == kept.id and kept.merged_into_id is None and tomb.merged_at == merge.merged_at
        assert merge.merged_at <= NOW and merge.undone_at is None
        assert (tomb.first_name, tomb.last_name) == (kept.first_name, kept.last_name) and tomb.nhs_number is None
        moved = json.loads(merge.moved)["contact_child"]
        assert moved and all(db.session.get(ContactChild, i).child_id == kept.id for i in moved)
        for model in (ContactChild, Referral, RetentionHold):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.child_id == tomb.id)) == 0
        assert json.loads(merge.duplicate_before)["last_name"] == tomb.last_name


def test_pathways_meetings_take_their_localitys_and_their_routed_contacts(app, tiny):
    assert {r.meeting_type for r in db.session.scalars(select(PathwayRule))} == {"team_14_plus",
                                                                                 "emotional_health_weekly"}
    categories = meeting_settings().concern_categories
    items = db.session.execute(select(MeetingItem, Meeting, Contact).join(Meeting).join(Contact)).all()
    routed = {meeting.type_code for item, meeting, _ in items if item.source == "routed"}
    assert routed == {"team_14_plus", "emotional_health_weekly"}
    locality_mash = 0
    for _item, meeting, contact in items:
        found = concern_categories(contact.concern, categories)
        if meeting.type_code == "team_14_plus":
            ages = [age_on(link.child.date_of_birth, local_date(contact.received_at)) for link in contact.children
                    if link.child.date_of_birth]
            assert found & {"exploitation", "missing"} and max(ages) >= 14
        elif meeting.type_code == "emotional_health_weekly":
            assert "emotional_health" in found and contact.locality_id == meeting.locality_id
        elif meeting.locality_id is not None:
            locality_mash += 1
            assert contact.locality_id == meeting.locality_id and meeting.series == f"mash_daily:{meeting.locality_id}"
        assert contact.received_at < meeting.planned_start_at
    assert locality_mash


def test_the_nights_out_of_hours_contacts_wait_for_the_morning(app):
    morning = datetime(2026, 11, 30, 8, 40, tzinfo=UTC)  # a Monday, just after the Front Door opened
    generate("tiny", 0.05, now=morning, seed=4, workers=1, contacts_per_year=40_000)
    waiting = db.session.scalars(select(OutOfHoursHandover).where(OutOfHoursHandover.accepted_at.is_(None))).all()
    assert waiting
    assert all(h.handover_date == local_date(morning) and h.accepted_by_id is None for h in waiting)
    accepted = db.session.scalars(select(OutOfHoursHandover).where(OutOfHoursHandover.accepted_at.is_not(None))).all()
    assert accepted and all(h.handover_date < local_date(morning) or h.accepted_at <= morning for h in accepted)
