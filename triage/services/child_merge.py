"""Merging duplicate child records, and undoing a merge.

A Front Door manager compares the two records, chooses for each field that differs which record's
value to keep, and merges: every contact, referral, assessment, strategy discussion, clock,
handover to early help and import review item of the duplicate moves to the record kept, whose
chronology then holds both records' events. The duplicate stays as a tombstone that points at
the record kept, so old links and ids still lead somewhere. The audit trail is never rewritten: the kept record's trail reads
the duplicate's rows too. An administrator can undo a merge within `UNDO_DAYS`, which restores
both records' fields and moves back exactly the rows the merge moved.

A legal hold follows the records it protects: the duplicate's holds (standing or lifted) move to
the record kept with everything else, so the merged records stay protected without anyone
lifting a hold. Where both records already stand under a hold the merge is refused, naming the
duplicate's hold: two holds cannot both stand on one record, and which one ends is a records
manager's decision, not the merge's. An erased record is never merged, and a merge involving a
record erased since cannot be undone (its snapshots were erased with it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Assessment,
    Child,
    ChildMerge,
    Clock,
    ContactChild,
    Referral,
    RetentionErasure,
    RetentionHold,
    StepDown,
    StrategyDiscussion,
    TrackerReviewItem,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.children import EDITABLE
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work

MERGERS = (Role.MANAGER,)
UNDOERS = (Role.ADMIN,)
UNDO_DAYS = 30
# Each record's rows that belong to the child, by the table's name in `ChildMerge.moved`.
MOVED = {"contact_child": ContactChild, "referral": Referral, "assessment": Assessment,
         "strategy_discussion": StrategyDiscussion, "clock": Clock, "tracker_review_item": TrackerReviewItem,
         "retention_hold": RetentionHold, "step_down": StepDown}
# One record per value: a value taken from the duplicate leaves the duplicate first.
_UNIQUE = ("nhs_number", "council_child_id")


@dataclass(frozen=True)
class FieldChoice:
    field: str
    kept: object
    duplicate: object

    @property
    def suggested(self) -> str:
        """Which record's value the page offers first: the duplicate's only where the kept record has none."""
        return "duplicate" if self.kept in (None, "") else "kept"


@dataclass(frozen=True)
class Comparison:
    kept: Child
    duplicate: Child
    differing: tuple[FieldChoice, ...]


def _pair(kept_id: int, duplicate_id: int) -> tuple[Child, Child]:
    if kept_id == duplicate_id:
        raise Invalid("Choose another record to merge", {"duplicate_id": ["A record cannot be merged into itself"]})
    kept, duplicate = db.session.get(Child, kept_id), db.session.get(Child, duplicate_id)
    if kept is None:
        raise NotFound(f"No child record {kept_id}")
    if duplicate is None:
        raise Invalid("Choose another record to merge", {"duplicate_id": [f"No child record {duplicate_id}"]})
    for child in (kept, duplicate):
        if child.is_tombstone:
            raise Conflict(f"Record {child.id} has already been merged into record {child.merged_into_id}",
                           {"duplicate_id" if child is duplicate else "child": ["Already merged"]})
    erased = set(db.session.scalars(select(RetentionErasure.child_id)
                                    .where(RetentionErasure.child_id.in_((kept.id, duplicate.id)))))
    for child in (kept, duplicate):
        if child.id in erased:
            raise Conflict(f"Record {child.id}'s personal data has been erased: it cannot be merged",
                           {"duplicate_id" if child is duplicate else "child": ["Erased"]})
    return kept, duplicate


def _standing_holds(kept: Child, duplicate: Child) -> None:
    """Refuse a merge that would leave two legal holds standing on one record."""
    standing = dict(db.session.execute(select(RetentionHold.child_id, RetentionHold.id).where(
        RetentionHold.child_id.in_((kept.id, duplicate.id)), RetentionHold.lifted_at.is_(None))).all())
    if kept.id in standing and duplicate.id in standing:
        raise Conflict(f"Both records are under a legal hold: lift the duplicate's hold {standing[duplicate.id]} "
                       f"(or the kept record's hold {standing[kept.id]}) before merging",
                       {"duplicate_id": [f"Legal hold {standing[duplicate.id]} stands on record {duplicate.id}"]})


def compare(actor: Actor, now: datetime, kept_id: int, duplicate_id: int) -> Comparison:
    """Both records and the fields where they differ; reading them is on both children's trails."""
    require(actor, MERGERS, "merge child records")
    with unit_of_work("child record", keep_loaded=True):
        kept, duplicate = _pair(kept_id, duplicate_id)
        differing = tuple(FieldChoice(f, getattr(kept, f), getattr(duplicate, f)) for f in EDITABLE
                          if getattr(kept, f) != getattr(duplicate, f))
        audit.record_shown(actor, now, "read", "child", [(kept.id, kept.id), (duplicate.id, duplicate.id)],
                           detail="compared to merge")
    return Comparison(kept, duplicate, differing)


def _as_json(child: Child) -> str:
    return json.dumps({f: (v.isoformat() if isinstance(v, date) else v)
                       for f in EDITABLE for v in [getattr(child, f)]})


def _from_json(text: str) -> dict:
    values = json.loads(text)
    for f in ("date_of_birth", "expected_date_of_birth", "date_of_death"):
        if values.get(f):
            values[f] = date.fromisoformat(values[f])
    return values


def _shared_contacts(kept: Child, duplicate: Child) -> list[int]:
    mine = select(ContactChild.contact_id).where(ContactChild.child_id == kept.id)
    return list(db.session.scalars(select(ContactChild.contact_id).where(
        ContactChild.child_id == duplicate.id, ContactChild.contact_id.in_(mine)).order_by(ContactChild.contact_id)))


def _move(from_id: int, to_id: int, ids: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """Move rows from one child record to the other, set-based: every row (and return their ids),
    or, given `ids`, exactly those rows."""
    moved = {}
    for name, model in MOVED.items():
        chosen = ids.get(name, []) if ids is not None else list(
            db.session.scalars(select(model.id).where(model.child_id == from_id).order_by(model.id)))
        if chosen:
            db.session.execute(update(model).where(model.id.in_(chosen), model.child_id == from_id)
                               .values(child_id=to_id).execution_options(synchronize_session=False))
        moved[name] = chosen
    return moved


def merge(actor: Actor, now: datetime, kept_id: int, duplicate_id: int, version: int,
          take: frozenset[str] = frozenset()) -> ChildMerge:
    """Fold the duplicate into the kept record, taking from the duplicate the fields in `take`."""
    require(actor, MERGERS, "merge child records")
    unknown = sorted(set(take) - set(EDITABLE))
    if unknown:
        raise Invalid("The fields to take need correcting", {"take": [f"Not a field of a child record: {', '.join(unknown)}"]})
    with unit_of_work("child record"):
        kept, duplicate = _pair(kept_id, duplicate_id)
        check_version(kept, version, "child record")
        shared = _shared_contacts(kept, duplicate)
        if shared:
            raise Conflict("Both records are named on the same contact, so they cannot be merged as they are",
                           {"duplicate_id": [f"Both named on contact {', '.join(map(str, shared))}"]})
        _standing_holds(kept, duplicate)
        record = ChildMerge(kept_id=kept.id, duplicate_id=duplicate.id, merged_at=now, merged_by_id=actor.user_id,
                            kept_before=_as_json(kept), duplicate_before=_as_json(duplicate),
                            taken=",".join(f for f in EDITABLE if f in take), moved="{}")
        _take_fields(kept, duplicate, take)
        record.moved = json.dumps(_move(duplicate.id, kept.id))
        duplicate.merged_into_id, duplicate.merged_at, duplicate.updated_at = kept.id, now, now
        kept.updated_at = now
        db.session.add(record)
        db.session.flush()
        audit.record(actor, now, "merge", "child", kept.id, child_id=kept.id,
                     detail=f"record {duplicate.id} merged in" + (f"; took {record.taken}" if record.taken else ""))
        audit.record(actor, now, "merge", "child", duplicate.id, child_id=duplicate.id,
                     detail=f"merged into record {kept.id}")
    return record


def _take_fields(kept: Child, duplicate: Child, take: frozenset[str]) -> None:
    """The chosen values onto the kept record. A unique value leaves the duplicate first, and an
    NHS number always does: the same NHS number is the same child, so intake finds the kept record."""
    for f in _UNIQUE:
        if f in take or (f == "nhs_number" and getattr(duplicate, f) and not getattr(kept, f)):
            take = take | {f}
    leaving = {f: getattr(duplicate, f) for f in _UNIQUE if f in take}
    for f in leaving:
        setattr(duplicate, f, None)
    db.session.flush()
    for f in EDITABLE:
        if f in take:
            setattr(kept, f, leaving.get(f, getattr(duplicate, f)))


def undo(actor: Actor, now: datetime, merge_id: int) -> ChildMerge:
    """Restore both records as they were and move back what the merge moved."""
    require(actor, UNDOERS, "undo a merge of child records")
    with unit_of_work("child record"):
        record = db.session.get(ChildMerge, merge_id)
        if record is None:
            raise NotFound(f"No merge {merge_id}")
        if record.undone_at is not None:
            raise Conflict("This merge has already been undone")
        erased = db.session.scalar(select(RetentionErasure.child_id).where(
            RetentionErasure.child_id.in_((record.kept_id, record.duplicate_id))).limit(1))
        if erased is not None:
            raise Conflict(f"Record {erased}'s personal data has been erased since the merge, so it cannot be "
                           "undone", {"merge_id": ["Erased since the merge"]})
        if now - record.merged_at > timedelta(days=UNDO_DAYS):
            raise Conflict(f"A merge can be undone within {UNDO_DAYS} days; this one was made on "
                           f"{record.merged_at:%d/%m/%Y}")
        kept, duplicate = db.session.get(Child, record.kept_id), db.session.get(Child, record.duplicate_id)
        _move(kept.id, duplicate.id, json.loads(record.moved))
        for child, before in ((kept, record.kept_before), (duplicate, record.duplicate_before)):
            for f, value in _from_json(before).items():
                setattr(child, f, value)
            db.session.flush()  # the kept record gives a unique value back before the duplicate has it again
        duplicate.merged_into_id = duplicate.merged_at = None
        kept.updated_at = duplicate.updated_at = now
        record.undone_at, record.undone_by_id = now, actor.user_id
        audit.record(actor, now, "unmerge", "child", kept.id, child_id=kept.id,
                     detail=f"record {duplicate.id} restored (merge {record.id} undone)")
        audit.record(actor, now, "unmerge", "child", duplicate.id, child_id=duplicate.id,
                     detail=f"restored from record {kept.id} (merge {record.id} undone)")
    return record


def merged_into(child_id: int) -> list[int]:
    """The records merged into this one (and not undone): their audit rows are this child's too."""
    return list(db.session.scalars(select(ChildMerge.duplicate_id).where(
        ChildMerge.kept_id == child_id, ChildMerge.undone_at.is_(None)).order_by(ChildMerge.id)))


def undoable(actor: Actor, now: datetime, page: int = 1, per_page: int = 50) -> tuple[list[ChildMerge], int]:
    """Merges an administrator can still undo, newest first."""
    require(actor, UNDOERS, "undo a merge of child records")
    condition = (ChildMerge.undone_at.is_(None), ChildMerge.merged_at >= now - timedelta(days=UNDO_DAYS))
    total = db.session.scalar(select(func.count(ChildMerge.id)).where(*condition)) or 0
    rows = list(db.session.scalars(select(ChildMerge).where(*condition).order_by(ChildMerge.id.desc())
                                   .limit(per_page).offset((max(1, page) - 1) * per_page)))
    return rows, total


def record_id_for(text: str) -> int | None:
    """A child record named as a person would: its number, or the council's child id."""
    text = (text or "").strip()
    if text.isdigit() and db.session.get(Child, int(text)) is not None:
        return int(text)
    return db.session.scalar(select(Child.id).where(Child.council_child_id == text.upper())) if text else None
