"""The synthetic Front Door: every contact's whole life, cut at `as_of`.

Each contact is drawn with its source, channel, consent, RAG, partner requests, decision and,
for referrals, the assessment, case discussions, strategy discussion, s47 and conference that
follow, each with the instants it would happen at. Whatever would happen after `as_of` has not
happened yet: that is the open workload, with its clocks still running. Everything before it
is history, with its clocks stopped (met or breached) and the warnings and breaches a sweep
would have recorded.

Due dates come from the domain rules (triage.domain.clocks) and the council's working-day
calendar, exactly as the services compute them. Rows are tuples in COLUMNS order with ids
chosen here, handed to a sink in batches, parents before children.
"""
from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from triage.domain import clocks as rules
from triage.domain.identifiers import nhs_check_digit, upn_check_letter
from triage.generate.casework_stages import CaseworkStages
from triage.generate.contact_stages import ContactStages
from triage.generate.followup_stages import FollowUpStages, FrontDoorRules
from triage.generate.meeting_stages import MeetingStages
from triage.generate.presets import Preset
from triage.generate.record_stages import RecordStages
from triage.generate.shapes import (
    CHILDREN_PER_CONTACT,
    DAY,
    DISABILITIES,
    GROUPS,
    LONDON,
    RE_REFERRAL_PICK,
    REPEAT_CONTACT_PICK,
    SEXES,
    SOURCE_KIND,
    SOURCES,
    WEEKDAY_FACTOR,
    Weighted,
    below,
    pick_one,
)
from triage.generate.world import LOCALITY_WEIGHTS, Council

COLUMNS: dict[str, tuple[str, ...]] = {
    "child": ("id", "council_child_id", "first_name", "last_name", "date_of_birth", "expected_date_of_birth",
              "sex", "ethnicity", "address_line_1", "town", "postcode", "locality_id", "nhs_number", "upn",
              "upn_unknown_reason", "disabilities", "created_at", "updated_at", "version", "birth_date_status",
              "merged_into_id", "merged_at"),
    "contact": ("id", "received_at", "recorded_at", "recorded_by_id", "recorded_by_token_id", "channel",
                "source_code", "referrer_role", "referrer_agency", "concern", "consent", "consent_by",
                "consent_at", "consent_not_sought_reason", "police_incident_reference", "dash_risk",
                "operation_encompass_informed", "partner_reference", "partner_agency_id", "state", "rag",
                "locality_id", "team_id", "screened_by_id", "put_forward_to_meeting", "recommended_outcome",
                "recommendation", "recommended_by_id", "recommended_at", "decision_due_at", "decided_at",
                "acknowledged_at", "acknowledged_by_id", "feedback_at", "feedback_note", "version", "referrer_name",
                "referrer_contact_details", "consent_override_by_id", "consent_override_at",
                "consent_override_reason"),
    "contact_child": ("id", "contact_id", "child_id", "outcome", "rationale", "delay_reason", "decided_at",
                      "decided_by_id", "within_clock", "case_referral_id", "signposting"),
    "rag_change": ("id", "contact_id", "rag", "previous_rag", "reason", "changed_at", "changed_by_id"),
    "information_request": ("id", "contact_id", "agency_id", "question", "rag_at_request", "requested_at",
                            "requested_by_id", "due_at", "state", "answer", "answered_at", "answered_by",
                            "answering_agency_id", "version"),
    "referral": ("id", "child_id", "contact_id", "contact_child_id", "referral_date", "source_code", "outcome",
                 "is_re_referral", "created_at", "team_id", "worker_id", "allocated_at", "closed_at",
                 "closure_reason", "primary_need", "nfa", "closed_on", "closed_by_id", "version"),
    "assessment": ("id", "referral_id", "child_id", "team_id", "worker_id", "started_on", "due_date",
                   "child_seen_on", "authorised_at", "authorised_on", "authorised_by_id", "outcome", "factors",
                   "closure_reason", "needs_support", "late_reason", "created_at", "version"),
    "case_discussion": ("id", "assessment_id", "sequence", "planned_on", "held_on", "held_by_id", "note",
                        "recorded_at"),
    "strategy_discussion": ("id", "referral_id", "child_id", "held_on", "agencies_present", "recorded_by_id",
                            "recorded_at", "s47_started_on", "s47_outcome", "s47_outcome_on", "icpc_due_date",
                            "icpc_held_on", "icpc_not_needed_reason", "resulted_in_plan", "plan_start_date",
                            "plan_category", "plan_end_date", "version"),
    "clock": ("id", "kind", "subject", "subject_id", "contact_id", "child_id", "started_at", "due_at", "due_date",
              "warn_at", "stopped_at", "state", "breached_at", "owner_id", "team_id"),
    "clock_event": ("id", "clock_id", "kind", "at", "recorded_at"),
    "step_down": ("id", "referral_id", "child_id", "agency_id", "state", "note", "handed_over_at",
                  "handed_over_by_id", "due_date", "answered_at", "answered_by", "answer_reason", "version",
                  "contact_id"),
    "case_transfer": ("id", "referral_id", "from_team_id", "from_worker_id", "to_team_id", "to_worker_id", "reason",
                      "transferred_at", "transferred_by_id"),
    "notification": ("id", "user_id", "clock_event_id", "created_at", "message", "link", "read_at", "emailed_at",
                     "email_attempts", "email_last_attempt_at", "email_to", "email_subject", "email_body"),
    "referrer_feedback": ("id", "contact_id", "kind", "method", "recipient", "subject", "body", "sent_at",
                          "sent_by_id", "sent_by_token_id", "notification_id"),
    "out_of_hours_handover": ("id", "contact_id", "received_at", "handover_date", "listed_at", "accepted_at",
                              "accepted_by_id", "accepted_by_token_id", "version"),
    "child_merge": ("id", "kept_id", "duplicate_id", "merged_at", "merged_by_id", "kept_before", "duplicate_before",
                    "taken", "moved", "undone_at", "undone_by_id"),
    "retention_hold": ("id", "child_id", "reason", "placed_at", "placed_by_id", "placed_by", "lifted_at",
                       "lifted_by_id", "lifted_by", "lift_reason", "version"),
    "meeting": ("id", "type_code", "series", "meeting_date", "locality_id", "chair_id", "state",
                "planned_start_at", "cut_off", "started_at", "closed_at", "created_at", "created_by_id",
                "revision", "version"),
    "meeting_attendance": ("id", "meeting_id", "agency_id", "user_id", "name", "mode", "recorded_at",
                           "recorded_by_id"),
    "meeting_item": ("id", "meeting_id", "contact_id", "position", "source", "state", "added_at", "rag",
                     "outcome", "lead_agency_id", "rationale", "agreed_at", "agreed_by_id", "confirmed_at",
                     "confirmed_by_id", "version"),
    "item_contribution": ("id", "item_id", "agency_id", "text", "recorded_by", "recorded_at", "updated_at",
                          "version"),
    "meeting_action": ("id", "meeting_id", "item_id", "description", "owner_agency_id", "owner_name", "due_date",
                       "done_at", "created_at", "created_by_id", "version"),
}
# Parents before children: the order batches are written in.
ORDER = tuple(COLUMNS)
MEETING_TABLES = ("meeting", "meeting_attendance", "meeting_item", "item_contribution", "meeting_action")


def children_per_council(preset: Preset, years: float) -> int:
    """Children in each council's pool: its 0-17 population, plus those born into it over the years."""
    return max(20, round(preset.population / preset.councils * (1 + 0.05 * max(1.0, years))))


class Simulation(ContactStages, CaseworkStages, FollowUpStages, RecordStages, MeetingStages):
    """Draws a period of contacts and everything after them; writes rows to the sink as it goes."""

    def __init__(self, *, preset: Preset, councils: list[Council], start: datetime, end: datetime,
                 as_of: datetime, seed: int, settings, calendar, agencies: dict[str, int], next_id: Callable,
                 meetings: bool, existing_nhs: set[str], taken_meeting_days: set[tuple[str, date]],
                 emit: Callable[[str, list[tuple]], None], rules: FrontDoorRules):
        self.preset, self.councils = preset, councils
        self.start, self.end, self.as_of = start, end, as_of
        self.as_of_date = as_of.astimezone(LONDON).date()
        self.seed_text = f"{seed}:{preset.name}:{start.isoformat()}:" + ",".join(c.slug for c in councils)
        self.rng = random.Random(self.seed_text)
        self.xrng = random.Random(f"{self.seed_text}:follow-up")
        self.rules = rules
        self.agency_codes = {ident: code for code, ident in agencies.items()}
        self.child_columns = COLUMNS["child"]
        self.settings, self.calendar = settings, calendar
        self.agencies = agencies
        self.next_id = next_id
        self.meetings = meetings
        self.existing_nhs = existing_nhs
        self.taken_meeting_days = taken_meeting_days
        self.emit = emit
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self._day_start: dict[date, datetime] = {}
        self._end_of_day: dict[date, datetime] = {}
        self._workday: dict[tuple[date, int], date] = {}
        self._ack: dict[date, datetime] = {}
        self._assessment_due: dict[date, date] = {}
        self._case_discussions: dict[date, list[date]] = {}
        self._icpc_due: dict[date, date] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.lag = timedelta(seconds=37)  # how long after a due time the sweep noticed it
        self.decision_hours = timedelta(hours=settings.decision_hours)

    # -------------------------------------------------------------- calendar, cached

    def day_start(self, d: date) -> datetime:
        found = self._day_start.get(d)
        if found is None:
            found = self._day_start[d] = datetime.combine(d, time(0), tzinfo=LONDON).astimezone(UTC)
        return found

    def end_of_day(self, d: date) -> datetime:
        found = self._end_of_day.get(d)
        if found is None:
            found = self._end_of_day[d] = rules.end_of_day(d)
        return found

    def workday(self, d: date, n: int) -> date:
        key = (d, n)
        found = self._workday.get(key)
        if found is None:
            found = self._workday[key] = self.calendar.add_working_days(d, n)
        return found

    def acknowledgement_due(self, d: date, received: datetime) -> datetime:
        found = self._ack.get(d)
        if found is None:
            found = self._ack[d] = rules.acknowledgement_due(received, self.calendar)
        return found

    def assessment_due(self, referral_date: date) -> date:
        found = self._assessment_due.get(referral_date)
        if found is None:
            found = self._assessment_due[referral_date] = rules.assessment_due_date(
                referral_date, self.calendar, self.settings.assessment_working_days)
        return found

    def case_discussion_days(self, referral_date: date) -> list[date]:
        found = self._case_discussions.get(referral_date)
        if found is None:
            found = self._case_discussions[referral_date] = rules.case_discussion_due_dates(
                referral_date, self.calendar, self.settings.case_discussion_working_days)
        return found

    def icpc_due(self, strategy_date: date) -> date:
        found = self._icpc_due.get(strategy_date)
        if found is None:
            found = self._icpc_due[strategy_date] = rules.icpc_due_date(
                strategy_date, self.calendar, self.settings.icpc_working_days)
        return found

    def at_local(self, d: date, hours: float) -> datetime:
        """An instant `hours` into the London day d (kept inside that day across clock changes)."""
        start = self.day_start(d)
        length = (self.day_start(d + DAY) - start).total_seconds()
        return start + timedelta(seconds=min(hours * 3600.0, length - 1))

    def london_date(self, moment: datetime) -> date:
        return moment.astimezone(LONDON).date()

    def date_clock_times(self, due: date, warn_working_days: int) -> tuple[datetime, datetime]:
        """What services.clocks.start_date_clock stores: due at the end of the due day, warned from
        the start of the day `warn_working_days` working days before it."""
        warn_day = self.workday(due, -warn_working_days) if warn_working_days else due
        warn_at = self.end_of_day(warn_day - DAY) + timedelta(seconds=1)
        due_at = self.end_of_day(due)
        return due_at, min(warn_at, due_at)

    # -------------------------------------------------------------- children

    def make_children(self, created_at: datetime, first: int, per_council: int, first_duplicate: int = 0,
                      duplicate_slots: int = 0) -> None:
        """The councils' children, with ids first, first + 1, ... (a block the caller reserved), and
        the ids from first_duplicate for duplicate records (duplicate_slots per council)."""
        rng = random.Random(f"{self.seed_text}:children")
        records_rng = random.Random(f"{self.seed_text}:children:records")
        self.child_base: list[int] = []
        self.per_council = per_council
        total = per_council * len(self.councils)
        self.first_child = first
        self.child_dob = array("i", bytes(4 * total))
        self.child_locality = array("b", bytes(total))
        self.last_referral = array("i", bytes(4 * total))
        # The day each child's current case (census episode) closes: a contact while it is still
        # open joins that case instead of making a second referral (census rules 8815, 8820).
        self.episode_until = array("i", bytes(4 * total))
        self.case_of = array("i", bytes(4 * total))  # the child's latest referral (its open case while one is)
        self.case_since = array("q", bytes(8 * total))  # when that referral was made (Unix seconds)
        self.child_initials: list[str] = []
        self.start_records(first_duplicate, duplicate_slots)
        middle = self.start + (self.end - self.start) / 2
        middle_day = middle.astimezone(LONDON).date()
        latest_dob = min(self.as_of_date, self.end.astimezone(LONDON).date())
        self.latest_dob_ordinal = latest_dob.toordinal()
        localities = Weighted([(k, w) for k, w in enumerate(LOCALITY_WEIGHTS)])
        batch = []
        for c, council in enumerate(self.councils):
            self.child_base.append(first + c * per_council)
            for k in range(per_council):
                ident = first + c * per_council + k
                index = ident - first
                group = GROUPS.pick(rng)
                sex = SEXES.pick(rng)
                pool = group.female if sex == "female" else group.male if sex == "male" else group.female + group.male
                age_days = int(18 * 365.25 * rng.random() ** 1.15)
                born = middle_day - timedelta(days=age_days)
                unborn = born > latest_dob
                dob = None if unborn else born
                loc = localities.pick(rng)
                self.child_locality[index] = loc
                self.child_dob[index] = born.toordinal()
                nhs = None
                if ident < 1_000_000 and rng.random() < 0.85 and not unborn:
                    nine = f"999{ident:06d}"
                    check = nhs_check_digit(nine)
                    if check is not None and nine + str(check) not in self.existing_nhs:
                        nhs = nine + str(check)
                upn = None
                age_years = age_days / 365.25
                upn_unknown = None
                if 5 <= age_years < 17 and rng.random() < 0.7:
                    # A pseudo LA number the census accepts (001) and a serial unique to the child.
                    body = f"001{ident % 10_000_000:07d}{(born.year + 5) % 100:02d}"
                    upn = upn_check_letter(body) + body
                else:
                    # UN1 ("not of school age") only while the child is under six (8770Q).
                    young = unborn or (self.as_of_date - born).days < 5 * 365  # still under 6 next 31 March
                    upn_unknown = "UN1" if young else pick_one(rng, ("UN2", "UN3", "UN4", "UN5"))
                disabilities = DISABILITIES.pick(rng)
                street = pick_one(rng, council.streets[loc])
                postcode = f"{council.districts[loc]} {below(rng, 1, 10)}{pick_one(rng, 'ABDEFGHJLNPQRSTUWXYZ')}" \
                           f"{pick_one(rng, 'ABDEFGHJLNPQRSTUWXYZ')}"
                first_name, last_name = pick_one(rng, pool), pick_one(rng, group.surnames)
                self.child_initials.append(first_name[:1].upper() + last_name[:1].upper())
                row = (ident, f"G{ident:09d}", first_name, last_name, dob, born if unborn else None, sex, group.code,
                       f"{below(rng, 1, 180)} {street}", council.name, postcode, council.locality_ids[loc], nhs, upn,
                       upn_unknown, disabilities, created_at, created_at, 1,
                       self.birth_status(records_rng, index, unborn), None, None)
                self.note_candidate(records_rng, index, row, unborn)
                batch.append(row)
                if len(batch) >= 50_000:
                    self.emit("child", batch)
                    batch = []
        self.emit("child", batch)
        self.counts["child"] += total
        self.recent_referrals: list[tuple[int, int]] = []  # (referral date ordinal, child index)
        self.recent_referral_start = 0
        self.recent_contacts: list[int] = []

    def _random_child(self, rng, council: int) -> int:
        return self.child_base[council] - self.first_child + below(rng, self.per_council)

    def pick_children(self, rng, referral: bool, day_ordinal: int) -> list[int]:
        """Child indexes for one contact: a referral's first child is re-referred about 20% of the
        time (as in England); other contacts often name a child seen recently."""
        n = CHILDREN_PER_CONTACT.pick(rng)
        first = None
        if referral:
            recent = self.recent_referrals
            while self.recent_referral_start < len(recent) and recent[self.recent_referral_start][0] < day_ordinal - 365:
                self.recent_referral_start += 1
            if self.recent_referral_start < len(recent) and rng.random() < RE_REFERRAL_PICK:
                # A child referred in the last year whose case has closed since (an open case
                # would take the contact into itself rather than make a new referral).
                for _ in range(8):
                    first = recent[below(rng, self.recent_referral_start, len(recent))][1]
                    if self.episode_until[first] <= day_ordinal:
                        break
            else:
                council = below(rng, len(self.councils))
                for _ in range(8):
                    first = self._random_child(rng, council)
                    if self.last_referral[first] < day_ordinal - 365:
                        break
        elif self.recent_contacts and rng.random() < REPEAT_CONTACT_PICK:
            first = self.recent_contacts[-1 - below(rng, min(len(self.recent_contacts), 20_000))]
        if first is None:
            first = self._random_child(rng, below(rng, len(self.councils)))
        council = first // self.per_council
        chosen = [first]
        while len(chosen) < n:
            other = self._random_child(rng, council)
            if other not in chosen:
                chosen.append(other)
        return chosen

    # -------------------------------------------------------------- clocks

    def clock(self, kind: str, subject: str, subject_id: int, *, started: datetime, due_at: datetime,
              warn_at: datetime, stopped: datetime | None, due_date: date | None = None,
              contact_id: int | None = None, child_id: int | None = None, owner_id: int | None = None,
              team_id: int | None = None) -> None:
        """A clock as the services and a sweep at `as_of` would have left it, with its events."""
        as_of = self.as_of
        ident = self.next_id("clock")
        warn_at = min(warn_at, due_at)
        if stopped is not None and stopped > as_of:
            stopped = None
        breached_at = None
        if stopped is not None:
            state = "met" if stopped <= due_at else "breached"
            end = stopped
        else:
            state = "breached" if due_at < as_of else "due_soon" if warn_at <= as_of else "running"
            end = as_of
        if state == "breached":
            breached_at = due_at
        self.rows["clock"].append((ident, kind, subject, subject_id, contact_id, child_id, started, due_at,
                                   due_date, warn_at, stopped, state, breached_at, owner_id, team_id))
        events = self.rows["clock_event"]
        if warn_at < due_at and warn_at < end:
            events.append((self.next_id("clock_event"), ident, "due_soon", warn_at, min(warn_at + self.lag, end)))
        if due_at < end:
            events.append((self.next_id("clock_event"), ident, "breached", due_at, min(due_at + self.lag, end)))

    # -------------------------------------------------------------- the period

    def run(self, progress: Callable[[int], None], flush_days: int = 14) -> None:
        first_day = self.start.astimezone(LONDON).date()
        last_day = self.end.astimezone(LONDON).date()
        daily = self.preset.contacts_per_year / self.preset.councils / 365.25 * len(self.councils)
        self.start_meetings()
        day, since_flush = first_day, 0
        while day <= last_day:
            self.one_day(day, daily)
            since_flush += 1
            if since_flush >= flush_days:
                self.flush()
                since_flush = 0
            progress(1)
            day += DAY
        self.flush()

    def flush(self) -> None:
        for table in ORDER:
            rows = self.rows.get(table)
            if rows:
                self.emit(table, rows)
                self.counts[table] += len(rows)
                self.rows[table] = []

    def one_day(self, day: date, daily: float) -> None:
        rng = self.rng
        seasonal = 1.0 + 0.08 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 60) / 365.25)
        expected = daily * WEEKDAY_FACTOR[day.weekday()] * seasonal
        count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
        end_of_period = min(self.end, self.as_of)
        moments = []
        for _ in range(count):
            source = SOURCES.pick(rng)
            kind = SOURCE_KIND[source]
            if kind == "police":
                hours = rng.random() * 24
            else:
                hours = min(23.9, max(0.0, rng.triangular(7.5, 18.5, 11)))
                if day.weekday() >= 5 and rng.random() < 0.4:
                    source, kind, hours = "6", "police", rng.random() * 24
            received = self.at_local(day, hours)
            if received >= end_of_period or received < self.start:
                continue
            moments.append((received, source, kind))
        moments.sort(key=lambda m: m[0])
        for received, source, kind in moments:
            self.contact(day, received, source, kind)
        if self.meetings and self.calendar.is_working_day(day) and day <= self.as_of_date:
            for c, council in enumerate(self.councils):
                self.meetings_on(day, c, council)
