"""After the decision: referrals and their allocation, assessments, case discussions, strategy
discussions and s47 enquiries, the clocks on each case and the manager's due-and-breached view.

Each endpoint loads its body as the service's command, calls one service and dumps. Steps on an existing record take
the `version` you read: a different current version is a 409, never a silent overwrite.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.schemas import cases as s
from triage.services import cases
from triage.services.cases import CASE_WORKERS

MANAGERS = (Role.MANAGER,)

referrals_blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals",
                          description="Referrals, their allocation, strategy discussions and clocks. "
                                      "Every read and write is audited.")
assessments_blp = Blueprint("assessments", __name__, url_prefix="/api/v1/assessments",
                            description="Child and family assessments on the 45-working-day clock")
strategy_blp = Blueprint("strategy-discussions", __name__, url_prefix="/api/v1/strategy-discussions",
                         description="Section 47 outcomes and initial child protection conferences")
oversight_blp = Blueprint("oversight", __name__, url_prefix="/api/v1",
                          description="Caseloads, and every clock due soon or breached")
step_downs_blp = Blueprint("step-downs", __name__, url_prefix="/api/v1/step-downs",
                           description="Families handed over to early help, who accept or return them. "
                                       "An early help team sees only its own handovers.")

BLUEPRINTS = (referrals_blp, assessments_blp, strategy_blp, oversight_blp, step_downs_blp)


# ---------------------------------------------------------------- referrals

@referrals_blp.route("")
class Referrals(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.arguments(s.ReferralListArgs, location="query")
    @referrals_blp.response(200, s.CaseRowSchema(many=True))
    @referrals_blp.paginate()
    def get(self, args, pagination_parameters):
        """Referrals, newest first, filtered by team, worker, open or closed, allocated or not"""
        page = cases.list_referrals(current_actor(), utcnow(), cases.ReferralFilters(**args),
                                    page=pagination_parameters.page, per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


@referrals_blp.route("/counts")
class ReferralCounts(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.arguments(s.ReferralListArgs, location="query")
    @referrals_blp.response(200, s.CaseCountsSchema)
    def get(self, args):
        """How many referrals (with the same filters as the list) are overdue, due soon, not allocated ..."""
        return cases.case_counts(current_actor(), utcnow(), cases.ReferralFilters(**args))


@referrals_blp.route("/<int:referral_id>")
class ReferralResource(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.response(200, s.ReferralDetailSchema)
    def get(self, referral_id):
        """One referral with its assessment, case discussions, strategy discussions and clocks"""
        return cases.get_case(current_actor(), utcnow(), referral_id)


@referrals_blp.route("/<int:referral_id>/allocate")
class Allocate(MethodView):
    decorators = [roles_required(*MANAGERS)]

    @referrals_blp.arguments(s.AllocateSchema)
    @referrals_blp.response(200, s.ReferralSummarySchema)
    def post(self, command, referral_id):
        """Allocate to a team and a worker (Front Door managers); the case's clocks follow"""
        return cases.allocate(current_actor(), utcnow(), referral_id, command)


@referrals_blp.route("/<int:referral_id>/transfer")
class TransferCase(MethodView):
    decorators = [roles_required(*MANAGERS)]

    @referrals_blp.arguments(s.TransferSchema)
    @referrals_blp.response(200, s.ReferralSummarySchema)
    def post(self, command, referral_id):
        """Transfer an open case to another team and worker (managers), with the reason. The clocks keep
        their due dates and follow the case; the managers of both teams are notified"""
        return cases.transfer(current_actor(), utcnow(), referral_id, command)


@referrals_blp.route("/<int:referral_id>/details")
class ReferralDetails(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.arguments(s.ReferralDetailsSchema)
    @referrals_blp.response(200, s.ReferralSummarySchema)
    def post(self, command, referral_id):
        """Record the referral's primary need (census N0-N9), before or at authorisation"""
        return cases.record_referral_details(current_actor(), utcnow(), referral_id, command)


@referrals_blp.route("/<int:referral_id>/close")
class CloseCase(MethodView):
    decorators = [roles_required(*MANAGERS)]

    @referrals_blp.arguments(s.CloseCaseSchema)
    @referrals_blp.response(200, s.ReferralSummarySchema)
    def post(self, command, referral_id):
        """Close the case (managers) with its date and reason RC1-RC9; every clock still running stops.
        With an assessment still open, say why; a new referral afterwards is a new episode"""
        return cases.close_case(current_actor(), utcnow(), referral_id, command)


@referrals_blp.route("/<int:referral_id>/clocks")
class ReferralClocks(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.response(200, s.CaseClockSchema(many=True))
    def get(self, referral_id):
        """Every clock on the case, due order: decision, assessment, case discussions, conferences"""
        now = utcnow()
        return cases.clock_views(cases.clocks_for_referral(current_actor(), now, referral_id), now)


@referrals_blp.route("/<int:referral_id>/strategy-discussions")
class StrategyDiscussions(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @referrals_blp.arguments(s.StrategyDiscussionCreateSchema)
    @referrals_blp.response(201, s.StrategyDiscussionSchema)
    def post(self, command, referral_id):
        """Record a strategy discussion; when an s47 starts, the conference is due in 15 working days"""
        return cases.record_strategy_discussion(current_actor(), utcnow(), referral_id, command)


# ---------------------------------------------------------------- assessments

def _view(assessment, now):
    return cases.describe_assessment(assessment, now)


@assessments_blp.route("/<int:assessment_id>")
class AssessmentResource(MethodView):
    decorators = [roles_required(*CASE_WORKERS)]

    @assessments_blp.response(200, s.AssessmentSchema)
    def get(self, assessment_id):
        """The assessment: due date, working days elapsed and left, case discussions, outcome"""
        now = utcnow()
        return _view(cases.get_assessment(current_actor(), now, assessment_id), now)


def _step(blp, path, endpoint, schema, roles, call, doc, response_schema):
    """One POST endpoint per step: load the body, call the service, dump the result."""

    @blp.route(path, endpoint=endpoint)
    class Step(MethodView):
        decorators = [roles_required(*roles)]

        @blp.arguments(schema)
        @blp.response(200, response_schema)
        def post(self, command, **ids):
            return call(current_actor(), utcnow(), command, **ids)

    Step.post.__doc__ = doc
    return Step


_step(assessments_blp, "/<int:assessment_id>/start", "start", s.StartSchema, CASE_WORKERS,
      lambda a, n, c, assessment_id: _view(cases.start_assessment(a, n, assessment_id, c), n),
      "Record the date the assessment started (the clock runs from the referral date regardless)",
      s.AssessmentSchema)
_step(assessments_blp, "/<int:assessment_id>/child-seen", "child_seen", s.ChildSeenSchema, CASE_WORKERS,
      lambda a, n, c, assessment_id: _view(cases.record_child_seen(a, n, assessment_id, c), n),
      "Record the date the child was seen", s.AssessmentSchema)
_step(assessments_blp, "/<int:assessment_id>/case-discussions/<int:sequence>", "case_discussion",
      s.CaseDiscussionHeldSchema, CASE_WORKERS,
      lambda a, n, c, assessment_id, sequence: _view(cases.record_case_discussion(
          a, n, assessment_id, sequence, c).assessment, n),
      "Record that a planned case discussion (management oversight point) was held, when and by whom",
      s.AssessmentSchema)
_step(assessments_blp, "/<int:assessment_id>/authorise", "authorise", s.AuthoriseSchema, MANAGERS,
      lambda a, n, c, assessment_id: _view(cases.authorise(a, n, assessment_id, c), n),
      "Authorise (Front Door managers) with the outcome and factor codes; after the due date, say why",
      s.AssessmentSchema)


# ---------------------------------------------------------------- strategy discussions

_step(strategy_blp, "/<int:discussion_id>/s47-outcome", "s47_outcome", s.S47OutcomeSchema, CASE_WORKERS,
      lambda a, n, c, discussion_id: cases.record_s47_outcome(a, n, discussion_id, c),
      "Record the outcome of the section 47 enquiry; without a conference, its clock stops",
      s.StrategyDiscussionSchema)
_step(strategy_blp, "/<int:discussion_id>/icpc", "icpc", s.IcpcSchema, CASE_WORKERS,
      lambda a, n, c, discussion_id: cases.record_icpc(a, n, discussion_id, c),
      "Record the initial child protection conference's date (never a weekend), or why none is needed; "
      "and whether it made a child protection plan",
      s.StrategyDiscussionSchema)
_step(strategy_blp, "/<int:discussion_id>/plan", "plan", s.PlanSchema, CASE_WORKERS,
      lambda a, n, c, discussion_id: cases.record_plan(a, n, discussion_id, c),
      "Whether the conference made a child protection plan, its start, category of abuse and end date",
      s.StrategyDiscussionSchema)


# ---------------------------------------------------------------- oversight

@oversight_blp.route("/caseload")
class Caseload(MethodView):
    decorators = [roles_required(*CASE_WORKERS, Role.PERFORMANCE)]

    @oversight_blp.arguments(s.CaseloadArgs, location="query")
    @oversight_blp.response(200, s.CaseloadSchema(many=True))
    def get(self, args):
        """Open assessments per worker and team (one row per worker in each team)"""
        rows = cases.caseload(current_actor())
        return [row for row in rows
                if args.get("team_id") in (None, row.team_id) and args.get("worker_id") in (None, row.worker_id)]


@oversight_blp.route("/clocks/due")
class DueClocks(MethodView):
    decorators = [roles_required(*MANAGERS)]

    @oversight_blp.arguments(s.DueArgs, location="query")
    @oversight_blp.response(200, s.DueClockSchema(many=True))
    @oversight_blp.paginate()
    def get(self, args, pagination_parameters):
        """The manager's view: every running clock due soon or breached, soonest first"""
        page = cases.due_clocks(current_actor(), utcnow(), args.get("team_id"),
                                page=pagination_parameters.page, per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items


# ---------------------------------------------------------------- step-down to early help

@step_downs_blp.route("")
class StepDowns(MethodView):
    decorators = [roles_required(*CASE_WORKERS, Role.PARTNER)]

    @step_downs_blp.arguments(s.StepDownArgs, location="query")
    @step_downs_blp.response(200, s.StepDownSchema(many=True))
    @step_downs_blp.paginate()
    def get(self, args, pagination_parameters):
        """Handovers to your early help team (or all, for case workers), soonest due first"""
        state = None if args["state"] == "all" else args["state"]
        result = cases.step_downs_for(current_actor(), utcnow(), state, page=pagination_parameters.page,
                                      per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@step_downs_blp.route("/<int:step_down_id>")
class StepDownResource(MethodView):
    decorators = [roles_required(*CASE_WORKERS, Role.PARTNER)]

    @step_downs_blp.response(200, s.StepDownSchema)
    def get(self, step_down_id):
        """One handover, with the child and what the Front Door says"""
        return cases.get_step_down(current_actor(), utcnow(), step_down_id)


@step_downs_blp.route("/<int:step_down_id>/answer")
class StepDownAnswerResource(MethodView):
    decorators = [roles_required(*CASE_WORKERS, Role.PARTNER)]

    @step_downs_blp.arguments(s.StepDownAnswerSchema)
    @step_downs_blp.response(200, s.StepDownSchema)
    def post(self, command, step_down_id):
        """Accept the family, or return the handover saying why; its clock stops"""
        return cases.answer_step_down(current_actor(), utcnow(), step_down_id, command)
