"""Contacts through the pages: logging one, the queue awaiting decision, and the contact page where
it is screened, rated, shared with partner agencies, recommended and decided.

Every read and write goes through services.contacts, services.information_requests and
services.queue, which audit it and enforce the rules (roles, states, versions, consent). The pages
check only what a form can check on its own, then show the service's answer on the right field.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from triage.auth import current_actor, roles_required
from triage.clock import LONDON, local_date, to_london, utcnow
from triage.domain.clocks import ClockState, clock_state, describe_time_left
from triage.domain.codes import (
    AgencyKind,
    Consent,
    ContactChannel,
    DashRisk,
    DecisionOutcome,
    Rag,
    ReferralSource,
)
from triage.domain.consent import NotSoughtReason, partner_request_refusal
from triage.domain.contact_states import ContactState
from triage.domain.identifiers import nhs_number_problem, normalise_nhs_number
from triage.domain.roles import Role
from triage.extensions import db
from triage.services import children, contacts, information_requests, people, queue, reference
from triage.services.actor import Actor
from triage.services.children import ChildSearch, PossibleDuplicate
from triage.services.errors import Conflict, Invalid, NotFound, ServiceError
from triage.services.paging import Page
from triage.services.referrals import referrals_for_contact
from triage.settings import clock_settings
from triage.web.forms import (
    DateInputField,
    add_error,
    attach_service_errors,
    choices,
    max_length,
    optional_int,
)

bp = Blueprint("contacts", __name__)

UTC = UTC
STAFF = contacts.STAFF
SCREENERS = contacts.SCREENERS
MAX_CHILDREN = 6
QUEUE_PAGE = 25
SEARCH_RESULTS = 10
SEX_CHOICES = [("female", "Female"), ("male", "Male"), ("unknown", "Unknown"), ("not_stated", "Not stated")]
YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_ASKED_AGENCIES = {AgencyKind.CHILDRENS_SOCIAL_CARE.value}  # the Front Door does not ask itself


# ---------------------------------------------------------------- London time on forms

TIME_TEXT = re.compile(r"^(\d{1,2})[:.]?(\d{2})$")


class NonExistentTime(ValueError):
    """A London wall-clock time skipped when the clocks go forward."""


def parse_clock_time(text: str, label: str) -> time:
    """'9:30', '09:30', '0930' or '14.05' as a time; a ValueError naming the field otherwise."""
    match = TIME_TEXT.match((text or "").strip().replace(" ", ""))
    if not match:
        raise ValueError(f"{label} must be a time on the 24-hour clock, for example 09:30 or 14:05")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"{label} must be a real time, from 00:00 to 23:59")
    return time(hour, minute)


def london_instant(day: date, clock: time) -> tuple[datetime, bool]:
    """A London wall-clock date and time as aware UTC, and whether it was ambiguous.

    When the clocks go back 01:00-01:59 happens twice: the first (British Summer Time) is used.
    When they go forward 01:00-01:59 never happens: NonExistentTime.
    """
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=LONDON, fold=0), naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC), False
    if first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        raise NonExistentTime(naive)
    return first.astimezone(UTC), True


def read_london_time(form, date_name: str, time_name: str, now: datetime, what: str,
                     required: bool = True) -> tuple[datetime | None, bool]:
    """The instant typed into a date input and a time box, with errors put on the box at fault."""
    date_field, time_field = getattr(form, date_name), getattr(form, time_name)
    day, text = date_field.data, (time_field.data or "").strip()
    if date_field.errors:
        return None, False
    if day is None:
        if text and not required:
            add_error(form, date_name, f"Enter the date {what} as well as the time")
        return None, False
    if not text:
        if not time_field.errors:
            add_error(form, time_name, f"Enter the time {what}")
        return None, False
    try:
        clock = parse_clock_time(text, time_field.label.text.replace(" (optional)", ""))
    except ValueError as exc:
        add_error(form, time_name, str(exc))
        return None, False
    try:
        instant, ambiguous = london_instant(day, clock)
    except NonExistentTime:
        add_error(form, time_name, (
            f"{time_field.label.text.replace(' (optional)', '')} cannot be {clock:%H:%M} on "
            f"{day:%-d %B %Y}: the clocks went forward an hour at 01:00 that night, so 01:00 to 01:59 "
            "did not happen in London. Enter a time before 01:00 or from 02:00"))
        return None, False
    if instant > now:
        if day > local_date(now):
            add_error(form, date_name, f"{date_field.label.text.replace(' (optional)', '')} must be today "
                                       "or in the past")
        else:
            add_error(form, time_name, f"{time_field.label.text.replace(' (optional)', '')} must be now "
                                       "or in the past")
        return None, False
    return instant, ambiguous


TIME_HINT = ("London time, on the 24-hour clock, for example 09:30 or 14:05. On the night the clocks go "
             "back, 01:00 to 01:59 happens twice: the first (British Summer Time) is used.")


# ---------------------------------------------------------------- labels and tags for the templates

RAG_TAGS = {"red": ("Red", "red"), "amber": ("Amber", "orange"), "green": ("Green", "green")}
NOT_RATED = ("Not yet rated", "grey")
CLOCK_TAGS = {ClockState.BREACHED: ("Overdue", "red"), ClockState.DUE_SOON: ("Due soon", "yellow"),
              ClockState.RUNNING: ("On time", "turquoise"), ClockState.MET: ("Met", "green")}
STATE_TAGS = {"received": "grey", "screening": None, "awaiting_information": "purple",
              "ready_for_decision": "turquoise", "decided": "green"}


def rag_tag(rag: str | None) -> tuple[str, str]:
    return RAG_TAGS.get(rag or "", NOT_RATED)


def label_of(enum, value) -> str:
    if value in (None, ""):
        return ""
    try:
        return enum(value).label
    except ValueError:
        return str(value)


def child_label(child) -> str:
    """How a child is named where staff choose between records."""
    parts = [child.full_name]
    if child.date_of_birth:
        parts.append(f"born {child.date_of_birth:%-d %B %Y}")
    elif child.expected_date_of_birth:
        parts.append(f"unborn, due {child.expected_date_of_birth:%-d %B %Y}")
    if child.nhs_number:
        n = child.nhs_number
        parts.append(f"NHS number {n[:3]} {n[3:6]} {n[6:]}")
    if child.council_child_id:
        parts.append(f"child id {child.council_child_id}")
    return ", ".join(parts)


def request_clock(req, now: datetime) -> ClockState:
    """A partner request's clock: due soon in the last quarter of its time, as the sweep warns."""
    if req.state != information_requests.OPEN:
        return ClockState.MET if req.returned_in_time else ClockState.BREACHED
    warn = (req.due_at - req.requested_at) / 4
    return clock_state(req.due_at, now, None, warn)


def contact_helpers():
    """Labels and tags for the contact and request pages (registered on those blueprints only)."""
    return {"contact_codes": {"channel": ContactChannel, "source": ReferralSource, "dash": DashRisk,
                              "consent": Consent, "not_sought": NotSoughtReason, "outcome": DecisionOutcome,
                              "state": ContactState, "rag": Rag},
            "label_of": label_of, "rag_tag": rag_tag, "clock_tags": CLOCK_TAGS, "state_tags": STATE_TAGS}


bp.context_processor(contact_helpers)


# ---------------------------------------------------------------- log a contact

def _text(label: str, length: int, required: str | None = None):
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(max_length(length, label.split(" (")[0]))
    return StringField(label, validators=validators)


class ContactForm(FlaskForm):
    """The contact itself; the children are ChildRowForms beside it. Fields in page order."""

    submission_key = HiddenField()
    received_date = DateInputField("Date received", required="Enter the date the contact was received")
    received_time = StringField("Time received", validators=[DataRequired("Enter the time the contact was received")])
    channel = RadioField("How did the contact come in?", choices=choices(ContactChannel.choices()),
                         invalid_choice_message="Select how the contact came in")
    police_incident_reference = _text("Police incident reference", 60)
    dash_risk = RadioField("DASH risk grade (optional)", choices=choices(DashRisk.choices()),
                           validators=[Optional()], invalid_choice_message="Select a DASH risk grade")
    operation_encompass = RadioField("Has the school been told under Operation Encompass? (optional)",
                                     choices=choices(YES_NO), validators=[Optional()],
                                     invalid_choice_message="Select yes or no")
    source_code = SelectField("Referral source", choices=choices(
        [("", "Choose a source")] + [(s.value, f"{s.value}: {s.label}") for s in ReferralSource]),
        validators=[DataRequired("Choose the referral source")],
        invalid_choice_message="Choose a referral source from the list")
    referrer_name = _text("Name (optional)", 120)
    referrer_role = _text("Role (optional)", 120)
    referrer_agency = _text("Agency or organisation (optional)", 120)
    referrer_contact_details = _text("How to reach them (optional)", 200)
    concern = TextAreaField("What is the concern?", validators=[
        DataRequired("Describe what the concern is"), max_length(20000, "The concern")])
    consent = RadioField("Consent to share information with partner agencies",
                         choices=choices(Consent.choices()), invalid_choice_message="Select the consent position")
    consent_given_by = _text("Who gave consent?", 120)
    consent_given_date = DateInputField("Date consent was given (optional)")
    consent_given_time = StringField("Time consent was given (optional)")
    consent_refused_by = _text("Who refused consent?", 120)
    consent_refused_date = DateInputField("Date consent was refused (optional)")
    consent_refused_time = StringField("Time consent was refused (optional)")
    consent_not_sought_reason = RadioField("Why was consent not sought?", choices=choices(NotSoughtReason.choices()),
                                           validators=[Optional()],
                                           invalid_choice_message="Select why consent was not sought")
    team_id = SelectField("Team (optional)", coerce=optional_int, choices=choices([("", "No team yet")]),
                          invalid_choice_message="Choose a team from the list")
    put_forward = BooleanField("Put forward to the next multi-agency triage meeting")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id.choices = choices([("", "No team yet")] + [(t.id, t.name) for t in reference.list_teams()])


class ChildRowForm(Form):
    """One child named in the contact: an existing record found by search, or a new child."""

    mode = RadioField("Is this child already recorded?",
                      choices=choices([("existing", "Yes, find their record"), ("new", "No, enter their details")]),
                      validators=[Optional()])
    search_name = StringField("Name")
    search_dob = DateInputField("Date of birth")
    search_nhs = StringField("NHS number")
    existing_id = RadioField("Choose the child's record", choices=[], validate_choice=False,
                             validators=[Optional()])
    first_name = StringField("First name", validators=[Optional(), max_length(100, "First name")])
    last_name = StringField("Last name", validators=[Optional(), max_length(100, "Last name")])
    date_of_birth = DateInputField("Date of birth")
    sex = RadioField("Sex", choices=choices(SEX_CHOICES), validators=[Optional()])
    nhs_number = StringField("NHS number (optional)", validators=[Optional(), max_length(14, "NHS number")])
    address_line_1 = StringField("Address line 1 (optional)", validators=[Optional(), max_length(200, "Address")])
    town = StringField("Town or city (optional)", validators=[Optional(), max_length(100, "Town")])
    postcode = StringField("Postcode (optional)", validators=[Optional(), max_length(10, "Postcode")])
    locality_id = SelectField("Locality (optional)", coerce=optional_int, choices=[],
                              invalid_choice_message="Choose a locality from the list")
    use_match = RadioField("Is this one of these children?", choices=[], validate_choice=False,
                           validators=[Optional()])
    match_ids = HiddenField()

    TEXT = ("search_name", "search_nhs", "first_name", "last_name", "nhs_number", "address_line_1", "town",
            "postcode")

    def __init__(self, *args, localities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locality_id.choices = choices([("", "Not known")] + [(loc.id, loc.name) for loc in localities])
        self.results_total: int | None = None  # set after a search
        self.matches: list = []  # possible duplicates of the new child's details
        self.same_nhs = False

    @property
    def index(self) -> int:
        return int(self._prefix.split("-")[1])

    def is_blank(self) -> bool:
        typed = any((getattr(self, name).data or "").strip() for name in self.TEXT)
        dates = any(any(f.parts.values()) for f in (self.search_dob, self.date_of_birth))
        return not (self.mode.data or typed or dates or self.existing_id.data or self.locality_id.data)

    def new_child_fields(self) -> dict:
        def clean(name):
            return (getattr(self, name).data or "").strip() or None
        return {"first_name": clean("first_name"), "last_name": clean("last_name"),
                "date_of_birth": self.date_of_birth.data, "sex": self.sex.data, "nhs_number": clean("nhs_number"),
                "address_line_1": clean("address_line_1"), "town": clean("town"), "postcode": clean("postcode"),
                "locality_id": self.locality_id.data}


ROW_KEY = re.compile(r"^child-(\d+)-(.+)$")
SEARCH_FIELDS = ("search_name", "search_dob", "search_nhs")
NEW_CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "nhs_number", "address_line_1", "town",
                    "postcode", "locality_id")


def _drop_row(formdata: MultiDict, index: int) -> MultiDict:
    """The posted form without child row `index`, later rows moved up one."""
    kept = MultiDict()
    for key, values in formdata.lists():
        match = ROW_KEY.match(key)
        if match:
            row = int(match[1])
            if row == index:
                continue
            if row > index:
                key = f"child-{row - 1}-{match[2]}"
        for value in values:
            kept.add(key, value)
    return kept


def _row_count(formdata) -> int:
    raw = formdata.get("child_rows", "1")
    return max(1, min(MAX_CHILDREN, int(raw))) if raw.isdigit() else 1


def _rows(formdata, count: int) -> list[ChildRowForm]:
    localities = reference.list_localities()
    return [ChildRowForm(formdata, prefix=f"child-{i}", localities=localities) for i in range(count)]


def _show_chosen(actor: Actor, now: datetime, row: ChildRowForm) -> None:
    """Keep the record chosen in an earlier search on screen (an audited read of that record), or
    the results of that search when none was chosen yet."""
    chosen = (row.existing_id.data or "").strip()
    if row.mode.data != "existing":
        row.existing_id.data = None
        return
    if not chosen.isdigit():
        row.existing_id.data = None
        if any((getattr(row, n).data or "").strip() for n in ("search_name", "search_nhs")) or row.search_dob.data:
            _search_row(actor, now, row)
        return
    try:
        child = children.get_child(actor, now, int(chosen))
    except NotFound:
        row.existing_id.data = None
        add_error(row, "search_name", "That child record no longer exists: search again")
        return
    row.existing_id.choices = choices([(child.id, child_label(child))])


def _search_row(actor: Actor, now: datetime, row: ChildRowForm) -> bool:
    """Run a row's search; the results become the records to choose from. False on bad input."""
    row.mode.data = "existing"
    if row.search_dob.process_errors:
        row.search_dob.errors = list(row.search_dob.process_errors)
        return False
    nhs = (row.search_nhs.data or "").strip()
    if nhs and nhs_number_problem(nhs):
        add_error(row, "search_nhs", nhs_number_problem(nhs))
        return False
    criteria = ChildSearch(name=(row.search_name.data or "").strip() or None, date_of_birth=row.search_dob.data,
                           nhs_number=nhs or None)
    try:
        found = children.search_children(actor, now, criteria, page=1, per_page=SEARCH_RESULTS)
    except Invalid:
        db.session.rollback()
        add_error(row, "search_name", "Enter a name, date of birth or NHS number to search by")
        return False
    row.results_total = found.total
    row.existing_id.choices = choices([(c.id, child_label(c)) for c in found.items])
    row.existing_id.data = None
    return True


def _check_new_child(row: ChildRowForm) -> bool:
    ok = True
    for name, message in (("first_name", "Enter the child's first name"), ("last_name", "Enter the child's last name")):
        if not (getattr(row, name).data or "").strip() and not getattr(row, name).errors:
            add_error(row, name, message)
            ok = False
    if row.date_of_birth.errors:
        ok = False
    elif row.date_of_birth.data is None:
        add_error(row, "date_of_birth", "Enter the child's date of birth")
        ok = False
    if not row.sex.data:
        add_error(row, "sex", "Select the child's sex")
        ok = False
    nhs = (row.nhs_number.data or "").strip()
    if nhs and nhs_number_problem(nhs):
        add_error(row, "nhs_number", nhs_number_problem(nhs))
        ok = False
    return ok and not any(f.errors for f in row)


def _offer_matches(row: ChildRowForm, candidates: list, entered_nhs: str | None) -> None:
    row.matches = candidates
    row.same_nhs = bool(entered_nhs) and any(c.nhs_number == entered_nhs for c in candidates)
    options = [(c.id, f"Yes, {child_label(c)}") for c in candidates]
    if not row.same_nhs:
        options.append(("new", "No, this is a different child"))
    row.use_match.choices = choices(options)
    row.match_ids.data = ",".join(str(c.id) for c in candidates)


def _refresh_matches(row: ChildRowForm) -> list:
    """The records the new child's details look like (recomputed, never trusted from the form)."""
    fields = row.new_child_fields()
    if not (fields["first_name"] and fields["last_name"]):
        return []
    nhs = fields["nhs_number"]
    nhs = normalise_nhs_number(nhs) if nhs and not nhs_number_problem(nhs) else None
    candidates = children.possible_duplicates(nhs, fields["first_name"], fields["last_name"], fields["date_of_birth"])
    if candidates:
        _offer_matches(row, candidates, nhs)
    return candidates


def _child_entries(rows: list[ChildRowForm]) -> tuple[list[dict], list[int], bool]:
    """The children as record_contact takes them, the row each came from, and whether any row
    stopped at a possible duplicate."""
    entries, entry_rows, warned = [], [], False
    for row in rows:
        if row.is_blank():
            continue
        row.validate()
        # Only the half of the row that goes with the answer counts; the other may hold stale typing.
        ignored = NEW_CHILD_FIELDS if row.mode.data == "existing" else SEARCH_FIELDS
        for name in ignored + ("existing_id", "use_match"):
            getattr(row, name).errors = []
            if isinstance(getattr(row, name), DateInputField):
                getattr(row, name).error_parts = ()
        if row.mode.data == "existing":
            chosen = (row.existing_id.data or "").strip()
            if not chosen.isdigit():
                add_error(row, "existing_id" if row.existing_id.choices else "search_name",
                          "Find the child, then choose their record")
                continue
            entries.append({"child_id": int(chosen)})
        elif row.mode.data == "new":
            if not _check_new_child(row):
                continue
            fields = row.new_child_fields()
            if fields["nhs_number"]:
                fields["nhs_number"] = normalise_nhs_number(fields["nhs_number"])
            confirmed = {int(i) for i in (row.match_ids.data or "").split(",") if i.isdigit()}
            chosen = (row.use_match.data or "").strip()
            candidates = _refresh_matches(row)
            ids = {c.id for c in candidates}
            if not candidates:
                entries.append({"child": fields})
            elif chosen.isdigit() and int(chosen) in ids:
                entries.append({"child_id": int(chosen)})
            elif chosen == "new" and ids <= confirmed and not row.same_nhs:
                entries.append({"child": fields, "confirmed_new": True})
            else:
                row.use_match.data = None
                add_error(row, "use_match", "This child may already be recorded: choose their record, or say "
                                            "this is a different child" if not row.same_nhs else
                          "A child with this NHS number is already recorded: choose their record")
                warned = True
                # Unconfirmed: the service refuses it, unless this form was already saved once.
                entries.append({"child": fields})
        else:
            add_error(row, "mode", "Select whether this child is already recorded")
            continue
        entry_rows.append(row.index)
    if not entries and not any(f.errors for row in rows for f in row):
        add_error(rows[0], "mode", "Name at least one child: select whether they are already recorded")
    return entries, entry_rows, warned


def _consent_fields(form: ContactForm, now: datetime) -> dict:
    consent = form.consent.data
    result = {"consent": consent, "consent_by": None, "consent_at": None, "consent_not_sought_reason": None}
    if consent in (Consent.GIVEN, Consent.REFUSED):
        which = "given" if consent == Consent.GIVEN else "refused"
        by = (getattr(form, f"consent_{which}_by").data or "").strip()
        if not by:
            add_error(form, f"consent_{which}_by", "Say who gave consent" if which == "given" else
                      "Say who refused consent")
        result["consent_by"] = by or None
        result["consent_at"], _ = read_london_time(form, f"consent_{which}_date", f"consent_{which}_time", now,
                                                   f"consent was {which}", required=False)
    elif consent == Consent.NOT_SOUGHT:
        if not form.consent_not_sought_reason.data:
            add_error(form, "consent_not_sought_reason", "Select why consent was not sought")
        result["consent_not_sought_reason"] = form.consent_not_sought_reason.data
    return result


def _service_field(form: ContactForm, key: str) -> str:
    """Where a record_contact error belongs on this form."""
    consent = form.consent.data
    which = "given" if consent == Consent.GIVEN else "refused"
    return {"received_at": "received_time", "consent_by": f"consent_{which}_by",
            "consent_at": f"consent_{which}_date", "team_id": "team_id"}.get(key, key)


def _attach_intake_errors(form: ContactForm, rows: list[ChildRowForm], entry_rows: list[int],
                          exc: ServiceError) -> list[str]:
    unplaced = []
    for key, messages in (exc.errors or {}).items():
        messages = messages if isinstance(messages, (list, tuple)) else [messages]
        parts = key.split(".")
        placed = False
        for message in messages:
            if parts[0] == "children":
                row = rows[entry_rows[int(parts[1])]] if len(parts) > 1 and parts[1].isdigit() else rows[0]
                name = parts[2] if len(parts) > 2 else "mode"
                name = "existing_id" if name == "child_id" else name
                placed = add_error(row, name, str(message)) or add_error(row, "mode", str(message))
            else:
                placed = add_error(form, _service_field(form, key), str(message))
            if not placed:
                unplaced.append(str(message))
    if not exc.errors:
        unplaced.append(exc.message)
    return unplaced


def _error_links(form: ContactForm, rows: list[ChildRowForm]) -> list[tuple[str, str]]:
    """(anchor, message) in the order the fields appear on the page."""

    def link(field, message_prefix=""):
        anchor = field.error_anchor if isinstance(field, DateInputField) else field.id
        return anchor, message_prefix + field.errors[0]

    links = []
    for field in form:
        if field.name == "concern":
            for row in rows:
                prefix = f"Child {row.index + 1}: " if len(rows) > 1 else ""
                links.extend(link(f, prefix) for f in row if f.errors and f.type != "HiddenField")
        if field.errors and field.type not in ("CSRFTokenField", "HiddenField"):
            links.append(link(field))
    return links


def _render_new(form: ContactForm, rows: list[ChildRowForm], status: int, problems=(), focus_row=None):
    hidden_problems = [f.errors[0] for f in form if f.errors and f.type in ("CSRFTokenField", "HiddenField")]
    return render_template("contacts/new.html", form=form, rows=rows, max_children=MAX_CHILDREN,
                           error_links=_error_links(form, rows), problems=list(problems) + hidden_problems,
                           time_hint=TIME_HINT, focus_row=focus_row), status


@bp.route("/contacts/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    actor, now = current_actor(), utcnow()
    if request.method == "GET":
        local = to_london(now)
        form = ContactForm(formdata=None, received_date=local.date(), received_time=local.strftime("%H:%M"),
                           submission_key=uuid.uuid4().hex)
        return _render_new(form, _rows(None, 1), 200)

    formdata = request.form
    action = formdata.get("action", "save")
    count = _row_count(formdata)
    focus_row = None
    if action.startswith("remove-") and action[7:].isdigit() and count > 1:
        formdata = _drop_row(formdata, int(action[7:]))
        count -= 1
    elif action == "add-child" and count < MAX_CHILDREN:
        count += 1
        focus_row = count - 1
    form = ContactForm(formdata=formdata)
    if not (form.submission_key.data or "").strip():
        form.submission_key.data = uuid.uuid4().hex
    rows = _rows(formdata, count)
    for row in rows:
        if row.match_ids.data and row.mode.data == "new":
            _refresh_matches(row)
    searched = None
    if action.startswith("search-") and action[7:].isdigit() and int(action[7:]) < count:
        searched = rows[int(action[7:])]
    for row in rows:
        if row is not searched:
            _show_chosen(actor, now, row)
    if searched is not None:
        ok = _search_row(actor, now, searched)
        return _render_new(form, rows, 200 if ok else 400, focus_row=searched.index)
    if action != "save":
        return _render_new(form, rows, 200, focus_row=focus_row)
    return _save_contact(actor, now, form, rows)


def _save_contact(actor: Actor, now: datetime, form: ContactForm, rows: list[ChildRowForm]):
    form.validate()
    received, ambiguous = read_london_time(form, "received_date", "received_time", now, "the contact was received")
    police = form.channel.data == ContactChannel.POLICE_NOTIFICATION
    if police and not (form.police_incident_reference.data or "").strip():
        add_error(form, "police_incident_reference", "Enter the police incident reference for a police notification")
    consent = _consent_fields(form, now) if form.consent.data else {}
    entries, entry_rows, warned = _child_entries(rows)
    form_errors = any(f.errors for f in form)
    row_errors = any(f.errors for row in rows for f in row if f.name != f"{row._prefix}use_match")
    if form_errors or row_errors:
        return _render_new(form, rows, 400)

    encompass = form.operation_encompass.data
    data = {
        "received_at": received, "channel": form.channel.data, "source_code": form.source_code.data,
        "referrer_name": form.referrer_name.data, "referrer_role": form.referrer_role.data,
        "referrer_agency": form.referrer_agency.data,
        "referrer_contact_details": form.referrer_contact_details.data,
        "children": entries, "concern": form.concern.data,
        "police_incident_reference": form.police_incident_reference.data if police else None,
        "dash_risk": (form.dash_risk.data or None) if police else None,
        "operation_encompass_informed": (encompass == "yes") if police and encompass else None,
        "put_forward_to_meeting": bool(form.put_forward.data), "team_id": form.team_id.data, **consent,
    }
    try:
        contact, created = contacts.record_contact(actor, now, data, idempotency_key=form.submission_key.data)
    except PossibleDuplicate:
        db.session.rollback()
        if warned:  # the matches are already on the rows that stopped at them
            return _render_new(form, rows, 409)
        for row in rows:
            if row.mode.data == "new":
                _refresh_matches(row)
        return _render_new(form, rows, 409, problems=[
            "A child in this contact may already be recorded: check the matches shown, then save again"])
    except Conflict as exc:
        db.session.rollback()
        if "Idempotency-Key" in exc.errors:
            return _render_new(form, rows, 409, problems=[
                "This form has already been used to log a contact. Open a new form to log another contact."])
        return _render_new(form, rows, 409, problems=_attach_intake_errors(form, rows, entry_rows, exc))
    except Invalid as exc:
        db.session.rollback()
        return _render_new(form, rows, 400, problems=_attach_intake_errors(form, rows, entry_rows, exc))
    if not created:
        flash(f"This contact was already logged as contact {contact.id}: nothing new was saved")
    else:
        message = f"Contact {contact.id} logged"
        if ambiguous:
            local = to_london(contact.received_at)
            message += (f". {local:%H:%M} on {local:%-d %B %Y} happened twice when the clocks went back: "
                        f"the first, {local:%H:%M} British Summer Time, was used")
        flash(message)
    return redirect(url_for("web.contacts.show", contact_id=contact.id))


# ---------------------------------------------------------------- the queue

class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a filter is a GET: it changes nothing

    rag = SelectField("RAG rating", choices=choices(
        [("", "Any rating"), ("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "Not yet rated")]),
        default="", invalid_choice_message="Choose a RAG rating from the list")
    source = SelectField("Source", choices=choices(
        [("", "Any source")] + [(s.value, f"{s.value}: {s.label}") for s in ReferralSource]),
        default="", invalid_choice_message="Choose a source from the list")
    locality = SelectField("Locality", coerce=optional_int, choices=[],
                           invalid_choice_message="Choose a locality from the list")
    team = SelectField("Team", coerce=optional_int, choices=[], invalid_choice_message="Choose a team from the list")
    agency = SelectField("Awaiting information from", choices=[], default="",
                         invalid_choice_message="Choose an agency from the list")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locality.choices = choices([("", "Any locality")] + [(x.id, x.name) for x in reference.list_localities()])
        self.team.choices = choices([("", "Any team")] + [(t.id, t.name) for t in reference.list_teams()])
        self.agency.choices = choices([("", "Any agency")] + [
            (a.code, a.name) for a in reference.list_agencies() if a.code not in NOT_ASKED_AGENCIES])


QUEUE_KEYS = ("rag", "source", "locality", "team", "agency")


def _page_url(endpoint: str, **fixed):
    def build(n: int) -> str:
        args = request.args.to_dict()
        args["page"] = n
        return url_for(endpoint, **fixed, **args)
    return build


@roles_required(*STAFF)
def queue_page():
    form = QueueFilterForm(request.args)
    filtered = any(request.args.get(k) for k in QUEUE_KEYS)
    if any(k in request.args for k in QUEUE_KEYS) and not form.validate():
        return render_template("contacts/queue.html", form=form, page=None, filtered=filtered,
                               page_url=_page_url("web.contacts.queue")), 400
    filters = queue.QueueFilters(rag=form.rag.data or None, source_code=form.source.data or None,
                                 locality_id=form.locality.data, team_id=form.team.data,
                                 awaiting_agency=form.agency.data or None)
    result = queue.awaiting_decision(current_actor(), utcnow(), filters,
                                     page=max(1, request.args.get("page", 1, type=int)), per_page=QUEUE_PAGE)
    page = Page(items=result.items, total=result.total, page=result.page, per_page=result.per_page)
    return render_template("contacts/queue.html", form=form, page=page, filtered=filtered,
                           page_url=_page_url("web.contacts.queue"))


# The endpoint is web.contacts.queue; the function has another name so that it does not shadow
# the services.queue module imported above.
bp.add_url_rule("/queue", endpoint="queue", view_func=queue_page, methods=["GET"])


# ---------------------------------------------------------------- the contact page: its forms

class VersionForm(FlaskForm):
    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the contact's version: reload the contact and try again")

    @property
    def version_number(self) -> int:
        return int(self.version.data)


class ScreeningForm(VersionForm):
    pass


class RagForm(VersionForm):
    rag = RadioField("RAG rating", choices=choices(Rag.choices()), invalid_choice_message="Select red, amber or green")
    reason = TextAreaField("Reason for this rating", validators=[
        DataRequired("Give the reason for this rating"), max_length(5000, "The reason")])


class RequestInformationForm(VersionForm):
    agencies = SelectMultipleField("Agencies to ask", choices=[], validators=[DataRequired("Choose at least one agency")],
                                   invalid_choice_message="Choose agencies from the list")
    question = TextAreaField("What do you need to know?", validators=[
        DataRequired("Say what you need to know"), max_length(5000, "The question")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies.choices = choices([(a.code, a.name) for a in reference.list_agencies()
                                         if a.code not in NOT_ASKED_AGENCIES])


class PutForwardForm(VersionForm):
    put_forward = HiddenField()


class RecommendForm(VersionForm):
    outcome = RadioField("Recommended outcome", choices=choices(DecisionOutcome.choices()),
                         invalid_choice_message="Select the outcome you recommend")
    rationale = TextAreaField("Why?", validators=[DataRequired("Write the rationale for your recommendation"),
                                                  max_length(20000, "The rationale")])


class AcknowledgeForm(VersionForm):
    pass


class ConsentForm(VersionForm):
    consent = RadioField("Consent to share information with partner agencies",
                         choices=choices(Consent.choices()), invalid_choice_message="Select the consent position")
    consent_by = StringField("Who gave or refused consent?", validators=[Optional(), max_length(120, "The name")])
    consent_not_sought_reason = RadioField("If it was not sought, why?", choices=choices(NotSoughtReason.choices()),
                                           validators=[Optional()],
                                           invalid_choice_message="Select why consent was not sought")


class FeedbackForm(VersionForm):
    note = TextAreaField("What was the referrer told?", validators=[
        DataRequired("Write what the referrer was told"), max_length(5000, "The note")])


class DecisionForm(VersionForm):
    apply_to = RadioField("Who does this decision apply to?", validators=[Optional()], choices=choices(
        [("all", "The same decision for every child"), ("each", "A different decision for each child")]))
    outcome = RadioField("Outcome", choices=choices(DecisionOutcome.choices()), validators=[Optional()])
    rationale = TextAreaField("Rationale", validators=[Optional(), max_length(20000, "The rationale")])
    delay_reason = TextAreaField("Why is the decision late?", validators=[Optional(), max_length(5000, "The reason")])


def decision_form_for(contact, **kwargs) -> DecisionForm:
    """The decision form with an outcome and rationale for each child the contact names."""

    class ContactDecisionForm(DecisionForm):
        pass

    for link in contact.children:
        name = link.child.full_name
        setattr(ContactDecisionForm, f"outcome_{link.child_id}", RadioField(
            f"Outcome for {name}", choices=choices(DecisionOutcome.choices()), validators=[Optional()]))
        setattr(ContactDecisionForm, f"rationale_{link.child_id}", TextAreaField(
            f"Rationale for {name}", validators=[Optional(), max_length(20000, "The rationale")]))
    return ContactDecisionForm(prefix="decide", **kwargs)


@dataclass(frozen=True)
class Action:
    form: type | None
    prefix: str
    roles: tuple[Role, ...]
    done: str


ACTIONS = {
    "screening": Action(ScreeningForm, "screen", SCREENERS, "Screening started"),
    "rag": Action(RagForm, "rag", SCREENERS, "RAG rating saved"),
    "information-requests": Action(RequestInformationForm, "ask", SCREENERS, "Information requested"),
    "put-forward": Action(PutForwardForm, "forward", SCREENERS, "Triage meeting updated"),
    "recommendation": Action(RecommendForm, "recommend", SCREENERS, "Recommendation saved"),
    "decision": Action(None, "decide", (Role.MANAGER,), "Decision recorded"),
    "acknowledgement": Action(AcknowledgeForm, "ack", STAFF, "Acknowledgement to the referrer recorded"),
    "consent": Action(ConsentForm, "consent", SCREENERS, "Consent record updated"),
    "feedback": Action(FeedbackForm, "feedback", STAFF, "Feedback to the referrer recorded"),
}


def _blank_form(key: str, contact):
    spec = ACTIONS[key]
    if key == "decision":
        form = decision_form_for(contact, formdata=None)
        form.apply_to.data = "all"
        if contact.recommended_outcome:
            form.outcome.data = contact.recommended_outcome
        return form
    return spec.form(formdata=None, prefix=spec.prefix)


def _posted_form(key: str, contact):
    spec = ACTIONS[key]
    if key == "decision":
        return decision_form_for(contact)
    return spec.form(prefix=spec.prefix)


# ---------------------------------------------------------------- the contact page

def _render_show(contact_id: int, status: int = 200, active: dict | None = None, problems=(),
                 stale: bool = False):
    actor, now = current_actor(), utcnow()
    contact = contacts.get_contact(actor, now, contact_id)
    forms = {key: _blank_form(key, contact) for key in ACTIONS}
    forms.update(active or {})
    for form in forms.values():
        form.version.data = str(contact.version)  # the page shows the contact as it is now
    settings = clock_settings()
    decided = contact.state == ContactState.DECIDED
    decision_clock = clock_state(contact.decision_due_at, now, contact.decided_at, settings.decision_warn)
    referrals = referrals_for_contact(actor, now, contact.id) if decided else []
    refusal = None
    if contact.rag is None:
        refusal = "Set a RAG rating first: it sets how fast partner agencies must answer."
    elif partner_request_refusal(contact.consent, contact.rag):
        refusal = partner_request_refusal(contact.consent, contact.rag) + "."
    error_form = next((f for f in (active or {}).values() if f.errors), None)
    names = people.display_names([c.changed_by_id for c in contact.rag_changes] + [r.requested_by_id for r in contact.requests]
                        + [link.decided_by_id for link in contact.children]
                        + [contact.recorded_by_id, contact.recommended_by_id, contact.acknowledged_by_id])
    return render_template(
        "contacts/show.html", contact=contact, history=contacts.history_for(contact, actor, now), forms=forms,
        error_form=error_form, problems=list(problems), stale=stale, now=now, decided=decided,
        decision_clock=decision_clock, time_left=describe_time_left(contact.decision_due_at, now),
        late=now > contact.decision_due_at, referrals=referrals, request_refusal=refusal, user_names=names,
        request_clock=lambda r: request_clock(r, now), child_label=child_label,
        can_screen=actor.has_role(*SCREENERS), can_decide=actor.has_role(Role.MANAGER),
        can_recommend=actor.has_role(Role.PRACTITIONER), sex_labels=dict(SEX_CHOICES),
    ), status


@bp.get("/contacts/<int:contact_id>")
@roles_required(*STAFF)
def show(contact_id: int):
    return _render_show(contact_id)


DECISION_FIELD = re.compile(r"^decisions\.(\d+)\.(outcome|rationale|child_id)$")


def _check_choice(form, name: str, message: str) -> None:
    if not getattr(form, name).data:
        add_error(form, name, message)


def _decision_entries(form: DecisionForm, contact, late: bool) -> tuple[list[dict], str | None]:
    links = contact.children
    each = len(links) > 1 and form.apply_to.data == "each"
    if each:
        entries = []
        for link in links:
            _check_choice(form, f"outcome_{link.child_id}", f"Select the outcome for {link.child.full_name}")
            rationale = getattr(form, f"rationale_{link.child_id}")
            if not (rationale.data or "").strip():
                add_error(form, f"rationale_{link.child_id}",
                          f"Write the rationale for {link.child.full_name}: it is always required")
            entries.append({"child_id": link.child_id, "outcome": getattr(form, f"outcome_{link.child_id}").data,
                            "rationale": rationale.data or ""})
    else:
        _check_choice(form, "outcome", "Select the outcome")
        if not (form.rationale.data or "").strip():
            add_error(form, "rationale", "Write the rationale: it is always required")
        entries = [{"outcome": form.outcome.data, "rationale": form.rationale.data or ""}]
    delay = (form.delay_reason.data or "").strip() or None
    if late and not delay:
        add_error(form, "delay_reason", "Say why the decision is late")
    return entries, delay


def _decision_field_map(form, contact, exc: ServiceError) -> dict[str, str]:
    """decisions.N.outcome -> outcome_<child id> (or outcome when deciding for all at once)."""
    mapping = {}
    each = len(contact.children) > 1 and form.apply_to.data == "each"
    for key in exc.errors or {}:
        match = DECISION_FIELD.match(key)
        if match and each and int(match[1]) < len(contact.children):
            child_id = contact.children[int(match[1])].child_id
            field = "outcome" if match[2] == "child_id" else match[2]
            mapping[key] = f"{field}_{child_id}"
        elif match:
            mapping[key] = "outcome" if match[2] == "child_id" else match[2]
    mapping["decisions"] = "outcome"
    return mapping


def _perform(key: str, actor: Actor, now: datetime, contact, form) -> None:
    cid, version = contact.id, form.version_number
    if key == "screening":
        contacts.start_screening(actor, now, cid, version)
    elif key == "rag":
        contacts.set_rag(actor, now, cid, form.rag.data, form.reason.data, version)
    elif key == "information-requests":
        information_requests.request_information(actor, now, cid, form.agencies.data, form.question.data, version)
    elif key == "put-forward":
        contacts.put_forward(actor, now, cid, form.put_forward.data != "no", version)
    elif key == "recommendation":
        contacts.recommend(actor, now, cid, form.outcome.data, form.rationale.data, version)
    elif key == "acknowledgement":
        contacts.acknowledge(actor, now, cid, version)
    elif key == "feedback":
        contacts.record_feedback(actor, now, cid, form.note.data, version)
    elif key == "consent":
        contacts.record_consent(actor, now, cid, form.consent.data, form.consent_by.data,
                                form.consent_not_sought_reason.data or None, version=version)


def _act(key: str, contact_id: int):
    actor, now = current_actor(), utcnow()
    contact = contacts.load(contact_id)  # NotFound: the 404 page
    form = _posted_form(key, contact)
    valid = form.validate()
    entries = delay = None
    if key == "decision":
        entries, delay = _decision_entries(form, contact, now > contact.decision_due_at)
        valid = valid and not form.errors
    if not valid:
        return _render_show(contact_id, 400, active={key: form})
    try:
        if key == "decision":
            contacts.record_decision(actor, now, contact.id, entries, delay, form.version_number)
        else:
            _perform(key, actor, now, contact, form)
    except (Conflict, Invalid) as exc:
        db.session.rollback()
        current = contacts.load(contact_id)
        if isinstance(exc, Conflict) and current.version != form.version_number:
            return _render_show(contact_id, 409, active={key: form}, stale=True)
        field_map = (_decision_field_map(form, contact, exc) if key == "decision" else
                     {"consent": "agencies", "rag": "agencies"} if key == "information-requests" else {})
        default = {"information-requests": "agencies", "rag": "rag", "recommendation": "outcome",
                   "feedback": "note"}.get(key)
        problems = attach_service_errors(form, exc, field_map, default_field=default)
        return _render_show(contact_id, 409 if isinstance(exc, Conflict) else 400, active={key: form},
                            problems=problems)
    flash(ACTIONS[key].done)
    return redirect(url_for("web.contacts.show", contact_id=contact_id))


def _register_action(key: str) -> None:
    @roles_required(*ACTIONS[key].roles)
    def view(contact_id: int):
        return _act(key, contact_id)

    endpoint = key.replace("-", "_")
    view.__name__ = endpoint
    bp.add_url_rule(f"/contacts/<int:contact_id>/{key}", endpoint=endpoint, view_func=view, methods=["POST"])


for _key in ACTIONS:
    _register_action(_key)
