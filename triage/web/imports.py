"""Uploading the old tracker spreadsheet (managers and administrators): names mapped before
anything is written, a check first, and the review list of doubtful imported cases."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import AssessmentOutcome
from triage.domain.roles import Role
from triage.importing import held
from triage.services import tracker_import
from triage.services.errors import Conflict, Invalid
from triage.web.forms import attach_service_errors

bp = Blueprint("imports", __name__, url_prefix="/import")
MAX_UPLOAD = 5 * 1024 * 1024
PER_PAGE = 50


class TrackerForm(FlaskForm):
    file = FileField("The tracker spreadsheet (CSV or Excel .xlsx)")
    # The file checked before, kept on the server for this user (importing.held): no second upload.
    upload = HiddenField()
    dry_run = BooleanField("Check only: show what would happen without importing anything", default=True)
    save_mapping = BooleanField("Save these choices for the next import", default=True)


def _mapping_from_form() -> tuple:
    """The names' choices posted with the file: map-<column>-<key> = "team:3", "create-team" ..."""
    entries = []
    for field, value in request.form.items():
        column, _, key = field.removeprefix("map-").partition("-")
        if field.startswith("map-") and key and value:
            name = request.form.get(f"name-{column}-{key}") or key
            entries.append(tracker_import.parse_choice(column, name, value))
    return tuple(entries)


def _page(form, report=None, status=200, problems=()):
    return render_template("imports/tracker.html", form=form, report=report, problems=problems,
                           keep_hours=int(held.KEEP.total_seconds() // 3600),
                           options=tracker_import.mapping_options() if report else None,
                           saved=len(tracker_import.saved_mapping()),
                           can_review=current_actor().has_role(*tracker_import.REVIEWERS),
                           open_review=tracker_import.open_review_count()), status


@bp.route("/tracker", methods=["GET", "POST"])
@roles_required(*tracker_import.IMPORTERS)
def tracker():
    form = TrackerForm()
    actor, now, dry_run = current_actor(), utcnow(), bool(form.dry_run.data)
    folder, token = current_app.instance_path, form.upload.data or None
    held.purge(folder, now)  # every visit drops kept files older than held.KEEP
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    upload = form.file.data
    if upload:  # a file chosen now replaces any kept before
        data, filename = upload.read(MAX_UPLOAD + 1), upload.filename
        if len(data) > MAX_UPLOAD:
            form.file.errors = ["The file is larger than 5 MB"]
            return _page(form, status=400)
        held.drop(folder, token)
        token = None
    else:
        kept = held.fetch(folder, now, actor.user_id, token)
        if kept is None:
            form.file.errors = ["Choose a file" if not token else
                                "The file checked earlier is no longer kept: choose it again"]
            return _page(form, status=400)
        data, filename = kept.data, kept.filename
    try:
        mapping = _mapping_from_form()
        report = tracker_import.import_tracker(actor, now, data, filename, dry_run=dry_run, mapping=mapping)
        if mapping and form.save_mapping.data:
            tracker_import.save_mapping(actor, now, mapping)
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _page(form, status=400, problems=problems)
    if dry_run:  # checked: keep the file so the user can adjust the mapping and import it as it is
        token = token or held.hold(folder, now, actor.user_id, filename, data)
    else:  # imported: nothing is kept
        held.drop(folder, token)
        token = None
    return _page(TrackerForm(formdata=None, dry_run=True, upload=token), report)


@bp.get("/review")
@roles_required(*tracker_import.REVIEWERS)
def review():
    resolved = request.args.get("show") == "reviewed"
    page = tracker_import.review_list(current_actor(), utcnow(), resolved=resolved,
                                      page=request.args.get("page", 1, type=int), per_page=PER_PAGE)

    def page_url(n):
        return url_for("web.imports.review", **{**request.args.to_dict(), "page": n})

    return render_template("imports/review.html", page=page, resolved=resolved, page_url=page_url,
                           outcomes=[(o.value, o.label) for o in AssessmentOutcome])


@bp.post("/review/<int:item_id>")
@roles_required(Role.MANAGER)
def resolve(item_id: int):
    try:
        tracker_import.resolve_review(current_actor(), utcnow(), item_id, request.form.get("outcome") or None,
                                      request.form.get("note") or None)
    except (Invalid, Conflict) as exc:
        details = "; ".join(m for msgs in (exc.errors or {}).values() for m in msgs)
        flash(f"{exc.message}{': ' + details if details else ''}")
        return redirect(url_for("web.imports.review"))
    flash("Reviewed")
    return redirect(url_for("web.imports.review"))
