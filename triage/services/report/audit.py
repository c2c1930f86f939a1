"""Who saw which children in the morning report: one audit row per child in what was served.

The stored report is immutable, but a reader sees it narrowed (team, locality, one section in a
CSV) and a download can leave the building, so each view or export records the children it
actually carried, marked as a read (page, JSON) or an export (CSV, workbook) with its format.
"""
from __future__ import annotations

from datetime import datetime

from triage.models import MorningReport
from triage.services import audit
from triage.services.actor import Actor

# The sections that name children, and where each row keeps them.
CHILD_SECTIONS = ("needs_action", "awaiting_decision", "allocated_cases", "strategy")
EXPORTS = ("csv", "xlsx")


def children_shown(content: dict, sections=CHILD_SECTIONS) -> list[int]:
    """Every child a served report (or some sections of it) names, once each, in report order."""
    found: dict[int, None] = {}
    for section in sections:
        for row in content.get(section, []):
            if row.get("child_id") is not None:
                found[row["child_id"]] = None
            for child in row.get("children", ()):
                found[child["child_id"]] = None
    return list(found)


def record_shown(actor: Actor, now: datetime, report: MorningReport, content: dict, served_as: str,
                 sections=CHILD_SECTIONS) -> None:
    """One audit row per child in what was served (after filters), in one statement; the
    caller's unit of work commits it.

    `served_as` is page or json (a read) or csv / xlsx (an export)."""
    action = "export" if served_as in EXPORTS else "read"
    scope = "" if tuple(sections) == CHILD_SECTIONS else f" {','.join(sections)}"
    audit.record_shown(actor, now, action, "morning_report",
                       [(report.id, child_id) for child_id in children_shown(content, sections)],
                       detail=f"{report.report_date.isoformat()} v{report.version} {served_as}{scope}")
