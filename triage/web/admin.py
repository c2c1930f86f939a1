"""Administration: the council's closure days, user accounts and partner-system API tokens.

Administrators edit, deactivate, unlock and reset accounts here, every change audited.
Managers and administrators approve tokens for roles that read children, and read a user's
audit trail.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, Regexp

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.services import audit, calendar, child_merge, people, reference
from triage.services.errors import Conflict, Forbidden, Invalid
from triage.web.forms import DateInputField, attach_service_errors, choices, max_length, none_if_blank

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


class UserEditForm(FlaskForm):
    """The account's details; the username stays (it is on the audit trail)."""

    version = HiddenField()
    display_name = UserForm.display_name
    role = UserForm.role
    agency = UserForm.agency
    team = UserForm.team
    email = UserForm.email

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = choices(NO_AGENCY + [(a.code, a.name) for a in reference.list_agencies()])
        self.team.choices = choices(NO_TEAM + [(t.name, t.name) for t in reference.list_teams()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"),
                                                         max_length(200, "Password")])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "reset")
        super().__init__(*args, **kwargs)


class TokenForm(FlaskForm):
    name = StringField("System name", validators=[DataRequired("Enter the name of the system"),
                                                  max_length(120, "System name")])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validators=[DataRequired("Choose a role")],
                       invalid_choice_message="Choose a role from the list")
    agency = SelectField("Agency", choices=choices(NO_AGENCY),
                         invalid_choice_message="Choose an agency from the list")
    expires = DateInputField("Expires after (optional)")
    holder = StringField("Username of the person it acts for (optional)", validators=[max_length(80, "Username")])

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
        waits=people.sign_in_waits(utcnow()), now=utcnow(), me=current_actor().user_id,
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
                                  none_if_blank(form.team.data), none_if_blank(form.email.data),
                                  actor=current_actor())
    except (Invalid, Conflict) as exc:
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
        expires = people.end_of_london_day(form.expires.data) if form.expires.data else None
        token, secret = people.create_token(utcnow(), form.name.data, form.role.data,
                                            none_if_blank(form.agency.data),
                                            created_by_id=current_actor().user_id, expires_at=expires,
                                            actor=current_actor(), holder=none_if_blank(form.holder.data))
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _users_page(token_form=form, status=400, token_problems=problems)
    # Shown once, on this response only (never stored, never cached: Cache-Control is no-store).
    return _users_page(new_secret=secret, new_token=token, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_token(token_id: int):
    token = people.revoke_token(utcnow(), token_id, actor=current_actor())  # NotFound -> the 404 page
    flash(f"Token {token.name} revoked")
    return redirect(url_for("web.admin.users") + "#tokens")


@bp.get("/token-approvals")
@roles_required(Role.MANAGER, Role.ADMIN)
def token_approvals():
    return render_template("admin/token_approvals.html", tokens=people.tokens_awaiting_approval(),
                           me=current_actor().user_id)


@bp.post("/tokens/<int:token_id>/approve")
@roles_required(Role.MANAGER, Role.ADMIN)
def approve_token(token_id: int):
    # NotFound -> 404; approving your own token -> 403; revoked, approved or expired -> 409
    token = people.approve_token(current_actor(), utcnow(), token_id)
    flash(f"Token {token.name} approved: it works from now until it expires")
    back = request.form.get("back")
    return redirect(url_for("web.admin.users") + "#tokens" if back == "users"
                    else url_for("web.admin.token_approvals"))


# One account ----------------------------------------------------------------------------------

def _account_page(user_id: int, edit_form: UserEditForm | None = None, reset_form: ResetPasswordForm | None = None,
                  status: int = 200, problems=(), reset_problems=()):
    user = people.get_user(user_id)
    if edit_form is None:
        edit_form = UserEditForm(formdata=None, data={
            "version": str(user.version), "display_name": user.display_name, "role": user.role,
            "agency": user.agency.code if user.agency else "", "team": user.team.name if user.team else "",
            "email": user.email or ""})
    waits = people.sign_in_waits(utcnow()).get(user.id, 0)
    return render_template("admin/user.html", user=user, form=edit_form,
                           reset_form=reset_form or ResetPasswordForm(formdata=None),
                           problems=list(problems), reset_problems=list(reset_problems), waits=waits,
                           me=current_actor().user_id), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user(user_id: int):
    if request.method == "GET":
        return _account_page(user_id)
    form = UserEditForm()
    if not form.validate():
        return _account_page(user_id, edit_form=form, status=400)
    try:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        changed = people.update_user(current_actor(), utcnow(), user_id, version, form.display_name.data,
                                     form.role.data, none_if_blank(form.agency.data),
                                     none_if_blank(form.team.data), none_if_blank(form.email.data))
    except Conflict as exc:  # someone else saved the account first: say so, not on a hidden field
        return _account_page(user_id, edit_form=form, status=409, problems=[exc.message])
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _account_page(user_id, edit_form=form, status=400, problems=problems)
    flash(f"Account {changed.username} saved")
    return redirect(url_for("web.admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    form = ResetPasswordForm()
    if not form.validate():
        return _account_page(user_id, reset_form=form, status=400)
    try:
        changed = people.reset_password(current_actor(), utcnow(), user_id, form.password.data)
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _account_page(user_id, reset_form=form, status=400, reset_problems=problems)
    flash(f"New password set for {changed.username}; they have been signed out everywhere")
    return redirect(url_for("web.admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):change>")
@roles_required(Role.ADMIN)
def set_active(user_id: int, change: str):
    try:
        changed = people.set_active(current_actor(), utcnow(), user_id, active=change == "reactivate")
    except (Invalid, Forbidden) as exc:
        return _account_page(user_id, status=400, problems=[exc.message])
    flash(f"Account {changed.username} {'reactivated' if changed.active else 'deactivated: every session has ended'}")
    return redirect(url_for("web.admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def unlock(user_id: int):
    cleared = people.unlock(current_actor(), utcnow(), user_id)
    changed = people.get_user(user_id)
    flash(f"Sign-in waits cleared for {changed.username} ({cleared} address{'es' if cleared != 1 else ''})")
    return redirect(url_for("web.admin.user", user_id=user_id))


@bp.get("/users/<int:user_id>/audit")
@roles_required(*audit.TRAIL_READERS)
def user_audit(user_id: int):
    user = people.get_user(user_id)
    before_id = request.args.get("before_id", type=int)
    events = audit.user_trail(current_actor(), utcnow(), user_id, limit=TRAIL_PAGE, before_id=before_id)
    older = (url_for("web.admin.user_audit", user_id=user_id, before_id=events[-1].id)
             if len(events) == TRAIL_PAGE else None)
    return render_template("audit_trail.html", events=events, older=older, before_id=before_id,
                           heading=f"Audit trail: {user.username}",
                           back=url_for("web.admin.users") if current_actor().has_role(Role.ADMIN) else None,
                           newest=url_for("web.admin.user_audit", user_id=user_id))



@bp.get("/child-merges")
@roles_required(*child_merge.UNDOERS)
def child_merges():
    """Merges of child records an administrator can still undo."""
    page = request.args.get("page", 1, type=int)
    merges, total = child_merge.undoable(current_actor(), utcnow(), page=page, per_page=TRAIL_PAGE)
    names = people.display_names(m.merged_by_id for m in merges)
    return render_template("admin/child_merges.html", merges=merges, total=total, names=names,
                           undo_days=child_merge.UNDO_DAYS)


@bp.post("/child-merges/<int:merge_id>/undo")
@roles_required(*child_merge.UNDOERS)
def undo_child_merge(merge_id: int):
    try:
        record = child_merge.undo(current_actor(), utcnow(), merge_id)
    except Conflict as exc:
        flash(exc.message)
        return redirect(url_for("web.admin.child_merges"))
    flash(f"Merge undone: records {record.kept_id} and {record.duplicate_id} are separate again")
    return redirect(url_for("web.admin.child_merges"))
