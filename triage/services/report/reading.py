"""Reading a stored morning report: the one way any page, download or API serves it.

`read_report` finds the report, narrows it to a team or locality, withholds children's names
from a reader whose work is measures rather than casework, and puts each child it serves on the
audit trail, in that order and in one place, so no edge can serve a report that skipped a step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import MorningReport
from triage.services.actor import Actor
from triage.services.errors import Invalid, NotFound
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.report import audit, privacy
from triage.services.unit_of_work import unit_of_work

READERS = (Role.MANAGER, Role.PERFORMANCE)
READING = "read the morning report"
# The sections served a page at a time on the report page, and the query argument of each.
PAGED = {"allocated_cases": "page", "needs_action": "action_page"}

# What a list of reports shows. Never the content: a stored report is megabytes, and loading
# every one made the report page and the history API slower with each morning kept.
LISTED = (MorningReport.id, MorningReport.report_date, MorningReport.version, MorningReport.built_at,
          MorningReport.trigger, MorningReport.built_by)


@dataclass(frozen=True)
class ServedReport:
    """A report as one reader may see it: narrowed, names withheld where they must be, audited.

    `text` is the stored JSON text itself when that is exactly what this reader may see (the
    whole report, names and all), so it can be sent without being encoded again; else None.
    `pages` holds the page of each long section served when the caller asked for pages.
    """

    id: int
    report_date: date
    version: int
    built_at: datetime
    trigger: str
    built_by: str
    content: dict
    text: str | None = None
    pages: dict[str, Page] | None = None


def read_report(actor: Actor, now: datetime, report_date: date, version: int | None = None,
                team_id: int | None = None, locality_id: int | None = None, *, served_as: str = "json",
                sections=audit.CHILD_SECTIONS, pages: dict[str, int | None] | None = None,
                page_size: int = 100) -> ServedReport:
    """A morning's report (the latest build unless `version`), as this reader may see it.

    `served_as` is page or json (a read) or csv / xlsx (an export); the children in `sections`
    go on the audit trail. With `pages` (section -> page number, for the sections in PAGED) only
    those pages of those sections are audited: what a page of the report showed.
    """
    require(actor, READERS, READING)
    with unit_of_work("morning report", keep_loaded=True):
        report = _stored(report_date, version)
        whole = not team_id and not locality_id and privacy.sees_names(actor)
        content = privacy.for_reader(actor, filtered(report.content, team_id, locality_id))
        paged = None if pages is None else {
            section: page_of(content.get(section, []), pages.get(section), page_size) for section in PAGED}
        shown = content if paged is None else {**content, **{s: p.items for s, p in paged.items()}}
        audit.record_shown(actor, now, report, shown, served_as, sections)
    return ServedReport(id=report.id, report_date=report.report_date, version=report.version,
                        built_at=report.built_at, trigger=report.trigger, built_by=report.built_by,
                        content=content, text=report.body if whole else None, pages=paged)


def _stored(report_date: date, version: int | None) -> MorningReport:
    query = select(MorningReport).where(MorningReport.report_date == report_date)
    query = query.where(MorningReport.version == version) if version else query.order_by(MorningReport.version.desc())
    report = db.session.scalars(query.limit(1)).first()
    if report is None:
        raise NotFound(f"No morning report for {report_date:%-d %B %Y}" + (f" version {version}" if version else ""))
    return report


def page_of(rows: list, page: int | None, size: int) -> Page:
    """One page of a section's rows; a page past the end is the last page."""
    size = max(1, size)
    page = min(max(1, page or 1), max(1, -(-len(rows) // size)))
    return Page(items=rows[(page - 1) * size:page * size], total=len(rows), page=page, per_page=size)


def list_reports(actor: Actor, limit: int = 60) -> list:
    """Past reports, newest first: rows of LISTED columns only, whatever the number stored."""
    require(actor, READERS, READING)
    return list(db.session.execute(
        select(*LISTED).order_by(MorningReport.report_date.desc(), MorningReport.version.desc())
        .limit(limit)))


def filtered(content: dict, team_id: int | None = None, locality_id: int | None = None) -> dict:
    """The same report with its case lists narrowed to a team and/or locality (measures stay whole)."""
    if not team_id and not locality_id:
        return content

    def keep(row: dict) -> bool:
        return ((not team_id or row.get("team_id") == team_id)
                and (not locality_id or row.get("locality_id") == locality_id))

    narrowed = dict(content)
    for section in ("needs_action", "awaiting_decision", "allocated_cases", "strategy"):
        narrowed[section] = [row for row in content.get(section, []) if keep(row)]
    narrowed["caseload"] = [row for row in content.get("caseload", []) if not team_id or row["team_id"] == team_id]
    narrowed["filters"] = {"team_id": team_id, "locality_id": locality_id}
    return narrowed


def cases_by_team(cases: list[dict]) -> list[dict]:
    """Open cases per team with how many are overdue or due soon, for the page's summary."""
    teams: dict = {}
    for row in cases:
        entry = teams.setdefault(row["team_id"], {"team_id": row["team_id"], "team": row["team"] or "Unallocated",
                                                  "cases": 0, "overdue": 0, "due_soon": 0})
        entry["cases"] += 1
        entry["overdue"] += row["status"] == "Overdue"
        entry["due_soon"] += row["status"] == "Due soon"
    return sorted(teams.values(), key=lambda t: (t["team_id"] is None, t["team"]))


def validate_report_date(value: str | None, today: date) -> date:
    """The date asked for (today if none), or a 422 naming the field."""
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("Give the date as YYYY-MM-DD", {"date": ["Give the date as YYYY-MM-DD"]}) from None
