"""The review list: imported cases a manager should look at, and recording what they decided."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from triage.clock import local_date
from triage.domain import tracker
from triage.domain.codes import AssessmentOutcome
from triage.extensions import db
from triage.models import Assessment, Child, Referral, TrackerReviewItem
from triage.services import audit
from triage.services.actor import Actor
from triage.services.cases import CLOSING_OUTCOMES
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.tracker_import.results import REVIEWERS, noon
from triage.services.unit_of_work import unit_of_work

# ---------------------------------------------------------------- the review list

@dataclass(frozen=True)
class ReviewView:
    id: int
    referral_id: int
    child_id: int
    child_name: str
    council_child_id: str | None
    referral_date: date
    row_number: int
    kinds: tuple[str, ...]
    message: str
    noted_completion: date | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    @property
    def needs_outcome(self) -> bool:
        return "outcome_needed" in self.kinds and self.resolved_at is None

    @property
    def kind_labels(self) -> list[str]:
        return [tracker.REVIEW_KINDS[k] for k in self.kinds if k in tracker.REVIEW_KINDS]


def review_list(actor: Actor, now: datetime, resolved: bool = False, page: int = 1, per_page: int = 50) -> Page:
    """Imported cases a manager should look at, oldest first; each child shown is audited."""
    require(actor, REVIEWERS, "see the import review list")
    page, per_page = max(1, page), max(1, per_page)
    condition = TrackerReviewItem.resolved_at.is_not(None) if resolved else TrackerReviewItem.resolved_at.is_(None)
    total = db.session.scalar(select(func.count(TrackerReviewItem.id)).where(condition)) or 0
    rows = db.session.execute(
        select(TrackerReviewItem, Child.first_name, Child.last_name, Child.council_child_id, Referral.referral_date)
        .join(Child, Child.id == TrackerReviewItem.child_id)
        .join(Referral, Referral.id == TrackerReviewItem.referral_id)
        .where(condition).order_by(TrackerReviewItem.id).limit(per_page).offset((page - 1) * per_page)).all()
    items = [ReviewView(i.id, i.referral_id, i.child_id, f"{first} {last}", council, referral_date, i.row_number,
                        tuple(i.kind_list), i.message, i.noted_completion, i.created_at, i.resolved_at, i.resolution)
             for i, first, last, council, referral_date in rows]
    # One audit row per child shown, in one statement, like every other list.
    with unit_of_work("review item", keep_loaded=True):
        audit.record_shown(actor, now, "read", "tracker_review", ((i.id, i.child_id) for i in items),
                           detail="import review list")
    return Page(items=items, total=total, page=page, per_page=per_page)


def open_review_count() -> int:
    return db.session.scalar(select(func.count(TrackerReviewItem.id)).where(TrackerReviewItem.resolved_at.is_(None))) or 0


def resolve_review(actor: Actor, now: datetime, item_id: int, outcome: str | None = None,
                   note: str | None = None) -> TrackerReviewItem:
    """A manager has looked at an imported case. Where the tracker gave a completion with no
    outcome, the outcome is needed: the assessment is then authorised on the tracker's date."""
    require(actor, REVIEWERS, "review imported cases: only a Front Door manager can")
    with unit_of_work("imported case"):
        item = db.session.get(TrackerReviewItem, item_id)
        if item is None:
            raise NotFound(f"No review item {item_id}")
        if item.resolved_at is not None:
            raise Conflict("This item has already been reviewed")
        done = "reviewed"
        if "outcome_needed" in item.kind_list:
            _record_outcome(actor, now, item, outcome)
            done = f"outcome recorded: {outcome}"
        elif outcome:
            raise Invalid("This item needs no outcome", {"outcome": ["Leave the outcome empty"]})
        item.resolved_at, item.resolved_by_id = now, actor.user_id
        item.resolution = (f"{done}; {note.strip()}" if note and note.strip() else done)[:300]
        audit.record(actor, now, "review", "referral", item.referral_id, child_id=item.child_id, detail=done)
    return item


def _record_outcome(actor: Actor, now: datetime, item: TrackerReviewItem, outcome: str | None) -> None:
    """Authorise the imported assessment with this outcome, on the completion date the tracker gave."""
    if outcome not in AssessmentOutcome._value2member_map_:
        raise Invalid("The outcome is needed", {"outcome": [
            f"Choose one of: {', '.join(o.value for o in AssessmentOutcome)}"]})
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == item.referral_id))
    if assessment is None or assessment.authorised_at is not None:
        raise Conflict("This assessment is already authorised")
    completed_on = item.noted_completion or local_date(now)
    assessment.outcome = outcome
    assessment.authorised_at, assessment.authorised_on = noon(completed_on), completed_on
    assessment.authorised_by_id = actor.user_id
    if completed_on > assessment.due_date and not assessment.late_reason:
        assessment.late_reason = "Completed late; imported from the tracker, which recorded no reason"
    closes = CLOSING_OUTCOMES.get(AssessmentOutcome(outcome))
    if closes:
        assessment.closure_reason = str(closes)
        assessment.referral.closed_at, assessment.referral.closure_reason = noon(completed_on), str(closes)
    audit.record(actor, now, "authorise", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"{outcome} (tracker import review, completed {completed_on.isoformat()})")
