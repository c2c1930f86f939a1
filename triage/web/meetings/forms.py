"""The meeting pages' forms, and the agency choices they share (read once per request)."""
from __future__ import annotations

from flask import g
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from triage.domain.codes import DecisionOutcome, Rag
from triage.domain.roles import Role
from triage.services import meetings, people, reference
from triage.web.forms import DateInputField, choices, max_length, optional_int

READERS = meetings.READERS
CSC = "childrens_social_care"  # the agency a Front Door practitioner or manager attends for
MODE_CHOICES = [("in_person", "In person"), ("virtual", "Virtual")]
RAG_CHOICES = [(r.value, r.value.capitalize()) for r in Rag]


class PlanForm(FlaskForm):
    type = SelectField("Meeting", validators=[DataRequired("Choose the kind of meeting")],
                       invalid_choice_message="Choose a meeting from the list")
    meeting_date = DateInputField("Date", required="Enter the date of the meeting")
    locality_id = SelectField("Locality (a locality's own meeting; county-wide otherwise)", coerce=optional_int,
                              invalid_choice_message="Choose a locality from the list")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = choices([(t.code, t.name) for t in meetings.meeting_types().values()])
        self.locality_id.choices = choices([("", "County-wide")] +
                                           [(loc.id, loc.name) for loc in reference.list_localities()])


class AgendaChangeForm(FlaskForm):
    """Add a contact by a child's name: one match is added; several are offered to choose from."""

    child_name = StringField("Child's name", validators=[Optional(), max_length(100, "Name")])
    contact_id = RadioField("Which contact", coerce=optional_int, validate_choice=False, validators=[Optional()])
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason"), max_length(2000, "Reason")])


class AttendanceForm(FlaskForm):
    agency = SelectField("Agency", validators=[DataRequired("Choose the agency")],
                         invalid_choice_message="Choose an agency from the list")
    user_id = SelectField("Person", coerce=optional_int, invalid_choice_message="Choose a person from the list")
    name = StringField("Or their name, if they have no account", validators=[Optional(), max_length(120, "Name")])
    mode = RadioField("Attending", choices=choices(MODE_CHOICES), validators=[DataRequired("Choose in person or virtual")],
                      invalid_choice_message="Choose in person or virtual")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = choices([("", "Choose an agency")] + [(a.code, a.name) for a in agencies()])
        people_here = [u for u in people.list_users() if u.active and Role(u.role) in READERS]
        self.user_id.choices = choices([("", "Someone without an account")] + [
            (u.id, f"{u.display_name} ({u.agency.name if u.agency else Role(u.role).label})") for u in people_here])
        # Which agency each person can attend for: the page offers only the chosen agency's people.
        self.agency_of = {str(u.id): (u.agency.code if u.agency else CSC) for u in people_here}


class ContributionForm(FlaskForm):
    text = TextAreaField("What your agency holds", validators=[DataRequired("Enter what is held, or 'nothing held'"),
                                                               max_length(20000, "The entry")])
    agency = SelectField("For", validators=[Optional()], invalid_choice_message="Choose an agency from the list")
    version = HiddenField()


class OutcomeForm(FlaskForm):
    rag = RadioField("Priority", choices=choices(RAG_CHOICES), validators=[DataRequired("Choose red, amber or green")],
                     invalid_choice_message="Choose red, amber or green")
    outcome = SelectField("Outcome", choices=choices([("", "Choose the outcome")] + DecisionOutcome.choices()),
                          validators=[DataRequired("Choose the outcome")], invalid_choice_message="Choose an outcome")
    lead_agency = SelectField("Lead agency", validators=[DataRequired("Choose the agency that leads")],
                              invalid_choice_message="Choose an agency from the list")
    rationale = TextAreaField("Rationale", validators=[DataRequired("Write the rationale: it is always required"),
                                                       max_length(20000, "Rationale")])
    version = HiddenField()


class ConfirmForm(FlaskForm):
    delay_reason = TextAreaField("Why the decision is late (only if the clock has run out)",
                                 validators=[Optional(), max_length(5000, "Reason")])
    version = HiddenField()


class ActionForm(FlaskForm):
    description = TextAreaField("Action", validators=[DataRequired("Say what is to be done"), max_length(5000, "Action")])
    owner_agency = SelectField("Owner agency", validators=[Optional()], invalid_choice_message="Choose an agency")
    owner_name = StringField("Or a named person", validators=[Optional(), max_length(120, "Name")])
    due_date = DateInputField("Due", required="Give the date it is due")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason"), max_length(2000, "Reason")])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    date_from = DateInputField("From")
    date_to = DateInputField("To")
    child_name = StringField("Child's name", validators=[Optional(), max_length(100, "Name")])


def agencies() -> list:
    """The agencies, read once per request (every panel's selects offer them)."""
    if "meeting_agencies" not in g:
        g.meeting_agencies = reference.list_agencies()
    return g.meeting_agencies


def agency_choices(first: str | None = None, only: list | None = None) -> list:
    listed = only if only is not None else agencies()
    return choices(([("", first)] if first else []) + [(a.code, a.name) for a in listed])
