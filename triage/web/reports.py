"""The morning report as a page (print-friendly), CSV and an Excel workbook."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from markupsafe import Markup

from triage.auth import current_actor, roles_required
from triage.clock import local_date, utcnow
from triage.domain.trend_chart import trend_svg
from triage.services import morning_report, national_measures, report_audit, report_exports, report_privacy
from triage.services.errors import Invalid, NotFound
from triage.services.paging import Page

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _selection():
    """The date, version and filters asked for, checked; bad values are a 400 naming the field."""
    now = utcnow()
    errors = {}
    report_date = None
    try:
        report_date = morning_report.validate_report_date(request.args.get("date"), local_date(now))
    except Invalid as exc:
        errors.update(exc.errors)
    numbers = {}
    for field in ("version", "team_id", "locality_id", "page", "action_page"):
        raw = request.args.get(field) or None
        if raw is not None and not raw.isdigit():
            errors[field] = ["Must be a whole number"]
        numbers[field] = int(raw) if raw and raw.isdigit() else None
    if errors:
        raise Invalid("The report selection needs correcting", errors)
    return now, report_date, numbers


def _load(served_as: str | None, sections=report_audit.CHILD_SECTIONS):
    """The report as this reader may see it; each child in `sections` goes on the audit trail
    (served_as None: the caller audits what it shows)."""
    now, report_date, numbers = _selection()
    actor = current_actor()
    report = morning_report.get_report(actor, now, report_date, numbers["version"])
    content = report_privacy.for_reader(
        actor, morning_report.filtered(report.content, numbers["team_id"], numbers["locality_id"]))
    if served_as is not None:
        report_audit.record_shown(actor, now, report, content, served_as, sections)
    return report, content, numbers


@bp.get("/morning")
@roles_required(*morning_report.READERS)
def morning():
    try:
        report, content, numbers = _load(None)
    except NotFound as exc:
        _, report_date, _ = _selection()
        return render_template("reports/missing.html", message=exc.message, report_date=report_date,
                               history=morning_report.list_reports(current_actor())), 404
    # A council has thousands of open cases: the page shows them a page at a time, with counts
    # per team (each a link to that team's view); the downloads carry every row.
    cases = _page_of(content["allocated_cases"], numbers["page"])
    actions = _page_of(content["needs_action"], numbers["action_page"])
    # The trail records the children on this page of the report, not every page of it.
    report_audit.record_shown(current_actor(), utcnow(), report,
                              {**content, "allocated_cases": cases.items, "needs_action": actions.items}, "page")
    selection = {"date": report.report_date.isoformat(), "version": report.version,
                 "team_id": numbers["team_id"] or "", "locality_id": numbers["locality_id"] or ""}

    def page_url(n):
        return url_for("web.reports.morning", **selection, page=n, action_page=actions.page) + "#allocated-cases"

    def action_page_url(n):
        return url_for("web.reports.morning", **selection, page=cases.page, action_page=n) + "#needs-action"

    return render_template("reports/morning.html", report=report, content=content, filters=numbers,
                           chart=Markup(trend_svg(content["trend"])),
                           history=morning_report.list_reports(current_actor()),
                           sections=report_exports.SECTIONS, cases=cases, actions=actions, page_url=page_url,
                           action_page_url=action_page_url,
                           by_team=morning_report.cases_by_team(content["allocated_cases"]), selection=selection,
                           measures=national_measures.council_measures(utcnow()),
                           counting_note=national_measures.DFE_COUNTING_NOTE)


def _page_of(rows: list, page: int | None) -> Page:
    size = int(current_app.config.get("REPORT_PAGE_SIZE", 100))
    page = min(max(1, page or 1), max(1, -(-len(rows) // size)))
    return Page(items=rows[(page - 1) * size:page * size], total=len(rows), page=page, per_page=size)


@bp.post("/morning/build")
@roles_required(*morning_report.BUILDERS)
def build():
    report = morning_report.build_on_demand(current_actor(), utcnow())
    flash(f"Built version {report.version} of this morning's report")
    return redirect(url_for("web.reports.morning", date=report.report_date.isoformat(), version=report.version))


@bp.get("/morning.csv")
@roles_required(*morning_report.READERS)
def morning_csv():
    section = request.args.get("section", "allocated_cases")
    if section not in report_exports.SECTIONS:
        raise Invalid("Unknown section", {"section": [f"Choose one of: {', '.join(report_exports.SECTIONS)}"]})
    report, content, _ = _load("csv", (section,))
    name = f"front-door-{section.replace('_', '-')}-{report.report_date.isoformat()}-v{report.version}.csv"
    return Response(stream_with_context(report_exports.iter_csv(content, section)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/morning.xlsx")
@roles_required(*morning_report.READERS)
def morning_xlsx():
    report, content, _ = _load("xlsx")
    name = f"front-door-morning-report-{report.report_date.isoformat()}-v{report.version}.xlsx"
    return Response(stream_with_context(report_exports.iter_workbook(content)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
