"""The generator's casework stages: a referral, its assessment, case discussions, child
protection work and closure."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from triage.domain.census import census_year_for
from triage.domain.clocks import ClockKind
from triage.generate.lives import ReferralLife
from triage.generate.shapes import (
    ASSESSMENT_OUTCOMES,
    ASSESSMENT_OUTCOMES_AFTER_S47,
    CATEGORIES,
    FACTORS,
    LATE_REASONS,
    LATER_CLOSURES,
    OPEN,
    PRIMARY_NEEDS,
    S47_LABELS,
    S47_OUTCOMES,
    below,
    pick_one,
)
from triage.generate.world import Council


class CaseworkStages:
    """Mixed into the Simulation, which holds the generator, the calendar and the rows."""

    # -------------------------------------------------------------- referral and what follows

    def referral(self, council: Council, child: int, child_id: int, contact_id: int, link: int, day: date,
                 source: str, outcome: str, decided: datetime) -> None:
        """A referral, its assessment and case discussions, any child protection work, and when
        the case closes; stages in a fixed order, like a contact's."""
        day_ordinal = day.toordinal()
        if self.episode_until[child] > day_ordinal or self.child_dob[child] > day_ordinal + 270:
            # Already an open case (the contact joins it), or a pregnancy too early to refer (8606).
            return
        case = ReferralLife(ident=self.next_id("referral"), council=council, child=child, child_id=child_id,
                             contact_id=contact_id, link=link, day=day, source=source, outcome=outcome,
                             decided=decided)
        self.case_of[child] = case.ident
        self.case_since[child] = int(decided.timestamp()) + 1
        self._draw_allocation(case)
        self._draw_assessment(case)
        self.draw_transfer(case)
        self._draw_protection(case)
        self._draw_closure(case)
        self._write_referral(case)
        self._write_case_discussions(case)

    def _draw_allocation(self, case: ReferralLife) -> None:
        """Re-referral or not, the team by the child's age and locality, the worker once allocated."""
        rng, child, day_ordinal = self.rng, case.child, case.day.toordinal()
        previous = self.last_referral[child]
        case.re_referral = bool(previous) and day_ordinal - 365 <= previous <= day_ordinal
        self.last_referral[child] = max(previous, day_ordinal)
        self.recent_referrals.append((day_ordinal, child))
        age = (day_ordinal - self.child_dob[child]) / 365.25
        council = case.council
        case.team = council.older_team if age >= 14 else council.locality_teams[self.child_locality[child]]
        case.allocated = case.decided + timedelta(hours=1 + 29 * rng.random())
        case.worker = pick_one(rng, council.workers[case.team]) if case.allocated <= self.as_of else None
        case.head = council.team_manager[case.team]

    def _draw_assessment(self, case: ReferralLife) -> None:
        """The assessment, on the clock from the referral date (day 0), 45 working days."""
        rng, settings, day = self.rng, self.settings, case.day
        case.assessment_id = self.next_id("assessment")
        case.due = self.assessment_due(day)
        case.s47_route = case.outcome in ("strategy_s47", "immediate_protection")
        # An s47 starts its assessment with it (2991Q); otherwise within a week.
        case.started_on = day if case.s47_route else self.workday(day, below(rng, 0, 6))
        case.seen_on = self.workday(case.started_on, below(rng, 0, 5))
        if rng.random() < 0.9:
            k = min(settings.assessment_working_days, max(8, round(rng.triangular(8, 46, 36))))
        else:
            k = settings.assessment_working_days + 1 + int(rng.expovariate(1 / 10))
        case.authorised_on = self.workday(day, k)
        case.authorised_at = self.at_local(case.authorised_on, 9 + 8 * rng.random())
        case.authorised = case.authorised_at <= self.as_of
        outcomes = ASSESSMENT_OUTCOMES_AFTER_S47 if case.s47_route else ASSESSMENT_OUTCOMES
        case.assessment_outcome = outcomes.pick(rng)

    def _draw_protection(self, case: ReferralLife) -> None:
        """Strategy discussions: straight away for s47 and protection decisions; after an
        assessment that recommends an s47. Drawn before the closure: the case cannot close before
        the enquiry (and any plan it makes) has ended."""
        rng = self.rng
        if case.s47_route:
            held = self.workday(case.day, below(rng, 0, 2)) if case.outcome == "strategy_s47" else case.day
            case.work_until = self.strategy(case.ident, case.child_id, held, case.worker, case.team)
            self.draw_hold(case, held)
        elif case.authorised and case.assessment_outcome == "s47":
            held = self.workday(case.authorised_on, below(rng, 0, 3))
            if census_year_for(held) != census_year_for(case.authorised_on):
                held = case.authorised_on  # in the same census year as the assessment it follows (2991Q)
            case.work_until = self.strategy(case.ident, case.child_id, held, case.worker, case.team)
            self.draw_hold(case, held)

    def _draw_closure(self, case: ReferralLife) -> None:
        """The assessment's factors, and when and why the case closes (if it has by as_of)."""
        rng = self.rng
        closure = None
        if case.assessment_outcome == "no_further_action":
            # "No factors" goes with a case closed straight after its assessment (8873Q).
            factors = "21" if rng.random() < 0.4 and not case.s47_route else None
            closure = "RC8"
        else:
            factors = None
            if case.assessment_outcome == "early_help":
                closure = "RC9"
        if case.s47_route and closure:
            closure = "RC7"  # RC8/RC9 are for cases closed straight after an assessment (2990)
        case.factors = factors if factors is not None else self._factors()
        case.closed_at, case.closure = self._closed(case, closure)
        case.closed_now = case.authorised and case.closed_at is not None and case.closed_at <= self.as_of
        closed_on = self.london_date(case.closed_at) if case.closed_now else OPEN
        self.episode_until[case.child] = closed_on.toordinal()

    def _factors(self) -> str:
        rng = self.rng
        picked = []
        for _ in range(1 + (rng.random() < 0.55) + (rng.random() < 0.25)):
            code = FACTORS.pick(rng)
            if code not in picked:
                picked.append(code)
        return ",".join(picked)

    def _closed(self, case: ReferralLife, closure: str | None) -> tuple[datetime | None, str | None]:
        """(closed at, closure reason): straight after the assessment, or later, but never before
        the child protection work has ended."""
        rng, as_of = self.rng, self.as_of
        closed_at = None
        if closure:
            closed_at = case.authorised_at
        else:
            later = case.authorised_at + timedelta(days=30 + 150 * rng.random())
            if later <= as_of:
                closed_at, closure = later, LATER_CLOSURES.pick(rng)
        work_until = case.work_until
        if work_until is OPEN:
            return None, None
        if work_until is not None and closed_at is not None and self.london_date(closed_at) < work_until:
            closed_at = self.at_local(work_until, 16 + rng.random())
            if closure in ("RC8", "RC9"):
                closure = "RC7"
            if closed_at > as_of:
                return None, None
        return closed_at, closure

    def _write_referral(self, case: ReferralLife) -> None:
        """The referral and assessment rows and the assessment's clock."""
        rng, settings, today = self.rng, self.settings, self.as_of_date
        closed_now, authorised, closure = case.closed_now, case.authorised, case.closure
        self.rows["referral"].append((
            case.ident, case.child_id, case.contact_id, case.link, case.day, case.source, case.outcome,
            case.re_referral, case.decided, case.team, case.worker,
            case.allocated if case.worker else None, case.closed_at if closed_now else None,
            closure if closed_now else None,
            PRIMARY_NEEDS.pick(rng) if authorised else None, False,
            self.london_date(case.closed_at) if closed_now else None, case.head if closed_now else None, 1))
        late = case.authorised_on > case.due
        self.rows["assessment"].append((
            case.assessment_id, case.ident, case.child_id, case.team, case.worker,
            case.started_on if case.started_on <= today and case.started_on <= case.authorised_on else None,
            case.due,
            case.seen_on if case.seen_on <= today and case.seen_on <= case.authorised_on else None,
            case.authorised_at if authorised else None, case.authorised_on if authorised else None,
            case.head if authorised else None, case.assessment_outcome if authorised else None,
            case.factors if authorised else None,
            closure if authorised and closure in ("RC8", "RC9") else None,
            (case.assessment_outcome in ("child_in_need_plan", "s47")) if authorised else None,
            pick_one(rng, LATE_REASONS) if authorised and late else None, case.decided, 1))
        due_at, warn_at = self.date_clock_times(case.due, settings.assessment_warn_working_days)
        self.clock(ClockKind.ASSESSMENT.value, "assessment", case.assessment_id, started=case.decided,
                   due_at=due_at, warn_at=warn_at, stopped=case.authorised_at if authorised else None,
                   due_date=case.due, child_id=case.child_id, owner_id=case.worker, team_id=case.team)
        self.write_step_down(case)

    def _write_case_discussions(self, case: ReferralLife) -> None:
        """Management oversight points at 10 and 35 working days, each with its clock."""
        rng, as_of, today = self.rng, self.as_of, self.as_of_date
        for sequence, planned in enumerate(self.case_discussion_days(case.day), start=1):
            discussion_id = self.next_id("case_discussion")
            held = None
            if planned <= case.authorised_on:
                roll = rng.random()
                if roll < 0.85:
                    held = max(case.day, self.workday(planned, -below(rng, 0, 4)))
                elif roll < 0.95:
                    held = min(case.authorised_on, self.workday(planned, below(rng, 1, 6)))
            recorded = self.at_local(held, 12 + 5 * rng.random()) if held else None
            if held is not None and (held > today or recorded > as_of):
                held = recorded = None
            self.rows["case_discussion"].append((discussion_id, case.assessment_id, sequence, planned, held,
                                                 case.head if held else None, "Discussed with the team manager"
                                                 if held else None, recorded))
            cd_due, cd_warn = self.date_clock_times(planned, 1)
            if held:
                stopped = min(recorded, self.end_of_day(held))
            else:
                stopped = case.authorised_at if case.authorised else None
            self.clock(ClockKind.CASE_DISCUSSION.value, "case_discussion", discussion_id, started=case.decided,
                       due_at=cd_due, warn_at=cd_warn, stopped=stopped, due_date=planned, child_id=case.child_id,
                       owner_id=case.worker, team_id=case.team)

    def strategy(self, referral_id: int, child_id: int, held_on: date, worker: int | None, team: int):
        """The discussion, its s47 and conference, and any plan: returns the last day of that work
        (OPEN while it continues at `as_of`)."""
        rng, as_of = self.rng, self.as_of
        recorded = self.at_local(held_on, 15 + 3 * rng.random())
        if recorded > as_of:
            return OPEN
        ident = self.next_id("strategy_discussion")
        today = self.as_of_date
        s47 = rng.random() < 0.9
        row_s47 = outcome = outcome_on = icpc_due = icpc_held = not_needed = None
        plan = plan_start = plan_category = plan_end = None
        work_until = held_on
        if s47:
            row_s47 = held_on
            icpc_due = self.icpc_due(held_on)
            outcome = S47_OUTCOMES.pick(rng)
            outcome_on = self.workday(held_on, below(rng, 3, 12))
            stopped = None
            if outcome == "substantiated_icpc":
                k = below(rng, 8, 16) if rng.random() < 0.8 else below(rng, 16, 26)
                icpc_held = self.workday(held_on, k)
                outcome_on = min(outcome_on, icpc_held)
                held_time = self.at_local(icpc_held, 10 + 6 * rng.random())
                if held_time <= as_of and icpc_held <= today:
                    stopped = min(held_time, self.end_of_day(icpc_held))
                else:
                    icpc_held = None
            decided_at = self.at_local(outcome_on, 14 + 3 * rng.random())
            if decided_at > as_of:
                outcome = outcome_on = None
            elif outcome != "substantiated_icpc":
                not_needed = S47_LABELS[outcome]
                stopped = decided_at
            due_at, warn_at = self.date_clock_times(icpc_due, 3)
            self.clock(ClockKind.ICPC.value, "strategy_discussion", ident, started=recorded, due_at=due_at,
                       warn_at=warn_at, stopped=stopped, due_date=icpc_due, child_id=child_id, owner_id=worker,
                       team_id=team)
            if icpc_held is not None:
                plan = rng.random() < 0.85
                if plan:
                    plan_start, plan_category = icpc_held, CATEGORIES.pick(rng)
                    ends = self.workday(icpc_held, below(rng, 60, 280))
                    plan_end = ends if ends <= today and self.at_local(ends, 12) <= as_of else None
                work_until = plan_end if plan else icpc_held
                if plan and plan_end is None:
                    work_until = OPEN
            elif not_needed:
                work_until = outcome_on
            else:
                work_until = OPEN
        self.rows["strategy_discussion"].append((
            ident, referral_id, child_id, held_on, "police,health,education,childrens_social_care", worker,
            recorded, row_s47, outcome, outcome_on, icpc_due, icpc_held, not_needed, plan, plan_start,
            plan_category, plan_end, 1))
        return work_until
