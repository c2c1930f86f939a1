"""The demo's week at the Front Door beyond the daily casework: the things a real Front Door does
every week, each made once through the same services a person would use, so audit rows, clocks,
notifications and feedback sends are genuine.

* a contact about a child with an open case added to that case, and a new one in the queue;
* a case transferred to the 14+ team (or another locality's team), with the reason;
* families stepped down to early help: one accepted, one returned, one waiting;
* a consent refusal overridden by a manager, with the reason;
* a child known only by an approximate age, and one whose date of birth is not known;
* a duplicate child merged (a tombstone that redirects) and a likely pair waiting to be merged;
* acknowledgements and decisions fed back to referrers (emails and a letter), the council's own
  wording of the decision feedback, and API tokens that name the person they act for;
* a legal hold on a child.

Most of it happened on the last working day, so it sits inside the history the casework made
and before anything the catch-up adds. The retention review list stays empty: the demo holds
eight weeks of records and the shortest retention period is years, so nothing can be due yet
(the review page says so). Which children are used is chosen by rules on the records (an open
allocated case, an assessment started at least a week ago ...), never by a random draw, so a
small demo simply leaves out what it has no records for.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from triage.demo_data import pathways
from triage.demo_data.week import Week, age, at, decide, new_contact
from triage.domain.codes import DecisionOutcome
from triage.extensions import db
from triage.models import Assessment, AuditEvent, Child, ContactChild, Referral, StepDown
from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.services import audit, cases, child_merge, contacts, feedback, information_requests, retention
from triage.services.calendar import working_day_calendar
from triage.services.feedback import DEFAULTS
from triage.services.people import tokens
from triage.services.token_holders import name_holder
from triage.services.unit_of_work import unit_of_work
from triage.settings import front_door_settings

MARKER_ENTITY = "demo_front_door"  # one audit row: the week was made, so a re-run adds nothing

# Wording a council adds to the default decision feedback: no case detail, only where to turn.
DECISION_FEEDBACK_EXTRA = (
    "\n\nFamilies and professionals can also find local support through the Wrenfield family hubs "
    "(0300 555 0142, Monday to Friday)."
)


def made(ctx) -> bool:
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.entity == MARKER_ENTITY).limit(1)) is not None


def seed_week(ctx) -> tuple[int, int]:
    """(added, present): the week's Front Door work, once."""
    if made(ctx):
        return 0, 1
    calendar = working_day_calendar()
    yesterday = calendar.add_working_days(ctx.today, -1)
    week = Week(today=ctx.today, yesterday=yesterday, earlier=calendar.add_working_days(yesterday, -3))
    _referrer_setup(ctx, week)
    _open_case_contacts(ctx, week)
    _transfer(ctx, week)
    _step_downs(ctx, week)
    _consent_override(ctx, week)
    _unknown_ages(ctx, week)
    _duplicates(ctx, week)
    _legal_hold(ctx, week)
    week.added += pathways.seed_pathways(ctx, week)
    with unit_of_work("demo"):
        audit.record(ctx.actor("admin"), ctx.now, "seed", MARKER_ENTITY, None, detail="the Front Door's week")
    return week.added, 0


# ---------------------------------------------------------------- referrers

def _referrer_setup(ctx, week: Week) -> None:
    """The council's decision wording, and tokens for two partner feeds, each naming its holder."""
    set_up = ctx.history_start + timedelta(days=2)
    subject, body = DEFAULTS[FeedbackKind.DECISION]
    feedback.save_wording(ctx.actor("manager"), set_up, FeedbackKind.DECISION, subject,
                          body.rstrip("\n").replace("\n\nFront Door\n", DECISION_FEEDBACK_EXTRA + "\n\nFront Door\n"),
                          None)
    admin = ctx.users["admin"]
    for name, agency, holder in (("Police overnight notifications feed", "police", "partner.police"),
                                 ("Health safeguarding portal", "health", "partner.health")):
        token, _secret = tokens.create_token(set_up, name, "partner", agency, created_by_id=admin.id,
                                             actor=ctx.actor("admin"))
        if token.approved_at is None:
            tokens.approve_token(ctx.actor("manager"), set_up + timedelta(hours=1), token.id)
        name_holder(ctx.actor("admin"), set_up + timedelta(hours=1), token.id, holder)
    week.added += 3


# ---------------------------------------------------------------- open cases and transfer

def _open_cases(week: Week) -> list[Referral]:
    """Open, allocated cases (no section 47) with nothing new on them since before yesterday."""
    return list(db.session.scalars(
        select(Referral).join(Child, Child.id == Referral.child_id).where(
            Referral.closed_at.is_(None), Referral.worker_id.is_not(None),
            Referral.allocated_at < at(week.yesterday, 8), Referral.outcome != DecisionOutcome.STRATEGY_S47.value,
            Child.merged_into_id.is_(None), Child.date_of_birth.is_not(None), Child.id.not_in(week.used or [-1]))
        .order_by(Referral.id)))


def _open_case_contacts(ctx, week: Week) -> None:
    """A GP's contact about a child whose assessment is under way, added to that case (its worker
    is told), and this morning's police contact about another such child, still in the queue:
    screening shows the open case."""
    found = _open_cases(week)
    if found:
        case = found[0]
        week.take(case.child)
        contact_id = new_contact(ctx, week, at(week.yesterday, 10, 20), {
            "channel": "phone", "source_code": "3A", "referrer_name": "Dr Anita Shah",
            "referrer_role": "GP", "concern": "Mother missed the child's last two appointments and seemed "
                                              "low when she rang to rebook.",
            "children": [{"child_id": case.child_id}]}, "practice.manager@wrenfieldgp.invalid")
        decide(ctx, contact_id, at(week.yesterday, 10, 50), at(week.yesterday, 15, 40), {
            "outcome": DecisionOutcome.ADD_TO_OPEN_CASE.value,
            "rationale": "The allocated worker is assessing now: added to the open case for the assessment."})
    if len(found) > 1:
        case = found[1]
        week.take(case.child)
        new_contact(ctx, week, max(ctx.now - timedelta(minutes=75), case.allocated_at), {
            "channel": "phone", "source_code": "6", "referrer_name": "PC Lewis Grant", "referrer_agency": "Police",
            "concern": "Police attended a loud argument between the adults at the home last night; "
                       "the children were asleep upstairs.",
            "children": [{"child_id": case.child_id}]}, "lewis.grant@police.invalid")


def _transfer(ctx, week: Week) -> None:
    """A young person's case moves to the 14+ team; failing one, a family's to the team where they
    now live."""
    found = _open_cases(week)
    if not found:
        return
    teen = next((r for r in found if age(r.child, week.today) >= 14
                 and r.team_id != ctx.teams["14+ team"].id), None)
    if teen is not None:
        case, worker = teen, "sw.14plus1"
        reason = ("A young person of 14 or over at risk outside the home: the 14+ team holds adolescents' "
                  "cases.")
    else:
        case = found[0]
        worker = "sw.west1" if case.team_id != ctx.teams["Front Door assessment West"].id else "sw.central1"
        reason = "The family moved across the county last week: the local team takes the assessment on."
    week.take(case.child)
    user = ctx.users[worker]
    cases.transfer(ctx.actor("manager"), at(week.yesterday, 14), case.id,
                   cases.Transfer(team_id=user.team_id, worker_id=user.id, reason=reason))
    week.added += 1


# ---------------------------------------------------------------- step-down to early help

def _started_assessments(week: Week) -> list[Assessment]:
    """Assessments started before yesterday, not signed off, with nothing held since."""
    found = db.session.scalars(
        select(Assessment).join(Referral, Referral.id == Assessment.referral_id).where(
            Assessment.started_on < week.yesterday, Assessment.authorised_at.is_(None),
            Referral.closed_at.is_(None), Referral.outcome != DecisionOutcome.STRATEGY_S47.value,
            Referral.child_id.not_in(week.used or [-1]))
        .order_by(Assessment.id)).all()
    return [a for a in found if all(d.held_on is None or d.held_on < week.yesterday for d in a.case_discussions)]


STEP_DOWN_ANSWERS = (
    (True, None, (15, 10)),
    (False, "The family already has a family support worker through the school: back to the Front "
            "Door to agree who leads.", (16, 5)),
    None,  # still waiting for early help's answer
)


def _step_downs(ctx, week: Week) -> None:
    """Three assessments signed off yesterday as early help: early help took one family on, returned
    one with its reason, and has still to answer the third (on its own clock)."""
    for n, (assessment, answer) in enumerate(zip(_started_assessments(week), STEP_DOWN_ANSWERS, strict=False)):
        week.take(assessment.child)
        signed = at(week.yesterday, 11, 20 * n)
        late = week.yesterday > assessment.due_date
        cases.authorise(ctx.actor("manager"), signed, assessment.id, cases.Authorisation(
            "early_help", (("3A", "4B", "2B")[n],), primary_need="N1",
            late_reason="Family circumstances changed; extension agreed" if late else None))
        week.added += 1
        if answer is None:
            continue
        accepted, reason, (hour, minute) = answer
        handover = db.session.scalar(select(StepDown).where(StepDown.referral_id == assessment.referral_id))
        cases.answer_step_down(ctx.actor("partner.early_help"), at(week.yesterday, hour, minute), handover.id,
                               cases.StepDownAnswer(accepted=accepted, reason=reason))


# ---------------------------------------------------------------- consent

def _quiet_children(week: Week, older_than: int = 4) -> list[Child]:
    """Demo children with a known date of birth and no contact yet."""
    kids = db.session.scalars(select(Child).where(
        Child.council_child_id.like("DEMO%"), Child.date_of_birth.is_not(None), Child.merged_into_id.is_(None),
        Child.created_at < at(week.earlier, 8), Child.id.not_in(week.used or [-1]),
        ~Child.id.in_(select(ContactChild.child_id))).order_by(Child.id)).all()
    return [c for c in kids if age(c, week.today) >= older_than]


def _consent_override(ctx, week: Week) -> None:
    """A father refuses consent after his child's disclosure; the manager approves sharing without
    it, saying why, and partners are asked."""
    child = week.take(next(iter(_quiet_children(week, older_than=6)), None))
    if child is None:
        return
    received = at(week.yesterday, 9, 50)
    contact_id = new_contact(ctx, week, received, {
        "channel": "phone", "source_code": "2A", "referrer_name": "Mrs Joanne Hale",
        "referrer_role": "Designated safeguarding lead", "consent": "refused", "consent_by": "Father",
        "concern": "Child told a teacher their father hit them with a belt at the weekend; a mark on the arm. "
                   "Father refuses consent for information to be shared.",
        "children": [{"child_id": child.id}]}, "dsl@wrenfieldprimary.invalid")
    contacts.set_rag(ctx.actor("practitioner"), at(week.yesterday, 10, 5), contact_id, "red",
                     "Disclosure of physical harm: the significant-harm threshold is met")
    contacts.record_consent(ctx.actor("manager"), at(week.yesterday, 10, 20), contact_id, contacts.ConsentCommand(
        consent="not_required", consent_by="Father",
        override_reason="A child's disclosure of being hit with a belt: the risk of significant harm makes "
                        "sharing without the father's consent necessary and proportionate."))
    asked = information_requests.request_information(
        ctx.actor("practitioner"), at(week.yesterday, 10, 40), contact_id, ["police", "health"],
        "Please share what you hold about this child and the adults in the household.")
    for request, (hour, minute) in zip(asked, ((12, 5), (13, 15)), strict=False):
        information_requests.answer_request(ctx.actor(f"partner.{request.agency.code}"), at(week.yesterday, hour, minute),
                                            request.id, "Checked our records: details shared with the MASH.")
    contacts.record_decision(ctx.actor("manager"), at(week.yesterday, 14, 30), contact_id, [{
        "outcome": "assessment", "rationale": "Assessment to understand the risk at home; the school keeps watch."}])
    feedback.send(ctx.actor("era"), at(week.yesterday, 14, 50), contact_id, FeedbackKind.DECISION,
                  FeedbackMethod.EMAIL, None, front_door_settings().council_name)


# ---------------------------------------------------------------- children without a date of birth

def _unknown_ages(ctx, week: Week) -> None:
    """A young carer the school nurse knows only as "about 15" (no further action, signposted, the
    decision sent as a letter), and a child seen begging whose age nobody knows. Neither record
    has a date of birth the practitioner can rely on: both are flagged to complete."""
    west, central = ctx.localities["West"].id, ctx.localities["Central"].id
    carer = new_contact(ctx, week, at(week.yesterday, 11, 30), {
        "channel": "marf", "source_code": "3C", "referrer_name": "Nurse Ola Adeyemi", "referrer_role": "School nurse",
        "concern": "A young carer told me they look after their mother most evenings and are falling behind "
                   "at school. They gave their age as about 15 but not their date of birth.",
        "children": [{"child": {"first_name": "Tyler", "last_name": "Rowe", "sex": "male", "approximate_age": 15,
                                "locality_id": west}, "confirmed_new": True}]}, None)
    decide(ctx, carer, at(week.yesterday, 12), at(week.yesterday, 16, 10), {
        "outcome": "no_further_action", "rationale": "Below the threshold for social care: young carers' support "
                                                     "and the school can help.",
        "signposting": ["young_carers", "school"]}, feedback_by=FeedbackMethod.LETTER, rag="green")
    seen = new_contact(ctx, week, at(week.yesterday, 13, 5), {
        "channel": "phone", "source_code": "9", "referrer_name": "Anonymous caller", "consent": "not_sought", "consent_by": None,
        "consent_not_sought_reason": "undue_delay",
        "concern": "A caller saw a child begging outside the station on three evenings this week; they know "
                   "the child's name from the area but not their age.",
        "children": [{"child": {"first_name": "Mia", "last_name": "Kowalczyk", "sex": "female",
                                "birth_date_status": "not_known", "locality_id": central},
                      "confirmed_new": True}]}, None)
    decide(ctx, seen, at(week.yesterday, 13, 40), at(week.yesterday, 17, 0), {
        "outcome": "information_advice", "rationale": "Passed to the neighbourhood police team and the "
                                                      "school attendance service to find the child."},
        feedback_by=None, rag="amber")


# ---------------------------------------------------------------- duplicates

def _lookalike(child: Child, address: str) -> dict:
    """The same child typed in again as new: names and date of birth, no NHS number, another address."""
    return {"child": {"first_name": child.first_name, "last_name": child.last_name, "sex": str(child.sex),
                      "date_of_birth": child.date_of_birth, "address_line_1": address,
                      "locality_id": child.locality_id}, "confirmed_new": True}


def _duplicates(ctx, week: Week) -> None:
    """A child recorded twice three days ago, merged by the manager yesterday (the duplicate now a
    tombstone pointing at the record kept; an administrator may undo it for 30 days), and another
    recorded twice this morning, the likely match shown on the new contact for a manager to merge."""
    quiet = _quiet_children(week)
    if quiet:
        kept = week.take(quiet[0])
        contact_id = new_contact(ctx, week, at(week.earlier, 11, 10), {
            "channel": "email", "source_code": "2A", "referrer_name": "Mr Daniel Brook", "referrer_role": "Head of year",
            "concern": "Attendance has dropped to 70% this term and the child seems tired in lessons.",
            "children": [_lookalike(kept, "Flat 2, 14 Mill Lane")]}, "d.brook@wrenfieldacademy.invalid")
        decide(ctx, contact_id, at(week.earlier, 11, 40), at(week.earlier, 15), {
            "outcome": "information_advice", "rationale": "Advice to the school on attendance support."},
            rag="green")
        duplicate_id = db.session.scalar(select(ContactChild.child_id).where(ContactChild.contact_id == contact_id))
        child_merge.merge(ctx.actor("manager"), at(week.yesterday, 9, 45), kept.id, duplicate_id, kept.version,
                          take=frozenset({"address_line_1"}))
        week.added += 1
    if len(quiet) > 1:
        twin = week.take(quiet[1])
        new_contact(ctx, week, max(ctx.now - timedelta(minutes=50), twin.created_at), {
            "channel": "phone", "source_code": "1A", "referrer_name": "Grandmother",
            "concern": "Grandmother worried the child is often left with a teenage cousin overnight.",
            "children": [_lookalike(twin, "22 Orchard Close")]}, None)


# ---------------------------------------------------------------- retention

def _legal_hold(ctx, week: Week) -> None:
    """Care proceedings: the court expects every record kept, whatever the retention rules say."""
    child_id = db.session.scalar(select(ContactChild.child_id).join(Child, Child.id == ContactChild.child_id).where(
        Child.council_child_id.like("DEMO%"), Child.merged_into_id.is_(None), Child.id.not_in(week.used or [-1]))
        .order_by(ContactChild.contact_id).limit(1))
    if child_id is None:
        return
    retention.place_hold(ctx.actor("manager"), at(week.yesterday, 16, 30), child_id,
                         "Care proceedings are under way: legal have asked that every record be kept until they end.")
    week.added += 1

