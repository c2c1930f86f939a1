"""Sign in and out of the pages."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from triage.clock import utcnow
from triage.services import people

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username"), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        config = current_app.config
        result = people.authenticate(utcnow(), form.username.data, form.password.data,
                                     config["LOGIN_MAX_FAILURES"],
                                     timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"]))
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
    logout_user()
    session.clear()
    flash("You have signed out")
    return redirect(url_for("web.auth.login"))
