"""Finding or creating the child a tracker row is about, and filling census details the record lacks."""
from __future__ import annotations

import re

from sqlalchemy import select

from triage.domain import tracker
from triage.extensions import db
from triage.models import Child, Referral
from triage.services import audit
from triage.services.tracker_import.results import RowResult, Words


def check_child(row: tracker.TrackerRow, result: RowResult) -> Child | None:
    """The existing child with this id (a disagreement is a warning for review); None if new."""
    child = db.session.scalar(select(Child).where(Child.council_child_id == row.child_id))
    if child is None:
        return None
    if child.is_tombstone:  # a duplicate merged away keeps its id: the row is the kept record's
        child = db.session.get(Child, child.merged_into_id)
    differs = []
    # Not the recorded values themselves: an importer may not be allowed to read child records.
    if row.date_of_birth and child.date_of_birth and row.date_of_birth != child.date_of_birth:
        differs.append("date of birth")
    if row.last_name and tracker.name_key(row.last_name) != tracker.name_key(child.last_name):
        differs.append("surname")
    if differs:
        result.messages.append(f"Child id {row.child_id} belongs to a child with a different "
                               f"{' and '.join(differs)}: imported for that child; check it is the right one")
        result.review = tuple(k for k in tracker.REVIEW_KINDS if k in {*result.review, "child_details"} - {"other"})
    return child


_CENSUS_DETAILS = (("sex", "sex"), ("ethnicity", "ethnicity"), ("disabilities", "disability"), ("upn", "UPN"),
                   ("upn_unknown_reason", "UPN unknown reason"))


def fill_census_details(actor, now, row: tracker.TrackerRow, child: Child, words: Words,
                         result: RowResult) -> None:
    """A known child: the tracker fills census details the record lacks and never overwrites one.
    Where it disagrees, the record is kept and the row says so (not the recorded value: an
    importer may not be allowed to read child records)."""
    filled, differs = [], []
    for name, label in _CENSUS_DETAILS:
        given, recorded = getattr(row, name), getattr(child, name)
        if given is None or given == recorded:
            continue
        if recorded is None or (name == "sex" and recorded == "unknown"):
            if name == "upn_unknown_reason" and child.upn:
                continue  # a UPN already recorded needs no reason for lacking one
            setattr(child, name, given)
            filled.append(label)
        else:
            differs.append(label)
    if filled:
        child.updated_at = now
        audit.record(actor, now, "update", "child", child.id, child_id=child.id,
                     detail="tracker import: " + ", ".join(filled))
        result.messages.append(words.did("Added to the child record: ", "Would add to the child record: ")
                               + ", ".join(filled))
    if differs:
        result.messages.append("The tracker's " + " and ".join(differs) + " differ from the child record: the "
                               "record kept")


def matched_before(actor, now, row: tracker.TrackerRow, words: Words, result: RowResult) -> Child | None:
    """A row whose child id no child has, for the child an earlier import matched by name and
    date of birth when the tracker had no id: that child (only the service's own temporary id,
    imported cases, the same name and date of birth, the only one) gets the council's id,
    audited, rather than a second record."""
    if not (row.last_name and (row.date_of_birth or row.expected_date_of_birth)):
        return None
    child, problem = match_child(row)
    if problem or not _service_made_id(child.council_child_id) or not db.session.scalar(
            select(Referral.id).where(Referral.child_id == child.id, Referral.import_key.is_not(None)).limit(1)):
        return None
    child.council_child_id, child.updated_at = row.child_id, now
    audit.record(actor, now, "update", "child", child.id, child_id=child.id,
                 detail="tracker import: council child id recorded in place of the service's temporary id")
    result.messages.append(words.did(
        f"Child id {row.child_id} recorded on the child an earlier import matched by name and date of birth",
        f"Would record child id {row.child_id} on the child an earlier import matched by name and date of birth"))
    return child


def _service_made_id(council_child_id: str | None) -> bool:
    """No council id yet: none, or the "T" and record number the database gives (migration 0010)."""
    return council_child_id is None or re.fullmatch(r"T\d{7,}", council_child_id) is not None


def new_child(actor, now, row: tracker.TrackerRow, locality_id, words: Words, result: RowResult) -> Child:
    first, last = row.first_name or "", row.last_name or ""
    if not (first and last):
        result.messages.append("No name for a child this service does not know yet: recorded as 'Not known'")
        result.review = tuple(k for k in tracker.REVIEW_KINDS if k in {*result.review, "child_details"} - {"other"})
        first, last = first or "Not known", last or "Not known"
    if not (row.date_of_birth or row.expected_date_of_birth or row.unborn):
        result.messages.append("No date of birth for a child this service does not know yet: left blank")
        result.review = tuple(k for k in tracker.REVIEW_KINDS if k in {*result.review, "child_details"} - {"other"})
    child = Child(council_child_id=row.child_id, first_name=first, last_name=last,
                  date_of_birth=row.date_of_birth, expected_date_of_birth=row.expected_date_of_birth,
                  locality_id=locality_id, sex=row.sex or "unknown", ethnicity=row.ethnicity,
                  disabilities=row.disabilities, upn=row.upn, upn_unknown_reason=row.upn_unknown_reason,
                  created_at=now, updated_at=now)
    db.session.add(child)
    db.session.flush()
    audit.record(actor, now, "create", "child", child.id, child_id=child.id, detail="tracker import")
    result.messages.append(words.created("a new child record"))
    return child


def match_child(row: tracker.TrackerRow) -> tuple[Child | None, str | None]:
    """A row with no child id: the one child record with its name and date of birth, or why not."""
    born = (Child.date_of_birth == row.date_of_birth if row.date_of_birth
            else Child.expected_date_of_birth == row.expected_date_of_birth)
    found = [c for c in db.session.scalars(select(Child).where(born, Child.merged_into_id.is_(None)))
             if tracker.name_key(c.first_name) == tracker.name_key(row.first_name)
             and tracker.name_key(c.last_name) == tracker.name_key(row.last_name)]
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, ("No child id, and no child record has this name and date of birth: add the id to the "
                      "tracker and import again")
    return None, ("No child id, and more than one child record has this name and date of birth: add the id "
                  "to the tracker and import again")


