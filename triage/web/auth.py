"""Sign in and out of the pages, and change your own password."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from triage.auth import roles_required, signed_in_via_token
from triage.clock import utcnow
from triage.extensions import limiter
from triage.services import people
from triage.services.errors import Invalid
from triage.web.forms import attach_service_errors

bp = Blueprint("auth", __name__)

TOO_MANY_FROM_HERE = "Too many sign-in attempts from your network. Wait a few minutes, then try again"
TOO_MANY_FOR_ACCOUNT = ("Too many failed sign-ins to this username from places it is not usually used from. "
                        "Try again later, or sign in from where you usually do")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username"), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password"), Length(max=200)])
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password"), Length(max=200, message="Password must be 200 characters or fewer")])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home.index")


def _account_key() -> str:
    return "account:" + people.normalise_username(request.form.get("username"))


def _from_a_known_address() -> bool:
    # The real person at their usual desk is never held back by what strangers typed elsewhere.
    return people.is_known_address(request.form.get("username"), request.remote_addr)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               error_message=TOO_MANY_FROM_HERE)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, exempt_when=_from_a_known_address,
               deduct_when=lambda response: response.status_code != 302, error_message=TOO_MANY_FOR_ACCOUNT)
def login():
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        result = people.authenticate(utcnow(), form.username.data, form.password.data, request.remote_addr)
        if result.user:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(result.user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        problem = result.problem
    status = 200 if not (form.errors or problem) else 400
    return render_template("auth/login.html", form=form, problem=problem), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and not signed_in_via_token():
        # Every session of the account ends, including a copy of this cookie taken earlier.
        people.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out")
    return redirect(url_for("web.auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    if signed_in_via_token():
        return redirect(url_for("web.home.index"))
    form = PasswordForm()
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            user = people.change_password(utcnow(), current_user.id, form.current_password.data,
                                          form.new_password.data)
        except Invalid as exc:
            problems = attach_service_errors(form, exc)
        else:
            # Every other session has ended; this one carries on under the new epoch.
            session.clear()
            login_user(user)
            session.permanent = True
            flash("Your password has been changed. You have been signed out everywhere else")
            return redirect(url_for("web.home.index"))
    status = 400 if (form.errors or problems) else 200
    return render_template("auth/password.html", form=form, problems=problems), status
