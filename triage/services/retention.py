"""Retention: which children's records fall due for review, legal holds, and erasure.

Managers review the list each month: every child whose records fall due by the end of the
month under the retention rules (triage.domain.retention; the numbers are settings) and whom no
legal hold protects. Erasing a child's records removes the personal data (names, dates of
birth and death, identifiers, address, and the free text written about the child) and keeps
what the returns count: the contacts, referrals, assessments and enquiries stay as dates and
codes, so no figure for a past year changes. The audit trail is never touched: it already
holds ids only, and gains a row saying who erased the record and when. A contact that also
names a child whose records are kept keeps its text, which is that child's record too.

A merged duplicate (a tombstone) is not reviewed on its own: its records moved to the record
kept, and erasing that record erases the tombstones merged into it, the name and date-of-birth
snapshots the merge kept for its undo, and the erased children's names in the stored morning
reports (the one change ever made to a stored report: a name must not outlive its erasure).

A hold and an erasure each change the child's version, so a hold placed while someone erases
(or the reverse) makes the second of them a 409 rather than an erasure under a hold.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from triage.clock import LONDON, local_date
from triage.domain.retention import ChildHistory, Retention, add_years, candidate_bounds, month_end, retention
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    CaseTransfer,
    Child,
    ChildMerge,
    Contact,
    ContactChild,
    InformationRequest,
    ItemContribution,
    MeetingAction,
    MeetingItem,
    MorningReport,
    Notification,
    RagChange,
    Referral,
    ReferrerFeedback,
    ReportErasurePermit,
    RetentionErasure,
    RetentionHold,
    StepDown,
    StrategyDiscussion,
    TrackerReviewItem,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work
from triage.settings import retention_rules

RETENTION_ROLES = (Role.MANAGER,)
ERASED = "[erased]"
ERASED_FIRST, ERASED_LAST = "Erased", "record"
REASON_LIMIT = 2000


@dataclass(frozen=True)
class ReviewEntry:
    child_id: int
    council_child_id: str | None
    name: str
    date_of_birth: date | None
    last_contact: date | None
    last_closed: date | None
    due_on: date
    reasons: tuple[str, ...]
    version: int


@dataclass(frozen=True)
class Review:
    as_of: date  # today
    review_end: date  # the end of the month under review
    items: list[ReviewEntry]
    total: int
    page: int
    per_page: int
    # Why the list may be empty: the shortest time any record is kept, and the first day any record
    # held (the oldest child record on) could fall due. None: no records at all.
    shortest_years: int = 0
    oldest_record: date | None = None
    first_due: date | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ChildRetention:
    child: Child
    history: ChildHistory
    retention: Retention
    holds: list[RetentionHold]
    erasure: RetentionErasure | None
    today: date

    @property
    def active_hold(self) -> RetentionHold | None:
        return next((h for h in self.holds if h.active), None)

    @property
    def due_now(self) -> bool:
        return self.erasure is None and self.retention.is_due(self.today)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _london_date(moment: datetime | None) -> date | None:
    return moment.astimezone(LONDON).date() if moment is not None else None


def _history_query():
    """Per child: the last contact, and its cases (how many, how many open, the last closure)."""
    contacts = (select(ContactChild.child_id.label("child_id"), func.max(Contact.received_at).label("last_contact"))
                .join(Contact, Contact.id == ContactChild.contact_id).group_by(ContactChild.child_id).subquery())
    is_open = (Referral.closed_at.is_(None)) & (Referral.closed_on.is_(None))
    cases = (select(Referral.child_id.label("child_id"), func.count(Referral.id).label("cases"),
                    func.count(case((is_open, 1))).label("open_cases"),
                    func.max(Referral.closed_on).label("last_closed_on"),
                    func.max(Referral.closed_at).label("last_closed_at"))
             .group_by(Referral.child_id).subquery())
    held = exists().where(RetentionHold.child_id == Child.id, RetentionHold.lifted_at.is_(None))
    query = (select(Child.id, Child.council_child_id, Child.first_name, Child.last_name, Child.date_of_birth,
                    Child.expected_date_of_birth, Child.created_at, Child.version, contacts.c.last_contact,
                    cases.c.cases, cases.c.open_cases, cases.c.last_closed_on, cases.c.last_closed_at,
                    held.label("held"))
             .outerjoin(contacts, contacts.c.child_id == Child.id).outerjoin(cases, cases.c.child_id == Child.id))
    return query, contacts, cases, held


def _history(row) -> ChildHistory:
    closures = [d for d in (row.last_closed_on, _london_date(row.last_closed_at)) if d is not None]
    return ChildHistory(born=row.date_of_birth or row.expected_date_of_birth,
                        last_contact=_london_date(row.last_contact or row.created_at),
                        has_case=bool(row.cases), open_case=bool(row.open_cases),
                        last_closed=max(closures) if closures else None, on_hold=bool(row.held))


def review(actor: Actor, now: datetime, page: int = 1, per_page: int = 50) -> Review:
    """Children whose records fall due by the end of this month, soonest first; audited per child shown."""
    require(actor, RETENTION_ROLES, "review records for retention")
    rules = retention_rules()
    today = local_date(now)
    review_end = month_end(today)
    contacts_by, closed_by = candidate_bounds(review_end, rules)
    query, contacts, cases, held = _history_query()
    erased = exists().where(RetentionErasure.child_id == Child.id)
    query = query.where(
        ~erased, ~held, Child.merged_into_id.is_(None), func.coalesce(cases.c.open_cases, 0) == 0,
        func.coalesce(contacts.c.last_contact, Child.created_at) < _start_of(contacts_by + timedelta(days=1)),
        (cases.c.last_closed_on.is_(None)) | (cases.c.last_closed_on <= closed_by),
        (cases.c.last_closed_at.is_(None)) | (cases.c.last_closed_at < _start_of(closed_by + timedelta(days=1))))
    due: list[ReviewEntry] = []
    with unit_of_work("child record", keep_loaded=True):
        for row in db.session.execute(query):
            history = _history(row)
            kept = retention(history, rules)
            if kept.is_due(review_end):
                due.append(ReviewEntry(row.id, row.council_child_id, f"{row.first_name} {row.last_name}",
                                       row.date_of_birth, history.last_contact, history.last_closed, kept.due_on,
                                       kept.reasons, row.version))
        due.sort(key=lambda e: (e.due_on, e.child_id))
        page, per_page = max(1, page), max(1, per_page)
        shown = due[(page - 1) * per_page:page * per_page]
        audit.record_shown(actor, now, "read", "child", [(e.child_id, e.child_id) for e in shown],
                           detail="retention review")
        shortest = min(rules.contact_years, rules.case_years_after_closure)
        oldest = _oldest_record()
    return Review(today, review_end, shown, len(due), page, per_page, shortest_years=shortest, oldest_record=oldest,
                  first_due=add_years(oldest, shortest) if oldest else None)


def _oldest_record() -> date | None:
    """The civil date of the oldest record held: a child recorded, a contact received or a referral
    made (an imported history may predate the child's record)."""
    child, contact, referral = db.session.execute(select(
        select(func.min(Child.created_at)).scalar_subquery(), select(func.min(Contact.received_at)).scalar_subquery(),
        select(func.min(Referral.referral_date)).scalar_subquery())).one()
    found = [local_date(child) if child else None, local_date(contact) if contact else None, referral]
    return min((d for d in found if d is not None), default=None)


def active_holds(actor: Actor, now: datetime, page: int = 1, per_page: int = 50) -> Page:
    """Legal holds standing now, oldest first; audited per child shown."""
    require(actor, RETENTION_ROLES, "review records for retention")
    with unit_of_work("legal hold", keep_loaded=True):
        found = paginate(select(RetentionHold).where(RetentionHold.lifted_at.is_(None))
                         .order_by(RetentionHold.placed_at, RetentionHold.id), page, per_page)
        audit.record_shown(actor, now, "read", "retention_hold", [(h.id, h.child_id) for h in found.items],
                           detail="legal holds standing")
    return found


def child_retention(actor: Actor, now: datetime, child_id: int) -> ChildRetention:
    """One child's retention: when the records fall due and why, the holds, any erasure; audited."""
    require(actor, RETENTION_ROLES, "review records for retention")
    with unit_of_work("child record", keep_loaded=True):
        found = _load(child_id)
        audit.record_shown(actor, now, "read", "child", [(child_id, child_id)], detail="retention")
    return ChildRetention(*found, today=local_date(now))


def _load(child_id: int) -> tuple:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound(f"No child record {child_id}")
    query, *_ = _history_query()
    history = _history(db.session.execute(query.where(Child.id == child_id)).one())
    holds = list(db.session.scalars(select(RetentionHold).where(RetentionHold.child_id == child_id)
                                    .order_by(RetentionHold.placed_at.desc(), RetentionHold.id.desc())))
    erasure = db.session.scalar(select(RetentionErasure).where(RetentionErasure.child_id == child_id))
    return child, history, retention(history, retention_rules()), holds, erasure


def _reason(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("Give a reason", {field: ["Say why: it is kept with the hold"]})
    if len(text) > REASON_LIMIT:
        raise Invalid("The reason is too long", {field: [f"At most {REASON_LIMIT} characters"]})
    return text


def _touch_child(child: Child, now: datetime) -> None:
    """Move the child's version on, so that a concurrent hold and erasure cannot both succeed."""
    child.updated_at = now


def place_hold(actor: Actor, now: datetime, child_id: int, reason: str | None) -> RetentionHold:
    """Suspend retention for a child (a legal hold): who, when and why; audited."""
    require(actor, RETENTION_ROLES, "place a legal hold")
    reason = _reason(reason, "reason")
    with unit_of_work("child record"):
        child, _, _, holds, erasure = _load(child_id)
        if child.is_tombstone:
            raise Conflict(f"This record was merged into record {child.merged_into_id}: place the hold there",
                           {"child_id": [f"Merged into record {child.merged_into_id}"]})
        if erasure is not None:
            raise Conflict("This child's records have been erased: there is nothing left to hold",
                           {"child_id": ["Erased on " + _london_date(erasure.erased_at).strftime("%d/%m/%Y")]})
        if any(h.active for h in holds):
            raise Conflict("A legal hold already stands on this child's records",
                           {"child_id": ["Already on hold"]})
        hold = RetentionHold(child_id=child_id, reason=reason, placed_at=now, placed_by_id=actor.user_id,
                             placed_by=actor.label)
        db.session.add(hold)
        _touch_child(child, now)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("A legal hold was placed on this child's records at the same moment",
                           {"child_id": ["Already on hold"]}) from None
        audit.record(actor, now, "hold", "retention_hold", hold.id, child_id=child_id, detail="legal hold placed")
    return hold


def lift_hold(actor: Actor, now: datetime, hold_id: int, reason: str | None, version: int | None) -> RetentionHold:
    """End a legal hold; the hold stays on record with who lifted it, when and why; audited."""
    require(actor, RETENTION_ROLES, "lift a legal hold")
    reason = _reason(reason, "reason")
    with unit_of_work("legal hold"):
        hold = db.session.get(RetentionHold, hold_id)
        if hold is None:
            raise NotFound(f"No legal hold {hold_id}")
        check_version(hold, version, "legal hold")
        if not hold.active:
            raise Conflict("This legal hold has already been lifted", {"version": ["Already lifted"]})
        hold.lifted_at, hold.lifted_by_id, hold.lifted_by, hold.lift_reason = now, actor.user_id, actor.label, reason
        _touch_child(db.session.get(Child, hold.child_id), now)
        audit.record(actor, now, "lift_hold", "retention_hold", hold.id, child_id=hold.child_id,
                     detail="legal hold lifted")
    return hold


def erase_child(actor: Actor, now: datetime, child_id: int, version: int | None) -> RetentionErasure:
    """Erase a child's personal data, and that of the records merged into it, once the records are
    due and no hold stands on any of them; audited per record."""
    require(actor, RETENTION_ROLES, "erase a child's records")
    today = local_date(now)
    with unit_of_work("child record"):
        child, _, kept, _, erasure = _load(child_id)
        if erasure is not None:
            raise Conflict("This child's records have already been erased", {"version": ["Already erased"]})
        if child.is_tombstone:
            raise Conflict(f"This record was merged into record {child.merged_into_id}: erase that record",
                           {"child_id": [f"Merged into record {child.merged_into_id}"]})
        check_version(child, version, "child record")
        tombstones = _tombstones_of(child_id)
        _refuse_held(child_id, tombstones)
        if not kept.is_due(today):
            when = f"until {kept.due_on.strftime('%d/%m/%Y')}" if kept.due_on else "while a case is open"
            raise Conflict(f"These records are kept {when}", {"child_id": [f"Not due: kept {when}"]})
        everyone = [child, *tombstones]
        names = {c.id: (c.first_name, c.last_name) for c in everyone}
        first_named = min(_london_date(c.created_at) for c in everyone)
        for one in everyone:
            made = RetentionErasure(child_id=one.id, erased_at=now, erased_by_id=actor.user_id,
                                    erased_by=actor.label, due_on=kept.due_on, **_counts(one.id))
            erasure = made if one is child else erasure
            _erase(one, now)
            db.session.add(made)
            db.session.flush()
            audit.record(actor, now, "erase", "child", one.id, child_id=one.id, detail=(
                f"personal data erased (due {kept.due_on.isoformat()}); kept as dates and codes: "
                f"{made.contacts} contacts, {made.referrals} referrals, {made.assessments} assessments, "
                f"{made.section47s} s47 enquiries" + ("" if one is child else f"; merged into record {child_id}")))
        _erase_merge_snapshots(list(names))
        renamed = _erase_from_stored_reports(names, first_named)
        if renamed:
            audit.record(actor, now, "erase", "morning_report", None, child_id=child_id,
                         detail=f"erased name removed from {renamed} stored morning reports")
    return erasure


def _tombstones_of(child_id: int) -> list[Child]:
    """The records merged into this one, and into those (a record kept once may be merged later)."""
    found: list[Child] = []
    frontier = [child_id]
    while frontier:
        more = list(db.session.scalars(select(Child).where(Child.merged_into_id.in_(frontier)).order_by(Child.id)))
        found += more
        frontier = [c.id for c in more]
    return found


def _refuse_held(child_id: int, tombstones: list[Child]) -> None:
    ids = [child_id, *(t.id for t in tombstones)]
    held = db.session.execute(select(RetentionHold.id, RetentionHold.child_id).where(
        RetentionHold.child_id.in_(ids), RetentionHold.lifted_at.is_(None)).order_by(RetentionHold.id)).first()
    if held is None:
        return
    if held.child_id == child_id:
        raise Conflict("A legal hold stands on this child's records: lift it before erasing",
                       {"child_id": ["On legal hold"]})
    raise Conflict(f"Legal hold {held.id} stands on record {held.child_id}, merged into this one: lift it "
                   "before erasing", {"child_id": [f"On legal hold (record {held.child_id})"]})


def _erase_merge_snapshots(ids: list[int]) -> None:
    """The fields each merge kept for its undo, erased for the erased records (set-based)."""
    erased = json.dumps({"erased": True})
    for column, side in ((ChildMerge.kept_before, ChildMerge.kept_id),
                         (ChildMerge.duplicate_before, ChildMerge.duplicate_id)):
        db.session.execute(update(ChildMerge).where(side.in_(ids)).values({column: erased})
                           .execution_options(synchronize_session=False))


_NAMED_BY = ("name", "child")  # the keys under which a stored report names a child beside its child_id


def _erase_from_stored_reports(names: dict[int, tuple[str, str]], since: date) -> int:
    """Each stored morning report naming an erased child keeps its figures and rows but names
    the child as erased. The database picks the reports that contain one of the names (however
    the text was encoded when stored); only those are read, and they are written back in one
    statement. A child is found by its child_id, so another child of the same name stays named.
    Only reports from the day the first of the records was made are searched: none before can
    name them, and the bodies are large."""
    patterns = set()
    for first, last in names.values():
        full = f"{first} {last}"
        for ascii_only in (False, True):
            encoded = json.dumps(full, ensure_ascii=ascii_only)[1:-1]
            patterns.add("%" + encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    body = MorningReport.__table__.c.content
    found = db.session.execute(select(MorningReport.id, body).where(
        MorningReport.report_date >= since, or_(*(body.like(p, escape="\\") for p in sorted(patterns))))).all()
    erased_name = f"{ERASED_FIRST} {ERASED_LAST}"
    changed = []
    for report_id, text in found:
        content = json.loads(text)
        if _scrub(content, set(names), erased_name):
            changed.append({"report_id": report_id, "scrubbed": json.dumps(content, ensure_ascii=False,
                                                                          separators=(",", ":"))})
    if changed:
        # The report table is append-only: a permit per report lets this one change through,
        # and goes before the commit.
        ids = [c["report_id"] for c in changed]
        db.session.execute(insert(ReportErasurePermit), [{"report_id": i} for i in ids])
        table = MorningReport.__table__
        db.session.execute(table.update().where(table.c.id == bindparam("report_id"))
                           .values(content=bindparam("scrubbed")), changed)
        db.session.execute(delete(ReportErasurePermit).where(ReportErasurePermit.report_id.in_(ids)))
    return len(changed)


def _scrub(node, ids: set[int], erased_name: str) -> bool:
    """Rename the erased children wherever the report names them; whether anything changed."""
    changed = False
    if isinstance(node, dict):
        if node.get("child_id") in ids:
            for key in _NAMED_BY:
                if isinstance(node.get(key), str) and node[key] != erased_name:
                    node[key], changed = erased_name, True
            if node.get("council_child_id") is not None:
                node["council_child_id"], changed = None, True
        for value in node.values():
            changed = _scrub(value, ids, erased_name) or changed
    elif isinstance(node, list):
        for value in node:
            changed = _scrub(value, ids, erased_name) or changed
    return changed


def _counts(child_id: int) -> dict[str, int]:
    def count(column, *where) -> int:
        return db.session.scalar(select(func.count(column)).where(*where)) or 0

    return {"contacts": count(ContactChild.id, ContactChild.child_id == child_id),
            "referrals": count(Referral.id, Referral.child_id == child_id),
            "assessments": count(Assessment.id, Assessment.child_id == child_id),
            "section47s": count(StrategyDiscussion.id, StrategyDiscussion.child_id == child_id,
                                StrategyDiscussion.s47_started_on.is_not(None))}


_CHILD_PERSONAL = ("other_names", "address_line_1", "address_line_2", "town", "postcode", "nhs_number", "upn",
                   "former_upn", "upn_unknown_reason", "council_child_id", "date_of_birth",
                   "expected_date_of_birth", "date_of_death")


def _erase(child: Child, now: datetime) -> None:
    """Remove the child's personal data, keeping every row the returns count (set-based)."""
    child_id = child.id
    child.first_name, child.last_name, child.updated_at = ERASED_FIRST, ERASED_LAST, now
    for name in _CHILD_PERSONAL:
        setattr(child, name, None)
    # Contacts that name no child whose records are kept: their text is only this child's.
    kept_elsewhere = select(ContactChild.contact_id).where(
        ContactChild.child_id != child_id, ContactChild.child_id.not_in(select(RetentionErasure.child_id)))
    contacts = select(ContactChild.contact_id).where(ContactChild.child_id == child_id,
                                                     ContactChild.contact_id.not_in(kept_elsewhere))
    items = select(MeetingItem.id).where(MeetingItem.contact_id.in_(contacts))
    lifted = case((RetentionHold.lift_reason.is_(None), None), else_=ERASED)
    for statement in (
        update(Contact).where(Contact.id.in_(contacts)).values(
            concern=ERASED, referrer_name=None, referrer_role=None, referrer_agency=None,
            referrer_contact_details=None, consent_by=None, police_incident_reference=None, partner_reference=None,
            idempotency_key=None, idempotency_fingerprint=None, recommendation=None, feedback_note=None,
            consent_override_reason=case((Contact.consent_override_reason.is_(None), None), else_=ERASED),
            version=Contact.version + 1),
        # What the referrer was sent, and the email carrying it: their address and the words.
        update(Notification).where(Notification.id.in_(select(ReferrerFeedback.notification_id).where(
            ReferrerFeedback.contact_id.in_(contacts)))).values(email_to=None, email_subject=None, email_body=None),
        update(ReferrerFeedback).where(ReferrerFeedback.contact_id.in_(contacts)).values(
            recipient=None, subject=ERASED, body=ERASED),
        update(RagChange).where(RagChange.contact_id.in_(contacts)).values(reason=ERASED),
        update(InformationRequest).where(InformationRequest.contact_id.in_(contacts)).values(
            question=ERASED, answer=case((InformationRequest.answer.is_(None), None), else_=ERASED),
            version=InformationRequest.version + 1),
        update(MeetingItem).where(MeetingItem.id.in_(items)).values(
            added_reason=None, removed_reason=None, rationale=None, version=MeetingItem.version + 1),
        update(ItemContribution).where(ItemContribution.item_id.in_(items)).values(
            text=ERASED, version=ItemContribution.version + 1),
        update(MeetingAction).where(MeetingAction.item_id.in_(items)).values(
            description=ERASED, version=MeetingAction.version + 1),
        update(ContactChild).where(ContactChild.child_id == child_id).values(rationale=None, delay_reason=None,
                                                                            match_details=None),
        update(Referral).where(Referral.child_id == child_id).values(closure_note=None, version=Referral.version + 1),
        update(CaseTransfer).where(CaseTransfer.referral_id.in_(select(Referral.id).where(
            Referral.child_id == child_id))).values(reason=ERASED),
        update(StepDown).where(StepDown.child_id == child_id).values(
            note=None, answer_reason=case((StepDown.answer_reason.is_(None), None), else_=ERASED),
            version=StepDown.version + 1),
        update(Assessment).where(Assessment.child_id == child_id).values(
            notes=None, late_reason=None, version=Assessment.version + 1),
        update(CaseDiscussion).where(CaseDiscussion.assessment_id.in_(
            select(Assessment.id).where(Assessment.child_id == child_id))).values(note=None),
        # Whether a conference was needed stays (Annex A counts it); why not does not.
        update(StrategyDiscussion).where(StrategyDiscussion.child_id == child_id,
                                         StrategyDiscussion.icpc_not_needed_reason.is_not(None)).values(
            icpc_not_needed_reason=ERASED, version=StrategyDiscussion.version + 1),
        update(TrackerReviewItem).where(TrackerReviewItem.child_id == child_id).values(
            message=ERASED, resolution=None),
        update(RetentionHold).where(RetentionHold.child_id == child_id).values(
            reason=ERASED, lift_reason=lifted, version=RetentionHold.version + 1),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
