"""One import from start to end: read, map, write every row, tell the managers; a dry run rolls back."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from triage.clock import local_date
from triage.domain import tracker
from triage.domain.roles import Role
from triage.extensions import db
from triage.importing import TrackerFileError, read_rows
from triage.models import AuditEvent, Notification, Referral, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Invalid
from triage.services.guards import require
from triage.services.tracker_import.mapping import Targets, resolve_names
from triage.services.tracker_import.results import IMPORTERS, REVIEW_LINK, ImportReport, RowResult, Words
from triage.services.tracker_import.rows import import_row
from triage.services.unit_of_work import unit_of_work


class _DryRunDone(Exception):
    """Ends a dry run inside its unit of work, so that everything it wrote is rolled back."""

    def __init__(self, report: ImportReport):
        super().__init__("dry run")
        self.report = report


def import_tracker(actor: Actor, now: datetime, source, filename: str | None = None,
                   dry_run: bool = False, mapping: tuple[tracker.MappingEntry, ...] = ()) -> ImportReport:
    require(actor, IMPORTERS, "import the tracker")
    try:
        parsed = tracker.parse_tracker(read_rows(source, filename), local_date(now))
    except (TrackerFileError, tracker.TrackerError) as exc:
        raise Invalid("The file could not be read as a tracker", {"file": [str(exc)]}) from None
    try:
        with unit_of_work("imported case"):
            report = _write(actor, now, parsed, filename, dry_run, mapping)
            if dry_run:
                # A dry run does everything a real one would, then leaves nothing behind.
                raise _DryRunDone(report)
            audit.record(actor, now, "import", "tracker", None,
                         detail=f"{filename or 'file'}: "
                         + ", ".join(f"{n} {s}" for s, n in report.summary.items() if n))
            if report.count("imported") or report.count("updated"):
                report.notified_managers = _tell_managers(now, report)
    except _DryRunDone as done:
        return done.report
    return report


def _write(actor: Actor, now: datetime, parsed: tracker.TrackerParse, filename: str | None, dry_run: bool,
           mapping: tuple[tracker.MappingEntry, ...]) -> ImportReport:
    """Every row written (or rejected, or merged), and the report that says so."""
    words = Words(dry_run)
    names = resolve_names(parsed, mapping)
    targets = Targets(names, words)
    hand_allocated = set(db.session.scalars(
        select(AuditEvent.entity_id).join(Referral, Referral.id == AuditEvent.entity_id)
        .where(AuditEvent.entity == "referral", AuditEvent.action == "allocate", Referral.import_key.is_not(None),
               ~func.coalesce(AuditEvent.detail, "").like("tracker import%"))))
    results = {s.row_number: RowResult(s.row_number, "merged" if s.status == "merged" else "rejected",
                                       list(s.messages))
               for s in parsed.statuses() if s.status != "ok"}
    if dry_run:
        for result in results.values():
            result.messages = [m.replace("Merged", "Would merge", 1) if m.startswith("Merged") else m
                               for m in result.messages]
    for row in parsed.rows:
        results[row.row_number] = import_row(actor, now, row, targets, words, hand_allocated)
    for merge in parsed.merges:
        if not merge.into_rejected and results[merge.into_row].status == "rejected":
            results[merge.row_number].messages.append(f"Row {merge.into_row} is rejected, so this row writes nothing")
    return ImportReport(filename=filename or "file", dry_run=dry_run, header_row=parsed.header_row,
                        rows=[results[n] for n in sorted(results)], names=names)


def _tell_managers(now: datetime, report: ImportReport) -> int:
    """One summary to each active Front Door manager: no notification per breach."""
    managers = list(db.session.scalars(select(User.id).where(User.role == Role.MANAGER,
                                                              User.active.is_(True))))
    message = (f"Tracker import: {report.count('imported')} cases imported, {report.overdue} already overdue "
               f"(recorded as history), {report.count('updated')} allocations updated; "
               f"{report.for_review} on the review list")
    db.session.add_all(Notification(user_id=m, clock_event_id=None, created_at=now, message=message[:300],
                                    link=REVIEW_LINK) for m in managers)
    return len(managers)


