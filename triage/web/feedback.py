"""Pages for telling referrers: send an acknowledgement or the decision (email or a letter to
print), see what was sent, edit the council's wording, and name the person behind a token."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.services import feedback, people, token_holders
from triage.services.errors import Conflict, Invalid
from triage.settings import front_door_settings
from triage.web.forms import attach_service_errors, choices, max_length, optional_int

bp = Blueprint("feedback", __name__)

SENDERS = feedback.SENDERS
EDITORS = feedback.EDITORS
PER_PAGE = 25
KIND_LABELS = {FeedbackKind.ACKNOWLEDGEMENT: "Acknowledgement", FeedbackKind.DECISION: "Decision"}


class SendForm(FlaskForm):
    kind = RadioField("What to send", choices=choices([(k.value, f"{KIND_LABELS[k]} feedback") for k in FeedbackKind]),
                      validators=[InputRequired("Choose what to send")])
    method = RadioField("How", choices=choices([(FeedbackMethod.EMAIL.value, "Email"),
                                                (FeedbackMethod.LETTER.value, "Letter to print")]),
                        validators=[InputRequired("Choose email or a letter")])
    email = StringField("Referrer's email address", validators=[max_length(254, "The email address")])
    version = HiddenField(filters=[optional_int])


class WordingForm(FlaskForm):
    subject = StringField("Subject", validators=[InputRequired("Enter the subject")])
    body = TextAreaField("Wording", validators=[InputRequired("Enter the wording")])
    version = HiddenField(filters=[optional_int])


class HolderForm(FlaskForm):
    holder = StringField("Username of the person it acts for", validators=[InputRequired("Enter a username")])


# ---------------------------------------------------------------- a contact's feedback

def _contact_page(contact_id: int, form: SendForm | None = None, status: int = 200, problems=()):
    actor, now = current_actor(), utcnow()
    contact, page = feedback.sends_for(actor, now, contact_id, request.args.get("page", 1, type=int), PER_PAGE)
    settings = front_door_settings()
    if form is None:
        form = SendForm(formdata=None, email=feedback.address_given(contact), version=contact.version)
    previews = {kind: feedback.compose(contact, kind, settings.council_name) for kind in FeedbackKind
                if kind is FeedbackKind.ACKNOWLEDGEMENT or contact.decided_at is not None}
    return render_template("feedback/contact.html", contact=contact, page=page, form=form, problems=list(problems),
                           previews=previews, kind_labels=KIND_LABELS, delivery=feedback.delivery,
                           never=feedback.NEVER_INCLUDED,
                           page_url=lambda n: url_for("web.feedback.contact", contact_id=contact_id, page=n)), status


@bp.get("/contacts/<int:contact_id>/referrer-feedback")
@roles_required(*SENDERS)
def contact(contact_id: int):
    return _contact_page(contact_id)


@bp.post("/contacts/<int:contact_id>/referrer-feedback")
@roles_required(*SENDERS)
def send(contact_id: int):
    form = SendForm()
    if not form.validate():
        return _contact_page(contact_id, form, 400)
    try:
        sent = feedback.send(current_actor(), utcnow(), contact_id, FeedbackKind(form.kind.data),
                             FeedbackMethod(form.method.data), form.version.data,
                             front_door_settings().council_name, form.email.data)
    except (Invalid, Conflict) as exc:
        problems = attach_service_errors(form, exc)
        return _contact_page(contact_id, form, exc.status, problems)
    if sent.method is FeedbackMethod.LETTER:
        flash("Letter recorded: print it and post it to the referrer")
        return redirect(url_for("web.feedback.letter", contact_id=contact_id, feedback_id=sent.id))
    flash("Email queued to the referrer")
    return redirect(url_for("web.feedback.contact", contact_id=contact_id))


@bp.get("/contacts/<int:contact_id>/referrer-feedback/<int:feedback_id>")
@roles_required(*SENDERS)
def letter(contact_id: int, feedback_id: int):
    contact, sent = feedback.one_send(current_actor(), utcnow(), contact_id, feedback_id)
    return render_template("feedback/letter.html", contact=contact, sent=sent, kind_labels=KIND_LABELS,
                           delivery=feedback.delivery(sent))


# ---------------------------------------------------------------- the council's wording

def _wording_page(forms: dict | None = None, status: int = 200, problems=()):
    wordings = feedback.all_wording()
    error_form = next(iter(forms.values())) if forms else None
    forms = forms or {}
    for words in wordings:
        forms.setdefault(words.kind, WordingForm(formdata=None, prefix=words.kind.value, subject=words.subject,
                                                 body=words.body, version=words.version))
    return render_template("feedback/wording.html", wordings=wordings, forms=forms, problems=list(problems),
                           error_form=error_form,
                           placeholders=feedback.placeholders, kind_labels=KIND_LABELS,
                           never=feedback.NEVER_INCLUDED), status


@bp.get("/admin/feedback-wording")
@roles_required(*EDITORS)
def wording():
    return _wording_page()


@bp.post("/admin/feedback-wording/<kind>")
@roles_required(*EDITORS)
def save_wording(kind: str):
    kind = _kind(kind)
    form = WordingForm(prefix=kind.value)
    if not form.validate():
        return _wording_page({kind: form}, 400)
    try:
        feedback.save_wording(current_actor(), utcnow(), kind, form.subject.data, form.body.data, form.version.data)
    except (Invalid, Conflict) as exc:
        problems = attach_service_errors(form, exc)
        return _wording_page({kind: form}, exc.status, problems)
    flash(f"{KIND_LABELS[kind]} wording saved")
    return redirect(url_for("web.feedback.wording"))


@bp.post("/admin/feedback-wording/<kind>/default")
@roles_required(*EDITORS)
def restore_default(kind: str):
    kind = _kind(kind)
    feedback.restore_default(current_actor(), utcnow(), kind, request.form.get("version", type=int))
    flash(f"{KIND_LABELS[kind]} wording is the service's default again")
    return redirect(url_for("web.feedback.wording"))


def _kind(text: str) -> FeedbackKind:
    try:
        return FeedbackKind(text)
    except ValueError:
        raise Invalid("No such kind of feedback", {"kind": ["acknowledgement or decision"]}) from None


# ---------------------------------------------------------------- who a token acts for

@bp.get("/admin/token-holders")
@roles_required(*token_holders.NAMERS)
def token_holder_list(form: HolderForm | None = None, failed: int | None = None, status: int = 200):
    tokens = [t for t in people.list_tokens() if t.revoked_at is None]
    return render_template("feedback/token_holders.html", tokens=tokens,
                           holders=token_holders.holders([t.id for t in tokens]),
                           form=form or HolderForm(formdata=None), failed=failed), status


@bp.post("/admin/token-holders/<int:token_id>")
@roles_required(*token_holders.NAMERS)
def name_holder(token_id: int):
    form = HolderForm()
    if not form.validate():
        return token_holder_list(form, token_id, 400)
    try:
        token = token_holders.name_holder(current_actor(), utcnow(), token_id, form.holder.data)
    except (Invalid, Conflict) as exc:
        attach_service_errors(form, exc, default_field="holder")
        return token_holder_list(form, token_id, exc.status)
    flash(f"Token {token.name} now acts for {form.holder.data.strip()}")
    return redirect(url_for("web.feedback.token_holder_list"))

