"""Logging a contact: finding or recording each child, then one call to the intake service."""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from triage.auth import current_actor, roles_required
from triage.clock import to_london, utcnow
from triage.domain.codes import (
    Consent,
    ContactChannel,
)
from triage.domain.contact_commands import IntakeCommand, intake_problems
from triage.domain.contact_states import STAFF
from triage.domain.identifiers import nhs_number_problem, normalise_nhs_number
from triage.services import children, contacts, reference
from triage.services.actor import Actor
from triage.services.children import ChildSearch, PossibleDuplicate
from triage.services.errors import Conflict, Invalid, NotFound, ServiceError
from triage.web.contacts.blueprint import bp, child_label
from triage.web.contacts.forms import ChildRowForm, ContactForm
from triage.web.contacts.london_time import TIME_HINT, read_london_time
from triage.web.forms import (
    DateInputField,
    add_error,
    choices,
)

MAX_CHILDREN = 6
SEARCH_RESULTS = 10
ROW_KEY = re.compile(r"^child-(\d+)-(.+)$")
SEARCH_FIELDS = ("search_name", "search_dob", "search_nhs")
NEW_CHILD_FIELDS = ("first_name", "last_name", "born", "date_of_birth", "estimated_date_of_birth", "approximate_age",
                    "sex", "nhs_number", "address_line_1", "town", "postcode", "locality_id")


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
    ok = _check_birth(row) and ok
    if not row.sex.data:
        add_error(row, "sex", "Select the child's sex")
        ok = False
    nhs = (row.nhs_number.data or "").strip()
    if nhs and nhs_number_problem(nhs):
        add_error(row, "nhs_number", nhs_number_problem(nhs))
        ok = False
    return ok and not any(f.errors for f in row)


def _check_birth(row: ChildRowForm) -> bool:
    """The date the answer to "known?" needs; the other date and the age may hold stale typing."""
    needed, missing = {"yes": ("date_of_birth", "Enter the child's date of birth"),
                       "approximate": ("estimated_date_of_birth", "Enter an estimated date of birth, or their age"),
                       }.get(row.born.data, (None, None))
    if row.born.data == "approximate" and (row.approximate_age.data or "").strip():
        needed = None  # an age is enough: the service estimates the date from it
    else:
        row.approximate_age.errors = []
    for name in ("date_of_birth", "estimated_date_of_birth"):
        field = getattr(row, name)
        if name != needed:
            field.errors, field.error_parts = [], ()
        elif not field.errors and field.data is None:
            add_error(row, name, missing)
    return not any(getattr(row, name).errors for name in ("born", "date_of_birth", "estimated_date_of_birth",
                                                           "approximate_age"))


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
        result["consent_by"] = getattr(form, f"consent_{which}_by").data
        result["consent_at"], _ = read_london_time(form, f"consent_{which}_date", f"consent_{which}_time", now,
                                                   f"consent was {which}", required=False)
    elif consent == Consent.NOT_SOUGHT:
        result["consent_not_sought_reason"] = form.consent_not_sought_reason.data
    return result


# The rules are the domain's (intake_problems); the words are this page's, naming what to do on it.
INTAKE_WORDING = {
    "police_incident_reference": lambda form: "Enter the police incident reference for a police notification",
    "consent_by": lambda form: "Say who gave consent" if form.consent.data == Consent.GIVEN else
    "Say who refused consent",
    "consent_not_sought_reason": lambda form: "Select why consent was not sought",
}


def _show_rule_problems(form: ContactForm, command: IntakeCommand, now: datetime) -> None:
    """The intake rules the form breaks, each on its field (unless the field already says what is
    wrong). The child rows say for themselves what they are missing."""
    for key, messages in intake_problems(command, now).items():
        if key == "children":
            continue
        name = _service_field(form, key)
        field = getattr(form, name, None)
        if field is None or field.errors:
            continue
        add_error(form, name, INTAKE_WORDING[key](form) if key in INTAKE_WORDING else messages[0])


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
    consent = _consent_fields(form, now) if form.consent.data else {}
    entries, entry_rows, warned = _child_entries(rows)
    encompass = form.operation_encompass.data
    command = IntakeCommand.from_mapping({
        "received_at": received, "channel": form.channel.data, "source_code": form.source_code.data,
        "referrer_name": form.referrer_name.data, "referrer_role": form.referrer_role.data,
        "referrer_agency": form.referrer_agency.data,
        "referrer_contact_details": form.referrer_contact_details.data,
        "children": entries, "concern": form.concern.data,
        "police_incident_reference": form.police_incident_reference.data if police else None,
        "dash_risk": (form.dash_risk.data or None) if police else None,
        "operation_encompass_informed": (encompass == "yes") if police and encompass else None,
        "put_forward_to_meeting": bool(form.put_forward.data), "team_id": form.team_id.data, **consent,
    })
    _show_rule_problems(form, command, now)
    form_errors = any(f.errors for f in form)
    row_errors = any(f.errors for row in rows for f in row if f.name != f"{row._prefix}use_match")
    if form_errors or row_errors:
        return _render_new(form, rows, 400)
    # A refusal below has been rolled back by the service's unit of work: nothing was written.
    try:
        contact, created = contacts.record_contact(actor, now, command, idempotency_key=form.submission_key.data)
    except PossibleDuplicate:
        if warned:  # the matches are already on the rows that stopped at them
            return _render_new(form, rows, 409)
        for row in rows:
            if row.mode.data == "new":
                _refresh_matches(row)
        return _render_new(form, rows, 409, problems=[
            "A child in this contact may already be recorded: check the matches shown, then save again"])
    except Conflict as exc:
        if "Idempotency-Key" in exc.errors:
            return _render_new(form, rows, 409, problems=[
                "This form has already been used to log a contact. Open a new form to log another contact."])
        return _render_new(form, rows, 409, problems=_attach_intake_errors(form, rows, entry_rows, exc))
    except Invalid as exc:
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

