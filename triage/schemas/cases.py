"""Referrals, allocation, assessments, case discussions, strategy discussions, clocks, notifications.

A request body loads as the case service's command (`triage.services.cases.commands`): the
schema checks the shape, the service the rules."""
from marshmallow import Schema, fields, post_load, validate

from triage.domain.codes import AssessmentOutcome, CategoryOfAbuse, ClosureReason, PrimaryNeed, S47Outcome
from triage.schemas.common import AwareDateTime
from triage.services.cases import commands


def one_of(enum):
    return validate.OneOf([e.value for e in enum])


class CommandSchema(Schema):
    """Loads as its `command` class."""

    command: type

    @post_load
    def make_command(self, data, **kwargs):
        # Lists become tuples: a command is a value, not something to append to.
        return self.command(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


class StepSchema(CommandSchema):
    version = fields.Integer(required=True, metadata={
        "description": "The version you read; if it has changed since, the answer is 409"})


# ---------------------------------------------------------------- requests

class ReferralListArgs(Schema):
    team_id = fields.Integer(validate=validate.Range(min=1))
    worker_id = fields.Integer(validate=validate.Range(min=1))
    status = fields.String(validate=validate.OneOf(["open", "closed"]),
                           metadata={"description": "open or closed; both when left out"})
    allocated = fields.Boolean(metadata={"description": "true: allocated to a worker; false: not yet"})


class AllocateSchema(StepSchema):
    command = commands.Allocation
    team_id = fields.Integer(required=True)
    worker_id = fields.Integer(allow_none=True, load_default=None,
                               metadata={"description": "A practitioner or manager; null for the team only"})


class StartSchema(StepSchema):
    command = commands.StartAssessment
    started_on = fields.Date(required=True)


class ChildSeenSchema(StepSchema):
    command = commands.ChildSeen
    child_seen_on = fields.Date(required=True)


class CaseDiscussionHeldSchema(StepSchema):
    command = commands.CaseDiscussionHeld
    held_on = fields.Date(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=20000))
    held_by_id = fields.Integer(allow_none=True, metadata={"description": "Defaults to you"})


class AuthoriseSchema(StepSchema):
    command = commands.Authorisation
    outcome = fields.String(required=True, validate=one_of(AssessmentOutcome))
    factors = fields.List(fields.String(validate=validate.Length(max=4)), required=True, metadata={
        "description": "Census assessment factor codes; 21 (no factors) only alone, with no further action"})
    closure_reason = fields.String(allow_none=True, validate=one_of(ClosureReason), metadata={
        "description": "Defaults to RC8 for no further action and RC9 for early help"})
    late_reason = fields.String(allow_none=True, validate=validate.Length(max=20000), metadata={
        "description": "Required when authorised after the due date"})
    primary_need = fields.String(allow_none=True, validate=one_of(PrimaryNeed), metadata={
        "description": "Census primary need N0-N9; required unless already recorded on the referral"})
    needs_support = fields.Boolean(allow_none=True, metadata={
        "description": "Was the child assessed as needing children's social care support? Defaults from "
                       "the outcome (yes for a child in need plan or s47)"})
    early_help_team = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "With the early_help outcome: the code of the early help team (an agency) the family "
                       "is handed over to; may be left out when the council has one"})


class TransferSchema(StepSchema):
    command = commands.Transfer
    team_id = fields.Integer(required=True, metadata={"description": "The team the case moves to"})
    worker_id = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "A practitioner or manager in that team; null for the team only"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                           metadata={"description": "Why the case is moving"})


class ReferralDetailsSchema(StepSchema):
    command = commands.ReferralDetails
    primary_need = fields.String(required=True, validate=one_of(PrimaryNeed))


class CloseCaseSchema(StepSchema):
    command = commands.Closure
    closed_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=one_of(ClosureReason),
                           metadata={"description": "Census reason for closure RC1-RC9"})
    open_work_reason = fields.String(allow_none=True, validate=validate.Length(max=5000), metadata={
        "description": "Required when an assessment is still open: why the case closes anyway"})
    nfa = fields.Boolean(load_default=False, metadata={
        "description": "A referral with no further action: no assessment started, no strategy discussion"})


class PlanSchema(StepSchema):
    command = commands.PlanRecord
    resulted_in_plan = fields.Boolean(required=True)
    plan_category = fields.String(allow_none=True, validate=one_of(CategoryOfAbuse))
    plan_start_date = fields.Date(allow_none=True, metadata={"description": "Defaults to the conference date"})
    plan_end_date = fields.Date(allow_none=True)


class StrategyDiscussionCreateSchema(CommandSchema):
    command = commands.StrategyDiscussionHeld
    held_on = fields.Date(required=True)
    agencies = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                           metadata={"description": "Codes of the agencies present"})
    s47_started = fields.Boolean(required=True)


class S47OutcomeSchema(StepSchema):
    command = commands.S47OutcomeGiven
    outcome = fields.String(required=True, validate=one_of(S47Outcome))
    on = fields.Date(required=True)


class IcpcSchema(StepSchema):
    command = commands.Conference
    held_on = fields.Date(allow_none=True, metadata={"description": "Never a Saturday or Sunday"})
    not_needed_reason = fields.String(allow_none=True, validate=validate.Length(max=5000))
    resulted_in_plan = fields.Boolean(allow_none=True, metadata={
        "description": "Did the conference make a child protection plan? May also be given later"})
    plan_category = fields.String(allow_none=True, validate=one_of(CategoryOfAbuse))
    plan_start_date = fields.Date(allow_none=True, metadata={"description": "Defaults to the conference date"})


class CaseloadArgs(Schema):
    team_id = fields.Integer(validate=validate.Range(min=1))
    worker_id = fields.Integer(validate=validate.Range(min=1))


class DueArgs(Schema):
    team_id = fields.Integer(validate=validate.Range(min=1))


class NotificationArgs(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only those not yet read"})


# ---------------------------------------------------------------- answers

class CaseRowSchema(Schema):
    id = fields.Integer(attribute="referral_id")
    version = fields.Integer()
    child_id = fields.Integer()
    child_name = fields.String()
    referral_date = fields.Date()
    is_re_referral = fields.Boolean()
    team_id = fields.Integer(allow_none=True)
    team = fields.String(allow_none=True)
    worker_id = fields.Integer(allow_none=True)
    worker = fields.String(allow_none=True)
    allocated_at = AwareDateTime(allow_none=True)
    closed_at = AwareDateTime(allow_none=True)
    closure_reason = fields.String(allow_none=True)
    assessment_id = fields.Integer(allow_none=True)
    assessment_due_date = fields.Date(attribute="due_date", allow_none=True)
    started_on = fields.Date(allow_none=True)
    authorised_on = fields.Date(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)
    working_days_left_text = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()


class CaseCountsSchema(Schema):
    """How many of the listed cases are in each status."""

    closed = fields.Integer()
    authorised = fields.Integer()
    overdue = fields.Integer()
    due_soon = fields.Integer()
    not_allocated = fields.Integer()
    not_started = fields.Integer()
    in_progress = fields.Integer()


class ReferralSummarySchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    child_id = fields.Integer()
    contact_id = fields.Integer(allow_none=True)
    referral_date = fields.Date()
    source_code = fields.String(allow_none=True)
    outcome = fields.String()
    is_re_referral = fields.Boolean()
    team_id = fields.Integer(allow_none=True)
    worker_id = fields.Integer(allow_none=True)
    allocated_at = AwareDateTime(allow_none=True)
    closed_at = AwareDateTime(allow_none=True)
    closure_reason = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    primary_need = fields.String(allow_none=True)
    nfa = fields.Boolean()


class CaseDiscussionSchema(Schema):
    sequence = fields.Integer()
    planned_on = fields.Date()
    held_on = fields.Date(allow_none=True)
    held_by_id = fields.Integer(allow_none=True)
    held_by = fields.Function(lambda d: d.held_by.display_name if d.held_by else None)
    note = fields.String(allow_none=True)
    recorded_at = AwareDateTime(allow_none=True)


class AssessmentSchema(Schema):
    """Dumps a services.cases.AssessmentView."""

    id = fields.Integer(attribute="assessment.id")
    version = fields.Integer(attribute="assessment.version")
    referral_id = fields.Integer(attribute="assessment.referral_id")
    child_id = fields.Integer(attribute="assessment.child_id")
    team_id = fields.Integer(attribute="assessment.team_id", allow_none=True)
    worker_id = fields.Integer(attribute="assessment.worker_id", allow_none=True)
    referral_date = fields.Date(attribute="assessment.referral.referral_date")
    due_date = fields.Date(attribute="assessment.due_date")
    working_days_elapsed = fields.Integer()
    working_days_left = fields.Integer(allow_none=True)
    working_days_left_text = fields.String(allow_none=True)
    clock_state = fields.String(attribute="state")
    late = fields.Boolean()
    started_on = fields.Date(attribute="assessment.started_on", allow_none=True)
    child_seen_on = fields.Date(attribute="assessment.child_seen_on", allow_none=True)
    case_discussions = fields.List(fields.Nested(CaseDiscussionSchema), attribute="assessment.case_discussions")
    authorised_at = AwareDateTime(attribute="assessment.authorised_at", allow_none=True)
    authorised_by_id = fields.Integer(attribute="assessment.authorised_by_id", allow_none=True)
    outcome = fields.String(attribute="assessment.outcome", allow_none=True)
    factors = fields.List(fields.String(), attribute="assessment.factor_codes")
    closure_reason = fields.String(attribute="assessment.closure_reason", allow_none=True)
    needs_support = fields.Boolean(attribute="assessment.needs_support", allow_none=True)
    late_reason = fields.String(attribute="assessment.late_reason", allow_none=True)


class StrategyDiscussionSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    referral_id = fields.Integer()
    held_on = fields.Date()
    agencies = fields.List(fields.String(), attribute="agency_codes")
    recorded_at = AwareDateTime()
    s47_started_on = fields.Date(allow_none=True)
    s47_outcome = fields.String(allow_none=True)
    s47_outcome_on = fields.Date(allow_none=True)
    icpc_due_date = fields.Date(allow_none=True)
    icpc_held_on = fields.Date(allow_none=True)
    icpc_not_needed_reason = fields.String(allow_none=True)
    resulted_in_plan = fields.Boolean(allow_none=True)
    plan_start_date = fields.Date(allow_none=True)
    plan_category = fields.String(allow_none=True)
    plan_end_date = fields.Date(allow_none=True)


class CaseClockSchema(Schema):
    """Dumps a services.cases.ClockView."""

    id = fields.Integer()
    kind = fields.String()
    label = fields.String()
    subject = fields.String()
    subject_id = fields.Integer()
    started_at = AwareDateTime()
    due_at = AwareDateTime()
    due_date = fields.Date(allow_none=True, metadata={"description": "Working-day clocks: due by the end of it"})
    stopped_at = AwareDateTime(allow_none=True)
    state = fields.String(metadata={"description": "running, due_soon, met or breached, as of now"})
    time_left = fields.String(allow_none=True, metadata={"description": "In words; null once stopped"})
    working_days_left = fields.Integer(allow_none=True)
    referral_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    child_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)


class DueClockSchema(CaseClockSchema):
    who = fields.String(allow_none=True, metadata={"description": "The child or children it is about"})
    owner = fields.String(allow_none=True)
    team = fields.String(allow_none=True)


class CaseTransferSchema(Schema):
    id = fields.Integer()
    from_team_id = fields.Integer(allow_none=True)
    from_team = fields.Function(lambda t: t.from_team.name if t.from_team else None)
    from_worker_id = fields.Integer(allow_none=True)
    to_team_id = fields.Integer()
    to_team = fields.Function(lambda t: t.to_team.name)
    to_worker_id = fields.Integer(allow_none=True)
    reason = fields.String()
    transferred_at = AwareDateTime()
    transferred_by_id = fields.Integer(allow_none=True)


class ReferralDetailSchema(Schema):
    """Dumps a services.cases.CaseDetail."""

    id = fields.Integer(attribute="referral.id")
    version = fields.Integer(attribute="referral.version")
    child = fields.Function(lambda case: {"id": case.referral.child.id, "name": case.referral.child.full_name,
                                          "date_of_birth": case.referral.child.date_of_birth and
                                          case.referral.child.date_of_birth.isoformat()})
    contact_id = fields.Integer(attribute="referral.contact_id", allow_none=True)
    referral_date = fields.Date(attribute="referral.referral_date")
    source_code = fields.String(attribute="referral.source_code", allow_none=True)
    outcome = fields.String(attribute="referral.outcome")
    is_re_referral = fields.Boolean(attribute="referral.is_re_referral")
    team_id = fields.Integer(attribute="referral.team_id", allow_none=True)
    team = fields.Function(lambda case: case.referral.team.name if case.referral.team else None)
    worker_id = fields.Integer(attribute="referral.worker_id", allow_none=True)
    worker = fields.Function(lambda case: case.worker.display_name if case.worker else None)
    allocated_at = AwareDateTime(attribute="referral.allocated_at", allow_none=True)
    closed_at = AwareDateTime(attribute="referral.closed_at", allow_none=True)
    closure_reason = fields.String(attribute="referral.closure_reason", allow_none=True)
    closed_on = fields.Date(attribute="referral.closed_on", allow_none=True)
    closure_note = fields.String(attribute="referral.closure_note", allow_none=True)
    primary_need = fields.String(attribute="referral.primary_need", allow_none=True)
    nfa = fields.Boolean(attribute="referral.nfa")
    status = fields.String()
    status_label = fields.String()
    assessment = fields.Nested(AssessmentSchema, allow_none=True)
    strategy_discussions = fields.List(fields.Nested(StrategyDiscussionSchema))
    clocks = fields.List(fields.Nested(CaseClockSchema))
    transfers = fields.List(fields.Nested(CaseTransferSchema), metadata={
        "description": "Moves to another team, earliest first"})


class CaseloadSchema(Schema):
    worker_id = fields.Integer(allow_none=True)
    worker = fields.String(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    team = fields.String(allow_none=True)
    open_assessments = fields.Integer()


class NotificationSchema(Schema):
    id = fields.Integer()
    message = fields.String()
    link = fields.String(allow_none=True)
    created_at = AwareDateTime()
    read_at = AwareDateTime(allow_none=True)


# ---------------------------------------------------------------- step-down to early help

class StepDownArgs(Schema):
    state = fields.String(load_default="waiting", validate=validate.OneOf(["waiting", "accepted", "returned", "all"]))


class StepDownAnswerSchema(CommandSchema):
    command = commands.StepDownAnswer
    accepted = fields.Boolean(required=True, metadata={"description": "true: early help takes the family on"})
    reason = fields.String(allow_none=True, validate=validate.Length(max=5000), metadata={
        "description": "Required when returning the handover"})
    version = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "The version you read; if it has changed since, the answer is 409"})


class StepDownSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    referral_id = fields.Integer(allow_none=True, metadata={"description": "The case handed over, if any"})
    contact_id = fields.Integer(allow_none=True, metadata={
        "description": "The contact whose decision handed the child over, when there is no case"})
    child = fields.Function(lambda s: {"id": s.child.id, "name": s.child.full_name,
                                       "date_of_birth": s.child.date_of_birth and s.child.date_of_birth.isoformat()})
    team = fields.Function(lambda s: s.agency.code)
    team_name = fields.Function(lambda s: s.agency.name)
    state = fields.String()
    note = fields.String(allow_none=True)
    handed_over_at = AwareDateTime()
    due_date = fields.Date(metadata={"description": "Early help answers by the end of this working day"})
    answered_at = AwareDateTime(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answer_reason = fields.String(allow_none=True)
