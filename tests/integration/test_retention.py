"""Retention: the monthly review, legal holds and erasure, on both databases."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from triage.clock import LONDON
from triage.extensions import db
from triage.models import (
    Agency,
    Assessment,
    AuditEvent,
    CaseTransfer,
    Child,
    ChildMerge,
    Contact,
    ContactChild,
    MorningReport,
    Notification,
    Referral,
    ReferrerFeedback,
    ReportErasurePermit,
    RetentionErasure,
    RetentionHold,
    StepDown,
    StrategyDiscussion,
    Team,
)
from triage.services import child_merge, retention
from triage.services.errors import Conflict, Forbidden, Invalid

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # review month: November 2026


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LONDON)


def a_child(first: str, born: date | None, **extra) -> Child:
    child = Child(first_name=first, last_name="Stone", date_of_birth=born, sex="female", ethnicity="WBRI",
                  created_at=at(date(2012, 1, 1)), updated_at=at(date(2012, 1, 1)), **extra)
    db.session.add(child)
    db.session.flush()
    return child


def a_contact(children: list[Child], on: date, concern: str = "Neighbour heard shouting") -> Contact:
    contact = Contact(received_at=at(on), recorded_at=at(on), channel="phone", source_code="1A", concern=concern,
                      referrer_name="Pat Neighbour", referrer_contact_details="07700 900123",
                      decision_due_at=at(on) + timedelta(days=1), state="decided")
    db.session.add(contact)
    db.session.flush()
    for child in children:
        db.session.add(ContactChild(contact_id=contact.id, child_id=child.id, outcome="nfa",
                                    rationale=f"{child.first_name} seen at school"))
    db.session.flush()
    return contact


def a_case(child: Child, on: date, closed_on: date | None, contact: Contact | None = None) -> Referral:
    referral = Referral(child_id=child.id, contact_id=contact.id if contact else None, referral_date=on,
                        source_code="1A", outcome="assessment", created_at=at(on), closed_on=closed_on,
                        closed_at=at(closed_on) if closed_on else None, closure_reason="RC8" if closed_on else None,
                        closure_note="Mother moved to Leeds with Ava" if closed_on else None)
    db.session.add(referral)
    db.session.flush()
    db.session.add(Assessment(referral_id=referral.id, child_id=child.id, started_on=on, due_date=on,
                              authorised_on=closed_on, notes="Ava says she is scared at home",
                              created_at=at(on)))
    db.session.add(StrategyDiscussion(referral_id=referral.id, child_id=child.id, held_on=on, agencies_present="police",
                                      recorded_at=at(on), s47_started_on=on,
                                      icpc_not_needed_reason="Ava's father left"))
    return referral


@pytest.fixture
def manager(make_user, actor_for):
    return actor_for(make_user("manager"))


@pytest.fixture
def council():
    """Children in every state the rules distinguish, as of November 2026 (6 years; 25th birthday)."""
    made = {
        # Only contacts, the last on 3 Nov 2020: due 3 Nov 2026.
        "contacts_due": a_child("Ava", date(2010, 5, 5), nhs_number="9434765919", postcode="LS1 4AP",
                                upn="A123456789012", council_child_id="C100"),
        # Contacts until 20 Nov 2020: due 20 Nov 2026, later this month than the first.
        "contacts_due_later": a_child("Bea", date(2011, 6, 6)),
        # Last contact 1 Dec 2020: due in December, not this month.
        "contacts_next_month": a_child("Cat", date(2011, 7, 7)),
        # A case closed in 2019, but the 25th birthday is in 2027.
        "case_birthday": a_child("Dee", date(2002, 3, 3)),
        # A case closed on 29 Feb 2020 and 25 long ago: due 1 Mar 2026.
        "case_closed": a_child("Eve", date(1990, 1, 1)),
        # An old case still open: never due.
        "case_open": a_child("Fay", date(1990, 1, 1)),
    }
    a_contact([made["contacts_due"]], date(2019, 1, 1))
    a_contact([made["contacts_due"]], date(2020, 11, 3), concern="Ava has bruises on her arm")
    a_contact([made["contacts_due_later"]], date(2020, 11, 20))
    a_contact([made["contacts_next_month"]], date(2020, 12, 1))
    a_case(made["case_birthday"], date(2018, 6, 1), date(2019, 1, 10),
           a_contact([made["case_birthday"]], date(2018, 6, 1)))
    a_case(made["case_closed"], date(2019, 2, 1), date(2020, 2, 29),
           a_contact([made["case_closed"]], date(2019, 2, 1)))
    a_case(made["case_open"], date(2005, 1, 1), None, a_contact([made["case_open"]], date(2005, 1, 1)))
    db.session.commit()
    return made


def test_the_review_lists_children_due_by_the_end_of_the_month_soonest_first_and_audits_them(app, council, manager):
    found = retention.review(manager, NOW)

    assert [e.child_id for e in found.items] == [council[k].id for k in ("case_closed", "contacts_due",
                                                                       "contacts_due_later")]
    assert (found.review_end, found.total) == (date(2026, 11, 30), 3)
    assert [e.due_on for e in found.items] == [date(2026, 3, 1), date(2026, 11, 3), date(2026, 11, 20)]
    shown = db.session.scalars(select(AuditEvent.child_id).where(AuditEvent.detail == "retention review")).all()
    assert sorted(shown) == sorted(e.child_id for e in found.items)


def test_the_review_is_paginated_in_a_stable_order(app, council, manager):
    first, second = retention.review(manager, NOW, page=1, per_page=2), retention.review(manager, NOW, page=2,
                                                                                          per_page=2)

    assert (first.total, first.pages, len(first.items), len(second.items)) == (3, 2, 2, 1)
    assert {e.child_id for e in first.items}.isdisjoint({e.child_id for e in second.items})


def test_erasure_removes_personal_data_and_keeps_the_counts_the_returns_need(app, council, manager, make_user):
    ava, bea = council["contacts_due"], council["contacts_due_later"]
    shared = a_contact([ava, bea], date(2020, 1, 5), concern="Both girls left alone overnight")
    eve = council["case_closed"]
    db.session.commit()
    referrals_before = db.session.scalar(select(func.count(Referral.id)))
    trail_before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.child_id == ava.id))

    erasure = retention.erase_child(manager, NOW, ava.id, ava.version)
    retention.erase_child(manager, NOW, eve.id, eve.version)

    db.session.expire_all()
    ava = db.session.get(Child, ava.id)
    assert (ava.first_name, ava.last_name, ava.date_of_birth, ava.nhs_number, ava.postcode, ava.upn,
            ava.council_child_id) == ("Erased", "record", None, None, None, None, None)
    assert (ava.sex, ava.ethnicity) == ("female", "WBRI")  # categories the returns count
    concerns = set(db.session.scalars(select(Contact.concern).join(ContactChild).where(ContactChild.child_id == ava.id)))
    assert concerns == {"[erased]", "Both girls left alone overnight"}  # Bea's record keeps the shared contact
    assert db.session.get(Contact, shared.id).referrer_name == "Pat Neighbour"
    assert (erasure.contacts, erasure.referrals, erasure.due_on) == (3, 0, date(2026, 11, 3))
    # The case's rows stay, as dates and codes, without what was written about the child.
    assert db.session.scalar(select(func.count(Referral.id))) == referrals_before
    case = db.session.scalar(select(Referral).where(Referral.child_id == eve.id))
    assert (case.referral_date, case.closed_on, case.closure_reason, case.closure_note) == (
        date(2019, 2, 1), date(2020, 2, 29), "RC8", None)
    assert db.session.scalar(select(Assessment.notes).where(Assessment.child_id == eve.id)) is None
    assert db.session.scalar(select(StrategyDiscussion.icpc_not_needed_reason)
                             .where(StrategyDiscussion.child_id == eve.id)) == "[erased]"
    # The trail keeps every earlier row and adds who erased it.
    erased = db.session.scalars(select(AuditEvent).where(AuditEvent.child_id == ava.id,
                                                         AuditEvent.action == "erase")).one()
    assert (erased.actor, erased.at) == (manager.label, NOW) and "3 contacts" in erased.detail
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.child_id == ava.id)) == trail_before + 1
    assert ava.id not in {e.child_id for e in retention.review(manager, NOW).items}


def test_erasure_is_refused_when_stale_not_due_on_hold_already_done_or_not_a_managers(app, council, manager,
                                                                                      make_user, actor_for):
    ava, dee, fay = council["contacts_due"], council["case_birthday"], council["case_open"]

    with pytest.raises(Conflict, match="version"):
        retention.erase_child(manager, NOW, ava.id, ava.version + 1)
    with pytest.raises(Conflict, match="until 03/03/2027"):
        retention.erase_child(manager, NOW, dee.id, dee.version)
    with pytest.raises(Conflict, match="while a case is open"):
        retention.erase_child(manager, NOW, fay.id, fay.version)
    with pytest.raises(Forbidden):
        retention.erase_child(actor_for(make_user("practitioner")), NOW, ava.id, ava.version)
    hold = retention.place_hold(manager, NOW, ava.id, "Disclosure for care proceedings")
    with pytest.raises(Conflict, match="legal hold"):
        retention.erase_child(manager, NOW, ava.id, db.session.get(Child, ava.id).version)
    retention.lift_hold(manager, NOW, hold.id, "Proceedings concluded", hold.version)
    retention.erase_child(manager, NOW, ava.id, db.session.get(Child, ava.id).version)
    with pytest.raises(Conflict, match="already been erased"):
        retention.erase_child(manager, NOW, ava.id, db.session.get(Child, ava.id).version)
    assert db.session.scalar(select(func.count(RetentionErasure.id))) == 1


def test_a_legal_hold_suspends_retention_records_who_when_why_and_its_lifting_is_audited(app, council, manager):
    ava = council["contacts_due"]

    hold = retention.place_hold(manager, NOW, ava.id, "  Subject access request in progress  ")

    assert ava.id not in {e.child_id for e in retention.review(manager, NOW).items}
    kept = retention.child_retention(manager, NOW, ava.id)
    assert kept.retention.due_on is None and kept.active_hold.id == hold.id and not kept.due_now
    assert (hold.reason, hold.placed_by, hold.placed_at) == ("Subject access request in progress", manager.label, NOW)
    with pytest.raises(Conflict, match="already stands"):
        retention.place_hold(manager, NOW, ava.id, "Again")
    with pytest.raises(Conflict, match="version"):
        retention.lift_hold(manager, NOW, hold.id, "Done", hold.version + 1)
    with pytest.raises(Invalid) as blank:
        retention.lift_hold(manager, NOW, hold.id, "   ", hold.version)
    assert "reason" in blank.value.errors

    later = NOW + timedelta(days=1)
    lifted = retention.lift_hold(manager, later, hold.id, "Request answered", hold.version)

    assert (lifted.lifted_at, lifted.lifted_by, lifted.lift_reason, lifted.active) == (
        later, manager.label, "Request answered", False)
    with pytest.raises(Conflict, match="already been lifted"):
        retention.lift_hold(manager, later, hold.id, "Again", lifted.version)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "retention_hold",
                                                                 AuditEvent.child_id == ava.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["hold", "lift_hold"]
    assert db.session.scalar(select(func.count(RetentionHold.id))) == 1
    assert ava.id in {e.child_id for e in retention.review(manager, later).items}


def test_a_hold_and_the_review_for_an_unknown_child_or_a_blank_reason_are_refused(app, council, manager):
    from triage.services.errors import NotFound

    with pytest.raises(NotFound):
        retention.place_hold(manager, NOW, 999999, "Court order")
    with pytest.raises(Invalid) as blank:
        retention.place_hold(manager, NOW, council["contacts_due"].id, "")
    assert list(blank.value.errors) == ["reason"]
    assert db.session.scalar(select(func.count(RetentionHold.id))) == 0


# Merged records, stored reports ----------------------------------------------------------------

def a_merged_duplicate(manager, kept: Child, first: str = "Ava") -> Child:
    """A second record of the child, with a contact of its own, merged into `kept`."""
    duplicate = a_child(first, kept.date_of_birth, town="Leeds")
    a_contact([duplicate], date(2019, 6, 1), concern="Ava missing from school")
    db.session.commit()
    child_merge.merge(manager, NOW, kept.id, duplicate.id, db.session.get(Child, kept.id).version,
                      frozenset({"town"}))
    return duplicate


def test_the_review_leaves_out_merged_duplicates(app, council, manager):
    ava = council["contacts_due"]
    duplicate = a_merged_duplicate(manager, ava)
    # Left alone, the tombstone's own dates would make it due: it has no contacts left and an old creation.
    found = retention.review(manager, NOW)

    assert duplicate.id not in {e.child_id for e in found.items}
    assert ava.id in {e.child_id for e in found.items}
    with pytest.raises(Conflict, match="merged into record"):
        retention.erase_child(manager, NOW, duplicate.id, db.session.get(Child, duplicate.id).version)
    with pytest.raises(Conflict, match="place the hold there"):
        retention.place_hold(manager, NOW, duplicate.id, "Court order")


def test_erasing_a_child_erases_the_records_merged_into_it_and_the_merges_snapshots(app, council, manager,
                                                                                   make_user, actor_for):
    ava = council["contacts_due"]
    duplicate = a_merged_duplicate(manager, ava)
    merge = db.session.scalars(select(ChildMerge)).one()
    assert "Ava" in merge.kept_before and "Leeds" in merge.duplicate_before

    retention.erase_child(manager, NOW, ava.id, db.session.get(Child, ava.id).version)

    db.session.expire_all()
    tomb = db.session.get(Child, duplicate.id)
    assert (tomb.first_name, tomb.last_name, tomb.date_of_birth, tomb.town, tomb.merged_into_id) == (
        "Erased", "record", None, None, ava.id)
    merge = db.session.get(ChildMerge, merge.id)
    for snapshot in (merge.kept_before, merge.duplicate_before):
        assert "Ava" not in snapshot and "2010" not in snapshot and "Leeds" not in snapshot
    assert set(db.session.scalars(select(RetentionErasure.child_id))) == {ava.id, duplicate.id}
    erased = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "erase",
                                                                AuditEvent.child_id == duplicate.id)).one()
    assert f"merged into record {ava.id}" in erased
    with pytest.raises(Conflict, match="erased since the merge") as undo:
        child_merge.undo(actor_for(make_user("admin")), NOW, merge.id)
    assert "merge_id" in undo.value.errors


def test_a_merge_moves_a_standing_hold_to_the_kept_record_and_refuses_erased_records(app, council, manager):
    ava, bea = council["contacts_due"], council["contacts_due_later"]
    duplicate = a_child("Ava", ava.date_of_birth)
    db.session.commit()
    hold = retention.place_hold(manager, NOW, duplicate.id, "Care proceedings")

    child_merge.merge(manager, NOW, ava.id, duplicate.id, db.session.get(Child, ava.id).version)

    db.session.expire_all()
    assert db.session.get(RetentionHold, hold.id).child_id == ava.id
    assert retention.child_retention(manager, NOW, ava.id).active_hold.id == hold.id
    assert ava.id not in {e.child_id for e in retention.review(manager, NOW).items}
    with pytest.raises(Conflict, match="legal hold"):
        retention.erase_child(manager, NOW, ava.id, db.session.get(Child, ava.id).version)

    retention.erase_child(manager, NOW, bea.id, bea.version)
    with pytest.raises(Conflict, match="erased") as erased:
        child_merge.merge(manager, NOW, ava.id, bea.id, db.session.get(Child, ava.id).version)
    assert "duplicate_id" in erased.value.errors
    assert db.session.scalar(select(func.count(ChildMerge.id))) == 1


def test_a_merge_of_two_records_each_under_a_hold_is_refused_naming_the_hold(app, council, manager):
    ava = council["contacts_due"]
    duplicate = a_child("Ava", ava.date_of_birth)
    db.session.commit()
    retention.place_hold(manager, NOW, ava.id, "Subject access request")
    theirs = retention.place_hold(manager, NOW, duplicate.id, "Care proceedings")

    with pytest.raises(Conflict) as refused:
        child_merge.merge(manager, NOW, ava.id, duplicate.id, db.session.get(Child, ava.id).version)

    assert f"Legal hold {theirs.id}" in refused.value.errors["duplicate_id"][0]
    assert db.session.get(Child, duplicate.id).merged_into_id is None
    assert db.session.get(RetentionHold, theirs.id).child_id == duplicate.id


def test_a_merge_undone_gives_the_duplicate_its_hold_back(app, council, manager, make_user, actor_for):
    ava = council["contacts_due"]
    duplicate = a_child("Ava", ava.date_of_birth)
    db.session.commit()
    hold = retention.place_hold(manager, NOW, duplicate.id, "Care proceedings")
    record = child_merge.merge(manager, NOW, ava.id, duplicate.id, db.session.get(Child, ava.id).version)

    child_merge.undo(actor_for(make_user("admin")), NOW, record.id)

    db.session.expire_all()
    assert db.session.get(RetentionHold, hold.id).child_id == duplicate.id


def stored_report(content, version: int) -> MorningReport:
    report = MorningReport(report_date=date(2026, 11, 2), version=version, built_at=NOW, trigger="scheduled",
                           built_by="scheduler")
    report.body = content
    db.session.add(report)
    db.session.flush()
    return report


def test_erasure_renames_the_child_in_stored_morning_reports_and_nobody_else(app, council, manager):
    ava, eve = council["contacts_due"], council["case_closed"]
    namesake = a_child("Ava", date(2015, 1, 1))  # another Ava Stone, whose records are kept
    bea = council["contacts_due_later"]

    def shaped(separators, ensure_ascii):
        return json.dumps({
            "needs_action": [{"clock_id": 1, "children": [
                {"child_id": ava.id, "name": "Ava Stone", "council_child_id": "C100"},
                {"child_id": namesake.id, "name": "Ava Stone", "council_child_id": None}]}],
            "strategy": [{"strategy_discussion_id": 3, "child_id": ava.id, "child": "Ava Stone"}],
            "allocated_cases": [{"referral_id": 4, "child_id": namesake.id, "child": "Ava Stone"}],
        }, separators=separators, ensure_ascii=ensure_ascii)

    compact = stored_report(shaped((",", ":"), False), 1)
    spaced = stored_report(shaped((", ", ": "), True), 2)
    other = stored_report(json.dumps({"strategy": [{"child_id": bea.id, "child": "Bea Stone"}]}), 3)
    other_body = other.body
    db.session.commit()

    retention.erase_child(manager, NOW, ava.id, ava.version)
    retention.erase_child(manager, NOW, eve.id, eve.version)  # named in no report: nothing to rename

    db.session.expire_all()
    for report in (compact, spaced):
        content = json.loads(db.session.get(MorningReport, report.id).body)
        named = content["needs_action"][0]["children"]
        assert named[0] == {"child_id": ava.id, "name": "Erased record", "council_child_id": None}
        assert named[1]["name"] == "Ava Stone"  # the namesake is found by id, not by name
        assert content["strategy"][0]["child"] == "Erased record"
        assert content["allocated_cases"][0]["child"] == "Ava Stone"
        assert "C100" not in db.session.get(MorningReport, report.id).body
    assert db.session.get(MorningReport, other.id).body == other_body
    assert db.session.scalar(select(func.count()).select_from(ReportErasurePermit)) == 0
    renamed = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.entity == "morning_report")).all()
    assert renamed == ["erased name removed from 2 stored morning reports"]


def test_stored_reports_stay_append_only_outside_an_erasure(app, council):
    report = stored_report(json.dumps({"strategy": []}), 1)
    db.session.commit()

    for statement in (update(MorningReport).where(MorningReport.id == report.id).values(body="{}"),
                      update(MorningReport).where(MorningReport.id == report.id).values(built_by="someone"),
                      delete(MorningReport).where(MorningReport.id == report.id)):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    # Even with a permit, only the text may change.
    db.session.add(ReportErasurePermit(report_id=report.id))
    db.session.flush()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(update(MorningReport).where(MorningReport.id == report.id).values(version=9))
    db.session.rollback()


def test_erasure_reaches_what_was_written_on_handovers_transfers_overrides_and_referrer_feedback(app, council,
                                                                                                manager):
    eve = council["case_closed"]
    case = db.session.scalar(select(Referral).where(Referral.child_id == eve.id))
    contact = db.session.get(Contact, case.contact_id)
    contact.consent_override_reason = "Eve's mother would flee with her"
    team = Team(name="North assessment team")
    early_help = Agency(code="early_help_north", name="Early help North", kind="early_help")
    db.session.add_all([team, early_help])
    db.session.flush()
    db.session.add(CaseTransfer(referral_id=case.id, to_team_id=team.id, reason="Eve moved to Whitby",
                                transferred_at=at(date(2019, 3, 1))))
    db.session.add(StepDown(referral_id=case.id, child_id=eve.id, agency_id=early_help.id, state="returned",
                            note="Eve's school knows the family", handed_over_at=at(date(2020, 2, 29)),
                            due_date=date(2020, 3, 6), answered_at=at(date(2020, 3, 2)),
                            answer_reason="Family refused: Eve's father says no"))
    email = Notification(user_id=None, created_at=at(date(2019, 2, 1)), message="Feedback to a referrer",
                         email_to="pat@example.org", email_subject="About Eve Stone", email_body="Dear Pat, Eve ...")
    db.session.add(email)
    db.session.flush()
    db.session.add(ReferrerFeedback(contact_id=contact.id, kind="decision", method="email", recipient="pat@example.org",
                                    subject="About Eve Stone", body="Dear Pat, Eve ...", sent_at=at(date(2019, 2, 1)),
                                    notification_id=email.id))
    db.session.commit()

    retention.erase_child(manager, NOW, eve.id, db.session.get(Child, eve.id).version)

    db.session.expire_all()
    assert db.session.get(Contact, contact.id).consent_override_reason == "[erased]"
    assert db.session.scalar(select(CaseTransfer.reason)) == "[erased]"
    handover = db.session.scalar(select(StepDown))
    assert (handover.note, handover.answer_reason, handover.state) == (None, "[erased]", "returned")
    sent = db.session.scalar(select(ReferrerFeedback))
    assert (sent.recipient, sent.subject, sent.body, sent.kind) == (None, "[erased]", "[erased]", "decision")
    email = db.session.get(Notification, email.id)
    assert (email.email_to, email.email_subject, email.email_body) == (None, None, None)
