"""Cases after the decision: the list, one case with its assessment and the forms that move it on,
caseloads by worker and team, and the manager's view of every clock due soon or breached.

Each form posts to its own URL, is checked here for what it can check alone, then builds the
service's command and calls one service. On success: a message and back to the case. Otherwise the case page again, with that
form's errors in the summary at the top and beside its fields; a stale version is a 409.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional, ValidationError

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import (
    AssessmentFactor,
    AssessmentOutcome,
    CategoryOfAbuse,
    ClosureReason,
    PrimaryNeed,
    S47Outcome,
)
from triage.domain.roles import Role
from triage.services import cases, people, reference
from triage.services.cases import CASE_WORKERS, commands
from triage.services.errors import Conflict, Invalid
from triage.web.forms import (
    DateInputField,
    attach_service_errors,
    choices,
    max_length,
    none_if_blank,
    optional_int,
)

bp = Blueprint("cases", __name__, url_prefix="/cases")

PER_PAGE = 50
STATUS_COLOURS = {"closed": "grey", "authorised": "green", "overdue": "red", "due_soon": "yellow",
                  "not_allocated": "purple", "not_started": "light-blue", "in_progress": "blue"}
CLOCK_STATES = {"running": ("Running", "blue"), "due_soon": ("Due soon", "yellow"), "met": ("Met", "green"),
                "breached": ("Breached", "red")}
STALE = ("Your entries are still in the form below. The page now shows the case as it is: "
         "check it, then submit again.")

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


def _factor_groups():
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


# ---------------------------------------------------------------- forms

def _case_workers() -> list:
    return [u for u in people.list_users() if u.active and u.role in {r.value for r in CASE_WORKERS}]


def _worker_choices(first: tuple[str, str]):
    return choices([first] + [(u.id, f"{u.display_name} ({Role(u.role).label}"
                                     f"{', ' + u.team.name if u.team else ''})") for u in _case_workers()])


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="authorise", **kwargs)

    def validate_factors(self, field):
        if not field.data:
            raise ValidationError("Choose at least one assessment factor, or 21 'No factors identified'")

    def command(self) -> commands.Authorisation:
        return commands.Authorisation(
            self.outcome.data, tuple(self.factors.data), none_if_blank(self.closure_reason.data),
            none_if_blank(self.late_reason.data), int(self.version.data), none_if_blank(self.primary_need.data),
            {"yes": True, "no": False}.get(self.needs_support.data or ""))


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


# ---------------------------------------------------------------- the case page

def _forms(case, bound: dict | None = None) -> dict:
    """Every form the case page can show, fresh with the current versions; `bound` replaces some."""
    bound = bound or {}
    forms: dict = {}
    referral, view = case.referral, case.assessment

    def fresh(name, cls, version, **kwargs):
        if name in bound:
            forms[name] = bound[name]
            return
        form = cls(formdata=None, **kwargs)
        if version is not None:
            form.version.data = str(version)
        forms[name] = form

    fresh("allocate", AllocateForm, referral.version, data={"team_id": referral.team_id,
                                                           "worker_id": referral.worker_id})
    fresh("close", CloseForm, referral.version)
    if view is not None:
        assessment = view.assessment
        unheld = [d for d in assessment.case_discussions if d.held_on is None]
        fresh("start", StartForm, assessment.version)
        fresh("seen", ChildSeenForm, assessment.version)
        fresh("discussion", CaseDiscussionForm, assessment.version,
              data={"sequence": unheld[0].sequence if unheld else None})
        forms["discussion"].offer(unheld)
        fresh("authorise", AuthoriseForm, assessment.version)
    fresh("strategy", StrategyDiscussionForm, None)
    for discussion in case.strategy_discussions:
        fresh(f"s47-{discussion.id}", S47OutcomeForm, discussion.version, discussion_id=discussion.id)
        fresh(f"icpc-{discussion.id}", IcpcForm, discussion.version, discussion_id=discussion.id)
        fresh(f"plan-{discussion.id}", PlanForm, discussion.version, discussion_id=discussion.id,
              data={"plan": {True: "yes", False: "no"}.get(discussion.resulted_in_plan),
                    "plan_category": discussion.plan_category, "plan_end_date": discussion.plan_end_date})
    return forms


def _what_can_be_done(case, actor) -> dict:
    referral, view = case.referral, case.assessment
    open_ = referral.closed_at is None
    assessment = view.assessment if view else None
    in_progress = assessment is not None and assessment.authorised_at is None
    manager = actor.has_role(Role.MANAGER)
    can = {"allocate": manager and open_,
           "start": in_progress and assessment.started_on is None,
           "seen": in_progress and assessment.child_seen_on is None,
           "discussion": in_progress and any(d.held_on is None for d in assessment.case_discussions),
           "authorise": manager and in_progress,
           "strategy": open_, "close": manager and open_}
    for discussion in case.strategy_discussions:
        s47 = discussion.s47_started_on is not None
        can[f"s47-{discussion.id}"] = s47 and discussion.s47_outcome is None
        can[f"icpc-{discussion.id}"] = (s47 and discussion.icpc_held_on is None
                                        and discussion.icpc_not_needed_reason is None
                                        and discussion.s47_outcome in (None, S47Outcome.SUBSTANTIATED_ICPC))
        can[f"plan-{discussion.id}"] = discussion.icpc_held_on is not None and discussion.plan_end_date is None
    return can


def _current_version(case, name: str) -> int | None:
    if name == "allocate":
        return case.referral.version
    if name == "close":
        return case.referral.version
    if name in ("start", "seen", "discussion", "authorise") and case.assessment:
        return case.assessment.assessment.version
    for discussion in case.strategy_discussions:
        if name in (f"s47-{discussion.id}", f"icpc-{discussion.id}", f"plan-{discussion.id}"):
            return discussion.version
    return None


def _render_case(referral_id: int, bound: dict | None = None, problems=(), status: int = 200):
    actor, now = current_actor(), utcnow()
    case = cases.get_case(actor, now, referral_id)
    failed = next(iter(bound), None) if bound else None
    if failed and status == 409:  # a stale version: keep what they typed, against the case as it is now
        version = _current_version(case, failed)
        if version is not None and hasattr(bound[failed], "version"):
            bound[failed].version.data = str(version)
    if failed == "authorise" and case.assessment and case.assessment.late:
        # Said with the form's own errors too, so a manager hears every problem at once.
        form = bound[failed]
        if not (form.late_reason.data or "").strip() and not form.late_reason.errors:
            form.late_reason.errors = [f"This assessment was due on {case.assessment.assessment.due_date:%-d %B %Y}: "
                                       "say why it is late"]
            form._errors = None
    forms = _forms(case, bound)
    can = _what_can_be_done(case, actor)
    return render_template(
        "cases/show.html", case=case, forms=forms, can=can, failed=failed, problems=list(problems),
        status_colours=STATUS_COLOURS, clock_states=CLOCK_STATES, factor_groups=_factor_groups(),
        no_factors=AssessmentFactor.NO_FACTORS, factor_labels={f.value: f.label for f in AssessmentFactor},
        outcome_labels=dict(AssessmentOutcome.choices()), closure_labels=dict(ClosureReason.choices()),
        s47_labels=dict(S47Outcome.choices()),
        agency_names={a.code: a.name for a in reference.list_agencies()},
        contact_url=_contact_url(case.referral.contact_id)), status


def _contact_url(contact_id: int | None) -> str | None:
    if contact_id and "web.contacts.show" in current_app.view_functions:
        return url_for("web.contacts.show", contact_id=contact_id)
    return None


@bp.get("/<int:referral_id>")
@roles_required(*CASE_WORKERS)
def show(referral_id: int):
    return _render_case(referral_id)


def _submit(referral_id: int, name: str, form: FlaskForm, call, done: str):
    """Check the form, call the service with the form's command, and go back to the case; or show
    the case with the errors (the service's unit of work has already undone any partial write)."""
    problems: list[str] = []
    status = 400
    if form.validate():
        try:
            call(current_actor(), utcnow(), form.command())
        except Conflict as exc:
            status = 409
            problems = [exc.message]  # a conflict is about the record, not one field
            if "version" in exc.message or "version" in exc.errors:
                problems.append(STALE)
        except Invalid as exc:
            problems = attach_service_errors(form, exc)
        else:
            flash(done)
            return redirect(url_for("web.cases.show", referral_id=referral_id))
    return _render_case(referral_id, {name: form}, problems, status)


@bp.post("/<int:referral_id>/allocate")
@roles_required(Role.MANAGER)
def allocate(referral_id: int):
    return _submit(referral_id, "allocate", AllocateForm(),
                   lambda actor, now, command: cases.allocate(actor, now, referral_id, command), "Case allocated")


@bp.post("/<int:referral_id>/assessment/<int:assessment_id>/start")
@roles_required(*CASE_WORKERS)
def start(referral_id: int, assessment_id: int):
    return _submit(referral_id, "start", StartForm(),
                   lambda actor, now, command: cases.start_assessment(actor, now, assessment_id, command),
                   "Start of the assessment recorded")


@bp.post("/<int:referral_id>/assessment/<int:assessment_id>/child-seen")
@roles_required(*CASE_WORKERS)
def child_seen(referral_id: int, assessment_id: int):
    return _submit(referral_id, "seen", ChildSeenForm(),
                   lambda actor, now, command: cases.record_child_seen(actor, now, assessment_id, command),
                   "Date the child was seen recorded")


@bp.post("/<int:referral_id>/assessment/<int:assessment_id>/case-discussion")
@roles_required(*CASE_WORKERS)
def case_discussion(referral_id: int, assessment_id: int):
    form = CaseDiscussionForm()
    return _submit(referral_id, "discussion", form,
                   lambda actor, now, command: cases.record_case_discussion(
                       actor, now, assessment_id, form.sequence.data, command),
                   "Case discussion recorded")


@bp.post("/<int:referral_id>/assessment/<int:assessment_id>/authorise")
@roles_required(Role.MANAGER)
def authorise(referral_id: int, assessment_id: int):
    return _submit(referral_id, "authorise", AuthoriseForm(),
                   lambda actor, now, command: cases.authorise(actor, now, assessment_id, command),
                   "Assessment authorised")


@bp.post("/<int:referral_id>/strategy-discussions")
@roles_required(*CASE_WORKERS)
def strategy_discussion(referral_id: int):
    return _submit(referral_id, "strategy", StrategyDiscussionForm(),
                   lambda actor, now, command: cases.record_strategy_discussion(actor, now, referral_id, command),
                   "Strategy discussion recorded")


@bp.post("/<int:referral_id>/strategy-discussions/<int:discussion_id>/s47-outcome")
@roles_required(*CASE_WORKERS)
def s47_outcome(referral_id: int, discussion_id: int):
    cases.discussion_on_case(discussion_id, referral_id)  # another case's discussion: 404
    return _submit(referral_id, f"s47-{discussion_id}", S47OutcomeForm(discussion_id=discussion_id),
                   lambda actor, now, command: cases.record_s47_outcome(actor, now, discussion_id, command,
                                                                        referral_id=referral_id),
                   "Outcome of the section 47 enquiry recorded")


@bp.post("/<int:referral_id>/strategy-discussions/<int:discussion_id>/icpc")
@roles_required(*CASE_WORKERS)
def icpc(referral_id: int, discussion_id: int):
    cases.discussion_on_case(discussion_id, referral_id)  # another case's discussion: 404
    return _submit(referral_id, f"icpc-{discussion_id}", IcpcForm(discussion_id=discussion_id),
                   lambda actor, now, command: cases.record_icpc(actor, now, discussion_id, command,
                                                                 referral_id=referral_id),
                   "Initial child protection conference recorded")


@bp.post("/<int:referral_id>/close")
@roles_required(Role.MANAGER)
def close(referral_id: int):
    return _submit(referral_id, "close", CloseForm(),
                   lambda actor, now, command: cases.close_case(actor, now, referral_id, command), "Case closed")


@bp.post("/<int:referral_id>/strategy-discussions/<int:discussion_id>/plan")
@roles_required(*CASE_WORKERS)
def plan(referral_id: int, discussion_id: int):
    cases.discussion_on_case(discussion_id, referral_id)  # another case's discussion: 404
    return _submit(referral_id, f"plan-{discussion_id}", PlanForm(discussion_id=discussion_id),
                   lambda actor, now, command: cases.record_plan(actor, now, discussion_id, command,
                                                                 referral_id=referral_id),
                   "Child protection plan recorded")


# ---------------------------------------------------------------- the cases list

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
                                         + [(u.id, u.display_name) for u in _case_workers()])


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.get("")
@roles_required(*CASE_WORKERS)
def index():
    actor = current_actor()
    args = request.args.to_dict()
    args.setdefault("status", "open")
    form = CaseFilterForm(formdata=None, data=args)
    worker = actor.user_id if args.get("worker_id") == "me" else _int_or_none(args.get("worker_id"))
    filters = cases.ReferralFilters(
        team_id=_int_or_none(args.get("team_id")), worker_id=worker,
        status=args["status"] if args["status"] in ("open", "closed") else None,
        allocated={"yes": True, "no": False}.get(args.get("allocated", "")))
    page = cases.list_referrals(actor, utcnow(), filters, page=request.args.get("page", 1, type=int),
                                      per_page=PER_PAGE)

    def page_url(n):
        return url_for("web.cases.index", **{**args, "page": n})

    return render_template("cases/index.html", form=form, page=page, page_url=page_url,
                           status_colours=STATUS_COLOURS, filtered=bool(set(request.args) - {"page"}))


# ---------------------------------------------------------------- caseload and oversight

@bp.get("/caseload")
@roles_required(*CASE_WORKERS, Role.PERFORMANCE)
def caseload():
    rows = cases.caseload(current_actor())
    teams: dict = {}
    for row in rows:
        teams.setdefault((row.team_id, row.team), []).append(row)
    return render_template("cases/caseload.html", teams=teams, total=sum(r.open_assessments for r in rows),
                           can_open_cases=current_actor().has_role(*CASE_WORKERS))


@bp.get("/due")
@roles_required(Role.MANAGER)
def oversight():
    team_id = _int_or_none(request.args.get("team_id"))
    page = cases.due_clocks(current_actor(), utcnow(), team_id, page=request.args.get("page", 1, type=int))
    imported = cases.due_clocks(current_actor(), utcnow(), team_id,
                                      page=request.args.get("imported_page", 1, type=int), imported_overdue=True)
    teams = reference.list_teams()

    def page_url(n):
        return url_for("web.cases.oversight", **{**request.args.to_dict(), "page": n})

    def imported_page_url(n):
        return url_for("web.cases.oversight", **{**request.args.to_dict(), "imported_page": n})

    contact_urls = {c.contact_id: _contact_url(c.contact_id) for c in page.items if c.contact_id}
    return render_template("cases/oversight.html", page=page, page_url=page_url, teams=teams, team_id=team_id,
                           clock_states=CLOCK_STATES, contact_urls=contact_urls, imported=imported,
                           imported_page_url=imported_page_url)
