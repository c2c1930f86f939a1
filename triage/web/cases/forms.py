"""The case page's forms. Each checks what it can check alone and builds its use case's command
(`triage.services.cases.commands`); the service checks the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional, ValidationError

from triage.domain.codes import (
    AgencyKind,
    AssessmentFactor,
    AssessmentOutcome,
    CategoryOfAbuse,
    ClosureReason,
    PrimaryNeed,
    S47Outcome,
)
from triage.domain.roles import Role
from triage.services import people, reference
from triage.services.cases import CASE_WORKERS, commands
from triage.web.forms import DateInputField, choices, max_length, none_if_blank, optional_int

# The census factor codes, grouped as a social worker thinks of them. 21 comes last, on its own.
FACTOR_GROUPS = [
    ("Alcohol misuse", ["1A", "1B", "1C"]),
    ("Drug misuse", ["2A", "2B", "2C"]),
    ("Domestic abuse", ["3A", "3B", "3C"]),
    ("Mental health", ["4A", "4B", "4C"]),
    ("Learning disability", ["5A", "5B", "5C"]),
    ("Physical disability or illness", ["6A", "6B", "6C"]),
    ("Abuse and neglect", ["16A", "17A", "18B", "18C", "19B", "19C", "22A", "23A"]),
    ("Exploitation and harm outside the home", ["10A", "11A", "24A", "12A", "13A"]),
    ("The child's circumstances", ["7A", "9A", "8B", "8C", "8D", "8E", "8F", "14A", "15A"]),
    ("Anything else", ["20"]),
]
NO_FACTORS = AssessmentFactor.NO_FACTORS.value
assert sorted(c for _, codes in FACTOR_GROUPS for c in codes) + [NO_FACTORS] == sorted(
    [f.value for f in AssessmentFactor if f.value != NO_FACTORS]) + [NO_FACTORS]


def factor_groups():
    """(heading, [(code, short label, full label)]) for the grouped checkboxes."""
    groups = []
    for heading, codes in FACTOR_GROUPS:
        items = []
        for code in codes:
            label = AssessmentFactor(code).label
            short = label[len(heading) + 2:] if label.startswith(heading + ": ") else label
            items.append((code, short[:1].upper() + short[1:], label))
        groups.append((heading, items))
    return groups


def case_workers() -> list:
    return [u for u in people.list_users() if u.active and u.role in CASE_WORKERS]


def _worker_choices(first: tuple[str, str]):
    return choices([first] + [(u.id, f"{u.display_name} ({Role(u.role).label}"
                                     f"{', ' + u.team.name if u.team else ''})") for u in case_workers()])


class StepForm(FlaskForm):
    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError("The form is missing the record's version: reload the case and try again")


class AllocateForm(StepForm):
    team_id = SelectField("Team", coerce=optional_int, invalid_choice_message="Choose a team from the list")
    worker_id = SelectField("Worker", coerce=optional_int, invalid_choice_message="Choose a worker from the list")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="allocate", **kwargs)
        self.team_id.choices = choices([("", "Choose a team")] + [(t.id, t.name) for t in reference.list_teams()])
        self.worker_id.choices = _worker_choices(("", "No worker yet: the team only"))

    def validate_team_id(self, field):
        if field.data is None:
            raise ValidationError("Choose the team the case is allocated to")

    def command(self) -> commands.Allocation:
        return commands.Allocation(self.team_id.data, self.worker_id.data, int(self.version.data))


class TransferForm(StepForm):
    team_id = SelectField("Team the case moves to", coerce=optional_int,
                          invalid_choice_message="Choose a team from the list")
    worker_id = SelectField("Worker in that team", coerce=optional_int,
                            invalid_choice_message="Choose a worker from the list")
    reason = TextAreaField("Why is the case moving?", validators=[max_length(5000, "The reason")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="transfer", **kwargs)
        self.team_id.choices = choices([("", "Choose a team")] + [(t.id, t.name) for t in reference.list_teams()])
        self.worker_id.choices = _worker_choices(("", "No worker yet: the team only"))

    def validate_team_id(self, field):
        if field.data is None:
            raise ValidationError("Choose the team the case moves to")

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Say why the case is moving to another team")

    def command(self) -> commands.Transfer:
        return commands.Transfer(self.team_id.data, self.worker_id.data, none_if_blank(self.reason.data),
                                 int(self.version.data))


class StartForm(StepForm):
    started_on = DateInputField("Date the assessment started", required="Enter the date the assessment started")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="start", **kwargs)

    def command(self) -> commands.StartAssessment:
        return commands.StartAssessment(self.started_on.data, int(self.version.data))


class ChildSeenForm(StepForm):
    child_seen_on = DateInputField("Date the child was seen", required="Enter the date the child was seen")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="seen", **kwargs)

    def command(self) -> commands.ChildSeen:
        return commands.ChildSeen(self.child_seen_on.data, int(self.version.data))


class CaseDiscussionForm(StepForm):
    # Choices are the discussions not yet held, set from the case; the service checks the number.
    sequence = RadioField("Which case discussion was held?", coerce=optional_int, validate_choice=False)
    held_on = DateInputField("Date it was held", required="Enter the date the case discussion was held")
    held_by_id = SelectField("Who held it", coerce=optional_int,
                             invalid_choice_message="Choose who held the discussion from the list")
    note = TextAreaField("Note (optional)", validators=[Optional(), max_length(20000, "The note")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="discussion", **kwargs)
        self.sequence.choices = []
        self.held_by_id.choices = _worker_choices(("", "Me"))

    def offer(self, discussions) -> None:
        self.sequence.choices = choices([(d.sequence, f"Case discussion {d.sequence}, planned for "
                                                      f"{d.planned_on:%-d %B %Y}") for d in discussions])

    def validate_sequence(self, field):
        if field.data is None:
            raise ValidationError("Choose which case discussion was held")

    def command(self) -> commands.CaseDiscussionHeld:
        return commands.CaseDiscussionHeld(self.held_on.data, none_if_blank(self.note.data), self.held_by_id.data,
                                           int(self.version.data))


class AuthoriseForm(StepForm):
    outcome = RadioField("Outcome of the assessment", choices=choices(AssessmentOutcome.choices()),
                         invalid_choice_message="Choose the outcome of the assessment")
    factors = SelectMultipleField("Assessment factors", choices=choices(AssessmentFactor.choices()),
                                  invalid_choice_message="Choose factors from the list")
    closure_reason = SelectField("Reason for closure (optional)",
                                 choices=choices([("", "Set by the outcome")] + ClosureReason.choices()),
                                 invalid_choice_message="Choose a reason for closure from the list")
    late_reason = TextAreaField("Why is the assessment late?", validators=[max_length(20000, "The reason")])
    primary_need = SelectField("Primary need", choices=choices([("", "Choose the primary need")] + [
        (n.value, f"{n.value}: {n.label}") for n in PrimaryNeed]), validators=[Optional()],
        invalid_choice_message="Choose a primary need")
    needs_support = RadioField("Was the child assessed as needing children's social care support?",
                               choices=choices([("", "As the outcome says"), ("yes", "Yes"), ("no", "No")]),
                               validators=[Optional()], invalid_choice_message="Answer yes or no")

    early_help_team = SelectField("Early help team (with the early help outcome)", validators=[Optional()],
                                  invalid_choice_message="Choose an early help team from the list")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="authorise", **kwargs)
        teams = [a for a in reference.list_agencies() if a.kind == AgencyKind.EARLY_HELP]
        self.early_help_team.choices = choices(([("", "Choose the team")] if len(teams) > 1 else [])
                                               + [(a.code, a.name) for a in teams])

    def validate_factors(self, field):
        if not field.data:
            raise ValidationError("Choose at least one assessment factor, or 21 'No factors identified'")

    def command(self) -> commands.Authorisation:
        return commands.Authorisation(
            self.outcome.data, tuple(self.factors.data), none_if_blank(self.closure_reason.data),
            none_if_blank(self.late_reason.data), int(self.version.data), none_if_blank(self.primary_need.data),
            {"yes": True, "no": False}.get(self.needs_support.data or ""),
            none_if_blank(self.early_help_team.data) if self.outcome.data == AssessmentOutcome.EARLY_HELP else None)


class CloseForm(StepForm):
    closed_on = DateInputField("Closure date", required="Enter the date the case closed")
    reason = SelectField("Reason for closure", choices=choices([("", "Choose a reason")] + [
        (c.value, f"{c.value}: {c.label}") for c in ClosureReason]), invalid_choice_message="Choose a reason")
    open_work_reason = TextAreaField("If the assessment is still open, why is the case closing?",
                                     validators=[max_length(5000, "The reason")])
    nfa = BooleanField("Referral with no further action (no assessment started, no strategy discussion)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="close", **kwargs)

    def command(self) -> commands.Closure:
        return commands.Closure(self.closed_on.data, self.reason.data, none_if_blank(self.open_work_reason.data),
                                bool(self.nfa.data), int(self.version.data))


class StrategyDiscussionForm(FlaskForm):
    held_on = DateInputField("Date of the strategy discussion",
                             required="Enter the date of the strategy discussion")
    agencies = SelectMultipleField("Agencies that took part", invalid_choice_message="Choose agencies from the list")
    s47_started = RadioField("Did it start a section 47 enquiry?",
                             choices=choices([("yes", "Yes"), ("no", "No")]),
                             invalid_choice_message="Say whether a section 47 enquiry was started")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="strategy", **kwargs)
        self.agencies.choices = choices([(a.code, a.name) for a in reference.list_agencies()])

    def validate_agencies(self, field):
        if not field.data:
            raise ValidationError("Choose at least one agency that took part")

    def command(self) -> commands.StrategyDiscussionHeld:
        return commands.StrategyDiscussionHeld(self.held_on.data, tuple(self.agencies.data),
                                               self.s47_started.data == "yes")


class S47OutcomeForm(StepForm):
    outcome = RadioField("Outcome of the section 47 enquiry", choices=choices(S47Outcome.choices()),
                         invalid_choice_message="Choose the outcome of the section 47 enquiry")
    on = DateInputField("Date of the outcome", required="Enter the date of the outcome")

    def __init__(self, *args, discussion_id: int, **kwargs):
        super().__init__(*args, prefix=f"s47-{discussion_id}", **kwargs)

    def command(self) -> commands.S47OutcomeGiven:
        return commands.S47OutcomeGiven(self.outcome.data, self.on.data, int(self.version.data))


class IcpcForm(StepForm):
    held = RadioField("Was an initial child protection conference held?",
                      choices=choices([("held", "Yes"), ("not_needed", "No, none is needed")]),
                      invalid_choice_message="Say whether the conference was held or is not needed")
    held_on = DateInputField("Date of the conference")
    not_needed_reason = TextAreaField("Why is no conference needed?", validators=[max_length(5000, "The reason")])
    plan = RadioField("Did the conference make a child protection plan?",
                      choices=choices([("", "Not known yet"), ("yes", "Yes"), ("no", "No")]),
                      validators=[Optional()], invalid_choice_message="Answer yes or no")
    plan_category = SelectField("Category of abuse", choices=choices([("", "Choose a category")] + [
        (c.value, f"{c.value}: {c.label}") for c in CategoryOfAbuse]), validators=[Optional()],
        invalid_choice_message="Choose a category")

    def __init__(self, *args, discussion_id: int, **kwargs):
        super().__init__(*args, prefix=f"icpc-{discussion_id}", **kwargs)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.held.data == "held":
            self.not_needed_reason.errors = []
            if not self.held_on.errors and self.held_on.data is None:
                self.held_on.errors = ["Enter the date of the conference"]
                self.held_on.error_parts = ("day", "month", "year")
        elif self.held.data == "not_needed":
            self.held_on.errors = []
            if not (self.not_needed_reason.data or "").strip():
                self.not_needed_reason.errors = ["Say why no conference is needed"]
        self._errors = None
        return valid and not any(f.errors for f in self)

    def command(self) -> commands.Conference:
        if self.held.data != "held":
            return commands.Conference(not_needed_reason=self.not_needed_reason.data, version=int(self.version.data))
        return commands.Conference(held_on=self.held_on.data, version=int(self.version.data),
                                   resulted_in_plan={"yes": True, "no": False}.get(self.plan.data or ""),
                                   plan_category=none_if_blank(self.plan_category.data))


class PlanForm(StepForm):
    plan = RadioField("Did the conference make a child protection plan?",
                      choices=choices([("yes", "Yes"), ("no", "No")]), invalid_choice_message="Answer yes or no")
    plan_category = SelectField("Category of abuse", choices=choices([("", "Choose a category")] + [
        (c.value, f"{c.value}: {c.label}") for c in CategoryOfAbuse]), validators=[Optional()],
        invalid_choice_message="Choose a category")
    plan_end_date = DateInputField("Date the plan ended (if it has)")

    def __init__(self, *args, discussion_id: int, **kwargs):
        super().__init__(*args, prefix=f"plan-{discussion_id}", **kwargs)

    def command(self) -> commands.PlanRecord:
        return commands.PlanRecord(self.plan.data == "yes", none_if_blank(self.plan_category.data), None,
                                   self.plan_end_date.data, int(self.version.data))



class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET: it changes nothing

    team_id = SelectField("Team", coerce=optional_int, validate_choice=False)
    worker_id = SelectField("Worker", validate_choice=False)
    status = SelectField("Status", validate_choice=False,
                         choices=choices([("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]))
    allocated = SelectField("Allocated", validate_choice=False,
                            choices=choices([("", "Allocated or not"), ("yes", "Allocated to a worker"),
                                             ("no", "Not yet allocated to a worker")]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id.choices = choices([("", "All teams")] + [(t.id, t.name) for t in reference.list_teams()])
        self.worker_id.choices = choices([("", "Anyone"), ("me", "Me")]
                                         + [(u.id, u.display_name) for u in case_workers()])

