"""The generator's follow-up stages: what the Front Door does around a contact and a case beyond
the decision itself, as the services record it.

- referrers: who referred and how to reach them; the acknowledgement and decision feedback sent
  to those who gave an email address (with its outbox row) or a postal address (a letter);
- out of hours: the Emergency Duty Team's contacts, listed for the next morning and accepted;
- consent overrides approved by a manager, and the signposting an NFA decision gives;
- case transfers between teams, and step-downs to an early help team on their own clock.

These draw from their own random generator (`self.xrng`), so a change here shifts little of the
rest of a seed's data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from triage.domain.clocks import ClockKind
from triage.domain.codes import DecisionOutcome
from triage.domain.meetings import MeetingType
from triage.domain.opening_hours import handover_day
from triage.domain.pathways import ConcernCategory, RoutingRule
from triage.generate.lives import ContactLife, ReferralLife
from triage.generate.shapes import MINUTE, below, pick_one
from triage.models.feedback import FeedbackKind
from triage.services.feedback import DEFAULTS


@dataclass(frozen=True)
class FrontDoorRules:
    """The settings these stages follow (read from the app before generation starts)."""

    step_down_working_days: int
    step_down_warn_working_days: int
    opens: time
    closes: time
    signposting: tuple[str, ...]  # the council's list of codes
    meeting_types: tuple[MeetingType, ...] = ()
    concern_categories: tuple[ConcernCategory, ...] = ()
    routing: tuple[RoutingRule, ...] = ()  # the active routing rules (set once the world is built)


# Who gives the Front Door an address to answer to, by kind of referrer: (email share, letter share).
ADDRESS_GIVEN = {"school": (0.9, 0.0), "health": (0.85, 0.0), "la": (0.9, 0.0), "legal": (0.85, 0.0),
                 "other": (0.6, 0.1), "police": (0.5, 0.0), "individual": (0.15, 0.35), "anonymous": (0.0, 0.0)}
MAIL_DOMAINS = {"school": ("school", "primary", "academy"), "health": ("nhs-trust", "gp-surgery", "hospital"),
                "la": ("council",), "legal": ("probation",), "other": ("charity", "youth-club"),
                "police": ("constabulary",), "individual": ("mail",)}
REFERRER_FIRST = ("Sam", "Alex", "Jo", "Chris", "Priya", "Tom", "Aisha", "Mark", "Helen", "Imran", "Ruth", "Dan")
REFERRER_LAST = ("Shaw", "Patel", "Hughes", "Khan", "Walsh", "Green", "Byrne", "Ahmed", "Lloyd", "Carter")
OVERRIDE_REASONS = ("Risk of significant harm: sharing without consent is justified",
                    "Parent refused, but the child's safety outweighs it: manager agrees to share",
                    "Information needed to decide whether a child is at risk of significant harm")
TRANSFER_REASONS = ("Caseload balancing between the teams", "Conflict of interest: the worker knows the family",
                    "The family's school and GP are in the other team's area")
RETURN_REASONS = ("The family declined early help", "Needs are above early help: refer back to the Front Door",
                  "Family already open to another early help service", "Could not contact the family")


class FollowUpStages:
    """Mixed into the Simulation, which holds the generators, the calendar and the rows."""

    # -------------------------------------------------------------- the referrer

    def draw_referrer(self, life: ContactLife) -> None:
        """The referrer's name and contact details: an email address, a postal address or none.
        A police feed's notification names the officer's unit only."""
        if life.police_feed:
            return
        xrng = self.xrng
        life.referrer_name = f"{pick_one(xrng, REFERRER_FIRST)} {pick_one(xrng, REFERRER_LAST)}"
        if life.kind == "anonymous":
            life.referrer_name = None
            return
        email_share, letter_share = ADDRESS_GIVEN[life.kind]
        roll = xrng.random()
        if roll < email_share:
            first, last = life.referrer_name.lower().split(" ", 1)
            domain = pick_one(xrng, MAIL_DOMAINS[life.kind])
            life.referrer_email = f"{first}.{last}@{domain}{below(xrng, 1, 60)}.example.org"
            life.referrer_details = f"{life.referrer_email}, 01632 960{below(xrng, 100, 999)}"
        elif roll < email_share + letter_share:
            life.referrer_letter = True
            life.referrer_details = f"{below(xrng, 1, 120)} {pick_one(xrng, life.council.streets[0])}, " \
                                    f"{life.council.name}"
        else:
            life.referrer_details = f"07700 900{below(xrng, 100, 999)}"

    def _civil(self, at: datetime) -> str:
        day = self.london_date(at)
        return f"{day.day} {day:%B %Y}"

    def write_feedback(self, life: ContactLife) -> None:
        """The acknowledgement (it is what stopped the acknowledgement clock) and the decision
        feedback, worded as the service's default templates word them."""
        if not (life.referrer_email or life.referrer_letter):
            return
        values = {"referrer_name": life.referrer_name or "Sir or Madam", "contact_reference": str(life.ident),
                  "received_date": self._civil(life.received), "council_name": life.council.name}
        sends = []
        if life.acknowledged <= self.as_of:
            sends.append((FeedbackKind.ACKNOWLEDGEMENT, life.acknowledged, life.acknowledged_by))
        if life.feedback_sent:
            values["decision_date"] = self._civil(life.decided)
            values["outcomes"] = "\n".join(f"- Child {self.child_initials[child]}: {DecisionOutcome(outcome).label}"
                                           for child, outcome in zip(life.children, life.child_outcomes,
                                                                     strict=True))
            sends.append((FeedbackKind.DECISION, life.feedback, life.practitioner))
        for kind, at, person in sends:
            subject_template, body_template = DEFAULTS[kind]
            subject, body = subject_template.format(**values), body_template.format(**values)
            notification = None
            if life.referrer_email:
                notification = self.next_id("notification")
                delivered = min(at + timedelta(seconds=20 + 40 * self.xrng.random()), self.as_of)
                self.rows["notification"].append((
                    notification, None, None, at, f"{kind} feedback to the referrer of contact {life.ident}", None,
                    None, delivered, 1, delivered, life.referrer_email, subject, body))
            self.rows["referrer_feedback"].append((
                self.next_id("referrer_feedback"), life.ident, kind.value,
                "email" if life.referrer_email else "letter", life.referrer_email, subject, body, at, person, None,
                notification))

    def feedback_note(self, life: ContactLife) -> str:
        if life.referrer_email or life.referrer_letter:
            return f"Decision fed back by {'email' if life.referrer_email else 'letter'}"
        return "Outcome explained to the referrer"

    # -------------------------------------------------------------- out of hours

    def write_out_of_hours(self, life: ContactLife) -> None:
        """An EDT contact logged while the Front Door was closed waits on the next opening's
        handover list until someone there accepts it."""
        rules = self.rules
        if life.channel != "edt_handover":
            return
        day = handover_day(life.received, self.calendar, rules.opens, rules.closes)
        if day is None:
            return
        opening = self.at_local(day, rules.opens.hour + rules.opens.minute / 60)
        accepted = opening + timedelta(minutes=5 + 110 * self.xrng.random())
        accepted_now = accepted <= self.as_of
        self.rows["out_of_hours_handover"].append((
            self.next_id("out_of_hours_handover"), life.ident, life.received, day,
            min(max(life.received, opening), self.as_of), accepted if accepted_now else None,
            life.practitioner if accepted_now else None, None, 2 if accepted_now else 1))

    # -------------------------------------------------------------- consent and signposting

    def draw_consent_override(self, life: ContactLife) -> None:
        """Some refusals of consent are overridden: a manager approves sharing without it, with
        the reason, during screening (before any partner is asked)."""
        if life.consent != "refused" or life.rag == "green" or self.xrng.random() >= 0.35:
            return
        at = life.rag_at + (life.decided - life.rag_at) * (0.02 + 0.05 * self.xrng.random())
        if at > self.as_of:
            return
        life.override_at, life.override_reason = at, pick_one(self.xrng, OVERRIDE_REASONS)
        life.consent, life.not_sought = "not_required", None
        life.consent_at = at

    def signposting(self, outcome: str | None) -> str | None:
        """Where the family was pointed with no further action: one or two places from the list."""
        if outcome != DecisionOutcome.NO_FURTHER_ACTION.value or not self.rules.signposting:
            return None
        options = self.rules.signposting
        first = pick_one(self.xrng, options)
        if self.xrng.random() < 0.3:
            second = pick_one(self.xrng, options)
            if second != first and "none_needed" not in (first, second):
                return f"{first},{second}"
        return first

    # -------------------------------------------------------------- transfers and step-downs

    def draw_transfer(self, case: ReferralLife) -> None:
        """About one case in forty moves to another locality team while its assessment runs; the
        case's clocks then belong to the new team and worker (drawn before anything that names
        them)."""
        council, xrng = case.council, self.xrng
        if case.worker is None or case.team == council.older_team or xrng.random() >= 0.025:
            return
        at = case.allocated + timedelta(days=2 + 25 * xrng.random())
        if at > self.as_of or at >= case.authorised_at:
            return
        others = [t for t in council.locality_teams if t != case.team]
        to_team = pick_one(xrng, others)
        to_worker = pick_one(xrng, council.workers[to_team])
        self.rows["case_transfer"].append((
            self.next_id("case_transfer"), case.ident, case.team, case.worker, to_team, to_worker,
            pick_one(xrng, TRANSFER_REASONS), at, case.head))
        case.team, case.worker, case.allocated, case.head = to_team, to_worker, at, council.team_manager[to_team]

    def write_step_down(self, case: ReferralLife) -> None:
        """An assessment authorised with the early help outcome hands the family over to the early
        help team for the child's area; the clock is the case worker's, in the case's team."""
        if not case.authorised or case.assessment_outcome != "early_help":
            return
        self._step_down(case.council, case.child, case.ident, None, case.authorised_at, case.authorised_on,
                        case.head, case.worker, case.team)

    def write_contact_step_down(self, life: ContactLife, child: int) -> None:
        """Where the service hands a child over straight from a contact's early help decision (a
        step-down with the contact and no case), the deciding manager's clock in the contact's team."""
        self._step_down(life.council, child, None, life.ident, life.decided, self.london_date(life.decided),
                        life.manager, life.manager, life.council.mash_team)

    def _step_down(self, council, child: int, referral_id: int | None, contact_id: int | None, at: datetime,
                   on: date, by: int | None, owner: int | None, team_id: int) -> None:
        """The handover, which the team accepts or returns on its own working-day clock."""
        xrng, rules = self.xrng, self.rules
        areas = len(council.locality_teams)
        team = council.early_help[min(len(council.early_help) - 1,
                                      self.child_locality[child] * len(council.early_help) // areas)]
        ident = self.next_id("step_down")
        child_id = child + self.first_child
        due = self.workday(on, rules.step_down_working_days)
        late = xrng.random() < 0.1
        answer_in = rules.step_down_working_days + below(xrng, 1, 4) if late else below(
            xrng, 0, rules.step_down_working_days + 1)
        answered = self.at_local(self.workday(on, answer_in), 9 + 8 * xrng.random())
        answered = max(answered, at + 30 * MINUTE)
        accepted = xrng.random() < 0.8
        reason = None if accepted else pick_one(xrng, RETURN_REASONS)
        if answered > self.as_of:
            state, answered, reason = "waiting", None, None
        else:
            state = "accepted" if accepted else "returned"
        row = (ident, referral_id, child_id, team, state, None, at, by, due, answered,
               f"{self.agency_codes[team]} (generated)" if answered else None, reason, 2 if answered else 1)
        self.rows["step_down"].append((*row, contact_id))
        due_at, warn_at = self.date_clock_times(due, rules.step_down_warn_working_days)
        self.clock(ClockKind.STEP_DOWN.value, "step_down", ident, started=at, due_at=due_at, warn_at=warn_at,
                   stopped=answered, due_date=due, contact_id=contact_id, child_id=child_id, owner_id=owner,
                   team_id=team_id)
