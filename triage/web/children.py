"""Finding, reading, recording and correcting a child's record; managers read its audit trail.

Every read and write goes through services.children, which records it in the audit trail.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import Disability, Ethnicity, UpnUnknown, split_codes
from triage.domain.identifiers import nhs_number_problem, normalise_nhs_number
from triage.services import audit, child_merge, children, chronology, reference
from triage.services.children import CHILD_RECORD_ROLES, EDITABLE, ChildSearch, PossibleDuplicate
from triage.services.errors import Conflict, Invalid
from triage.web.forms import (
    DateInputField,
    attach_service_errors,
    choices,
    max_length,
    none_if_blank,
    optional_int,
)

bp = Blueprint("children", __name__, url_prefix="/children")

PER_PAGE = 25
LATEST_EVENTS = 10  # on the child's page; the chronology page has them all
CHRONOLOGY_PAGE = 50
CHRONOLOGY_PRINT_MAX = 5000  # the printable chronology is one page
TRAIL_PAGE = 50
SEX_CHOICES = [("female", "Female"), ("male", "Male"), ("unknown", "Unknown"), ("not_stated", "Not stated")]
SEX_LABELS = dict(SEX_CHOICES)
NO_LOCALITY = [("", "Not known")]
OPTIONAL_TEXT = ("other_names", "ethnicity", "address_line_1", "address_line_2", "town", "postcode",
                 "nhs_number", "upn", "council_child_id", "upn_unknown_reason", "former_upn")
ETHNICITY_CHOICES = [("", "Not yet recorded")] + [(e.value, f"{e.label} ({e.value})") for e in Ethnicity]
UPN_UNKNOWN_CHOICES = [("", "The child has a UPN, or it is not yet known why not")] + [
    (u.value, f"{u.value}: {u.label}") for u in UpnUnknown]
DISABILITY_CHOICES = [(d.value, d.label) for d in Disability]


class ChildSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search is a GET: it changes nothing

    name = StringField("Name", validators=[Optional(), max_length(100, "Name")])
    date_of_birth = DateInputField("Date of birth")
    nhs_number = StringField("NHS number", validators=[Optional()])
    council_child_id = StringField("Child id", validators=[Optional(), max_length(20, "Child id")])

    def validate_nhs_number(self, field):
        problem = nhs_number_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


SEARCH_KEYS = ("name", "nhs_number", "council_child_id", "date_of_birth-day", "date_of_birth-month",
               "date_of_birth-year")


def _text(label: str, length: int, required: str | None = None, **kwargs):
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(max_length(length, label.split(" (")[0]))
    return StringField(label, validators=validators, **kwargs)


class ChildForm(FlaskForm):
    first_name = _text("First name", 100, "Enter the child's first name")
    last_name = _text("Last name", 100, "Enter the child's last name")
    other_names = _text("Other names (optional)", 200)
    born = RadioField("Has the child been born?",
                      choices=choices([("yes", "Yes"), ("approximate", "Yes, but only their approximate age is known"),
                                       ("unknown", "Yes, but their date of birth is not known"),
                                       ("no", "No, the child is unborn")]),
                      invalid_choice_message="Select whether the child has been born")
    date_of_birth = DateInputField("Date of birth")
    estimated_date_of_birth = DateInputField("Estimated date of birth")
    approximate_age = StringField("Or their approximate age in years", validators=[
        Optional(), Regexp(r"^\s*\d{1,2}\s*$", message="Enter the age in whole years, for example 14")])
    expected_date_of_birth = DateInputField("Expected date of birth")
    sex = RadioField("Sex", choices=choices(SEX_CHOICES), invalid_choice_message="Select the child's sex")
    ethnicity = SelectField("Ethnicity", choices=choices(ETHNICITY_CHOICES), validators=[Optional()],
                            invalid_choice_message="Choose an ethnicity from the list")
    disabilities = SelectMultipleField("Disability", choices=choices(DISABILITY_CHOICES), validators=[Optional()],
                                       invalid_choice_message="Choose disabilities from the list")
    date_of_death = DateInputField("Date of death (if the child has died)")
    address_line_1 = _text("Address line 1 (optional)", 200)
    address_line_2 = _text("Address line 2 (optional)", 200)
    town = _text("Town or city (optional)", 100)
    postcode = _text("Postcode (optional)", 10)
    locality_id = SelectField("Locality (optional)", coerce=optional_int, choices=choices(NO_LOCALITY),
                              invalid_choice_message="Choose a locality from the list")
    nhs_number = _text("NHS number (optional)", 14)
    upn = _text("Unique Pupil Number (UPN) (optional)", 15)
    upn_unknown_reason = SelectField("Why there is no UPN", choices=choices(UPN_UNKNOWN_CHOICES),
                                     validators=[Optional()],
                                     invalid_choice_message="Choose a reason from the list")
    former_upn = _text("Former UPN (optional)", 15)
    council_child_id = _text("Council child id (optional)", 20)
    confirmed_new = BooleanField("This is a different child")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locality_id.choices = choices(NO_LOCALITY + [(loc.id, loc.name) for loc in reference.list_localities()])

    # For each answer to "born?", the date that answer needs and what is said when it is missing;
    # every other date may hold stale typing and does not count.
    NEEDED_DATE = {"yes": ("date_of_birth", "Enter the child's date of birth"),
                   "no": ("expected_date_of_birth", "Enter the expected date of birth"),
                   "approximate": ("estimated_date_of_birth", "Enter an estimated date of birth, or their age"),
                   "unknown": (None, None)}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        needed, missing = self.NEEDED_DATE.get(self.born.data, (None, None))
        if self.born.data == "approximate" and (self.approximate_age.data or "").strip():
            needed = None  # an age is enough: the service estimates the date from it
        for name in ("date_of_birth", "expected_date_of_birth", "estimated_date_of_birth"):
            field = getattr(self, name)
            if name != needed:
                field.errors = []
            elif not field.errors and field.data is None:
                field.errors = [missing]
                field.error_parts = ("day", "month", "year")
        if self.born.data != "approximate":
            self.approximate_age.errors = []
        self._errors = None
        return valid and not any(f.errors for f in self)

    def service_fields(self) -> dict:
        """The fields as services.children takes them."""
        fields = {name: none_if_blank(getattr(self, name).data) for name in OPTIONAL_TEXT}
        fields.update(first_name=self.first_name.data.strip(), last_name=self.last_name.data.strip(),
                      sex=self.sex.data, locality_id=self.locality_id.data,
                      disabilities=",".join(self.disabilities.data or []) or None,
                      date_of_death=self.date_of_death.data)
        if self.born.data == "yes":
            # An earlier expected date is kept: it is part of the child's history.
            fields.update(date_of_birth=self.date_of_birth.data, birth_date_status="known")
        elif self.born.data == "approximate":
            age = (self.approximate_age.data or "").strip()
            fields.update(birth_date_status="approximate", approximate_age=int(age) if age else None,
                          date_of_birth=None if age else self.estimated_date_of_birth.data)
        elif self.born.data == "unknown":
            fields.update(date_of_birth=None, birth_date_status="not_known")
        else:
            fields.update(date_of_birth=None, expected_date_of_birth=self.expected_date_of_birth.data,
                          birth_date_status="known")
        return fields


class EditChildForm(ChildForm):
    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the record's version: "
                                  "open the record and edit it again")


def _search_page_url(n: int) -> str:
    args = request.args.to_dict()
    args["page"] = n
    return url_for("web.children.search", **args)


@bp.get("")
@roles_required(*CHILD_RECORD_ROLES)
def search():
    form = ChildSearchForm(request.args)
    results, problems = None, []
    submitted = any(key in request.args for key in SEARCH_KEYS)
    if submitted and form.validate():
        criteria = ChildSearch(name=none_if_blank(form.name.data), date_of_birth=form.date_of_birth.data,
                               nhs_number=none_if_blank(form.nhs_number.data),
                               council_child_id=none_if_blank(form.council_child_id.data))
        try:
            results = children.search_children(current_actor(), utcnow(), criteria,
                                               page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
        except Invalid as exc:
            problems = attach_service_errors(form, exc)
    failed = bool(problems or form.errors)
    return render_template("children/search.html", form=form, results=results, problems=problems,
                           page_url=_search_page_url, submitted=submitted), (400 if failed else 200)


@bp.get("/<int:child_id>")
@roles_required(*CHILD_RECORD_ROLES)
def show(child_id: int):
    actor = current_actor()
    # The record and its latest events are one read of the child.
    child, latest = chronology.read_chronology(actor, utcnow(), child_id, per_page=LATEST_EVENTS,
                                               with_record=True)
    if child.id != child_id:  # a duplicate merged away: its address leads to the record kept
        flash(f"Record {child_id} was merged into this record")
        return redirect(url_for("web.children.show", child_id=child.id))
    return render_template("children/show.html", child=child, sex_labels=SEX_LABELS,
                           ethnicity_labels={e.value: e.label for e in Ethnicity},
                           disability_labels={d.value: d.label for d in Disability},
                           latest=latest, event_url=event_url, kind_labels=chronology.KIND_LABELS,
                           can_read_trail=actor.has_role(*audit.TRAIL_READERS),
                           can_merge=actor.has_role(*child_merge.MERGERS))


_RECORD_PAGES = {"contact": ("web.contacts.show", "contact_id"), "referral": ("web.cases.show", "referral_id"),
                 "meeting": ("web.meetings.show", "meeting_id")}


def event_url(event: chronology.ChronologyEvent) -> str | None:
    """The page of the record an event is on (None where this deployment has no such page)."""
    endpoint, argument = _RECORD_PAGES[event.record]
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **{argument: event.record_id})


@bp.get("/<int:child_id>/chronology")
@roles_required(*CHILD_RECORD_ROLES)
def child_chronology(child_id: int):
    """Every event about the child, oldest first; filterable by kind, and printable whole."""
    chosen = [k for k in request.args.getlist("kind") if k in chronology.EventKind._value2member_map_]
    kinds = frozenset(chronology.EventKind(k) for k in chosen) or None
    whole = request.args.get("print") == "1"
    child, page = chronology.read_chronology(
        current_actor(), utcnow(), child_id, kinds, page=1 if whole else request.args.get("page", 1, type=int),
        per_page=CHRONOLOGY_PRINT_MAX if whole else CHRONOLOGY_PAGE)

    def page_url(n):
        return url_for("web.children.child_chronology", child_id=child_id, kind=chosen, page=n)

    return render_template("children/chronology.html", child=child, page=page, page_url=page_url, chosen=chosen,
                           kind_labels=chronology.KIND_LABELS, event_url=event_url, whole=whole,
                           print_url=url_for("web.children.child_chronology", child_id=child_id, kind=chosen,
                                             print="1"))


def _render_form(form: ChildForm, status: int, **context):
    context.setdefault("problems", [])
    return render_template("children/form.html", form=form, **context), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CHILD_RECORD_ROLES)
def new():
    form = ChildForm()
    if request.method == "GET":
        return _render_form(form, 200, mode="new")
    if not form.validate():
        return _render_form(form, 400, mode="new")
    fields = form.service_fields()
    try:
        child = children.create_child(current_actor(), utcnow(), fields,
                                      confirmed_new=bool(form.confirmed_new.data))
    except PossibleDuplicate as exc:
        entered = normalise_nhs_number(fields.get("nhs_number") or "")
        same_nhs = bool(entered) and any(c.nhs_number == entered for c in exc.candidates)
        form.confirmed_new.data = False  # each confirmation is made against the matches on screen
        return _render_form(form, 409, mode="new", duplicates=exc.candidates, same_nhs=same_nhs)
    except (Invalid, Conflict) as exc:
        problems = attach_service_errors(form, exc)
        return _render_form(form, 409 if isinstance(exc, Conflict) else 400, mode="new", problems=problems)
    flash(f"Child record {child.council_child_id} created")
    return redirect(url_for("web.children.show", child_id=child.id))


@bp.route("/<int:child_id>/edit", methods=["GET", "POST"])
@roles_required(*CHILD_RECORD_ROLES)
def edit(child_id: int):
    actor, now = current_actor(), utcnow()
    if request.method == "GET":
        child = children.get_child(actor, now, child_id)
        form = EditChildForm(obj=child)
        form.disabilities.data = split_codes(child.disabilities)
        form.born.data = {"approximate": "approximate", "not_known": "unknown"}.get(
            child.birth_date_status, "no" if child.is_unborn else "yes")
        if child.birth_date_status == "approximate":
            form.estimated_date_of_birth.data = child.date_of_birth
        form.version.data = str(child.version)
        return _render_form(form, 200, mode="edit", child_id=child_id)
    form = EditChildForm()
    if not form.validate():
        return _render_form(form, 400, mode="edit", child_id=child_id)
    version = int(form.version.data)
    try:
        child = children.update_child(actor, now, child_id, form.service_fields(), version)
    except Conflict as exc:
        if exc.errors and "version" not in exc.errors:  # an NHS number or child id of another child
            problems = attach_service_errors(form, exc)
            return _render_form(form, 409, mode="edit", child_id=child_id, problems=problems)
        return _render_form(form, 409, mode="edit", child_id=child_id, stale=True, problems=[
            "Someone else changed this record while you were editing it, so your changes have not been "
            "saved. Open the record to see the current details, then make your change again."])
    except Invalid as exc:
        problems = attach_service_errors(form, exc)
        return _render_form(form, 400, mode="edit", child_id=child_id, problems=problems)
    flash("Child record updated" if child.version != version else "No changes were made")
    return redirect(url_for("web.children.show", child_id=child_id))


@bp.get("/<int:child_id>/audit")
@roles_required(*audit.TRAIL_READERS)
def audit_trail(child_id: int):
    before_id = request.args.get("before_id", type=int)
    events = audit.child_trail(current_actor(), utcnow(), child_id, limit=TRAIL_PAGE, before_id=before_id)
    older = (url_for("web.children.audit_trail", child_id=child_id, before_id=events[-1].id)
             if len(events) == TRAIL_PAGE else None)
    return render_template("audit_trail.html", events=events, older=older, before_id=before_id,
                           heading=f"Audit trail: child record {child_id}",
                           back=(url_for("web.children.show", child_id=child_id)
                                 if current_actor().has_role(*CHILD_RECORD_ROLES) else None),
                           newest=url_for("web.children.audit_trail", child_id=child_id))


FIELD_LABELS = {"first_name": "First name", "last_name": "Last name", "other_names": "Other names",
                "date_of_birth": "Date of birth", "expected_date_of_birth": "Expected date of birth", "sex": "Sex",
                "ethnicity": "Ethnicity", "address_line_1": "Address line 1", "address_line_2": "Address line 2",
                "town": "Town or city", "postcode": "Postcode", "locality_id": "Locality", "nhs_number": "NHS number",
                "upn": "UPN", "council_child_id": "Council child id", "upn_unknown_reason": "Why there is no UPN",
                "former_upn": "Former UPN", "disabilities": "Disability", "date_of_death": "Date of death",
                "birth_date_status": "Date of birth known?"}


@bp.route("/<int:child_id>/merge", methods=["GET", "POST"])
@roles_required(*child_merge.MERGERS)
def merge(child_id: int):
    """A manager folds a duplicate into this record: both side by side, each differing field chosen."""
    actor, now = current_actor(), utcnow()
    asked = (request.values.get("duplicate") or "").strip()
    if not asked:
        return _merge_page(children.get_child(actor, now, child_id))
    duplicate_id = child_merge.record_id_for(asked)
    if duplicate_id is None:
        return _merge_page(children.get_child(actor, now, child_id), status=400, asked=asked,
                           problems=[f"No child record {asked}: enter the record's number or council child id"])
    if request.method == "POST":
        take = frozenset(f for f in EDITABLE if request.form.get(f"use-{f}") == "duplicate")
        try:
            child_merge.merge(actor, now, child_id, duplicate_id, request.form.get("version", type=int), take)
        except (Invalid, Conflict) as exc:
            return _compared(actor, now, child_id, duplicate_id, asked, exc)
        flash(f"Record {duplicate_id} merged into this record; an administrator can undo it within "
              f"{child_merge.UNDO_DAYS} days")
        return redirect(url_for("web.children.show", child_id=child_id))
    return _compared(actor, now, child_id, duplicate_id, asked)


def _compared(actor, now, child_id: int, duplicate_id: int, asked: str, failed: Exception | None = None):
    try:
        comparison = child_merge.compare(actor, now, child_id, duplicate_id)
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 400
        return _merge_page(children.get_child(actor, now, child_id), status=status, asked=asked,
                           problems=_messages(exc))
    if failed is None:
        return _merge_page(comparison.kept, comparison=comparison, asked=asked)
    return _merge_page(comparison.kept, comparison=comparison, asked=asked, problems=_messages(failed),
                       status=409 if isinstance(failed, Conflict) else 400)


def _messages(exc) -> list[str]:
    return [m for messages in (exc.errors or {}).values() for m in messages] or [exc.message]


def _merge_page(child, status: int = 200, **context):
    context.setdefault("problems", [])
    context.setdefault("comparison", None)
    return render_template("children/merge.html", child=child, labels=FIELD_LABELS, sex_labels=SEX_LABELS,
                           undo_days=child_merge.UNDO_DAYS, **context), status
