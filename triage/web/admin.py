"""Administration: the council's closure days, user accounts and partner-system API tokens.

Managers and administrators can also read a user's audit trail here.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, Regexp

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.extensions import db
from triage.services import audit, calendar, people, reference
from triage.services.errors import Conflict, Invalid
from triage.web.forms import (DateInputField, attach_service_errors, choices, max_length,
                              none_if_blank)

bp = Blueprint("admin", __name__, url_prefix="/admin")

TRAIL_PAGE = 50
ROLE_CHOICES = [("", "Choose a role")] + Role.choices()
NO_AGENCY = [("", "Not a partner")]
NO_TEAM = [("", "No team")]



class ClosureDayForm(FlaskForm):
    day = DateInputField("Date", required="Enter the date the council is closed")
    reason = StringField("Reason", validators=[DataRequired("Enter why the council is closed"),
                                               max_length(200, "Reason")])


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter a username"),
                                                   max_length(80, "Username")])
    display_name = StringField("Full name", validators=[DataRequired("Enter the person's full name"),
                                                        max_length(120, "Full name")])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validators=[DataRequired("Choose a role")],
                       invalid_choice_message="Choose a role from the list")
    agency = SelectField("Agency", choices=choices(NO_AGENCY),
                         invalid_choice_message="Choose an agency from the list")
    team = SelectField("Team (optional)", choices=choices(NO_TEAM),
                       invalid_choice_message="Choose a team from the list")
    email = StringField("Email address (optional)", validators=[
        Optional(), max_length(254, "Email address"),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message="Enter an email address in the correct format, like name@example.com")])
    password = PasswordField("Password", validators=[DataRequired("Enter a password"),
                                                     max_length(200, "Password")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = choices(NO_AGENCY + [(a.code, a.name) for a in reference.list_agencies()])
        self.team.choices = choices(NO_TEAM + [(t.name, t.name) for t in reference.list_teams()])


class TokenForm(FlaskForm):
    name = StringField("System name", validators=[DataRequired("Enter the name of the system"),
                                                  max_length(120, "System name")])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validators=[DataRequired("Choose a role")],
                       invalid_choice_message="Choose a role from the list")
    agency = SelectField("Agency", choices=choices(NO_AGENCY),
                         invalid_choice_message="Choose an agency from the list")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "token")  # the users form on the same page has role and agency too
        super().__init__(*args, **kwargs)
        self.agency.choices = choices(NO_AGENCY + [(a.code, a.name) for a in reference.list_agencies()])


# Closure days ---------------------------------------------------------------------------------

def _closure_page(form: ClosureDayForm, status: int = 200, problems=(), change=None):
    return render_template("admin/closure_days.html", form=form, days=calendar.list_closure_days(),
                           problems=list(problems), change=change, clock_kinds=CLOCK_KINDS), status


CLOCK_KINDS = {"assessment": "Assessment", "case_discussion": "Case discussion", "icpc": "Initial conference",
               "acknowledgement": "Acknowledgement", "decision": "Decision"}


@bp.route("/closure-days", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def closure_days():
    form = ClosureDayForm()
    if request.method == "GET":
        return _closure_page(form)
    if not form.validate():
        return _closure_page(form, 400)
    try:
        change = calendar.add_closure_day(current_actor(), utcnow(), form.day.data, form.reason.data)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        problems = attach_service_errors(form, exc, default_field="day")
        return _closure_page(form, 409 if isinstance(exc, Conflict) else 400, problems)
    # Shown at once rather than after a redirect: the clocks it moved are the answer.
    return _closure_page(ClosureDayForm(formdata=None), change=change)


@bp.post("/closure-days/<isodate:day>/remove")
@roles_required(Role.ADMIN)
def remove_closure_day(day: date):
    change = calendar.remove_closure_day(current_actor(), utcnow(), day)  # NotFound -> the 404 page
    return _closure_page(ClosureDayForm(formdata=None), change=change)


# Users and tokens -----------------------------------------------------------------------------

def _users_page(user_form: UserForm | None = None, token_form: TokenForm | None = None,
                status: int = 200, user_problems=(), token_problems=(), new_secret: str | None = None,
                new_token=None):
    return render_template(
        "admin/users.html", users=people.list_users(), tokens=people.list_tokens(),
        user_form=user_form or UserForm(formdata=None), token_form=token_form or TokenForm(formdata=None),
        user_problems=list(user_problems), token_problems=list(token_problems),
        new_secret=new_secret, new_token=new_token), status


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    if request.method == "GET":
        return _users_page()
    form = UserForm()
    if not form.validate():
        return _users_page(user_form=form, status=400)
    try:
        user = people.create_user(utcnow(), form.username.data, form.display_name.data,
                                  form.password.data, form.role.data, none_if_blank(form.agency.data),
                                  none_if_blank(form.team.data), none_if_blank(form.email.data))
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        problems = attach_service_errors(form, exc, default_field="username")
        return _users_page(user_form=form, status=409 if isinstance(exc, Conflict) else 400,
                           user_problems=problems)
    flash(f"Account {user.username} created")
    return redirect(url_for("web.admin.users"))


@bp.post("/tokens")
@roles_required(Role.ADMIN)
def create_token():
    form = TokenForm()
    if not form.validate():
        return _users_page(token_form=form, status=400)
    try:
        token, secret = people.create_token(utcnow(), form.name.data, form.role.data,
                                            none_if_blank(form.agency.data),
                                            created_by_id=current_actor().user_id)
    except Invalid as exc:
        db.session.rollback()
        problems = attach_service_errors(form, exc)
        return _users_page(token_form=form, status=400, token_problems=problems)
    # Shown once, on this response only (never stored, never cached: Cache-Control is no-store).
    return _users_page(new_secret=secret, new_token=token, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_token(token_id: int):
    token = people.revoke_token(utcnow(), token_id)  # NotFound -> the 404 page
    flash(f"Token {token.name} revoked")
    return redirect(url_for("web.admin.users") + "#tokens")


@bp.get("/users/<int:user_id>/audit")
@roles_required(*audit.TRAIL_READERS)
def user_audit(user_id: int):
    user = people.get_user(user_id)
    before_id = request.args.get("before_id", type=int)
    events = audit.user_trail(current_actor(), user_id, limit=TRAIL_PAGE, before_id=before_id)
    older = (url_for("web.admin.user_audit", user_id=user_id, before_id=events[-1].id)
             if len(events) == TRAIL_PAGE else None)
    return render_template("audit_trail.html", events=events, older=older, before_id=before_id,
                           heading=f"Audit trail: {user.username}",
                           back=url_for("web.admin.users") if current_actor().has_role(Role.ADMIN) else None,
                           newest=url_for("web.admin.user_audit", user_id=user_id))

