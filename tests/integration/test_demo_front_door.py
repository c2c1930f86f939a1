"""The demo council shows every part of the Front Door a person can try: each kind of record below
is made by `seed-demo` through the services, and each test fails if the demo stops making it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from triage.clock import local_date
from triage.demo import seed_demo
from triage.domain.agenda import ItemSource
from triage.domain.birth import BirthDateStatus
from triage.domain.roles import Role
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import (
    ApiToken,
    AuditEvent,
    CaseTransfer,
    Child,
    ChildMerge,
    Contact,
    ContactChild,
    FeedbackTemplate,
    Meeting,
    Notification,
    OutOfHoursHandover,
    PathwayRule,
    Referral,
    ReferrerFeedback,
    RetentionHold,
    StepDown,
    User,
)
from triage.services import child_merge, children, contacts, meetings, retention
from triage.services.actor import Actor

CHILDREN = 60


def _as(username: str) -> Actor:
    user = db.session.scalar(select(User).where(User.username == username))
    return Actor(role=Role(user.role), label=username, user_id=user.id, agency_id=user.agency_id,
                 team_id=user.team_id, channel="web")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def check_a_contact_was_added_to_a_childs_open_case_and_its_worker_told(demo):
    joined = db.session.scalars(select(ContactChild).where(ContactChild.outcome == "add_to_open_case")).all()
    assert len(joined) == 1 and joined[0].case_referral_id is not None
    case = db.session.get(Referral, joined[0].case_referral_id)
    assert case.child_id == joined[0].child_id and case.closed_at is None
    assert _count(Notification, Notification.user_id == case.worker_id,
                  Notification.message.like(f"Contact {joined[0].contact_id} was added to your case%")) == 1


def check_an_undecided_contact_in_the_queue_shows_its_childs_open_case(demo):
    undecided = db.session.scalars(select(Contact.id).where(Contact.state != "decided").order_by(Contact.id)).all()
    with_cases = [cid for cid in undecided if contacts.read_open_cases(_as("practitioner"), demo, cid)]
    assert with_cases


def check_a_case_was_transferred_to_another_team_and_worker_with_a_reason(demo):
    moved = db.session.scalars(select(CaseTransfer)).all()
    assert len(moved) == 1
    assert moved[0].to_team_id != moved[0].from_team_id and moved[0].to_worker_id and moved[0].reason.strip()
    assert db.session.get(Referral, moved[0].referral_id).team_id == moved[0].to_team_id


def check_a_duplicate_child_was_merged_into_a_tombstone_an_administrator_may_still_undo(demo):
    merges = db.session.scalars(select(ChildMerge)).all()
    assert len(merges) == 1
    tombstone = db.session.get(Child, merges[0].duplicate_id)
    assert tombstone.merged_into_id == merges[0].kept_id
    undoable, total = child_merge.undoable(_as("admin"), demo)
    assert total == 1 and undoable[0].id == merges[0].id


def check_a_likely_duplicate_waits_on_a_contact_for_a_manager_to_merge(demo):
    matched = [history for cid in db.session.scalars(select(Contact.id).where(Contact.state != "decided"))
               for history in contacts.history_for(db.session.get(Contact, cid), _as("practitioner"), demo)
               if history.possible_matches]
    assert len(matched) == 1
    child = matched[0].child
    assert children.possible_duplicates(None, child.first_name, child.last_name, child.date_of_birth,
                                        exclude_id=child.id)


def check_step_downs_to_early_help_are_waiting_accepted_and_returned(demo):
    for state in StepDownState:
        found = db.session.scalars(select(StepDown).where(StepDown.state == state)).all()
        assert found, state
    returned = db.session.scalars(select(StepDown).where(StepDown.state == StepDownState.RETURNED)).all()
    assert all(s.answer_reason for s in returned)


def check_referrers_were_sent_acknowledgements_and_decisions_by_email_and_a_letter(demo):
    sent = {(f.kind, f.method) for f in db.session.scalars(select(ReferrerFeedback))}
    assert {("acknowledgement", "email"), ("decision", "email"), ("decision", "letter")} <= sent
    emailed = db.session.scalars(select(ReferrerFeedback).where(ReferrerFeedback.method == "email")).all()
    assert all(f.notification_id and f.recipient for f in emailed)


def check_the_council_has_its_own_feedback_wording_and_tokens_name_their_holders(demo):
    assert _count(FeedbackTemplate) >= 1
    tokens = db.session.scalars(select(ApiToken)).all()
    assert tokens and all(t.holder_id is not None for t in tokens)


def check_a_child_known_only_by_an_approximate_age_and_one_whose_date_of_birth_is_not_known(demo):
    approximate = db.session.scalars(select(Child).where(Child.birth_date_status == BirthDateStatus.APPROXIMATE)).all()
    not_known = db.session.scalars(select(Child).where(Child.birth_date_status == BirthDateStatus.NOT_KNOWN)).all()
    assert len(approximate) == 1 and approximate[0].date_of_birth is not None
    assert len(not_known) == 1 and not_known[0].date_of_birth is None


def check_north_and_west_hold_their_own_virtual_mash_meetings(demo):
    local = db.session.scalars(select(Meeting).where(Meeting.type_code == "mash_daily",
                                                     Meeting.locality_id.is_not(None))).all()
    assert sorted(m.locality.name for m in local) == ["North", "West"]
    assert all(m.attendance for m in local)


def check_routing_rules_put_contacts_on_the_14_plus_and_emotional_health_agendas(demo):
    rules = {r.meeting_type for r in db.session.scalars(select(PathwayRule))}
    assert rules == {"team_14_plus", "emotional_health_weekly"}
    for type_code in sorted(rules):
        meeting = db.session.scalar(select(Meeting).where(Meeting.type_code == type_code))
        preview = meetings.agenda_preview(_as("manager"), demo, meeting.id)
        assert [line for line in preview.lines if line.source == ItemSource.ROUTED], type_code


def check_this_mornings_out_of_hours_handover_has_items_accepted_and_waiting(demo):
    today = local_date(demo)
    items = db.session.scalars(select(OutOfHoursHandover).where(OutOfHoursHandover.handover_date == today)).all()
    assert any(i.accepted_at is not None for i in items)
    assert any(i.accepted_at is None for i in items)


def check_a_manager_approved_overriding_a_refusal_of_consent_with_a_reason(demo):
    overridden = db.session.scalars(select(Contact).where(Contact.consent_override_by_id.is_not(None))).all()
    assert len(overridden) == 1 and overridden[0].consent_override_reason
    assert Role(db.session.get(User, overridden[0].consent_override_by_id).role) is Role.MANAGER


def check_no_further_action_decisions_record_signposting(demo):
    nfa = db.session.scalars(select(ContactChild).where(ContactChild.outcome == "no_further_action")).all()
    assert nfa and all(link.signposting for link in nfa)


def check_a_legal_hold_stands_on_a_child(demo):
    assert _count(RetentionHold, RetentionHold.lifted_at.is_(None)) == 1
    assert retention.active_holds(_as("manager"), demo).total == 1


def check_the_retention_review_is_empty_because_the_demo_is_younger_than_any_retention_period(demo):
    review = retention.review(_as("manager"), demo)
    oldest = db.session.scalar(select(func.min(Child.created_at)))
    assert review.total == 0
    assert review.first_due is not None and review.first_due > review.review_end
    assert demo - oldest < timedelta(weeks=9)


def check_a_second_run_adds_none_of_it_again(demo):
    before = _count(AuditEvent)

    summary = seed_demo(demo, children=CHILDREN, echo=lambda *_: None)

    assert summary.step("The Front Door's week").added == 0
    assert _count(AuditEvent) == before


CHECKS = [check for name, check in sorted(globals().items()) if name.startswith("check_")]


def test_the_demo_makes_every_kind_of_front_door_record(app, now):
    """Seeded once per database (a demo takes seconds); each check is one kind of record, and the
    re-run check goes last because it seeds again."""
    seed_demo(now, children=CHILDREN, echo=lambda *_: None)

    for check in sorted(CHECKS, key=lambda c: c.__name__ == "check_a_second_run_adds_none_of_it_again"):
        check(now)
