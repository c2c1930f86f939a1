"""The generator's contact stages: one contact's life from arrival to decision."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from triage.domain import clocks as rules
from triage.domain.clocks import ClockKind, DecisionPolicy
from triage.domain.opening_hours import is_open
from triage.generate.lives import ContactLife
from triage.generate.shapes import (
    CHANNELS,
    CONCERNS,
    CONSENT_OTHER,
    CONSENT_POLICE,
    DASH,
    DECISION_DELAY_REASONS,
    HOUR,
    LONDON,
    MINUTE,
    OUTCOMES,
    PARTNER_AGENCIES,
    RAG_HOURS_ORDER,
    RAGS,
    REFERRAL_OUTCOMES,
    REFERRERS,
    SCREENED_AS,
    pick_one,
)


class ContactStages:
    """Mixed into the Simulation, which holds the generator, the calendar and the rows."""

    # -------------------------------------------------------------- one contact's life

    def contact(self, day: date, received: datetime, source: str, kind: str) -> None:
        """One contact from arrival to decision, in stages that each draw from the generator in
        the same order every run (the same seed gives the same rows)."""
        life = ContactLife(ident=self.next_id("contact"), day=day, received=received, source=source, kind=kind)
        self._draw_intake(life)
        self.draw_referrer(life)
        self._draw_screening(life)
        self.draw_consent_override(life)
        self._draw_partner_requests(life)
        self._draw_progress(life)
        self._write_contact(life)
        self._write_contact_clocks(life)
        self._write_contact_children(life)

    def _draw_intake(self, life: ContactLife) -> None:
        """How it came in, how worrying it is, which children, which council; consent."""
        rng, kind = self.rng, life.kind
        life.channel = CHANNELS[kind].pick(rng)
        # Outside the Front Door's opening hours the Emergency Duty Team logs half of what comes in.
        out_of_hours = not is_open(life.received, self.calendar, self.rules.opens, self.rules.closes)
        if out_of_hours and kind != "police" and rng.random() < 0.5:
            life.channel = "edt_handover"
        life.police_feed = life.channel == "police_notification"
        if kind == "police" and rng.random() < 0.6:
            life.dash = DASH.pick(rng)
            life.operation_encompass = rng.random() < 0.7
        life.rag = RAGS.pick(rng)
        if life.dash == "high" and rng.random() < 0.7:
            life.rag = "red"
        life.outcome = OUTCOMES[life.rag].pick(rng)
        life.referral = life.outcome in REFERRAL_OUTCOMES
        life.children = self.pick_children(rng, life.referral, life.day.toordinal())
        life.council_index = life.children[0] // self.per_council
        life.council = self.councils[life.council_index]
        life.locality_id = life.council.locality_ids[self.child_locality[life.children[0]]]
        life.consent, life.not_sought = (CONSENT_POLICE if kind == "police" else CONSENT_OTHER).pick(rng)
        if life.rag == "red" and life.consent in (None, "given", "refused") and rng.random() < 0.6:
            life.consent, life.not_sought = "not_required", None

    def _draw_screening(self, life: ContactLife) -> None:
        """Who recorded it and when; the clocks it starts; who screens and decides, and when."""
        rng, settings, received = self.rng, self.settings, life.received
        council = life.council
        life.recorded_at = min(received + timedelta(minutes=2 + 38 * rng.random()), self.as_of)
        life.era = None if life.police_feed else pick_one(rng, council.eras)
        life.decision_due = (received + self.decision_hours
                             if settings.decision_policy is DecisionPolicy.ELAPSED_24H
                             else rules.decision_due(received, settings.decision_policy, self.calendar))
        life.ack_due = self.acknowledgement_due(life.day, received)
        life.practitioner = pick_one(rng, council.practitioners)
        life.manager = pick_one(rng, council.managers)
        life.decided = self._decision_time(received)
        life.rag_at = received + (life.decided - received) * (0.1 + 0.3 * rng.random())
        life.rag_changes = [(life.rag_at, life.rag, None, "Screened: " + SCREENED_AS[life.rag])]
        if rng.random() < 0.08:
            rag = life.rag
            new = RAG_HOURS_ORDER[min(2, RAG_HOURS_ORDER.index(rag) + 1)] if rng.random() < 0.6 \
                else RAG_HOURS_ORDER[max(0, RAG_HOURS_ORDER.index(rag) - 1)]
            if new != rag:
                changed = life.rag_at + (life.decided - life.rag_at) * (0.3 + 0.5 * rng.random())
                life.rag_changes.append((changed, new, rag, "New information from a partner agency"))

    def _decision_time(self, received: datetime) -> datetime:
        rng = self.rng
        delay = math.exp(rng.gauss(math.log(8.0), 0.95)) * HOUR
        if rng.random() < 0.03:
            delay *= 3 + 12 * rng.random()  # stuck: waiting on something outside the Front Door
        decided = received + delay
        local = decided.astimezone(LONDON)
        if (not self.calendar.is_working_day(local.date()) or local.hour < 8 or local.hour >= 18) \
                and rng.random() < 0.45:  # the rest are decided out of hours (EDT, weekend cover)
            next_day = local.date() if local.hour < 8 and self.calendar.is_working_day(local.date()) \
                else self.workday(local.date(), 1)
            decided = self.at_local(next_day, 8.5 + 3 * rng.random())
        return decided

    def _draw_partner_requests(self, life: ContactLife) -> None:
        """The agencies asked for what they hold, and when (or whether) each answered."""
        rng, settings, rag = self.rng, self.settings, life.rag
        can_ask = life.consent in ("given", "not_required", "not_sought")
        if not (can_ask and rng.random() < (0.75 if rag == "red" else 0.5 if rag == "amber" else 0.25)):
            return
        requested = life.rag_at + (life.decided - life.rag_at) * (0.05 + 0.45 * rng.random())
        hours = settings.partner_hours_by_rag[rag]
        due = rules.partner_information_due(requested, rag, settings.partner_hours_by_rag)
        codes = rng.sample(PARTNER_AGENCIES, 1 + (rng.random() < 0.5) + (rng.random() < 0.3))
        for code in codes:
            roll = rng.random()
            if roll < 0.85:
                answered, state = requested + timedelta(hours=hours * (0.1 + 0.85 * rng.random())), "answered"
            elif roll < 0.97:
                answered, state = requested + timedelta(hours=hours * (1.05 + 1.5 * rng.random())), "answered"
            else:
                answered, state = max(life.decided, requested + MINUTE), "withdrawn"
            life.requests.append((code, requested, due, answered, state))

    def _draw_progress(self, life: ContactLife) -> None:
        """The recommendation, the meeting, acknowledgement and feedback; where it stands at as_of."""
        rng, as_of, received, decided = self.rng, self.as_of, life.received, life.decided
        if rng.random() < 0.7:
            life.recommended = min(decided, max(life.rag_at + 10 * MINUTE,
                                                decided - timedelta(hours=0.3 + 2.7 * rng.random())))
        life.put_forward = life.kind != "police" and life.rag in ("red", "amber") and rng.random() < 0.12
        life.is_decided = decided <= as_of
        life.state = self._state_at_as_of(life)
        life.screened = life.rag_at <= as_of
        for changed, value, _, _ in life.rag_changes:
            if changed <= as_of:
                life.current_rag = value
        acknowledged = received + timedelta(hours=0.5 + (60 if rng.random() < 0.07 else 20) * rng.random())
        if acknowledged > life.ack_due and rng.random() < 0.6:
            acknowledged = life.ack_due - timedelta(hours=2 * rng.random())
        life.acknowledged = max(acknowledged, received + MINUTE)
        life.feedback = decided + timedelta(hours=1 + 70 * rng.random()) if rng.random() < 0.7 else None
        life.late = decided > life.decision_due

    def _state_at_as_of(self, life: ContactLife) -> str:
        as_of = self.as_of
        if life.is_decided:
            return "decided"
        if any(r[1] <= as_of for r in life.requests):
            open_now = any(r[1] <= as_of and r[3] > as_of for r in life.requests)
            return "awaiting_information" if open_now else "ready_for_decision"
        if life.recommended is not None and life.recommended <= as_of:
            return "ready_for_decision"
        if life.rag_at <= as_of:
            return "screening"
        return "received"

    def _write_contact(self, life: ContactLife) -> None:
        rng, as_of, council, day, ident = self.rng, self.as_of, life.council, life.day, life.ident
        police_feed, consent, is_decided = life.police_feed, life.consent, life.is_decided
        recommended = life.recommended is not None and life.recommended <= as_of
        acknowledged = life.acknowledged <= as_of
        feedback = life.feedback is not None and life.feedback <= as_of and is_decided
        life.feedback_sent = feedback
        referrer_role, referrer_agency = REFERRERS[life.kind]
        life.concern = pick_one(rng, CONCERNS[life.kind])
        life.acknowledged_by = pick_one(rng, council.eras) if acknowledged else None
        self.rows["contact"].append((
            ident, life.received, life.recorded_at, life.era, council.token_id if police_feed else None,
            life.channel, life.source, referrer_role, referrer_agency, life.concern, consent,
            "Parent" if consent in ("given", "refused") else None,
            (life.consent_at or life.received) if consent else None, life.not_sought,
            f"{day.year}/{ident:08d}" if police_feed else None, life.dash, life.operation_encompass,
            f"PN-{ident}" if police_feed else None, self.agencies["police"] if police_feed else None,
            life.state, life.current_rag, life.locality_id, council.mash_team,
            life.practitioner if life.screened else None, life.put_forward,
            life.outcome if recommended else None,
            "Recommendation recorded at screening" if recommended else None,
            life.practitioner if recommended else None,
            life.recommended if recommended else None,
            life.decision_due, life.decided if is_decided else None,
            life.acknowledged if acknowledged else None, life.acknowledged_by,
            life.feedback if feedback else None,
            self.feedback_note(life) if feedback else None,
            1, life.referrer_name, life.referrer_details, life.manager if life.override_at else None,
            life.override_at, life.override_reason))

    def _write_contact_clocks(self, life: ContactLife) -> None:
        """The decision and acknowledgement clocks, the RAG history, and each partner request
        with its clock."""
        as_of, settings, ident, mash_team = self.as_of, self.settings, life.ident, life.council.mash_team
        self.clock(ClockKind.DECISION.value, "contact", ident, started=life.received, due_at=life.decision_due,
                   warn_at=life.decision_due - settings.decision_warn,
                   stopped=life.decided if life.is_decided else None, contact_id=ident, team_id=mash_team)
        self.clock(ClockKind.ACKNOWLEDGEMENT.value, "contact", ident, started=life.received, due_at=life.ack_due,
                   warn_at=life.ack_due - timedelta(hours=settings.decision_warn.total_seconds() // 3600),
                   stopped=life.acknowledged, contact_id=ident, team_id=mash_team)
        for changed, value, previous, reason in life.rag_changes:
            if changed <= as_of:
                self.rows["rag_change"].append((self.next_id("rag_change"), ident, value, previous, reason,
                                                changed, life.practitioner))
        for code, requested, due, answered, state in life.requests:
            if requested > as_of:
                continue
            request_id = self.next_id("information_request")
            answered_now = answered <= as_of and state == "answered"
            agency_id = self.agencies[code]
            self.rows["information_request"].append((
                request_id, ident, agency_id, "What does your agency hold about this family?", life.rag,
                requested, life.practitioner, due, state if answered <= as_of else "open",
                "Information held has been shared" if answered_now else None,
                answered if answered_now else None,
                f"{code} (generated)" if answered_now else None,
                agency_id if answered_now else None, 1))
            self.clock(ClockKind.PARTNER_INFORMATION.value, "information_request", request_id, started=requested,
                       due_at=due, warn_at=due - (due - requested) / 4,
                       stopped=answered if answered <= as_of else None, contact_id=ident,
                       owner_id=life.practitioner)

    def _write_contact_children(self, life: ContactLife) -> None:
        """The meeting agenda, each child's link to the contact, and the referrals it made."""
        rng, ident, is_decided = self.rng, life.ident, life.is_decided
        if self.meetings:
            candidate = (life.received, ident, "channel" if life.police_feed else "put_forward",
                         life.decided if is_decided else None, life.current_rag, life.outcome, life.locality_id)
            if life.police_feed or life.put_forward:
                self.agenda[life.council_index].append(candidate)
            self.route(life, candidate)
        self.recent_contacts.extend(life.children)
        if len(self.recent_contacts) > 40_000:
            del self.recent_contacts[:20_000]
        self.draw_duplicate(life)
        decided_ordinal = self.london_date(life.decided).toordinal()
        decided_second = life.decided.timestamp()
        for child in life.children:
            link = self.next_id("contact_child")
            child_id = child + self.first_child
            self.contacted[child] = 1
            outcome, case = life.outcome, None
            if (is_decided and life.referral and self.episode_until[child] > decided_ordinal
                    and self.case_since[child] <= decided_second):
                # The child's case is open when the manager decides: the contact joins it instead of
                # a new referral.
                outcome, case = "add_to_open_case", self.case_of[child]
            life.child_outcomes.append(outcome)
            self.rows["contact_child"].append((
                link, ident, child_id, outcome if is_decided else None,
                "Decision recorded with rationale" if is_decided else None,
                pick_one(rng, DECISION_DELAY_REASONS) if is_decided and life.late else None,
                life.decided if is_decided else None, life.manager if is_decided else None,
                (not life.late) if is_decided else None, case,
                self.signposting(outcome) if is_decided else None))
            if is_decided and outcome == "early_help":
                self.write_contact_step_down(life, child)
            if life.duplicate_id is not None and child == life.children[0]:
                self.write_merge(life, child, link)
            if is_decided and life.referral and case is None:
                self.referral(life.council, child, child_id, ident, link, life.day, life.source, life.outcome,
                              life.decided)
        self.write_feedback(life)
        self.write_out_of_hours(life)
