"""The pathways page: administrators write the routing rules that put contacts on a meeting
type's agenda; practitioners and managers may read them."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import ReferralSource
from triage.domain.roles import Role
from triage.services import meetings, reference
from triage.services.errors import ServiceError
from triage.services.meetings.pathways import (
    ADMINS,
    RuleCommand,
    category_choices,
    create_rule,
    get_rule,
    list_rules,
    update_rule,
)
from triage.web.forms import attach_service_errors, choices, max_length, optional_int
from triage.web.meetings.pages import RUNNERS, bp


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the rule a name"), max_length(120, "Name")])
    meeting_type = SelectField("Pathway (meeting)", validators=[DataRequired("Choose the meeting")],
                               invalid_choice_message="Choose a meeting from the list")
    min_age = IntegerField("Youngest age", validators=[Optional(), NumberRange(0, 25, "Give an age from 0 to 25")])
    max_age = IntegerField("Oldest age", validators=[Optional(), NumberRange(0, 25, "Give an age from 0 to 25")])
    concern_categories = SelectMultipleField("Concerns (any of these)", validate_choice=True)
    source_codes = SelectMultipleField("Referral sources (any of these)", validate_choice=True)
    locality_id = SelectField("Locality", coerce=optional_int, invalid_choice_message="Choose a locality")
    active = BooleanField("In use", default=True)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_type.choices = choices([("", "Choose the meeting")] + [
            (t.code, t.name) for t in meetings.meeting_types().values()])
        self.concern_categories.choices = [(c.code, c.name) for c in category_choices()]
        self.source_codes.choices = [(s.value, f"{s.value}: {s.label}") for s in ReferralSource]
        self.locality_id.choices = choices([("", "Any locality")] +
                                           [(loc.id, loc.name) for loc in reference.list_localities()])

    def command(self) -> RuleCommand:
        return RuleCommand(name=self.name.data, meeting_type=self.meeting_type.data, min_age=self.min_age.data,
                           max_age=self.max_age.data, concern_categories=tuple(self.concern_categories.data or ()),
                           source_codes=tuple(self.source_codes.data or ()), locality_id=self.locality_id.data,
                           active=bool(self.active.data))


def _form_for(rule) -> RuleForm:
    return RuleForm(formdata=None, data={
        "name": rule.name, "meeting_type": rule.meeting_type, "min_age": rule.min_age, "max_age": rule.max_age,
        "concern_categories": rule.category_list, "source_codes": rule.source_list, "locality_id": rule.locality_id,
        "active": rule.active, "version": str(rule.version)})


def _page(form: RuleForm, editing=None, problems=(), status: int = 200):
    actor, now = current_actor(), utcnow()
    rules = list_rules(actor, now, page=request.args.get("page", 1, type=int), per_page=50)
    return render_template(
        "meetings/pathways.html", rules=rules, form=form, editing=editing, problems=list(problems),
        types=meetings.meeting_types(), categories={c.code: c.name for c in category_choices()},
        can_write=actor.has_role(*ADMINS),
        page_url=lambda n: url_for("web.meetings.pathways", page=n)), status


@bp.get("/pathways")
@roles_required(*(ADMINS + RUNNERS))
def pathways():
    return _page(RuleForm(formdata=None))


@bp.get("/pathways/<int:rule_id>")
@roles_required(*(ADMINS + RUNNERS))
def pathway(rule_id: int):
    rule = get_rule(current_actor(), utcnow(), rule_id)
    return _page(_form_for(rule), editing=rule)


@bp.post("/pathways")
@roles_required(Role.ADMIN)
def pathway_create():
    return _save(RuleForm(), None)


@bp.post("/pathways/<int:rule_id>")
@roles_required(Role.ADMIN)
def pathway_update(rule_id: int):
    return _save(RuleForm(), rule_id)


def _save(form: RuleForm, rule_id: int | None):
    actor, now = current_actor(), utcnow()
    editing = get_rule(actor, now, rule_id) if rule_id else None
    if not form.validate():
        return _page(form, editing, status=400)
    try:
        if rule_id is None:
            rule = create_rule(actor, now, form.command())
        else:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            rule = update_rule(actor, now, rule_id, form.command(), version)
    except ServiceError as exc:
        problems = attach_service_errors(form, exc)
        return _page(form, editing, problems, exc.status)
    flash(f"Routing rule “{rule.name}” saved")
    return redirect(url_for("web.meetings.pathways"))


