"""The morning report as a page (print-friendly), CSV and an Excel workbook."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from markupsafe import Markup

from triage.auth import current_actor, roles_required
from triage.clock import local_date, utcnow
from triage.domain.report import chronology_path, record_path
from triage.domain.trend_chart import trend_svg
from triage.services import national_measures
from triage.services.errors import Invalid, NotFound
from triage.services.report import exports
from triage.services.report.build import BUILDERS, build_on_demand
from triage.services.report.reading import (
    PAGED,
    READERS,
    cases_by_team,
    list_reports,
    read_report,
    validate_report_date,
)
from triage.settings import report_settings

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _selection():
    """The date, version and filters asked for, checked; bad values are a 422 naming the field."""
    now = utcnow()
    errors = {}
    report_date = None
    try:
        report_date = validate_report_date(request.args.get("date"), local_date(now))
    except Invalid as exc:
        errors.update(exc.errors)
    numbers = {}
    for field in ("version", "team_id", "locality_id", *PAGED.values()):
        raw = request.args.get(field) or None
        if raw is not None and not raw.isdigit():
            errors[field] = ["Must be a whole number"]
        numbers[field] = int(raw) if raw and raw.isdigit() else None
    if errors:
        raise Invalid("The report selection needs correcting", errors)
    return now, report_date, numbers


def _read(served_as: str, **how):
    now, report_date, numbers = _selection()
    served = read_report(current_actor(), now, report_date, numbers["version"], numbers["team_id"],
                         numbers["locality_id"], served_as=served_as, **how)
    return served, numbers


@bp.get("/morning")
@roles_required(*READERS)
def morning():
    # A council has thousands of open cases: the page shows them a page at a time, with counts
    # per team (each a link to that team's view); the downloads carry every row. The trail
    # records the children on this page of the report, not every page of it.
    _, report_date, numbers = _selection()
    try:
        served, numbers = _read("page", pages={section: numbers[arg] for section, arg in PAGED.items()},
                                page_size=report_settings().page_size)
    except NotFound as exc:
        return render_template("reports/missing.html", message=exc.message, report_date=report_date,
                               history=list_reports(current_actor())), 404
    content = served.content
    cases, actions = served.pages["allocated_cases"], served.pages["needs_action"]
    selection = {"date": served.report_date.isoformat(), "version": served.version,
                 "team_id": numbers["team_id"] or "", "locality_id": numbers["locality_id"] or ""}

    def page_url(n):
        return url_for("web.reports.morning", **selection, page=n, action_page=actions.page) + "#allocated-cases"

    def action_page_url(n):
        return url_for("web.reports.morning", **selection, page=cases.page, action_page=n) + "#needs-action"

    return render_template("reports/morning.html", report=served, content=content, filters=numbers,
                           record_path=record_path, chronology_path=chronology_path,
                           chart=Markup(trend_svg(content["trend"])),
                           history=list_reports(current_actor()),
                           sections=exports.SECTIONS, cases=cases, actions=actions, page_url=page_url,
                           action_page_url=action_page_url,
                           by_team=cases_by_team(content["allocated_cases"]), selection=selection,
                           measures=national_measures.council_measures(utcnow()),
                           counting_note=national_measures.DFE_COUNTING_NOTE)


@bp.post("/morning/build")
@roles_required(*BUILDERS)
def build():
    report = build_on_demand(current_actor(), utcnow())
    flash(f"Built version {report.version} of this morning's report")
    return redirect(url_for("web.reports.morning", date=report.report_date.isoformat(), version=report.version))


@bp.get("/morning.csv")
@roles_required(*READERS)
def morning_csv():
    section = request.args.get("section", "allocated_cases")
    if section not in exports.SECTIONS:
        raise Invalid("Unknown section", {"section": [f"Choose one of: {', '.join(exports.SECTIONS)}"]})
    served, _ = _read("csv", sections=(section,))
    name = f"front-door-{section.replace('_', '-')}-{served.report_date.isoformat()}-v{served.version}.csv"
    return Response(stream_with_context(exports.iter_csv(served.content, section, request.host_url)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/morning.xlsx")
@roles_required(*READERS)
def morning_xlsx():
    served, _ = _read("xlsx")
    name = f"front-door-morning-report-{served.report_date.isoformat()}-v{served.version}.xlsx"
    return Response(stream_with_context(exports.iter_workbook(served.content, request.host_url)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
