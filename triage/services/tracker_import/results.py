"""What an import says it did (or would do), row by row and in sum."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from triage.clock import LONDON
from triage.domain.roles import Role

IMPORTERS = (Role.MANAGER, Role.ADMIN)
REVIEWERS = (Role.MANAGER,)
STATUSES = ("imported", "updated", "unchanged", "merged", "rejected")
WOULD = {"imported": "would import", "updated": "would update", "unchanged": "unchanged",
         "merged": "would merge", "rejected": "would reject"}
REVIEW_LINK = "/import/review"
CASE_WORKER_ROLES = (Role.PRACTITIONER, Role.MANAGER)


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


class Words:
    """Messages that say what happened, or in a dry run what would."""

    def __init__(self, dry_run: bool):
        self.dry = dry_run

    def created(self, what: str) -> str:
        return f"Would create {what}" if self.dry else f"Created {what}"

    def did(self, done: str, would: str) -> str:
        return would if self.dry else done


def noon(day: date) -> datetime:
    """A civil date from the spreadsheet as an instant: midday in London, clear of any clock change."""
    return datetime.combine(day, time(12), tzinfo=LONDON)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


