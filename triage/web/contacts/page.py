"""The contact page: the record, and a form per step (screening, RAG, partner requests, triage,
recommendation, decision, consent, the referrer), each posting to its own URL."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.clocks import clock_state, describe_time_left
from triage.domain.consent import partner_request_refusal
from triage.domain.contact_commands import ChildDecision, DecisionCommand, delay_problem, outcome_problems
from triage.domain.contact_states import DECIDERS, SCREENERS, STAFF, ContactState, available_steps
from triage.domain.roles import Role
from triage.services import contacts, information_requests, people
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, ServiceError
from triage.settings import clock_settings, contact_settings
from triage.web.contacts.blueprint import SEX_CHOICES, bp, child_label, request_clock
from triage.web.contacts.forms import (
    AcknowledgeForm,
    ConsentForm,
    DecisionForm,
    FeedbackForm,
    PutForwardForm,
    RagForm,
    RecommendForm,
    RequestInformationForm,
    ScreeningForm,
    decision_form_for,
)
from triage.web.forms import (
    add_error,
    attach_service_errors,
    none_if_blank,
)


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
    "decision": Action(None, "decide", DECIDERS, "Decision recorded"),
    "acknowledgement": Action(AcknowledgeForm, "ack", STAFF, "Acknowledgement to the referrer recorded"),
    "consent": Action(ConsentForm, "consent", SCREENERS, "Consent record updated"),
    "feedback": Action(FeedbackForm, "feedback", STAFF, "Feedback to the referrer recorded"),
}


def _steps(actor: Actor, contact) -> frozenset[str]:
    """The steps this person may take on the contact now: the state table's, for their role."""
    return frozenset(step for step in available_steps(contact.state, bool(contact.acknowledged_at),
                                                      bool(contact.feedback_at))
                     if actor.has_role(*ACTIONS[step].roles))


# After a save the page opens at the section the step belongs to.
SECTIONS = {"screening": "rag", "rag": "rag", "information-requests": "partners", "put-forward": "triage-meeting",
            "recommendation": "recommendation", "decision": "decision", "acknowledgement": "referrer",
            "consent": "consent", "feedback": "referrer"}


def _signposting() -> list[tuple[str, str]]:
    return list(contact_settings().signposting.items())


def _blank_form(key: str, contact):
    spec = ACTIONS[key]
    if key == "decision":
        form = decision_form_for(contact, set(contacts.open_cases(contact)), _signposting(), formdata=None)
        form.apply_to.data = "all"
        if contact.recommended_outcome:
            form.outcome.data = contact.recommended_outcome
        return form
    return spec.form(formdata=None, prefix=spec.prefix)


def _posted_form(key: str, contact):
    spec = ACTIONS[key]
    if key == "decision":
        return decision_form_for(contact, set(contacts.open_cases(contact)), _signposting())
    return spec.form(prefix=spec.prefix)


# ---------------------------------------------------------------- the contact page

def _render_show(contact_id: int, status: int = 200, active: dict | None = None, problems=(),
                 stale: bool = False):
    actor, now = current_actor(), utcnow()
    read = contacts.read_for_page(actor, now, contact_id)
    contact = read.contact
    forms = {key: _blank_form(key, contact) for key in ACTIONS}
    forms.update(active or {})
    for form in forms.values():
        form.version.data = str(contact.version)  # the page shows the contact as it is now
    decided = contact.state == ContactState.DECIDED
    decision_clock = clock_state(contact.decision_due_at, now, contact.decided_at, clock_settings().decision_warn)
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
        "contacts/show.html", contact=contact, history=read.history, forms=forms,
        error_form=error_form, problems=list(problems), stale=stale, now=now, decided=decided,
        decision_clock=decision_clock, time_left=describe_time_left(contact.decision_due_at, now),
        late=now > contact.decision_due_at, referrals=read.referrals, step_downs=read.step_downs, request_refusal=refusal, user_names=names,
        request_clock=lambda r: request_clock(r, now), child_label=child_label,
        can_screen=actor.has_role(*SCREENERS), can_decide=actor.has_role(Role.MANAGER),
        can_recommend=actor.has_role(Role.PRACTITIONER), sex_labels=dict(SEX_CHOICES),
        steps=_steps(actor, contact),
        signposting_labels=contact_settings().signposting,
    ), status


@bp.get("/contacts/<int:contact_id>")
@roles_required(*STAFF)
def show(contact_id: int):
    return _render_show(contact_id)


DECISION_FIELD = re.compile(r"^decisions\.(\d+)\.(outcome|rationale|signposting|child_id)$")


# The rules are the domain's; the words are the page's, naming the child where there are several.
DECISION_WORDING = {"outcome": ("Select the outcome", "Select the outcome for {name}"),
                    "rationale": ("Write the rationale: it is always required",
                                  "Write the rationale for {name}: it is always required")}


def _decision_problems(form: DecisionForm, contact, now: datetime) -> tuple[tuple[ChildDecision, ...], str | None]:
    """The decisions the form holds, each rule they break shown on its field."""
    links = contact.children
    if len(links) > 1 and form.apply_to.data == "each":
        named = [(f"_{link.child_id}", link.child.full_name, link.child_id) for link in links]
    else:
        named = [("", None, None)]
    decisions = []
    for suffix, name, child_id in named:
        outcome, rationale = getattr(form, f"outcome{suffix}").data, getattr(form, f"rationale{suffix}").data or ""
        signposted = tuple(getattr(form, f"signposting{suffix}").data or ())
        decisions.append(ChildDecision(outcome=outcome, rationale=rationale, child_id=child_id,
                                       signposting=signposted))
        for key in outcome_problems(outcome, rationale):
            alone, each = DECISION_WORDING[key]
            if not getattr(form, f"{key}{suffix}").errors:
                add_error(form, f"{key}{suffix}", each.format(name=name) if name else alone)
    delay = (form.delay_reason.data or "").strip() or None
    late = delay_problem(contact.decision_due_at, now, delay)
    if late:
        add_error(form, "delay_reason", late)
    return tuple(decisions), delay


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
        contacts.record_consent(actor, now, cid, form.command())


def _act(key: str, contact_id: int):
    actor, now = current_actor(), utcnow()
    contact = contacts.load(contact_id)  # NotFound: the 404 page
    form = _posted_form(key, contact)
    valid = form.validate()
    decisions = delay = None
    if key == "decision":
        decisions, delay = _decision_problems(form, contact, now)
        valid = valid and not form.errors
    if not valid:
        return _render_show(contact_id, 400, active={key: form})
    try:
        if key == "decision":
            contacts.record_decision(actor, now, contact.id, DecisionCommand(
                decisions, delay, form.version_number, none_if_blank(form.early_help_team.data)))
        else:
            _perform(key, actor, now, contact, form)
    except (Conflict, Invalid) as exc:
        # The unit of work has rolled the attempt back: this is the contact as it now is.
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
    return redirect(url_for("web.contacts.show", contact_id=contact_id, _anchor=SECTIONS[key]))


def _register_action(key: str) -> None:
    @roles_required(*ACTIONS[key].roles)
    def view(contact_id: int):
        return _act(key, contact_id)

    endpoint = key.replace("-", "_")
    view.__name__ = endpoint
    bp.add_url_rule(f"/contacts/<int:contact_id>/{key}", endpoint=endpoint, view_func=view, methods=["POST"])


for _key in ACTIONS:
    _register_action(_key)
