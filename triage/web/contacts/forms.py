"""The contact pages' forms: logging a contact (with a row per child), the queue's filters, and
one small form per step on the contact page."""
from __future__ import annotations

from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from triage.domain.codes import (
    AgencyKind,
    Consent,
    ContactChannel,
    DashRisk,
    DecisionOutcome,
    Rag,
    ReferralSource,
)
from triage.domain.consent import NotSoughtReason
from triage.domain.contact_commands import ConsentCommand
from triage.services import reference
from triage.web.contacts.blueprint import NOT_ASKED_AGENCIES, SEX_CHOICES, YES_NO
from triage.web.forms import (
    DateInputField,
    choices,
    max_length,
    none_if_blank,
    optional_int,
)


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
    # Required, as the intake rules say; a blank concern is shown on this field.
    concern = TextAreaField("What is the concern?", validators=[max_length(20000, "The concern")])
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
    # As on the child's page, less the unborn: an unborn child is recorded from Find a child first.
    # Left out of the post (older pages, partner scripts), the date of birth is taken as known.
    born = RadioField("Is the child's date of birth known?", default="yes", validators=[Optional()],
                      choices=choices([("yes", "Yes"), ("approximate", "No, only their approximate age is known"),
                                       ("unknown", "No, their date of birth is not known")]),
                      invalid_choice_message="Select whether the child's date of birth is known")
    date_of_birth = DateInputField("Date of birth")
    estimated_date_of_birth = DateInputField("Estimated date of birth")
    approximate_age = StringField("Or their approximate age in years", validators=[
        Optional(), Regexp(r"^\s*\d{1,2}\s*$", message="Enter the age in whole years, for example 14")])
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
            "postcode", "approximate_age")

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
        dates = any(any(f.parts.values()) for f in (self.search_dob, self.date_of_birth,
                                                          self.estimated_date_of_birth))
        return not (self.mode.data or typed or dates or self.existing_id.data or self.locality_id.data)

    def new_child_fields(self) -> dict:
        def clean(name):
            return (getattr(self, name).data or "").strip() or None
        return {"first_name": clean("first_name"), "last_name": clean("last_name"), **self.birth_fields(),
                "sex": self.sex.data, "nhs_number": clean("nhs_number"),
                "address_line_1": clean("address_line_1"), "town": clean("town"), "postcode": clean("postcode"),
                "locality_id": self.locality_id.data}

    def birth_fields(self) -> dict:
        """The date of birth as the children service takes it: known, approximate (an estimated
        date, or an age the service turns into one) or not known."""
        if self.born.data == "approximate":
            age = (self.approximate_age.data or "").strip()
            return {"birth_date_status": "approximate", "approximate_age": int(age) if age.isdigit() else None,
                    "date_of_birth": None if age else self.estimated_date_of_birth.data}
        if self.born.data == "unknown":
            return {"birth_date_status": "not_known", "date_of_birth": None}
        return {"birth_date_status": "known", "date_of_birth": self.date_of_birth.data}



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

    override_reason = TextAreaField("Why is sharing without consent justified?",
                                    validators=[Optional(), max_length(5000, "The reason")])

    def command(self) -> ConsentCommand:
        return ConsentCommand(consent=self.consent.data, consent_by=none_if_blank(self.consent_by.data),
                              consent_not_sought_reason=self.consent_not_sought_reason.data or None,
                              version=self.version_number, override_reason=none_if_blank(self.override_reason.data))


class FeedbackForm(VersionForm):
    note = TextAreaField("What was the referrer told?", validators=[
        DataRequired("Write what the referrer was told"), max_length(5000, "The note")])


class DecisionForm(VersionForm):
    signposting = SelectMultipleField("Signposted to (optional)", choices=[], validate_choice=False)
    apply_to = RadioField("Who does this decision apply to?", validators=[Optional()], choices=choices(
        [("all", "The same decision for every child"), ("each", "A different decision for each child")]))
    outcome = RadioField("Outcome", choices=choices(DecisionOutcome.choices()), validators=[Optional()])
    rationale = TextAreaField("Rationale", validators=[Optional(), max_length(20000, "The rationale")])
    delay_reason = TextAreaField("Why is the decision late?", validators=[Optional(), max_length(5000, "The reason")])
    early_help_team = SelectField("Early help team (with step down to early help)", validators=[Optional()],
                                  invalid_choice_message="Choose an early help team from the list")


def outcome_choices(open_case: bool) -> list:
    """The outcomes a manager may choose: adding to an open case only where the child has one."""
    return choices([(o.value, o.label) for o in DecisionOutcome
                    if open_case or o is not DecisionOutcome.ADD_TO_OPEN_CASE])


def decision_form_for(contact, open_case_children=frozenset(), signposting=(), **kwargs) -> DecisionForm:
    """The decision form with an outcome and rationale for each child the contact names.
    `open_case_children`: the children with an open case the contact may join; `signposting`: the
    council's (code, label) list for no further action."""

    class ContactDecisionForm(DecisionForm):
        pass

    for link in contact.children:
        name = link.child.full_name
        setattr(ContactDecisionForm, f"outcome_{link.child_id}", RadioField(
            f"Outcome for {name}", choices=outcome_choices(link.child_id in open_case_children),
            validators=[Optional()]))
        setattr(ContactDecisionForm, f"signposting_{link.child_id}", SelectMultipleField(
            f"{name}: signposted to (optional)", choices=choices(signposting), validate_choice=False))
        setattr(ContactDecisionForm, f"rationale_{link.child_id}", TextAreaField(
            f"Rationale for {name}", validators=[Optional(), max_length(20000, "The rationale")]))
    form = ContactDecisionForm(prefix="decide", **kwargs)
    form.signposting.choices = choices(signposting)
    teams = [a for a in reference.list_agencies() if a.kind == AgencyKind.EARLY_HELP]
    form.early_help_team.choices = choices(([("", "Choose the team")] if len(teams) != 1 else [])
                                           + [(a.code, a.name) for a in teams])
    form.outcome.choices = outcome_choices(
        bool(contact.children) and all(link.child_id in open_case_children for link in contact.children))
    return form

