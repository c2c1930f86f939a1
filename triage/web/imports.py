"""Uploading the old tracker spreadsheet (managers and administrators)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import tracker_import
from triage.services.errors import Invalid
from triage.web.forms import attach_service_errors

bp = Blueprint("imports", __name__, url_prefix="/import")
MAX_UPLOAD = 5 * 1024 * 1024


class TrackerForm(FlaskForm):
    file = FileField("The tracker spreadsheet (CSV or Excel .xlsx)", validators=[FileRequired("Choose a file")])
    dry_run = BooleanField("Check only: show what would happen without importing anything", default=True)


@bp.route("/tracker", methods=["GET", "POST"])
@roles_required(*tracker_import.IMPORTERS)
def tracker():
    form = TrackerForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("imports/tracker.html", form=form, report=None), status
    upload = form.file.data
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.file.errors = ["The file is larger than 5 MB"]
        return render_template("imports/tracker.html", form=form, report=None), 400
    try:
        report = tracker_import.import_tracker(current_actor(), utcnow(), data, upload.filename,
                                               dry_run=bool(form.dry_run.data))
    except Invalid as exc:
        attach_service_errors(form, exc)
        return render_template("imports/tracker.html", form=form, report=None), 400
    return render_template("imports/tracker.html", form=TrackerForm(formdata=None), report=report)
