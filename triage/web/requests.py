"""The partner inbox: information requests made of an agency, and the page where it answers; and
the early help team's handovers (step-downs), which it accepts or returns.

Partner representatives see only their own agency's requests (another agency's is a 404, as if it
did not exist); MASH practitioners and managers see all of them, with an agency filter, and may
record an answer an agency gave by phone. Every answer stays marked as the asked agency's.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.clocks import describe_time_left
from triage.domain.information_requests import RequestState
from triage.domain.roles import Role
from triage.domain.step_down import StepDownState
from triage.services import cases, reference
from triage.services import information_requests as service
from triage.services.errors import Conflict, Invalid
from triage.web.contacts import NOT_ASKED_AGENCIES, SEX_CHOICES, contact_helpers, request_clock
from triage.web.forms import attach_service_errors, choices, max_length

bp = Blueprint("requests", __name__, url_prefix="/requests")
bp.context_processor(contact_helpers)

ROLES = (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER)
PER_PAGE = 25
STATES = [*RequestState.choices(), ("all", "All")]


class InboxFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a filter is a GET: it changes nothing

    state = SelectField("Show", choices=choices(STATES), default="open", invalid_choice_message="Choose from the list")
    agency = SelectField("Agency", choices=[], default="", invalid_choice_message="Choose an agency from the list")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = [a for a in reference.list_agencies() if a.code not in NOT_ASKED_AGENCIES]
        self.agency.choices = choices([("", "All agencies")] + [(a.code, a.name) for a in self.agencies])

    def agency_id(self) -> int | None:
        return next((a.id for a in self.agencies if a.code == self.agency.data), None)


class AnswerForm(FlaskForm):
    version = HiddenField()
    answer = TextAreaField("What does your agency hold?", validators=[
        DataRequired("Enter the answer, or 'Nothing held'"), max_length(20000, "The answer")])

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the request's version: reload the request and try again")


def _page_url(n: int) -> str:
    args = request.args.to_dict()
    args["page"] = n
    return url_for("web.requests.inbox", **args)


@bp.get("")
@roles_required(*ROLES)
def inbox():
    actor, now = current_actor(), utcnow()
    form = InboxFilterForm(request.args)
    is_partner = actor.role is Role.PARTNER
    if request.args and not form.validate():
        return render_template("requests/inbox.html", form=form, page=None, is_partner=is_partner,
                               page_url=_page_url, now=now), 400
    state = None if form.state.data == "all" else form.state.data
    page = service.requests_for(actor, now, state=state, page=max(1, request.args.get("page", 1, type=int)),
                                per_page=PER_PAGE, agency_id=None if is_partner else form.agency_id())
    return render_template("requests/inbox.html", form=form, page=page, is_partner=is_partner,
                           page_url=_page_url, now=now, request_clock=lambda r: request_clock(r, now),
                           time_left=lambda r: describe_time_left(r.due_at, now))


def _render(request_id: int, form: AnswerForm | None = None, status: int = 200, problems=(),
            conflict: str | None = None):
    actor, now = current_actor(), utcnow()
    req = service.get_request(actor, now, request_id)  # another agency's request: NotFound, the 404 page
    # A conflict on a version the page no longer shows: someone else changed the request meanwhile.
    stale = conflict is not None and form is not None and form.version.data != str(req.version)
    if conflict is not None and not stale:
        problems = [*problems, conflict]
    if form is None:
        form = AnswerForm(formdata=None)
    form.version.data = str(req.version)
    return render_template("requests/show.html", req=req, contact=req.contact, form=form, problems=list(problems),
                           stale=stale, is_partner=actor.role is Role.PARTNER, clock=request_clock(req, now),
                           time_left=describe_time_left(req.due_at, now), sex_labels=dict(SEX_CHOICES)), status


@bp.route("/<int:request_id>", methods=["GET", "POST"])
@roles_required(*ROLES)
def show(request_id: int):
    if request.method == "GET":
        return _render(request_id)
    form = AnswerForm()
    if not form.validate():
        return _render(request_id, form, 400)
    actor, version = current_actor(), int(form.version.data)
    try:
        answered = service.answer_request(actor, utcnow(), request_id, form.answer.data, version)
    except Conflict as exc:
        return _render(request_id, form, 409, conflict=exc.message)
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _render(request_id, form, 400, problems=problems)
    if actor.role is Role.PARTNER:
        flash("Your answer has been sent to the Front Door")
    else:
        flash(f"Answer recorded as {answered.agency.name}'s")
    return redirect(url_for("web.requests.show", request_id=request_id))


# ---------------------------------------------------------------- step-down to early help

STEP_DOWN_STATES = [*StepDownState.choices(), ("all", "All")]
STEP_DOWN_COLOURS = {"waiting": "purple", "accepted": "green", "returned": "orange"}


class StepDownFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a filter is a GET: it changes nothing

    state = SelectField("Show", choices=choices(STEP_DOWN_STATES), default="waiting",
                        invalid_choice_message="Choose from the list")


class StepDownAnswerForm(FlaskForm):
    version = HiddenField()
    accepted = RadioField("Does early help take the family on?",
                          choices=choices([("yes", "Yes, we accept the family"), ("no", "No, we return the handover")]),
                          invalid_choice_message="Say whether early help takes the family on")
    reason = TextAreaField("Reason", validators=[max_length(5000, "The reason")])

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the handover's version: reload it and try again")

    def command(self) -> cases.StepDownAnswer:
        accepted = {"yes": True, "no": False}.get(self.accepted.data or "")
        return cases.StepDownAnswer(accepted, (self.reason.data or "").strip() or None, int(self.version.data))


def _step_down_page_url(n: int) -> str:
    return url_for("web.requests.step_downs", **{**request.args.to_dict(), "page": n})


@bp.get("/step-downs")
@roles_required(*ROLES)
def step_downs():
    actor, now = current_actor(), utcnow()
    form = StepDownFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("requests/step_downs.html", form=form, page=None, colours=STEP_DOWN_COLOURS,
                               page_url=_step_down_page_url), 400
    state = None if form.state.data == "all" else form.state.data
    page = cases.step_downs_for(actor, now, state, page=max(1, request.args.get("page", 1, type=int)),
                                per_page=PER_PAGE)
    return render_template("requests/step_downs.html", form=form, page=page, colours=STEP_DOWN_COLOURS,
                           page_url=_step_down_page_url, is_partner=actor.role is Role.PARTNER)


def _render_step_down(step_down_id: int, form: StepDownAnswerForm | None = None, status: int = 200,
                      problems=()):
    actor, now = current_actor(), utcnow()
    handover = cases.get_step_down(actor, now, step_down_id)  # another team's: NotFound, the 404 page
    if form is None:
        form = StepDownAnswerForm(formdata=None)
    form.version.data = str(handover.version)
    return render_template("requests/step_down.html", handover=handover, form=form, problems=list(problems),
                           colours=STEP_DOWN_COLOURS, is_partner=actor.role is Role.PARTNER), status


@bp.route("/step-downs/<int:step_down_id>", methods=["GET", "POST"])
@roles_required(*ROLES)
def step_down(step_down_id: int):
    if request.method == "GET":
        return _render_step_down(step_down_id)
    form = StepDownAnswerForm()
    if not form.validate():
        return _render_step_down(step_down_id, form, 400)
    try:
        answered = cases.answer_step_down(current_actor(), utcnow(), step_down_id, form.command())
    except Conflict as exc:
        return _render_step_down(step_down_id, form, 409, problems=[exc.message])
    except Invalid as exc:
        return _render_step_down(step_down_id, form, 400, problems=attach_service_errors(form, exc))
    flash(f"Handover {answered.state.label.lower()}")
    return redirect(url_for("web.requests.step_down", step_down_id=step_down_id))
