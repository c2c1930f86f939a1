"""Casework after the decision, one module per job:

* `allocation`: who holds a case (team and worker), with its clocks following;
* `assessment`: the child and family assessment on its clock, its case discussions, authorisation;
* `child_protection`: strategy discussions, section 47 enquiries, conferences and plans;
* `closure`: the referral's census details and closing the case;
* `reading`: the cases list and one case as pages and the API show them;
* `oversight`: caseloads, clocks due soon or breached, and what a clock notification is about;
* `step_down`: handing a family over to early help, who accept or return it;
* `clock_views`: clocks as people read them; `commands`: what each use case is asked to do.

The names below are the use cases other rooms call: `from triage.services import cases`.
Nothing here builds on the contacts service, so contacts may build on this (a decision to
assess opens the assessment)."""
from triage.services.cases.allocation import allocate, transfer
from triage.services.cases.assessment import (
    authorise,
    get_assessment,
    open_assessment,
    record_case_discussion,
    record_child_seen,
    start_assessment,
)
from triage.services.cases.child_protection import (
    discussion_on_case,
    record_icpc,
    record_plan,
    record_s47_outcome,
    record_strategy_discussion,
)
from triage.services.cases.clock_views import CLOCK_LABELS, ClockView, clock_views
from triage.services.cases.closure import CLOSING_OUTCOMES, close_case, record_referral_details
from triage.services.cases.commands import (
    Allocation,
    Authorisation,
    CaseDiscussionHeld,
    ChildSeen,
    Closure,
    Conference,
    PlanRecord,
    ReferralDetails,
    S47OutcomeGiven,
    StartAssessment,
    StepDownAnswer,
    StrategyDiscussionHeld,
    Transfer,
)
from triage.services.cases.common import CASE_WORKERS
from triage.services.cases.oversight import (
    Caseload,
    caseload,
    clocks_for_referral,
    due_clocks,
)
from triage.services.cases.reading import (
    CASE_STATUSES,
    AssessmentView,
    CaseDetail,
    CaseRow,
    ReferralFilters,
    case_counts,
    describe_assessment,
    get_case,
    list_referrals,
)
from triage.services.cases.step_down import answer_step_down, get_step_down, step_downs_for

__all__ = [
    "CASE_STATUSES", "CASE_WORKERS", "CLOCK_LABELS", "CLOSING_OUTCOMES", "Allocation", "AssessmentView",
    "Authorisation", "CaseDetail", "CaseDiscussionHeld", "CaseRow", "Caseload", "ChildSeen", "ClockView",
    "Closure", "Conference", "PlanRecord", "ReferralDetails", "ReferralFilters",
    "S47OutcomeGiven", "StartAssessment", "StepDownAnswer", "StrategyDiscussionHeld", "Transfer", "allocate", "answer_step_down", "authorise", "case_counts", "caseload",
    "close_case", "clock_views", "clocks_for_referral", "describe_assessment", "discussion_on_case",
    "due_clocks", "get_assessment", "get_case", "get_step_down", "list_referrals", "open_assessment",
    "record_case_discussion", "record_child_seen", "record_icpc", "record_plan", "record_referral_details",
    "record_s47_outcome", "record_strategy_discussion", "start_assessment", "step_downs_for", "transfer",
]
