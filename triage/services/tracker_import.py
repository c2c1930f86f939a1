"""Bringing in the old Front Door spreadsheet: children by id, referrals and assessments on
the service's own clocks, row by row.

* **Import what is real, question what is doubtful.** The domain (`triage.domain.tracker`)
  rejects only rows that cannot be a case; every doubtful row it keeps is imported with its
  warnings and lands on the **review list** (`TrackerReviewItem`) for a manager. A completed
  row with no outcome is not authorised: its clocks stop on the completion date and the
  manager records the outcome from the review list.
* **Map before you import.** Every team, locality and worker name in the file is resolved to
  a team, a locality (the child's) or an account, or created, before a row is written: first
  by the mapping given with this import, then by a saved mapping, then automatically (same
  name; "... Locality" is a locality, never a team). `save_mapping` keeps the choices that
  differ from the automatic ones for later imports.
* **History is history.** Clocks start at the referral date. A clock already past its due
  time at the import is marked breached and its breach recorded once, at its due time, as
  history: the sweep never sees it as new, so nobody is notified per breach. The import ends
  with one summary notification to each active Front Door manager.

A row already imported (the same child id and referral date) is left as it is, except that
its allocation follows the current mapping and accounts (an audited change, "updated"),
unless someone has allocated it by hand since. Importing the same file twice changes
nothing. A dry run does everything and then rolls it all back, so its report says exactly
what a real import would do, in "would ..." words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import and_, delete, func, select, update

from triage.clock import LONDON, local_date
from triage.domain import tracker
from triage.domain.clocks import ClockKind, ClockState, end_of_day
from triage.domain.codes import AssessmentOutcome
from triage.domain.roles import Role
from triage.extensions import db
from triage.importing import TrackerFileError, read_rows
from triage.models import (
    Assessment,
    AuditEvent,
    CaseDiscussion,
    Child,
    Clock,
    ClockEvent,
    Locality,
    Notification,
    Referral,
    Team,
    TrackerNameMap,
    TrackerReviewItem,
    User,
)
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.cases import CLOSING_OUTCOMES, open_assessment
from triage.services.contacts import commit, had_referral_within_a_year, require
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.paging import Page

IMPORTERS = (Role.MANAGER, Role.ADMIN)
REVIEWERS = (Role.MANAGER,)
STATUSES = ("imported", "updated", "unchanged", "merged", "rejected")
WOULD = {"imported": "would import", "updated": "would update", "unchanged": "unchanged",
         "merged": "would merge", "rejected": "would reject"}
REVIEW_LINK = "/import/review"
CASE_WORKER_ROLES = (Role.PRACTITIONER.value, Role.MANAGER.value)


@dataclass
class RowResult:
    row_number: int
    status: str  # one of STATUSES
    messages: list[str] = field(default_factory=list)
    child_id: str | None = None
    review: tuple[str, ...] = ()
    overdue: bool = False  # a clock already past due when imported


@dataclass(frozen=True)
class NameChoice:
    """A team, locality or worker name found in the file, and what it stands for here."""

    column: str  # team or worker
    key: str
    name: str  # the preferred spelling in the file
    rows: int  # how many rows use it
    action: str  # tracker.MAP_ACTIONS key
    target_id: int | None  # the team, locality or account
    target_name: str | None  # its name (username for an account)
    source: str  # "this import", "saved" or "automatic"

    @property
    def value(self) -> str:
        """The choice as a form value: "team:3", "create-team", "none" ..."""
        return f"{self.action}:{self.target_id}" if self.target_id is not None else self.action

    @property
    def automatic(self) -> bool:
        return self.source == "automatic"


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    header_row: int
    rows: list[RowResult]
    names: list[NameChoice] = field(default_factory=list)
    notified_managers: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in STATUSES}

    def label(self, status: str) -> str:
        """The status in words that fit: "would import" in a dry run, never "imported"."""
        return WOULD[status] if self.dry_run else status

    @property
    def summary_text(self) -> str:
        return ", ".join(f"{n} {self.label(s)}" for s, n in self.summary.items())

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue and r.status == "imported")

    @property
    def for_review(self) -> int:
        return sum(1 for r in self.rows if r.review and r.status == "imported")


class _Words:
    """Messages that say what happened, or in a dry run what would."""

    def __init__(self, dry_run: bool):
        self.dry = dry_run

    def created(self, what: str) -> str:
        return f"Would create {what}" if self.dry else f"Created {what}"

    def did(self, done: str, would: str) -> str:
        return would if self.dry else done


def _noon(day: date) -> datetime:
    """A civil date from the spreadsheet as an instant: midday in London, clear of any clock change."""
    return datetime.combine(day, time(12), tzinfo=LONDON)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


# ---------------------------------------------------------------- mapping names

def read_mapping(source, filename: str | None = None) -> tuple[tracker.MappingEntry, ...]:
    """A mapping CSV (column,name,maps_to,target) as entries; `Invalid` naming what is wrong."""
    try:
        return tracker.parse_mapping(read_rows(source, filename))
    except (TrackerFileError, tracker.TrackerError) as exc:
        raise Invalid("The mapping could not be read", {"mapping": [str(exc)]}) from None


def _find(model, column, name: str | None):
    key = tracker.name_key(name)
    return next((m for m in db.session.scalars(select(model)) if tracker.name_key(getattr(m, column)) == key),
                None) if key else None


def _entry_choice(entry: tracker.MappingEntry) -> tuple[str, int | None, str | None]:
    """(action, target id, target name) for a mapping entry; Invalid if its target is unknown."""
    if entry.action in ("team", "locality"):
        found = _find(Team if entry.action == "team" else Locality, "name", entry.target)
        if found is None:
            raise Invalid(f"The mapping names a {entry.action} that does not exist",
                          {"mapping": [f"No {entry.action} '{entry.target}' (for '{entry.name}')"]})
        return entry.action, found.id, found.name
    if entry.action == "account":
        user = db.session.scalar(select(User).where(func.lower(User.username) == (entry.target or "").lower()))
        if user is None or not user.active or user.role not in CASE_WORKER_ROLES:
            raise Invalid("The mapping names an account that cannot hold cases",
                          {"mapping": [f"No active practitioner or manager with username '{entry.target}' "
                                       f"(for '{entry.name}')"]})
        return "account", user.id, user.username
    return entry.action, None, None


def _automatic(column: str, key: str, name: str, teams, localities, workers) -> tuple[str, int | None, str | None]:
    if column == "worker":
        user = workers.get(key)
        return ("account", user.id, user.username) if user else ("none", None, None)
    if key in teams:
        return "team", teams[key].id, teams[key].name
    if key in localities:
        return "locality", localities[key].id, localities[key].name
    return ("create-locality" if tracker.looks_like_locality(name) else "create-team"), None, None


def _lookups():
    teams = {tracker.name_key(t.name): t for t in db.session.scalars(select(Team))}
    localities = {tracker.name_key(loc.name): loc for loc in db.session.scalars(select(Locality))}
    workers = {tracker.name_key(u.display_name): u for u in db.session.scalars(
        select(User).where(User.role.in_(CASE_WORKER_ROLES), User.active.is_(True)).order_by(User.id))}
    return teams, localities, workers


def resolve_names(parsed: tracker.TrackerParse,
                  mapping: tuple[tracker.MappingEntry, ...] = ()) -> list[NameChoice]:
    """Every team and worker name in the parse, with what it will stand for."""
    teams, localities, workers = _lookups()
    given = {e.key: e for e in mapping}
    saved = {(m.column, m.name_key): m for m in db.session.scalars(select(TrackerNameMap))}
    counts: dict[tuple[str, str], int] = {}
    for row in parsed.rows:
        if row.team_key:
            counts[("team", row.team_key)] = counts.get(("team", row.team_key), 0) + 1
        if row.worker_key:
            counts[("worker", row.worker_key)] = counts.get(("worker", row.worker_key), 0) + 1
    spellings = {("team", k): v for k, v in parsed.teams.items()} | {("worker", k): v for k, v in parsed.workers.items()}
    choices = []
    for (column, key), rows in sorted(counts.items(), key=lambda kv: (kv[0][0] != "team", spellings[kv[0]].casefold())):
        name = spellings[(column, key)]
        if (column, key) in given:
            action, target_id, target_name = _entry_choice(given[(column, key)])
            source = "this import"
        elif (column, key) in saved:
            s = saved[(column, key)]
            target_id = s.team_id or s.locality_id or s.user_id
            target_name = (db.session.get(Team, s.team_id).name if s.team_id else
                           db.session.get(Locality, s.locality_id).name if s.locality_id else
                           db.session.get(User, s.user_id).username if s.user_id else None)
            action, source = s.action, "saved"
        else:
            action, target_id, target_name = _automatic(column, key, name, teams, localities, workers)
            source = "automatic"
        choices.append(NameChoice(column, key, name, rows, action, target_id, target_name, source))
    return choices


def parse_choice(column: str, name: str, value: str) -> tracker.MappingEntry:
    """A form value ("team:3", "account:7", "create-team", "none") as a mapping entry."""
    action, _, ident = value.partition(":")
    if action not in tracker.ACTIONS_FOR.get(column, ()):
        raise Invalid("The mapping needs correcting", {"mapping": [f"'{value}' is not a choice for '{name}'"]})
    target = None
    if action in ("team", "locality", "account"):
        model = {"team": Team, "locality": Locality, "account": User}[action]
        found = db.session.get(model, int(ident)) if ident.isdigit() else None
        if found is None:
            raise Invalid("The mapping needs correcting", {"mapping": [f"Unknown {action} for '{name}'"]})
        target = found.username if action == "account" else found.name
    return tracker.MappingEntry(column, name, action, target)


def save_mapping(actor: Actor, now: datetime, entries: tuple[tracker.MappingEntry, ...]) -> int:
    """Keep these choices for later imports: those that differ from what the import would choose
    by itself are saved (replacing any saved before); choosing the automatic one forgets it.
    Returns how many are saved now."""
    require(actor, IMPORTERS, "save the tracker mapping")
    teams, localities, workers = _lookups()
    for entry in entries:
        column, key = entry.key
        action, target_id, _ = _entry_choice(entry)
        db.session.execute(delete(TrackerNameMap).where(TrackerNameMap.column == column,
                                                        TrackerNameMap.name_key == key))
        if (action, target_id) == _automatic(column, key, entry.name, teams, localities, workers)[:2]:
            continue
        db.session.add(TrackerNameMap(
            column=column, name_key=key, name=entry.name[:120], action=action,
            team_id=target_id if action == "team" else None,
            locality_id=target_id if action == "locality" else None,
            user_id=target_id if action == "account" else None, updated_at=now, updated_by_id=actor.user_id))
        audit.record(actor, now, "update", "tracker_mapping", None, detail=f"{column} mapped to {action} {target_id or ''}")
    db.session.flush()
    saved = db.session.scalar(select(func.count(TrackerNameMap.id))) or 0
    db.session.commit()
    return saved


def mapping_options() -> dict[str, list[tuple[str, str]]]:
    """(form value, label) choices for a team-column name and for a worker name."""
    teams = [(f"team:{t.id}", f"Team: {t.name}") for t in db.session.scalars(select(Team).order_by(Team.name))]
    localities = [(f"locality:{loc.id}", f"Locality: {loc.name} (no team)")
                  for loc in db.session.scalars(select(Locality).order_by(Locality.name))]
    accounts = [(f"account:{u.id}", f"{u.display_name} ({u.username})") for u in db.session.scalars(
        select(User).where(User.role.in_(CASE_WORKER_ROLES), User.active.is_(True)).order_by(User.display_name))]
    return {"team": [*teams, *localities, ("create-team", "Create a team of this name"),
                     ("create-locality", "Create a locality of this name (no team)"), ("none", "Leave blank")],
            "worker": [*accounts, ("none", "No account: leave unallocated")]}


def saved_mapping() -> list[TrackerNameMap]:
    return list(db.session.scalars(select(TrackerNameMap).order_by(TrackerNameMap.column, TrackerNameMap.name_key)))


# ---------------------------------------------------------------- the import

class _Targets:
    """The teams, localities and accounts names resolve to; creates teams and localities once."""

    def __init__(self, choices: list[NameChoice], words: _Words):
        self.choices = {(c.column, c.key): c for c in choices}
        self.words = words
        self.created: dict[tuple[str, str], object] = {}

    def _create(self, choice: NameChoice, model, messages: list[str] | None):
        made = self.created.get((choice.column, choice.key))
        if made is None:
            made = _find(model, "name", choice.name)  # created by an earlier import under the same key
            if made is None:
                # Added to the import's transaction, not committed: a dry run leaves nothing behind.
                made = model(name=choice.name[:80] if model is Locality else choice.name[:120])
                db.session.add(made)
                db.session.flush()
                if messages is not None:
                    kind = "team" if model is Team else "locality"
                    messages.append(self.words.created(f"{kind} '{made.name}'"))
            self.created[(choice.column, choice.key)] = made
        return made

    def team_and_locality(self, key: str | None, messages: list[str] | None) -> tuple[int | None, int | None]:
        choice = self.choices.get(("team", key)) if key else None
        if choice is None or choice.action == "none":
            return None, None
        if choice.action == "team":
            return choice.target_id, None
        if choice.action == "locality":
            return None, choice.target_id
        if choice.action == "create-team":
            return self._create(choice, Team, messages).id, None
        return None, self._create(choice, Locality, messages).id

    def worker(self, key: str | None) -> int | None:
        choice = self.choices.get(("worker", key)) if key else None
        return choice.target_id if choice is not None and choice.action == "account" else None


def import_tracker(actor: Actor, now: datetime, source, filename: str | None = None,
                   dry_run: bool = False, mapping: tuple[tracker.MappingEntry, ...] = ()) -> ImportReport:
    require(actor, IMPORTERS, "import the tracker")
    try:
        parsed = tracker.parse_tracker(read_rows(source, filename), local_date(now))
    except (TrackerFileError, tracker.TrackerError) as exc:
        raise Invalid("The file could not be read as a tracker", {"file": [str(exc)]}) from None
    words = _Words(dry_run)
    names = resolve_names(parsed, mapping)
    targets = _Targets(names, words)
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
        results[row.row_number] = _import_row(actor, now, row, targets, words, hand_allocated)
    for merge in parsed.merges:
        if not merge.into_rejected and results[merge.into_row].status == "rejected":
            results[merge.row_number].messages.append(f"Row {merge.into_row} is rejected, so this row writes nothing")
    report = ImportReport(filename=filename or "file", dry_run=dry_run, header_row=parsed.header_row,
                          rows=[results[n] for n in sorted(results)], names=names)
    if dry_run:
        db.session.rollback()
        return report
    audit.record(actor, now, "import", "tracker", None,
                 detail=f"{filename or 'file'}: " + ", ".join(f"{n} {s}" for s, n in report.summary.items() if n))
    if report.count("imported") or report.count("updated"):
        report.notified_managers = _tell_managers(now, report)
    commit()
    return report


def _tell_managers(now: datetime, report: ImportReport) -> int:
    """One summary to each active Front Door manager: no notification per breach."""
    managers = list(db.session.scalars(select(User.id).where(User.role == Role.MANAGER.value,
                                                              User.active.is_(True))))
    message = (f"Tracker import: {report.count('imported')} cases imported, {report.overdue} already overdue "
               f"(recorded as history), {report.count('updated')} allocations updated; "
               f"{report.for_review} on the review list")
    db.session.add_all(Notification(user_id=m, clock_event_id=None, created_at=now, message=message[:300],
                                    link=REVIEW_LINK) for m in managers)
    return len(managers)


def _import_row(actor, now, row: tracker.TrackerRow, targets: _Targets, words: _Words,
                hand_allocated: set) -> RowResult:
    result = RowResult(row.row_number, "imported", list(row.warnings), row.child_id, row.review)
    referral = db.session.scalar(select(Referral).where(Referral.import_key == row.import_key))
    if referral is not None:
        result.review = ()
        _reallocate(actor, now, row, referral, targets, words, result, hand_allocated)
        return result
    _write_row(actor, now, row, targets, words, result)
    return result


def _reallocate(actor, now, row, referral: Referral, targets: _Targets, words: _Words, result: RowResult,
                hand_allocated: set) -> None:
    """A row imported before: follow the current mapping and accounts, unless allocated by hand since."""
    result.status, result.messages = "unchanged", ["Already imported"]
    if referral.closed_at is not None or referral.id in hand_allocated:
        return
    team_id, _ = targets.team_and_locality(row.team_key, result.messages)
    worker_id = targets.worker(row.worker_key)
    team_id = team_id or referral.team_id  # the import fills and corrects allocations, never empties one
    worker_id = worker_id or referral.worker_id
    if (team_id, worker_id) == (referral.team_id, referral.worker_id):
        return
    changes = []
    if team_id != referral.team_id:
        changes.append(f"team {db.session.get(Team, team_id).name}")
    if worker_id != referral.worker_id:
        changes.append(f"worker {db.session.get(User, worker_id).display_name}")
        referral.allocated_at = now
    referral.team_id, referral.worker_id = team_id, worker_id
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if assessment is not None:
        assessment.team_id, assessment.worker_id = team_id, worker_id
        discussions = select(CaseDiscussion.id).where(CaseDiscussion.assessment_id == assessment.id)
        db.session.execute(update(Clock).where(
            (and_(Clock.subject == "assessment", Clock.subject_id == assessment.id))
            | (and_(Clock.subject == "case_discussion", Clock.subject_id.in_(discussions))))
            .values(owner_id=worker_id, team_id=team_id))
    audit.record(actor, now, "allocate", "referral", referral.id, child_id=referral.child_id,
                 detail=f"tracker import: team {team_id}, worker {worker_id}")
    result.status = "updated"
    result.messages = [words.did("Allocation updated: ", "Would update the allocation: ") + ", ".join(changes)]


def _check_child(row: tracker.TrackerRow, result: RowResult) -> Child | None:
    """The existing child with this id (a disagreement is a warning for review); None if new."""
    child = db.session.scalar(select(Child).where(Child.council_child_id == row.child_id))
    if child is None:
        return None
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


def _fill_census_details(actor, now, row: tracker.TrackerRow, child: Child, words: _Words,
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


def _matched_before(actor, now, row: tracker.TrackerRow, words: _Words, result: RowResult) -> Child | None:
    """A row whose child id no child has, for the child an earlier import matched by name and
    date of birth when the tracker had no id: that child (only the service's own temporary id,
    imported cases, the same name and date of birth, the only one) gets the council's id,
    audited, rather than a second record."""
    if not (row.last_name and (row.date_of_birth or row.expected_date_of_birth)):
        return None
    child, problem = _match_child(row)
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


def _new_child(actor, now, row: tracker.TrackerRow, locality_id, words: _Words, result: RowResult) -> Child:
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


def _match_child(row: tracker.TrackerRow) -> tuple[Child | None, str | None]:
    """A row with no child id: the one child record with its name and date of birth, or why not."""
    born = (Child.date_of_birth == row.date_of_birth if row.date_of_birth
            else Child.expected_date_of_birth == row.expected_date_of_birth)
    found = [c for c in db.session.scalars(select(Child).where(born))
             if tracker.name_key(c.first_name) == tracker.name_key(row.first_name)
             and tracker.name_key(c.last_name) == tracker.name_key(row.last_name)]
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, ("No child id, and no child record has this name and date of birth: add the id to the "
                      "tracker and import again")
    return None, ("No child id, and more than one child record has this name and date of birth: add the id "
                  "to the tracker and import again")


def _write_row(actor, now, row: tracker.TrackerRow, targets: _Targets, words: _Words, result: RowResult) -> None:
    if row.child_id is None:
        existing, problem = _match_child(row)
        if problem:
            result.status, result.messages, result.review = "rejected", [problem], ()
            return
        result.messages = [m.replace("to be matched to", "matched to", 1) if m.startswith("No child id") else m
                           for m in result.messages]
    else:
        existing = _check_child(row, result) or _matched_before(actor, now, row, words, result)
    if existing is not None and db.session.scalar(select(Referral.id).where(
            Referral.child_id == existing.id, Referral.referral_date == row.referral_date,
            Referral.import_key.is_not(None))):
        # Imported before under another key (the tracker has gained the child's id since).
        gained = [m for m in result.messages if "an earlier import matched" in m]
        result.status, result.review = ("updated" if gained else "unchanged"), ()
        result.messages = [*gained, "Already imported for this child and date"]
        return
    team_id, locality_id = targets.team_and_locality(row.team_key, result.messages)
    child = existing or _new_child(actor, now, row, locality_id, words, result)
    if existing is not None and locality_id and existing.locality_id is None:
        existing.locality_id = locality_id
    if existing is not None:
        _fill_census_details(actor, now, row, existing, words, result)
    worker_id = targets.worker(row.worker_key)
    if row.worker_key and worker_id is None:
        result.messages.append(f"No account for worker '{row.worker}': "
                               + words.did("left unallocated", "would be left unallocated"))
    referral = Referral(child_id=child.id, referral_date=row.referral_date, outcome="assessment",
                        source_code=row.source_code.value if row.source_code else None,
                        is_re_referral=had_referral_within_a_year(child.id, row.referral_date),
                        created_at=now, team_id=team_id, worker_id=worker_id,
                        # Allocated in the tracker already, not news: dated when the work began.
                        allocated_at=_noon(row.assessment_start or row.referral_date) if worker_id else None,
                        import_key=row.import_key, primary_need=row.primary_need)
    db.session.add(referral)
    db.session.flush()
    assessment = open_assessment(now, referral, started_on=row.assessment_start,
                                 clocks_started_at=_start_of(row.referral_date))
    notes = row.notes
    if row.noted_completion:
        noted = f"The tracker gave the completion date {row.noted_completion:%d/%m/%Y}, not used: the case is open"
        notes = f"{notes} | {noted}" if notes else noted
    assessment.import_key, assessment.notes = row.import_key, notes
    if row.case_discussion_date and row.case_discussion_date <= local_date(now):
        first = assessment.case_discussions[0] if assessment.case_discussions else None
        if first is not None:
            first.held_on, first.recorded_at = row.case_discussion_date, now
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", first.id,
                              min(now, end_of_day(row.case_discussion_date)))
    if row.assessment_completed:
        completed = _noon(row.assessment_completed)
        if not row.needs_outcome:
            # Completed with an outcome (or transferred): authorised on the tracker's date.
            assessment.authorised_at, assessment.authorised_on = completed, row.assessment_completed
            assessment.outcome = row.outcome.value if row.outcome else None
            if row.assessment_completed > assessment.due_date:
                assessment.late_reason = "Completed late; imported from the tracker, which recorded no reason"
        # With no outcome it is not authorised: the work stopped the clocks on that date, and a
        # manager records the outcome from the review list.
        clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, completed)
        for discussion in assessment.case_discussions:
            if discussion.held_on is None:
                clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, completed)
    if row.census_closure_reason and not row.closure_reason and row.assessment_completed and not row.needs_outcome:
        # The tracker's closure reason column: closed on the completion date, as the outcome would.
        referral.closure_reason = assessment.closure_reason = row.census_closure_reason
        referral.closed_at, referral.closed_on = _noon(row.assessment_completed), row.assessment_completed
    elif row.census_closure_reason and row.closure_reason and row.census_closure_reason != row.closure_reason.value:
        result.messages.append(f"Closure reason {row.census_closure_reason} differs from the outcome's "
                               f"{row.closure_reason.value}: the outcome's used")
    if row.closure_reason:
        assessment.closure_reason = row.closure_reason.value
        referral.closure_reason = row.closure_reason.value
        referral.closed_at = _noon(row.assessment_completed) if row.assessment_completed else now
        referral.closed_on = row.assessment_completed or local_date(now)  # the census closure date
    if row.assessment_target_end and row.assessment_target_end != assessment.due_date:
        result.messages.append(f"The tracker's target end {row.assessment_target_end:%d/%m/%Y} differs from "
                               f"the 45th working day, {assessment.due_date:%d/%m/%Y}, which the service uses")
    result.overdue = _history(assessment, now)
    if result.overdue:
        result.messages.append(words.did("Already overdue: its breach is recorded as history, not notified",
                                         "Already overdue: its breach would be recorded as history, not notified"))
    if result.review:
        db.session.add(TrackerReviewItem(
            referral_id=referral.id, child_id=child.id, row_number=row.row_number, kinds=",".join(result.review),
            message="; ".join(m for m in result.messages if not m.startswith(("Created", "Would create"))),
            noted_completion=row.assessment_completed if row.needs_outcome else row.noted_completion,
            created_at=now))
        result.messages.append(words.did("On the review list", "Would go on the review list"))
    audit.record(actor, now, "create", "referral", referral.id, child_id=child.id, detail="tracker import")


def _history(assessment: Assessment, now: datetime) -> bool:
    """Mark this case's clocks as imported; a running clock already past due is breached, its
    breach recorded once at its due time (so the sweep, which records only what has no event
    yet, never notifies it). True when any was."""
    db.session.flush()
    subjects = [("assessment", assessment.id)] + [("case_discussion", d.id) for d in assessment.case_discussions]
    overdue = False
    for subject, subject_id in subjects:
        clock = db.session.scalar(select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id))
        if clock is None:
            continue
        clock.imported_at = now
        if clock.stopped_at is None and clock.due_at < now:
            clock.state, clock.breached_at = ClockState.BREACHED.value, clock.due_at
            # Recorded as of its due time: history, not news for the sweep or the next morning report.
            db.session.add(ClockEvent(clock_id=clock.id, kind=ClockState.BREACHED.value, at=clock.due_at,
                                      recorded_at=clock.due_at))
            overdue = True
    return overdue


def imported_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral).where(Referral.import_key.is_not(None))) or 0


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
    audit.record_shown(actor, now, "read", "tracker_review", ((i.id, i.child_id) for i in items),
                       detail="import review list")
    db.session.commit()
    return Page(items=items, total=total, page=page, per_page=per_page)


def open_review_count() -> int:
    return db.session.scalar(select(func.count(TrackerReviewItem.id)).where(TrackerReviewItem.resolved_at.is_(None))) or 0


def resolve_review(actor: Actor, now: datetime, item_id: int, outcome: str | None = None,
                   note: str | None = None) -> TrackerReviewItem:
    """A manager has looked at an imported case. Where the tracker gave a completion with no
    outcome, the outcome is needed: the assessment is then authorised on the tracker's date."""
    require(actor, REVIEWERS, "review imported cases: only a Front Door manager can")
    item = db.session.get(TrackerReviewItem, item_id)
    if item is None:
        raise NotFound(f"No review item {item_id}")
    if item.resolved_at is not None:
        raise Conflict("This item has already been reviewed")
    done = "reviewed"
    if "outcome_needed" in item.kind_list:
        if outcome not in AssessmentOutcome._value2member_map_:
            raise Invalid("The outcome is needed", {"outcome": [
                f"Choose one of: {', '.join(o.value for o in AssessmentOutcome)}"]})
        assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == item.referral_id))
        if assessment is None or assessment.authorised_at is not None:
            raise Conflict("This assessment is already authorised")
        completed_on = item.noted_completion or local_date(now)
        assessment.outcome = outcome
        assessment.authorised_at, assessment.authorised_on = _noon(completed_on), completed_on
        assessment.authorised_by_id = actor.user_id
        if completed_on > assessment.due_date and not assessment.late_reason:
            assessment.late_reason = "Completed late; imported from the tracker, which recorded no reason"
        closes = CLOSING_OUTCOMES.get(AssessmentOutcome(outcome))
        if closes:
            assessment.closure_reason = str(closes)
            assessment.referral.closed_at, assessment.referral.closure_reason = _noon(completed_on), str(closes)
        audit.record(actor, now, "authorise", "assessment", assessment.id, child_id=assessment.child_id,
                     detail=f"{outcome} (tracker import review, completed {completed_on.isoformat()})")
        done = f"outcome recorded: {outcome}"
    elif outcome:
        raise Invalid("This item needs no outcome", {"outcome": ["Leave the outcome empty"]})
    item.resolved_at, item.resolved_by_id = now, actor.user_id
    item.resolution = (f"{done}; {note.strip()}" if note and note.strip() else done)[:300]
    audit.record(actor, now, "review", "referral", item.referral_id, child_id=item.child_id, detail=done)
    commit()
    return item
