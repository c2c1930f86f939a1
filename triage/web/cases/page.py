"""One case: its assessment, discussions and clocks, showing the forms for the steps that can be
taken now. Each form posts to its own URL and calls one service with the form's command. On
success: a message and back to the case. Otherwise the case page again, with that form's errors
in the summary at the top and beside its fields; a stale version is a 409.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.case_steps import (
    CaseFacts,
    CaseStep,
    DiscussionFacts,
    DiscussionStep,
    discussion_steps,
    next_steps,
)
from triage.domain.codes import AssessmentFactor, AssessmentOutcome, ClosureReason, S47Outcome
from triage.domain.roles import Role
from triage.services import cases, reference
from triage.services.cases import CASE_WORKERS
from triage.services.errors import Conflict, Invalid
from triage.web.cases.blueprint import CLOCK_STATES, STATUS_COLOURS, bp, child_url, contact_url
from triage.web.cases.forms import (
    AllocateForm,
    AuthoriseForm,
    CaseDiscussionForm,
    ChildSeenForm,
    CloseForm,
    IcpcForm,
    PlanForm,
    S47OutcomeForm,
    StartForm,
    StrategyDiscussionForm,
    TransferForm,
    factor_groups,
)
from triage.web.forms import attach_service_errors

STALE = ("Your entries are still in the form below. The page now shows the case as it is: "
         "check it, then submit again.")


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
    fresh("transfer", TransferForm, referral.version)
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
    """Form name -> whether the page offers it: the next steps the domain allows from here."""
    referral, view = case.referral, case.assessment
    assessment = view.assessment if view else None
    facts = CaseFacts(
        closed=referral.closed_at is not None, has_team=referral.team_id is not None,
        has_worker=referral.worker_id is not None,
        assessment_open=assessment is not None and assessment.authorised_at is None,
        started=bool(assessment and assessment.started_on), child_seen=bool(assessment and assessment.child_seen_on),
        discussions_to_hold=bool(assessment and any(d.held_on is None for d in assessment.case_discussions)),
        by_manager=actor.has_role(Role.MANAGER))
    steps = next_steps(facts)
    can = {str(step): step in steps for step in CaseStep}
    for discussion in case.strategy_discussions:
        left = discussion_steps(DiscussionFacts(
            s47_started=discussion.s47_started_on is not None, s47_outcome=discussion.s47_outcome,
            conference_held=discussion.icpc_held_on is not None,
            conference_not_needed=discussion.icpc_not_needed_reason is not None,
            plan_ended=discussion.plan_end_date is not None))
        for step in DiscussionStep:
            can[f"{step}-{discussion.id}"] = step in left
    return can


def _current_version(case, name: str) -> int | None:
    if name == "allocate":
        return case.referral.version
    if name in ("close", "transfer"):
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
    if failed:
        can[failed] = True  # the form just sent stays, with its errors beside its fields
    return render_template(
        "cases/show.html", case=case, forms=forms, can=can, failed=failed, problems=list(problems),
        status_colours=STATUS_COLOURS, clock_states=CLOCK_STATES, factor_groups=factor_groups(),
        no_factors=AssessmentFactor.NO_FACTORS, factor_labels={f.value: f.label for f in AssessmentFactor},
        outcome_labels=dict(AssessmentOutcome.choices()), closure_labels=dict(ClosureReason.choices()),
        s47_labels=dict(S47Outcome.choices()),
        agency_names={a.code: a.name for a in reference.list_agencies()},
        contact_url=contact_url(case.referral.contact_id), child_url=child_url(case.referral.child_id)), status


@bp.get("/<int:referral_id>")
@roles_required(*CASE_WORKERS)
def show(referral_id: int):
    return _render_case(referral_id)


# Where each form's result shows on the case page: the page opens there after a save.
SECTIONS = {"discussion": "case-discussions", "strategy": "strategy-discussions", "transfer": "transfers"}


def _section_of(form_name: str) -> str:
    kind, _, discussion_id = form_name.partition("-")
    if discussion_id:  # an s47 outcome, conference or plan of one strategy discussion
        return f"strategy-{discussion_id}"
    return SECTIONS.get(kind, "summary")


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
            return redirect(url_for("web.cases.show", referral_id=referral_id, _anchor=_section_of(name)))
    return _render_case(referral_id, {name: form}, problems, status)


@bp.post("/<int:referral_id>/allocate")
@roles_required(Role.MANAGER)
def allocate(referral_id: int):
    return _submit(referral_id, "allocate", AllocateForm(),
                   lambda actor, now, command: cases.allocate(actor, now, referral_id, command), "Case allocated")


@bp.post("/<int:referral_id>/transfer")
@roles_required(Role.MANAGER)
def transfer(referral_id: int):
    return _submit(referral_id, "transfer", TransferForm(),
                   lambda actor, now, command: cases.transfer(actor, now, referral_id, command),
                   "Case transferred: the managers of both teams have been told")


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

