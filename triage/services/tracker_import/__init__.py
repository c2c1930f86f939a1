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

The rooms: `results` (what a report says), `mapping` (names to teams, localities and
accounts), `children` (the child a row is about), `rows` (writing one row and its history),
`run` (one import, start to end) and `review` (the manager's review list).
"""
from __future__ import annotations

from triage.services.tracker_import.mapping import (
    mapping_options,
    parse_choice,
    read_mapping,
    resolve_names,
    save_mapping,
    saved_mapping,
)
from triage.services.tracker_import.results import (
    IMPORTERS,
    REVIEW_LINK,
    REVIEWERS,
    STATUSES,
    WOULD,
    ImportReport,
    NameChoice,
    RowResult,
)
from triage.services.tracker_import.review import ReviewView, open_review_count, resolve_review, review_list
from triage.services.tracker_import.rows import imported_count
from triage.services.tracker_import.run import import_tracker

__all__ = [
    "IMPORTERS", "REVIEWERS", "REVIEW_LINK", "STATUSES", "WOULD", "ImportReport", "NameChoice", "ReviewView",
    "RowResult", "import_tracker", "imported_count", "mapping_options", "open_review_count", "parse_choice",
    "read_mapping", "resolve_names", "resolve_review", "review_list", "save_mapping", "saved_mapping",
]
