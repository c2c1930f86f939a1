"""Retention pages for Front Door managers: the monthly review list, one child's retention with
its legal holds, and the erasure a manager confirms.

Each form posts to its own URL, is checked here for what it can check alone, then calls one
service. On success: a message and back to the child's retention page. Otherwise that page
again with the form's errors; a stale version is a 409.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import retention
from triage.services.errors import Conflict, Invalid
from triage.services.retention import REASON_LIMIT, RETENTION_ROLES
from triage.web.forms import attach_service_errors, max_length

bp = Blueprint("retention", __name__, url_prefix="/retention")
PER_PAGE = 50
STALE = "The page now shows the record as it is: check it, then submit again."


class VersionedForm(FlaskForm):
    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the record's version: reload the page and try again")


class HoldForm(FlaskForm):
    reason = TextAreaField("Why must the records be kept?", validators=[
        DataRequired("Say why the records must be kept"), max_length(REASON_LIMIT, "The reason")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="hold", **kwargs)


class LiftForm(VersionedForm):
    reason = TextAreaField("Why can the hold be lifted?", validators=[
        DataRequired("Say why the hold can be lifted"), max_length(REASON_LIMIT, "The reason")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="lift", **kwargs)


class EraseForm(VersionedForm):
    confirm = BooleanField("I confirm these records are due and may be erased. This cannot be undone.",
                           validators=[DataRequired("Confirm the erasure by ticking the box")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="erase", **kwargs)


class FindForm(FlaskForm):
    class Meta:
        csrf = False

    child_id = IntegerField("Child record number", validators=[
        InputRequired("Enter the child's record number"), NumberRange(min=1, message="Enter a record number")])


@bp.get("")
@roles_required(*RETENTION_ROLES)
def index():
    find = FindForm(request.args) if "child_id" in request.args else FindForm()
    if "child_id" in request.args and find.validate():
        return redirect(url_for("web.retention.child", child_id=find.child_id.data))
    page = request.args.get("page", "1")
    found = retention.review(current_actor(), utcnow(), page=int(page) if page.isdigit() else 1, per_page=PER_PAGE)
    holds = retention.active_holds(current_actor(), utcnow(), page=1, per_page=PER_PAGE)

    def page_url(n):
        return url_for("web.retention.index", page=n)

    return render_template("retention/index.html", review=found, holds=holds, find=find, page_url=page_url)


@bp.get("/children/<int:child_id>")
@roles_required(*RETENTION_ROLES)
def child(child_id: int):
    return _render(child_id)


def _render(child_id: int, forms: dict | None = None, problems: list[str] | None = None, status: int = 200):
    kept = retention.child_retention(current_actor(), utcnow(), child_id)
    forms = forms or {}
    hold = kept.active_hold
    lift = forms.get("lift") or LiftForm(formdata=None, data={"version": hold.version if hold else ""})
    erase = forms.get("erase") or EraseForm(formdata=None, data={"version": kept.child.version})
    return render_template("retention/child.html", kept=kept, hold_form=forms.get("hold") or HoldForm(formdata=None),
                           lift_form=lift, erase_form=erase, problems=problems or [], active=hold), status


def _submit(child_id: int, name: str, form: FlaskForm, call, done: str):
    """Check the form, call the service and go back to the child's page; or show it with the errors."""
    problems: list[str] = []
    status = 400
    if form.validate():
        try:
            call(form)
        except (Invalid, Conflict) as exc:
            problems = attach_service_errors(form, exc, field_map={"child_id": "version"} if name == "erase" else None)
            if isinstance(exc, Conflict):
                status = 409
                if "version" in exc.errors:
                    problems.append(STALE)
        else:
            flash(done)
            return redirect(url_for("web.retention.child", child_id=child_id))
    return _render(child_id, {name: form}, problems, status)


@bp.post("/children/<int:child_id>/holds")
@roles_required(*RETENTION_ROLES)
def place_hold(child_id: int):
    return _submit(child_id, "hold", HoldForm(), lambda f: retention.place_hold(
        current_actor(), utcnow(), child_id, f.reason.data), "Legal hold placed")


@bp.post("/children/<int:child_id>/holds/<int:hold_id>/lift")
@roles_required(*RETENTION_ROLES)
def lift_hold(child_id: int, hold_id: int):
    return _submit(child_id, "lift", LiftForm(), lambda f: retention.lift_hold(
        current_actor(), utcnow(), hold_id, f.reason.data, int(f.version.data)), "Legal hold lifted")


@bp.post("/children/<int:child_id>/erase")
@roles_required(*RETENTION_ROLES)
def erase(child_id: int):
    return _submit(child_id, "erase", EraseForm(), lambda f: retention.erase_child(
        current_actor(), utcnow(), child_id, int(f.version.data)), "The child's personal data has been erased")
